"""What a new user does first, as the README says it: its code blocks run as written,
``mspromo --version``, and the URLs ``./dev serve`` prints when the service is ready."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest

import mspromo_engine
from mspromo_service import gunicorn_conf

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text("utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", README, re.S | re.M)


def test_the_readme_python_snippets_run_as_written_and_print_what_they_say(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    blocks = _blocks("python")
    assert blocks
    for code in blocks:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
        promised = re.findall(r"^print\(.*\)\s+# (.+)$", code, re.M)
        assert out.getvalue().splitlines() == promised


def _mspromo(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-m", "mspromo_service.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_readme_mspromo_commands_run_against_the_example_files() -> None:
    commands = [
        shlex.split(line)
        for block in _blocks("sh")
        for line in block.splitlines()
        if line.startswith("mspromo ")
    ]
    assert ["mspromo", "--version"] in commands
    assert any(c[1] == "evaluate" for c in commands)
    for command in commands:
        done = _mspromo(*command[1:])
        assert done.returncode == 0, done.stderr
        if command[1] == "evaluate":
            assert json.loads(done.stdout)["basket"]["discount"] == "10.000"


def test_version_of_the_command_and_the_engine_is_the_distribution_version() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    version = pyproject["project"]["version"]
    assert mspromo_engine.__version__ == version
    done = _mspromo("--version")
    assert done.stdout.strip() == f"mspromo {version}"


def test_the_readme_example_request_file_exists() -> None:
    for path in re.findall(r"docs/examples/[\w./-]+\.json", README):
        assert (ROOT / path).is_file(), path


@pytest.mark.parametrize(
    ("bind", "base"),
    [
        ("0.0.0.0:8001", "http://localhost:8001"),
        ("127.0.0.1:9000", "http://127.0.0.1:9000"),
    ],
)
def test_when_ready_prints_the_api_and_console_urls(
    bind: str, base: str, capsys: pytest.CaptureFixture[str]
) -> None:
    gunicorn_conf.when_ready(SimpleNamespace(cfg=SimpleNamespace(bind=[bind])))
    err = capsys.readouterr().err
    assert f"API {base}/api/1.0/promotions/" in err
    assert f"console {base}/console/" in err
