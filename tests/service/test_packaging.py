"""The wheel carries what the service serves: the console's files and the examples."""

from __future__ import annotations

import zipfile
from pathlib import Path

from hatchling.builders.wheel import WheelBuilder

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_holds_the_console_files(tmp_path: Path) -> None:
    [wheel] = list(WheelBuilder(str(ROOT)).build(directory=str(tmp_path), versions=["standard"]))
    names = set(zipfile.ZipFile(wheel).namelist())
    console = ROOT / "src/mspromo_service/console"
    expected = {f"mspromo_service/console/{p.name}" for p in console.iterdir()}
    assert {"index.html", "console.js", "console.css"} <= {p.name for p in console.iterdir()}
    assert expected <= names
    assert "mspromo_service/examples/promotions.json" in names
