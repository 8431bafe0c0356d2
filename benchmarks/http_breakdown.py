"""Where one evaluate request's time goes: Falcon, decoding, the engine, encoding.

In-process, no gunicorn and no network: the app as ``mspromo_service.wsgi`` builds it (the
shipped JSON access-log line per request included, written to ``os.devnull``), over the
HTTP benchmark's store (``http_common``: 5,000 promotions in a scratch database on the
local MariaDB, dropped afterwards) and its 40-line basket, plus the echo route of
``http_wsgi.py``. Each round calls the WSGI app once for evaluate and once for echo, then
runs the request's steps one by one; the table gives each step's median and p99, and
"Falcon + middleware" is the WSGI evaluate call less the steps (routing, request and
response objects, request id, the access line, headers).

    python benchmarks/http_breakdown.py --requests 300

With ``--wrappers`` each step instead runs ``--repeat`` times inside its own C function,
so callgrind counts the instructions of each step alone (``Ir`` of the wrapper, inclusive,
divided by ``--repeat``)::

    valgrind --tool=callgrind --collect-atstart=no \\
      --toggle-collect=_operator_call --toggle-collect=starmap_next \\
      --toggle-collect=takewhile_next --toggle-collect=dropwhile_next \\
      --toggle-collect=filterfalse_next --toggle-collect=_bisect_insort_left \\
      --toggle-collect=_bisect_insort_right --toggle-collect=_bisect_bisect_left \\
      --toggle-collect=_bisect_bisect_right --callgrind-out-file=/tmp/http.cg \\
      python benchmarks/http_breakdown.py --wrappers --repeat 20
    callgrind_annotate --inclusive=yes /tmp/http.cg | grep -E 'call|_next|bisect'
"""

from __future__ import annotations

import argparse
import bisect
import io
import itertools
import json
import logging
import operator
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from http_common import (  # type: ignore[import-not-found]
    DEFAULT_SERVER_URL,
    create_database,
    drop_database,
    load,
    scenario,
)

EVALUATE = "/api/1.0/promotions/evaluate"
ECHO = "/bench/echo"

# The steps of an evaluate request, in order; each names its callgrind wrapper.
STEPS = (
    ("WSGI evaluate (whole request)", "_operator_call"),
    ("WSGI echo (whole request)", "starmap_next"),
    ("decode: wire.loads", "takewhile_next"),
    ("parse: request_from_wire", "dropwhile_next"),
    ("rules: cache lookup", "filterfalse_next"),
    ("engine: limited_promotions", "_bisect_insort_left"),
    ("engine: evaluate", "_bisect_insort_right"),
    ("engine: evaluation_to_wire", "_bisect_bisect_left"),
    ("encode: dumps + UTF-8", "_bisect_bisect_right"),
)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    p.add_argument("--requests", type=int, default=300, help="timed rounds")
    p.add_argument("--promotions", type=int, default=5000)
    p.add_argument("--lines", type=int, default=40)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--mysql-url", default=DEFAULT_SERVER_URL)
    p.add_argument("--wrappers", action="store_true", help="for callgrind (see above)")
    p.add_argument("--repeat", type=int, default=20, help="calls per wrapper (--wrappers)")
    return p


def _app(url: str) -> Any:
    import falcon

    from mspromo_service.app import configure_logging, create_app
    from mspromo_service.resources.common import read_json
    from mspromo_service.settings import Settings
    from mspromo_service.storage import SqlRepository, create_engine

    # The rule set's freshness check is one query a second per process (a few hundred
    # thousand instructions a request at 100 requests/s): left out here, or callgrind's
    # slowness would run it on every request.
    settings = Settings.from_env(
        {
            "MSPROMO_DATABASE_URL": url,
            "DEPLOYMENT_ENV": "test",
            "MSPROMO_RULES_MAX_STALENESS": "3600",
        }
    )
    configure_logging("INFO", None, settings.service_name)  # as mspromo_service.wsgi does
    for handler in logging.getLogger("mspromo_service").handlers:
        handler.setStream(open(os.devnull, "w"))  # type: ignore[attr-defined]  # noqa: SIM115
    app = create_app(settings, SqlRepository(create_engine(url)))

    class EchoResource:  # http_wsgi.py's
        write_methods: ClassVar[frozenset[str]] = frozenset()

        def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
            resp.media = read_json(req, settings.max_body_bytes)

    app.add_route(ECHO, EchoResource())
    return app, settings


