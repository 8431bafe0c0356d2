"""``/openapi.json``: the API described in OpenAPI 3.1."""

from __future__ import annotations

from typing import Any, ClassVar

import falcon

__all__ = ["OpenApiResource"]


class OpenApiResource:
    write_methods: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, document: dict[str, Any]) -> None:
        self._document = document

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = self._document
