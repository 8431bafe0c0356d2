"""Development sessions; run them through ``./dev SESSION`` (or ``nox -s SESSION``).

Every session installs the project from its own metadata (pyproject.toml extras), so the
versions used here are the ones the package declares.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nox

nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["lint", "typecheck", "tests"]

PYTHON = "3.11"
ROOT = Path(__file__).parent


def _dev_requirement(name: str) -> str:
    """The requirement for ``name`` as written in the ``dev`` extra of pyproject.toml."""
    extras = nox.project.load_toml(ROOT / "pyproject.toml")["project"]["optional-dependencies"]
    for requirement in extras["dev"]:
        if re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower() == name:
            return str(requirement)
    raise LookupError(f"{name} is not in the dev extra of pyproject.toml")


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check over the whole repository."""
    session.install(_dev_requirement("ruff"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict over src/ (configuration in pyproject.toml)."""
    session.install("-e", ".[test]", _dev_requirement("mypy"))
    session.run("mypy", "--strict", "src")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """pytest on 2 workers. MySQL tests run when MSPROMO_TEST_MYSQL_URL is set."""
    session.install("-e", ".[test]")
    session.run("pytest", "-n", "2", "tests", *session.posargs)


@nox.session(python=PYTHON)
def serve(session: nox.Session) -> None:
    """Migrate the database, load the example promotions, serve on 0.0.0.0:8001.

    Without MSPROMO_DATABASE_URL / MYSQL_* the database is a SQLite file in the working
    directory. Arguments after ``--`` go to ``mspromo serve``.
    """
    session.log("installing mspromo with its service extra into .nox/serve (first run: a minute)")
    session.install("-e", ".[service]")
    # A development machine: writes may be open without a token (a set value wins).
    env = {"DEPLOYMENT_ENV": os.environ.get("DEPLOYMENT_ENV") or "local"}
    session.log("migrating the database (MSPROMO_DATABASE_URL, else ./mspromo.sqlite3)")
    session.run("mspromo", "db", "upgrade", env=env)
    session.log("loading the example promotions into store s-1 (existing ones are kept)")
    session.run("mspromo", "load-examples", env=env)
    session.log("starting gunicorn; it prints the API and console URLs when it is ready")
    session.run("mspromo", "serve", *session.posargs, env=env)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Engine benchmark, then the HTTP benchmark when present; arguments go to both."""
    session.install("-e", ".[test]")
    session.run("python", "benchmarks/engine_bench.py", *session.posargs)
    if (ROOT / "benchmarks" / "http_bench.py").exists():
        session.run("python", "benchmarks/http_bench.py", *session.posargs)


@nox.session(python=PYTHON)
def deep(session: nox.Session) -> None:
    """The engine against the reference evaluator (tests/reference/) on 50,000 generated
    cases instead of CI's 2,000; about an hour on 2 cores."""
    session.install("-e", ".[test]")
    session.run(
        "pytest",
        "-n",
        "2",
        "tests/reference",
        *session.posargs,
        env={"MSPROMO_REFERENCE_EXAMPLES": "50000"},
    )
