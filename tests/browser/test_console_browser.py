"""The console (SPEC §10) in a real browser: Debian's Chromium driven by Playwright, against
a real ``mspromo serve`` (gunicorn) on a free loopback port over a migrated SQLite file
with the example promotions loaded.

Every test fails on a JavaScript error, a console error or a request to another host.
Screenshots go to ``test-output/`` (or ``$MSPROMO_TEST_OUTPUT``); CI keeps them.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
# Debian's Chromium (ci/install-browser.sh installs it), or a Chrome already on PATH.
CHROMIUM = (
    os.environ.get("MSPROMO_CHROMIUM")
    or shutil.which("chromium")
    or shutil.which("google-chrome")
    or "/usr/bin/chromium"
)
if not Path(CHROMIUM).exists():
    if os.environ.get("MSPROMO_REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"MSPROMO_REQUIRE_BROWSER=1 but there is no browser at {CHROMIUM}")
    pytest.skip(
        "Chromium is not installed: `bash ci/install-browser.sh` (CI does) to run these",
        allow_module_level=True,
    )

from playwright.sync_api import (  # noqa: E402 - only once Chromium is known to exist
    Browser,
    ConsoleMessage,
    Page,
    Route,
    expect,
    sync_playwright,
)

TOKEN = "console-test-token"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OUTPUT = Path(os.environ.get("MSPROMO_TEST_OUTPUT", ROOT / "test-output"))
SERVE_LOGS: dict[str, Path] = {}  # base URL -> the output of its `mspromo serve`


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _cli(*args: str, env: dict[str, str], cwd: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "mspromo_service.cli", *args],
        env=env,
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``mspromo serve`` on 127.0.0.1, example promotions in store s-1."""
    work = tmp_path_factory.mktemp("console-server")
    port = _free_port()
    env = {
        **os.environ,
        "DEPLOYMENT_ENV": "test",
        "MSPROMO_ADMIN_TOKEN": TOKEN,
        "MSPROMO_DATABASE_URL": f"sqlite:///{work / 'console.sqlite3'}",
        "GUNICORN_BIND_ADDRESS": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "4",
        "MSPROMO_RULES_MAX_STALENESS": "0.2",
    }
    _cli("db", "upgrade", env=env, cwd=work)
    _cli("load-examples", env=env, cwd=work)
    log = (work / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "mspromo_service.cli", "serve"],
        env=env,
        cwd=work,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(base + "/health_check/", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError((work / "serve.log").read_text())
        time.sleep(0.2)
    SERVE_LOGS[base] = work / "serve.log"
    try:
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Watch:
    """What a page did that a test must not see: JS errors, console errors, foreign hosts."""

    def __init__(self, base: str) -> None:
        self.host = urlsplit(base).netloc
        self.errors: list[str] = []
        self.foreign: list[str] = []

    def console(self, message: ConsoleMessage) -> None:
        # Chromium logs every 4xx/5xx answer as "Failed to load resource"; the tests cause
        # those on purpose and check what the page shows. Anything else is an error.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(f"console error: {message.text}")

    def route(self, route: Route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob") or parts.netloc == self.host:
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[tuple[Page, Watch]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    watch = Watch(server)
    context.route("**/*", watch.route)
    p = context.new_page()
    p.on("pageerror", lambda e: watch.errors.append(f"pageerror: {e}"))
    p.on("console", watch.console)
    p.goto(server + "/console/")
    yield p, watch
    context.close()
    assert watch.errors == [], watch.errors
    assert watch.foreign == [], watch.foreign


def _screenshot(p: Page, name: str) -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{name}.png"
    p.screenshot(path=str(path), full_page=True)
    return path


def _load(p: Page, store: str = "s-1") -> None:
    p.get_by_test_id("store-input").fill(store)
    p.get_by_test_id("store-load").click()
    expect(p.locator("#store-status")).to_contain_text(f"Store {store}")


def _line(p: Page, index: int, sku: str, mrp: str, qty: int, categories: str = "") -> None:
    p.get_by_test_id("line-sku").nth(index).fill(sku)
    p.get_by_test_id("line-mrp").nth(index).fill(mrp)
    p.get_by_test_id("line-qty").nth(index).fill(str(qty))
    if categories:
        p.get_by_test_id("line-categories").nth(index).fill(categories)


def _row(p: Page, promo_id: str) -> Any:
    return p.get_by_test_id("promotion-row").filter(has_text=promo_id)


# ---------------------------------------------------------------------------------------


def test_store_promotions_are_listed_in_plain_words_with_state(page: tuple[Page, Watch]) -> None:
    p, _ = page
    _load(p)
    rows = p.get_by_test_id("promotions-table").get_by_test_id("promotion-row")
    expect(rows).to_have_count(4)
    pen = _row(p, "EX-PEN-3-FOR-10-OFF")
    expect(pen).to_contain_text("Buy 3 PEN, 10.00 off the 3; up to 5 times")
    expect(pen).to_contain_text("Live")
    expect(pen).to_contain_text("e · Easy")

    p.get_by_test_id("promotion-filter").fill("socks")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("EX-SOCKS-B2G1")
    p.get_by_test_id("promotion-filter").fill("no such promotion")
    expect(rows).to_have_count(0)
    expect(p.locator("#promotions-empty")).to_contain_text("No promotion matches")
    p.get_by_test_id("promotion-filter").fill("")

    # Before the window: scheduled; after it: ended.
    p.get_by_test_id("at-input").fill("2019-06-01T10:00:00Z")
    p.get_by_test_id("store-load").click()
    expect(pen).to_contain_text("Scheduled")
    p.get_by_test_id("at-input").fill("2100-06-01T10:00:00Z")
    p.get_by_test_id("store-load").click()
    expect(pen).to_contain_text("Ended")

    pen.get_by_role("button", name="Open EX-PEN-3-FOR-10-OFF").click()
    expect(p.locator("#detail-words")).to_contain_text("Buy 3 PEN, 10.00 off the 3")
    detail = json.loads(p.locator("#detail-json").inner_text())
    assert detail["promo_id_retailer"] == "EX-PEN-3-FOR-10-OFF"


def test_simulate_a_basket_read_discount_breakdown_and_explanations(
    page: tuple[Page, Watch],
) -> None:
    p, _ = page
    _load(p)
    _line(p, 0, "PEN", "15.00", 4)
    p.get_by_test_id("line-add").click()
    _line(p, 1, "SOCK-RED", "6.00", 2, "c1:SOCKS")
    p.get_by_test_id("evaluate").click()
    expect(p.get_by_test_id("basket-discount")).to_have_text("10.00")
    expect(p.get_by_test_id("basket-total")).to_have_text("62.00")

    pen = p.get_by_test_id("result-line").filter(has_text="PEN line-1")
    expect(pen).to_contain_text("2 × 3.33 off → 11.67 each")
    expect(pen).to_contain_text("1 × 3.34 off → 11.66 each")
    expect(pen).to_contain_text("EX-PEN-3-FOR-10-OFF: 2 more units")

    explanations = p.get_by_test_id("explanations").get_by_test_id("explanation-row")
    applied = explanations.filter(has_text="EX-PEN-3-FOR-10-OFF")
    expect(applied).to_have_attribute("data-code", "applied")
    socks = explanations.filter(has_text="EX-SOCKS-B2G1")
    expect(socks).to_have_attribute("data-code", "not_enough_units")
    expect(socks).to_contain_text("1 more needed")
    _screenshot(p, "console-1280")
    p.set_viewport_size({"width": 768, "height": 1024})
    _assert_fits(p)
    _screenshot(p, "console-768")


def _assert_fits(p: Page) -> None:
    """Nothing wider than the window except inside the scrolling table wrappers."""
    overflow = p.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    hidden_buttons = p.evaluate(
        """() => [...document.querySelectorAll('button')].filter((b) => {
            const r = b.getBoundingClientRect();
            const box = (b.closest('.scroll') || document.documentElement).getBoundingClientRect();
            return r.width > 0 && (r.right > Math.min(box.right, window.innerWidth) || r.left < 0);
        }).map((b) => b.textContent)"""
    )
    assert hidden_buttons == []


def test_money_follows_the_currency_decimals(page: tuple[Page, Watch]) -> None:
    p, _ = page
    p.get_by_test_id("store-input").fill("s-1")
    p.locator("#decimals").fill("0")
    _line(p, 0, "PEN", "15", 4)
    p.get_by_test_id("evaluate").click()
    expect(p.get_by_test_id("basket-discount")).to_have_text("10")
    expect(p.get_by_test_id("result-line")).to_contain_text("2 × 3 off → 12 each")
    p.locator("#decimals").fill("3")
    p.get_by_test_id("evaluate").click()
    expect(p.get_by_test_id("basket-discount")).to_have_text("10.000")


def test_coupons_and_qualifiers_go_into_the_request(page: tuple[Page, Watch]) -> None:
    p, _ = page
    p.get_by_test_id("store-input").fill("s-1")
    _line(p, 0, "PEN", "15.00", 1)
    p.get_by_test_id("coupons-input").fill("save10, Club")
    p.get_by_test_id("qualifiers-input").fill("GOLD")
    p.get_by_test_id("at-input").fill("2026-11-25T10:00:00Z")
    with p.expect_download() as info:
        p.get_by_role("button", name="Download request").click()
    request = json.loads(Path(info.value.path()).read_text())
    assert request["coupons"] == ["save10", "Club"]
    assert request["special_promos"][0]["group_qualifiers"][0]["qualifier_ids"] == ["GOLD"]
    assert request["at"] == "2026-11-25T10:00:00Z"
    assert request["explain"] is True
    assert request["basket"]["items"] == [
        {"sku": "PEN", "item_id": "line-1", "mrp": "15.00", "qty": 1}
    ]


def test_a_request_file_uploads_and_the_response_downloads(
    page: tuple[Page, Watch], tmp_path: Path
) -> None:
    p, _ = page
    example = json.loads((ROOT / "docs/examples/evaluate-request.json").read_text())
    upload = tmp_path / "request.json"
    upload.write_text(json.dumps(example))
    p.locator("#upload-request").set_input_files(str(upload))
    expect(p.get_by_test_id("store-input")).to_have_value("s-1")
    expect(p.get_by_test_id("line-sku").first).to_have_value("PEN")
    expect(p.get_by_test_id("line-categories").first).to_have_value("c1:STATIONERY")
    p.get_by_test_id("evaluate").click()
    expect(p.get_by_test_id("basket-discount")).to_have_text("10.00")
    with p.expect_download() as info:
        p.get_by_role("button", name="Download response").click()
    response = json.loads(Path(info.value.path()).read_text())
    assert response["basket"]["discount"] == "10.000"


def test_saving_a_bad_promotion_shows_the_error_at_its_path_then_the_fix_is_listed(
    page: tuple[Page, Watch],
) -> None:
    p, _ = page
    _load(p, "s-edit")  # its own store: the other tests see s-1 as loaded by the examples
    p.get_by_test_id("token-input").fill(TOKEN)
    p.get_by_role("button", name="New promotion").click()
    draft = json.loads(p.get_by_test_id("promotion-editor").input_value())
    assert draft["stores"] == ["s-edit"]
    draft.update(promo_id_retailer="UI-HALF-MUGS", title="Mugs half price", discount_type="p")
    draft["discount_value"] = "150"
    draft["promo_groups"][0]["promo_group_nodes"] = [{"node_id": "MUG", "node_type": "i"}]
    p.get_by_test_id("promotion-editor").fill(json.dumps(draft))
    p.get_by_test_id("promotion-save").click()
    errors = p.get_by_test_id("promotion-errors")
    expect(errors.locator("li")).to_have_count(1)
    expect(errors.locator('li[data-path="discount_value"]')).to_contain_text(
        "a percentage cannot exceed 100"
    )
    expect(_row(p, "UI-HALF-MUGS")).to_have_count(0)

    draft["discount_value"] = "50"
    p.get_by_test_id("promotion-editor").fill(json.dumps(draft))
    p.get_by_test_id("promotion-save").click()
    expect(p.locator("#editor-status")).to_have_text("Saved UI-HALF-MUGS.")
    expect(errors.locator("li")).to_have_count(0)
    expect(_row(p, "UI-HALF-MUGS")).to_contain_text("Buy 3 MUG, 50% off")

    # Edit it: a bad field names the edited JSON's path; the fix is listed.
    edited = json.loads(p.get_by_test_id("promotion-editor").input_value())
    edited["promo_groups"][0]["promo_group_nodes"][0]["node_type"] = "zz"
    p.get_by_test_id("promotion-editor").fill(json.dumps(edited))
    p.get_by_test_id("promotion-save").click()
    expect(
        errors.locator('li[data-path="promo_groups[0].promo_group_nodes[0].node_type"]')
    ).to_contain_text("must be one of i, c1")
    edited["promo_groups"][0]["promo_group_nodes"][0]["node_type"] = "i"
    edited["promo_groups"][0]["qty_or_value_min"] = 2
    p.get_by_test_id("promotion-editor").fill(json.dumps(edited))
    p.get_by_test_id("promotion-save").click()
    expect(p.locator("#editor-status")).to_have_text("Saved UI-HALF-MUGS.")
    expect(_row(p, "UI-HALF-MUGS")).to_contain_text("Buy 2 MUG, 50% off")


def test_without_the_token_a_save_says_401(page: tuple[Page, Watch]) -> None:
    p, _ = page
    _load(p)
    p.get_by_role("button", name="New promotion").click()
    p.get_by_test_id("promotion-save").click()
    expect(p.locator("#editor-status")).to_contain_text("needs the admin token (401)")
    p.get_by_test_id("token-input").fill("wrong")
    p.get_by_test_id("promotion-save").click()
    expect(p.locator("#editor-status")).to_contain_text("token was refused (401)")


def test_deactivate_and_remove_a_store_link(page: tuple[Page, Watch]) -> None:
    p, _ = page
    _load(p, "s-temp")
    p.get_by_test_id("token-input").fill(TOKEN)
    p.get_by_test_id("promotion-editor").fill(
        json.dumps(
            {
                "retailer": "demo",
                "promo_id_retailer": "UI-TEMP",
                "family": "b",
                "discount_type": "p",
                "discount_value": "5",
                "start_date_time": "2020-01-01T00:00:00Z",
                "end_date_time": "2099-01-01T00:00:00Z",
                "stores": ["s-temp"],
                "promo_groups": [
                    {
                        "name": "g1",
                        "qty_or_value_min": "100",
                        "promo_group_nodes": [{"node_id": "ALL"}],
                    }
                ],
            }
        )
    )
    p.get_by_test_id("promotion-save").click()
    row = _row(p, "UI-TEMP")
    expect(row).to_contain_text("Spend 100.00 on any item, 5% off the lot")
    row.get_by_role("button", name="Deactivate UI-TEMP").click()
    expect(row).to_contain_text("Inactive")
    p.once("dialog", lambda d: d.accept())
    row.get_by_role("button", name="Remove UI-TEMP from store s-temp").click()
    expect(p.locator("#store-status")).to_contain_text("Removed UI-TEMP from store s-temp")
    expect(row).to_have_count(0)


def test_empty_and_error_states(page: tuple[Page, Watch]) -> None:
    p, _ = page
    _load(p, "no-such-store")
    expect(p.locator("#store-status")).to_contain_text("has no promotions linked to it")
    expect(p.locator("#promotions-empty")).to_contain_text(
        "No promotions are linked to store no-such-store"
    )

    p.get_by_test_id("at-input").fill("not a time")
    p.get_by_test_id("store-input").fill("s-1")
    p.get_by_test_id("store-load").click()
    expect(p.locator("#at-error")).to_contain_text("Time:")

    # The database is down: the service answers 503 with Retry-After (SPEC §7.2).
    def unavailable(route: Route) -> None:
        route.fulfill(
            status=503,
            headers={"Retry-After": "5", "Content-Type": "application/json"},
            body=json.dumps({"title": "Service unavailable", "description": "db", "errors": []}),
        )

    p.route("**/api/1.0/promotions/store/**", unavailable)
    p.get_by_test_id("at-input").fill("")
    p.get_by_test_id("store-load").click()
    expect(p.locator("#store-status")).to_have_text(
        "Store s-1: the database is unavailable (503). Retry in 5 s."
    )


def test_every_input_has_a_label_and_the_page_works_from_the_keyboard(
    page: tuple[Page, Watch],
) -> None:
    p, _ = page
    unlabelled = p.evaluate(
        """() => [...document.querySelectorAll('input, textarea, select')]
            .filter((i) => i.labels.length === 0 && !i.getAttribute('aria-label'))
            .map((i) => i.id || i.outerHTML)"""
    )
    assert unlabelled == []
    p.get_by_test_id("store-input").focus()
    p.keyboard.type("s-1")
    p.keyboard.press("Enter")
    expect(p.get_by_test_id("promotion-row")).to_have_count(4)
    p.get_by_test_id("line-sku").first.focus()
    p.keyboard.type("PEN")
    p.keyboard.press("Tab")  # item id
    p.keyboard.press("Tab")  # mrp
    p.keyboard.type("15.00")
    p.keyboard.press("Tab")  # sp
    p.keyboard.press("Tab")  # qty
    p.keyboard.press("Control+A")
    p.keyboard.type("3")
    p.get_by_test_id("evaluate").focus()
    p.keyboard.press("Enter")
    expect(p.get_by_test_id("basket-discount")).to_have_text("10.00")


def test_the_page_its_script_and_styles_come_from_the_service(server: str) -> None:
    with urllib.request.urlopen(server + "/console/") as r:
        html = r.read().decode()
        assert r.headers["Content-Type"].startswith("text/html")
        assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert 'src="/console/console.js"' in html
    assert 'href="/console/console.css"' in html
    assert "http://" not in html.replace('href="/openapi.json"', "")
    for asset, kind in (("console.js", "text/javascript"), ("console.css", "text/css")):
        with urllib.request.urlopen(f"{server}/console/{asset}") as r:
            assert r.headers["Content-Type"].startswith(kind)
            body = r.read().decode()
            assert "http://" not in body and "https://" not in body
    with urllib.request.urlopen(server + "/") as r:  # redirected
        assert r.url == server + "/console/"


def test_serve_says_where_the_api_and_the_console_are(server: str) -> None:
    log = SERVE_LOGS[server].read_text()
    assert f"API {server}/api/1.0/promotions/" in log
    assert f"console {server}/console/" in log


SPEC_HOOKS = [
    "store-input",
    "store-load",
    "promotions-table",
    "promotion-row",
    "promotion-filter",
    "line-add",
    "line-sku",
    "line-item-id",
    "line-mrp",
    "line-sp",
    "line-qty",
    "line-categories",
    "at-input",
    "coupons-input",
    "evaluate",
    "basket-discount",
    "basket-total",
    "explanations",
    "explanation-row",
    "token-input",
    "promotion-editor",
    "promotion-save",
    "promotion-errors",
]


def test_every_hook_of_spec_10_is_on_the_page(page: tuple[Page, Watch]) -> None:
    p, _ = page
    _load(p)
    _line(p, 0, "PEN", "15.00", 3)
    p.get_by_test_id("evaluate").click()
    expect(p.get_by_test_id("explanation-row").first).to_have_attribute("data-code", "applied")
    for hook in SPEC_HOOKS:
        assert p.get_by_test_id(hook).count() >= 1, hook
    rows = p.get_by_test_id("promotions-table").get_by_test_id("promotion-row")
    assert rows.count() == p.get_by_test_id("promotion-row").count()
    explained = p.get_by_test_id("explanations").get_by_test_id("explanation-row")
    assert explained.count() == p.get_by_test_id("explanation-row").count()