def _steps(app: Any, settings: Any, payload: bytes) -> list[Callable[[], Any]]:
    """One callable per STEPS entry; the manual steps answer what the app answers."""
    import falcon.testing

    from mspromo_engine import UsageCounts, evaluate, evaluation_to_wire, limited_promotions, wire
    from mspromo_service.contract import EVALUATE as ENDPOINT
    from mspromo_service.resources.common import dumps
    from mspromo_service.resources.evaluate import rules_for

    def wsgi(path: str) -> Callable[[], bytes]:
        template = falcon.testing.create_environ(
            path=path, method="POST", body=payload, headers={"Content-Type": "application/json"}
        )

        def call() -> bytes:  # what gunicorn hands the app: a fresh environ and body stream
            environ = {**template, "wsgi.input": io.BytesIO(payload)}
            return b"".join(app(environ, lambda status, headers, exc_info=None: None))

        return call

    cache = app._router.find(EVALUATE)[0]._cache  # the evaluate resource's rules cache
    now = datetime.now(UTC)
    data = wire.loads(payload)
    request = ENDPOINT.parse(data, now=now, limits=settings.limits)
    rules = rules_for(cache, request.store_id).rules
    result = evaluate(request, rules, UsageCounts())
    answer = evaluation_to_wire(result)
    steps = [
        wsgi(EVALUATE),
        wsgi(ECHO),
        lambda: wire.loads(payload),
        lambda: ENDPOINT.parse(data, now=now, limits=settings.limits),
        lambda: rules_for(cache, request.store_id),
        lambda: limited_promotions(request, rules),
        lambda: evaluate(request, rules, UsageCounts()),
        lambda: evaluation_to_wire(result),
        lambda: dumps(answer).encode(),
    ]
    assert steps[0]() == steps[-1](), "the steps answer differently from the app"
    return steps


def _wrapped(steps: list[Callable[[], Any]], repeat: int) -> None:
    """Each step ``repeat`` times inside its own C function (STEPS' wrapper names)."""

    def rep(step: Callable[[], Any]) -> Callable[..., bool]:
        def run(*_: Any) -> bool:
            for _ in range(repeat):
                step()
            return True

        return run

    s = [rep(step) for step in steps]
    operator.call(s[0])
    list(itertools.starmap(s[1], [()]))
    list(itertools.takewhile(s[2], [0]))
    list(itertools.dropwhile(s[3], [0]))
    list(itertools.filterfalse(s[4], [0]))
    bisect.insort_left([], 0, key=s[5])
    bisect.insort_right([], 0, key=s[6])
    bisect.bisect_left([0], 0, key=s[7])
    bisect.bisect_right([0], 0, key=s[8])


def _timed(steps: list[Callable[[], Any]], rounds: int) -> list[list[float]]:
    times: list[list[float]] = [[] for _ in steps]
    clock = time.perf_counter_ns
    for _ in range(rounds):
        for i, step in enumerate(steps):
            start = clock()
            step()
            times[i].append((clock() - start) / 1e6)
    return times


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) > 1 else values[0]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    promotions, request = scenario(args.promotions, args.lines, args.seed)
    payload = json.dumps(request).encode()
    url = create_database(args.mysql_url)
    try:
        load(url, promotions)
        app, settings = _app(url)
        steps = _steps(app, settings, payload)
        for _ in range(20):  # warm-up: caches, the rule set compiled
            for step in steps:
                step()
        if args.wrappers:
            _wrapped(steps, args.repeat)
            print(f"ran each step {args.repeat} times in its wrapper")
            return 0
        times = _timed(steps, args.requests)
    finally:
        drop_database(url)
    med = [statistics.median(t) for t in times]
    whole = med[0]
    falcon_share = whole - sum(med[2:])
    print(
        f"{args.requests} rounds; {len(promotions)} promotions, {args.lines}-line basket "
        f"({len(payload)} bytes); load average {os.getloadavg()[0]:.1f}\n"
    )
    print(f"{'step':<32} {'median ms':>10} {'p99 ms':>8} {'share':>6}")
    for (name, _wrapper), m, t in zip(STEPS, med, times, strict=True):
        share = f"{m / whole:>6.1%}" if name.startswith(("decode", "parse", "rules", "en")) else ""
        print(f"{name:<32} {m:>10.3f} {_p99(t):>8.3f} {share:>6}")
    rest = "Falcon + middleware (the rest)"
    print(f"{rest:<32} {falcon_share:>10.3f} {'':>8} {falcon_share / whole:>6.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
