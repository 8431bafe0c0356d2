"""The ``mspromo`` command line (SPEC §7).

``evaluate`` needs only the engine: this module imports nothing from the service (or
SQLAlchemy, Falcon, gunicorn) at import time, so ``mspromo evaluate`` works in an install
without the ``service`` extra. The other subcommands import what they need when they run.

Exit codes: 0 success, 1 failure (e.g. the database does not answer), 2 invalid input or
usage (``evaluate`` prints the error body of SPEC §7 on stderr).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from mspromo_engine import (
    ErrorDetail,
    RuleSet,
    UsageCounts,
    ValidationError,
    __version__,
    evaluate_json,
    json_default,
    promotion_from_wire,
    usage_from_wire,
)

__all__ = ["main"]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_INVALID = 2


def _dump(value: Any) -> str:
    return json.dumps(value, default=json_default, ensure_ascii=False, indent=2)


def _read_json(path: str, what: str) -> Any:
    """The JSON in ``path`` (``-`` = stdin), decimals as Decimal; ValidationError if bad."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError(
            [ErrorDetail(what, f"cannot read {path}: {exc.strerror or exc}")],
            title="Unreadable input",
        ) from None
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            [
                ErrorDetail(
                    what, f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
                )
            ],
            title="Invalid JSON",
        ) from None
    except UnicodeDecodeError:
        raise ValidationError([ErrorDetail(what, "not UTF-8 text")], title="Invalid JSON") from None


def _load_promotions(data: Any) -> list[Any]:
    if isinstance(data, dict) and "promotions" in data:
        items, root = data["promotions"], "promotions"
    else:
        items, root = data, "promotions"
    if not isinstance(items, list):
        raise ValidationError(
            [ErrorDetail(root, 'must be a JSON list of promotions or {"promotions": [...]}')],
            title="Invalid promotions",
        )
    promos: list[Any] = []
    errors: list[ErrorDetail] = []
    for i, raw in enumerate(items):
        try:
            promos.append(promotion_from_wire(raw, path=f"{root}[{i}]"))
        except ValidationError as exc:
            errors.extend(exc.errors)
    if errors:
        raise ValidationError(errors, title="Invalid promotions")
    return promos


def _cmd_evaluate(args: argparse.Namespace) -> int:
    try:
        promos = _load_promotions(_read_json(args.promotions, "promotions"))
        request = _read_json(args.request, "request")
        usage = UsageCounts()
        if args.usage is not None:
            usage = usage_from_wire(_read_json(args.usage, "usage"))
        rules = RuleSet.compile(promos)
        response = evaluate_json(request, rules, now=datetime.now(UTC), usage=usage)
    except ValidationError as exc:
        print(_dump(exc.as_body()), file=sys.stderr)
        return EXIT_INVALID
    print(_dump(response))
    return EXIT_OK


class _CommandError(Exception):
    """A failure to report in one line on stderr, with an exit status."""

    def __init__(self, message: str, status: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.status = status


def _settings() -> Any:
    from mspromo_service.settings import Settings, SettingsError

    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise _CommandError(f"invalid configuration: {exc}", EXIT_INVALID) from None


def _cmd_serve(args: argparse.Namespace) -> int:
    from mspromo_service.settings import SettingsError

    # Refuse here, in one line, what the WSGI module would refuse with a traceback.
    try:
        _settings().check_write_protection()
    except SettingsError as exc:
        raise _CommandError(f"refusing to start: {exc}", EXIT_INVALID) from None
    # gunicorn loads the app; this process only becomes gunicorn and writes nothing.
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "python:mspromo_service.gunicorn_conf",
        *args.gunicorn_args,
        "mspromo_service.wsgi:app",
    ]
    os.execv(sys.executable, argv)
    return EXIT_FAILURE  # pragma: no cover - execv does not return


def _cmd_db_upgrade(args: argparse.Namespace) -> int:
    from mspromo_service.migrations import upgrade

    settings = _settings()
    upgrade(settings.database_url, args.revision)
    print(f"database upgraded to {args.revision}", file=sys.stderr)
    return EXIT_OK


def _cmd_delete_promos(args: argparse.Namespace) -> int:
    from mspromo_service.storage import create_engine, delete_promos

    engine = create_engine(_settings().database_url)
    try:
        counts = delete_promos(
            engine,
            softdelete=args.softdelete,
            deactivated=args.deactivated,
            dry_run=args.dry_run,
            batch_size=args.batch_size,
        )
    finally:
        engine.dispose()
    print(_dump(counts))
    return EXIT_OK


def _example_promotions() -> list[dict[str, Any]]:
    from importlib.resources import files

    text = files("mspromo_service").joinpath("examples/promotions.json").read_text("utf-8")
    data = json.loads(text, parse_float=Decimal)
    promos: list[dict[str, Any]] = data["promotions"] if isinstance(data, dict) else data
    return promos


