"""The service's WSGI app plus a trivial JSON echo route, for benchmarks/http_bench.py only.

``POST /bench/echo`` reads the body with the same JSON machinery as the real endpoints and
writes it back: the difference to ``/evaluate/`` is the engine's (and the rules cache's)
share of a request.
"""

from __future__ import annotations

from typing import ClassVar

import falcon

from mspromo_service.resources.common import read_json
from mspromo_service.wsgi import app, settings

__all__ = ["app"]


class EchoResource:
    write_methods: ClassVar[frozenset[str]] = frozenset()

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = read_json(req, settings.max_body_bytes)


app.add_route("/bench/echo", EchoResource())
