"""``/console/``: the web console's page, script and styles (SPEC §10).

The files are package data (``mspromo_service/console/``), read once when the app is
built. The page talks only to this service's public API; the Content-Security-Policy
makes the browser refuse anything from another host.
"""

from __future__ import annotations

from importlib import resources
from typing import ClassVar

import falcon

from mspromo_service.exceptions import NotFound

__all__ = ["ConsoleResource", "RootResource"]

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def _load() -> dict[str, tuple[str, bytes]]:
    folder = resources.files("mspromo_service") / "console"
    out: dict[str, tuple[str, bytes]] = {}
    for entry in folder.iterdir():
        suffix = entry.name[entry.name.rfind(".") :] if "." in entry.name else ""
        if entry.is_file() and suffix in _TYPES:
            out[entry.name] = (_TYPES[suffix], entry.read_bytes())
    return out


class ConsoleResource:
    """GET ``/console/`` (the page) and ``/console/{asset}`` (its script and styles)."""

    write_methods: ClassVar[frozenset[str]] = frozenset()

    def __init__(self) -> None:
        self._files = _load()

    def on_get(self, req: falcon.Request, resp: falcon.Response, asset: str = "index.html") -> None:
        found = self._files.get(asset)
        if found is None:
            raise NotFound(f"no console file {asset!r}")
        resp.content_type, resp.data = found
        resp.set_header("Cache-Control", "no-cache")
        resp.set_header("Content-Security-Policy", _CSP)
        resp.set_header("X-Content-Type-Options", "nosniff")
        resp.set_header("Referrer-Policy", "no-referrer")


class RootResource:
    """GET ``/``: people who open the service's address land on the console."""

    write_methods: ClassVar[frozenset[str]] = frozenset()

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        raise falcon.HTTPFound("/console/")
