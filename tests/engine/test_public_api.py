"""The engine's curated API (docs/engine.md): everything a caller needs is in
``mspromo_engine.__all__``, and the service uses nothing else."""

from __future__ import annotations

import ast
from pathlib import Path

import mspromo_engine

SERVICE = Path(__file__).resolve().parents[2] / "src" / "mspromo_service"


def _engine_imports() -> list[tuple[str, int, str, list[str]]]:
    found = []
    for path in sorted(SERVICE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "mspromo_engine"
            ):
                found.append(
                    (str(path), node.lineno, node.module or "", [a.name for a in node.names])
                )
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("mspromo_engine"):
                        found.append((str(path), node.lineno, alias.name, []))
    return found


def test_the_service_imports_only_the_engines_public_names() -> None:
    imports = _engine_imports()
    assert imports  # the walk did find the service's engine imports
    public = set(mspromo_engine.__all__)
    for path, line, module, names in imports:
        assert module == "mspromo_engine", f"{path}:{line} imports {module}"
        assert set(names) <= public, f"{path}:{line}: {sorted(set(names) - public)}"


def test_every_exported_name_exists_and_evaluation_is_among_them() -> None:
    for name in mspromo_engine.__all__:
        assert getattr(mspromo_engine, name) is not None
    assert mspromo_engine.Evaluation.__name__ == "Evaluation"
    assert {"Evaluation", "PromotionResult", "Reason", "evaluate"} <= set(mspromo_engine.__all__)


def test_every_exported_name_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "engine.md").read_text("utf-8")
    missing = [n for n in mspromo_engine.__all__ if f"`{n}" not in doc and n != "__version__"]
    assert missing == []
