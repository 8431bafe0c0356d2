"""The console's server side: ``/console/`` files and ``/api/1.0/promotions/describe/``."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

from fakes import FakeRepository, client, promo

from mspromo_engine import describe_promotion, promotion_from_wire
from mspromo_engine.model import Family


def test_console_page_script_and_styles_are_package_files_served_with_a_strict_policy() -> None:
    c = client(FakeRepository())
    folder = resources.files("mspromo_service") / "console"
    for name, kind in (
        ("", "text/html"),
        ("index.html", "text/html"),
        ("console.js", "text/javascript"),
        ("console.css", "text/css"),
    ):
        r = c.simulate_get(f"/console/{name}")
        assert r.status_code == 200, name
        assert r.headers["content-type"].startswith(kind)
        assert r.content == (folder / (name or "index.html")).read_bytes()
        assert "default-src 'self'" in r.headers["content-security-policy"]
    assert c.simulate_get("/console").status_code == 200


def test_the_page_loads_nothing_from_another_host() -> None:
    folder = resources.files("mspromo_service") / "console"
    for name in ("index.html", "console.js", "console.css"):
        text = (folder / name).read_text("utf-8")
        assert not re.search(r"(src|href)=\"(https?:)?//", text), name
        assert not re.search(r"url\((['\"]?)(https?:)?//", text), name
        assert not re.search(r"\bimport\s.*['\"]https?://", text), name


def test_unknown_console_files_are_404_and_root_redirects_to_the_console() -> None:
    c = client(FakeRepository())
    assert c.simulate_get("/console/../settings.py").status_code == 404
    assert c.simulate_get("/console/nope.js").status_code == 404
    r = c.simulate_get("/")
    assert r.status_code == 302
    assert r.headers["location"].endswith("/console/")


def test_describe_gives_each_promotion_in_plain_words_and_its_state() -> None:
    c = client(FakeRepository())
    body = {
        "promotions": [promo("P1"), promo("P2", is_active=False)],
        "at": "2026-11-25T10:00:00Z",
    }
    r = c.simulate_post("/api/1.0/promotions/describe/", json=body)
    assert r.status_code == 200, r.text
    assert r.json["at"] == "2026-11-25T10:00:00+00:00"
    words = {p["promo_id_retailer"]: p for p in r.json["promotions"]}
    assert words["P1"]["state"] == "live"
    assert words["P2"]["state"] == "inactive"
    assert words["P1"]["description"].startswith("Buy ")


def test_describe_uses_the_currency_decimals_and_defaults_at_to_now() -> None:
    c = client(FakeRepository())
    wire = promo("P1", discount_type="v", discount_value="10")
    r = c.simulate_post(
        "/api/1.0/promotions/describe/", json={"promotions": [wire], "currency_decimals": 3}
    )
    assert r.status_code == 200
    assert "10.000 off" in r.json["promotions"][0]["description"]


def test_describe_rejects_bad_input_naming_each_path() -> None:
    c = client(FakeRepository())
    bad = promo("P1", discount_type="p", discount_value="150")
    r = c.simulate_post(
        "/api/1.0/promotions/describe/",
        json={"promotions": [bad], "at": "yesterday", "currency_decimals": 9},
    )
    assert r.status_code == 400
    paths = {e["path"] for e in r.json["errors"]}
    assert paths == {"at", "currency_decimals", "promotions[0].discount_value"}
    r = c.simulate_post("/api/1.0/promotions/describe/", json={"promotions": {}})
    assert r.status_code == 400
    r = c.simulate_post(
        "/api/1.0/promotions/describe/", json={"promotions": [], "at": "2026-11-25T10:00:00"}
    )
    assert r.status_code == 400
    assert r.json["errors"] == [{"path": "at", "message": "needs a UTC offset or Z"}]
    r = c.simulate_post("/api/1.0/promotions/describe/", json={"promotions": [{}] * 1001})
    assert r.status_code == 400
    assert r.json["errors"] == [{"path": "promotions", "message": "at most 1000 promotions"}]


def test_describe_over_http_gives_the_engine_sentence_for_every_family_example() -> None:
    root = Path(__file__).resolve().parents[2] / "docs" / "examples"
    wires = [
        p
        for folder in sorted(root.iterdir())
        if folder.is_dir()
        for p in json.loads((folder / "promotions.json").read_text("utf-8"))["promotions"]
    ]
    assert {w["family"] for w in wires} == {f.value for f in Family}
    r = client(FakeRepository()).simulate_post(
        "/api/1.0/promotions/describe/", json={"promotions": wires, "at": "2026-11-25T10:00:00Z"}
    )
    assert r.status_code == 200, r.text
    got = [(p["promo_id_retailer"], p["description"], p["state"]) for p in r.json["promotions"]]
    assert got == [
        (w["promo_id_retailer"], describe_promotion(promotion_from_wire(w)), "live") for w in wires
    ]
