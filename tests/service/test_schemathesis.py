"""schemathesis against the live service (SPEC §7.1): gunicorn over a migrated database
(SQLite, and MySQL when MSPROMO_TEST_MYSQL_URL is set), every check, a bounded number of
examples per operation, deterministic generation. Zero failures: the service answers what
``/openapi.json`` says, refuses what it forbids, and never 500s."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_gunicorn import free_port, running_gunicorn

pytestmark = pytest.mark.integration

CONFIG = Path(__file__).with_name("schemathesis.toml")
TOKEN = "schemathesis-token"


@pytest.fixture
def live(database_url: str, tmp_path: Path) -> Iterator[str]:
    from mspromo_service.migrations import upgrade

    upgrade(database_url, "head")
    port = free_port()
    env = {
        **os.environ,
        "GUNICORN_BIND_ADDRESS": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "2",
        "MSPROMO_DATABASE_URL": database_url,
        "MSPROMO_ADMIN_TOKEN": TOKEN,
        "HOME": str(tmp_path),
        "XDG_RUNTIME_DIR": "",
    }
    with running_gunicorn(tmp_path, port, env) as base:
        yield base


def test_schemathesis_finds_no_failure(live: str, tmp_path: Path) -> None:
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or shutil.which("st")
    assert st is not None, "schemathesis is in the test extra"
    run = subprocess.run(
        [
            st,
            "--config-file",
            str(CONFIG),
            "run",
            f"{live}/openapi.json",
            "--checks",
            "all",
            "--workers",
            "1",
            "-H",
            f"Authorization: Bearer {TOKEN}",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,
        check=False,
    )
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-6000:]
    assert " 0 failures" in out or "passed" in out, out[-3000:]
