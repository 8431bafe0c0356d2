"""docker/constraints.txt, the image's pins (ci/lock-deps.sh refreshes it): it names
exactly the service extra's dependency closure, and each pin is inside pyproject's range.

The image build checks the same against what pip really installs; this test says so
early, when pyproject.toml changes without a refreshed lock."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
REFRESH = "run `bash ci/lock-deps.sh` and commit docker/constraints.txt"


def locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "docker" / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"not an exact pin: {line!r}"
            pins[canonicalize_name(name)] = version.strip()
    return pins


def direct() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in project["dependencies"]] + [
        Requirement(r) for r in project["optional-dependencies"]["service"]
    ]


def closure(requirements: list[Requirement]) -> set[str]:
    """Names of the installed distributions these requirements pull in (markers applied)."""
    seen: set[str] = set()
    todo = list(requirements)
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if name in seen or (req.marker is not None and not req.marker.evaluate({"extra": ""})):
            continue
        seen.add(name)
        todo.extend(Requirement(r) for r in metadata.requires(req.name) or [])
    return seen


def test_every_direct_dependency_is_pinned_within_its_range() -> None:
    pins = locked()
    for req in direct():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not in docker/constraints.txt: {REFRESH}"
        assert req.specifier.contains(pins[name]), f"{req} vs {pins[name]}: {REFRESH}"


def test_the_lock_names_exactly_the_dependency_closure() -> None:
    assert set(locked()) == closure(direct()), REFRESH