def _cmd_load_examples(_args: argparse.Namespace) -> int:
    import sqlalchemy as sa

    from mspromo_service.storage import SqlRepository, create_engine, header

    engine = create_engine(_settings().database_url)
    try:
        if not sa.inspect(engine).has_table(header.name):
            print(
                "the database has no promotion tables: run `mspromo db upgrade` first",
                file=sys.stderr,
            )
            return EXIT_FAILURE
        repo = SqlRepository(engine)
        created, skipped = [], []
        existing: dict[str, set[str]] = {}
        for promo in _example_promotions():
            retailer = promo["retailer"]
            if retailer not in existing:
                existing[retailer] = {
                    p.promo_id_retailer for p in repo.promotions_of_retailer(retailer)
                }
            pid = promo["promo_id_retailer"]
            if pid in existing[retailer]:
                skipped.append(pid)
                continue
            repo.create_promotion(promo)
            existing[retailer].add(pid)
            created.append(pid)
    finally:
        engine.dispose()
    print(_dump({"created": created, "skipped": skipped}))
    return EXIT_OK


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mspromo", description="mspromo promotion engine and service."
    )
    parser.add_argument("--version", action="version", version=f"mspromo {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser(
        "serve",
        help="run the HTTP service under gunicorn (writes no data)",
        description="Run gunicorn with mspromo_service.gunicorn_conf; any further "
        "arguments (after an optional --) go to gunicorn.",
    )
    serve.set_defaults(func=_cmd_serve)

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    up = db_sub.add_parser("upgrade", help="apply the migrations to the configured database")
    up.add_argument("revision", nargs="?", default="head", help="target (default: head)")
    up.set_defaults(func=_cmd_db_upgrade)

    delete = sub.add_parser(
        "delete-promos",
        help="remove soft-deleted store links and/or deactivated promotions, atomically",
    )
    delete.add_argument("--softdelete", action="store_true", help="remove soft-deleted store links")
    delete.add_argument(
        "--deactivated",
        action="store_true",
        help="remove deactivated promotions with their groups, nodes, special info and links",
    )
    delete.add_argument("--dry-run", action="store_true", help="report the counts, change nothing")
    delete.add_argument(
        "--batch-size", type=_positive_int, default=1000, help="ids per DELETE (default 1000)"
    )
    delete.set_defaults(func=_cmd_delete_promos)

    examples = sub.add_parser(
        "load-examples",
        help="store the README's example promotions for store s-1 (skips ones present)",
    )
    examples.set_defaults(func=_cmd_load_examples)

    evaluate = sub.add_parser(
        "evaluate",
        help="evaluate a request against promotions from files (engine only)",
        description="Print the evaluate response (SPEC §6) for REQUEST against PROMOTIONS. "
        "Invalid input: the error body on stderr, exit status 2.",
    )
    evaluate.add_argument(
        "--promotions",
        required=True,
        metavar="FILE",
        help='JSON list of promotions, or {"promotions": [...]}; - for stdin',
    )
    evaluate.add_argument(
        "--request", required=True, metavar="FILE", help="the evaluate request JSON"
    )
    evaluate.add_argument(
        "--usage",
        metavar="FILE",
        help='redemption counts (SPEC §9): {"promotions": [{"retailer", "promo_id_retailer", '
        '"redemptions", "customer_redemptions"}]}; none: no promotion has been redeemed',
    )
    evaluate.set_defaults(func=_cmd_evaluate)
    return parser


# What every subcommand but ``evaluate`` imports when it runs.
_SERVICE_MODULES = ("falcon", "sqlalchemy", "alembic", "gunicorn", "pymysql")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "serve":
        args.gunicorn_args = extra[1:] if extra[:1] == ["--"] else extra
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "delete-promos" and not (args.softdelete or args.deactivated):
        parser.error("delete-promos: give --softdelete, --deactivated or both")
    if args.command != "evaluate":
        missing = [m for m in _SERVICE_MODULES if importlib.util.find_spec(m) is None]
        if missing:
            print(
                f"mspromo {args.command}: needs the service extra "
                f"(pip install 'mspromo[service]'); missing: {', '.join(missing)}",
                file=sys.stderr,
            )
            return 2
    try:
        status: int = args.func(args)
    except _CommandError as exc:
        print(f"mspromo {args.command}: {exc}", file=sys.stderr)
        return exc.status
    except Exception as exc:
        # The database does not answer, or refuses: one line, not a traceback.
        if type(exc).__module__.startswith("sqlalchemy") and args.command != "evaluate":
            print(f"mspromo {args.command}: database error: {exc}", file=sys.stderr)
            return EXIT_FAILURE
        raise
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
