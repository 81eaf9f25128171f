"""The support desk in a real browser: Debian's headless chromium driven by Selenium against
a real `eg4sheet serve`. Without chromium and chromium-driver (./dev test installs them as
root) the whole module skips with one line."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import EXAMPLE, build_pdf, findings_for
from tests.serving import browser_missing

pytestmark = pytest.mark.slow  # one server, one browser per worker (./dev test: a file per worker)

if (missing := browser_missing()) is not None:
    pytest.skip(missing, allow_module_level=True)

from selenium.webdriver.chrome.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

from tests.desk import Desk, set_viewport, wait_for_file  # noqa: E402
from tests.serving import chromium, running_server  # noqa: E402
from tests.sheet_helpers import page_texts  # noqa: E402


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with running_server() as url:
        yield url


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def driver(downloads: Path) -> Iterator[WebDriver]:
    with chromium(downloads=downloads) as browser:
        yield browser


@pytest.fixture
def desk(driver: WebDriver, base: str) -> Iterator[Desk]:
    page = Desk(driver, base)
    page.open_fresh()
    yield page
    logs = driver.get_log("browser")  # type: ignore[no-untyped-call]
    severe = [entry for entry in logs if entry["level"] == "SEVERE"]
    assert severe == [], severe  # no script error, no CSP violation, nothing failed to load


def post(base: str, path: str, body: bytes, kind: str = "application/json") -> bytes:
    request = urllib.request.Request(base + path, body, {"Content-Type": kind}, method="POST")
    with urllib.request.urlopen(request, timeout=30) as answer:
        return bytes(answer.read())


def test_typed_example_has_no_errors_and_downloads_the_build_sheet(
    desk: Desk, base: str, downloads: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk.type_manufacturer_example()
    assert desk.wait_for_no_errors() == "No errors, 5 warnings. The sheet can be printed."
    assert desk.wait(lambda: len(desk.finds("#plan-rows tr")) == 6)
    drawn = (
        "return [...document.querySelectorAll('#plan-rows img.dip')]"
        ".filter(i => i.complete && i.naturalWidth > 0).length"
    )
    desk.wait(lambda: desk.driver.execute_script(drawn) == 6)  # the sheet's DIP drawings

    desk.find("#download-pdf").click()
    pdf = wait_for_file(downloads, ".pdf")
    assert pdf.name == "garcia-residence-ess-bank-a.pdf"
    text = " ".join(page_texts(pdf.read_bytes()))
    for fact in [
        "Garcia residence, ESS bank A",
        "Maria Garcia",
        "LLS2409-1187",
        "EG4 18kPV",
        "LL-V2 (4 DIP)",
        "LifePower4",
        "V15P15",
        "Q-2026-0317",
    ]:
        assert fact in text
    # The very sheet `eg4sheet build` makes of the spec the page sent.
    answer = json.loads(
        post(base, "/api/spec?name=bank.yaml", json.dumps(desk.spec_json()).encode())
    )
    monkeypatch.chdir(tmp_path)  # as `eg4sheet build bank.yaml` names it
    Path("bank.yaml").write_text(answer["yaml"])
    assert pdf.read_bytes() == build_pdf(Path("bank.yaml"))
    assert EXAMPLE.read_text().count("model:") == len(desk.rows())


def test_wrong_bank_shows_e102_with_its_hint_and_corrects_it(desk: Desk) -> None:
    desk.add_battery("LifePower4")
    desk.add_battery("LL-S")
    expected = next(
        f
        for f in findings_for("batteries:\n  - model: LifePower4\n  - model: LL-S\n")
        if f.code == "E102"
    )
    shown = desk.wait(lambda: [t for t in desk.row_findings(0) if "E102" in t])
    assert shown == [f"ERROR E102 {expected.message}\nFix: {expected.hint}"]
    assert desk.status().startswith("1 error")

    desk.find("#correct").click()
    desk.wait(lambda: desk.find("#correction").is_displayed())
    found = desk.find("#rack-found").text
    corrected = desk.find("#rack-corrected").text
    assert found.index("LifePower4") < found.index("LL-S")
    assert corrected.index("LL-S") < corrected.index("LifePower4")
    changes = [item.text for item in desk.finds("#changes > li")]
    # The change list as the sheet has it: make safe first, the LifePower4 out before the
    # LL-S goes into position 1.
    assert changes[0] == "Switch off every battery breaker and BMS switch."
    out = changes.index("Take out the LifePower4 from position 1.")
    assert out < changes.index("Put the LL-S into position 1; connect its DC cables.")

    desk.find("#use-corrected").click()
    desk.wait(lambda: desk.models() == ["LL-S", "LifePower4"])
    desk.wait_for_no_errors()


def test_loading_a_sheet_pdf_brings_back_its_bank(desk: Desk, tmp_path: Path) -> None:
    sheet = tmp_path / "customer-sheet.pdf"
    sheet.write_bytes(build_pdf(EXAMPLE))
    desk.load_file(sheet)
    desk.wait(lambda: desk.message() == "Loaded the bank from the sheet customer-sheet.pdf.")
    assert desk.find('[data-job="title"]').get_attribute("value") == "Garcia residence, ESS bank A"
    assert desk.models() == ["LL-S", "LL-V2 (6 DIP)", "LL-V2 (4 DIP)", "LL-V1", "LifePower4"]
    assert desk.battery_input(2, "Count").get_attribute("value") == "2"
    assert desk.battery_input(3, "Firmware installed").get_attribute("value") == "V15P15"
    assert desk.wait_for_no_errors() == "No errors, 5 warnings. The sheet can be printed."


def test_markup_typed_into_fields_shows_as_text(desk: Desk) -> None:
    markup = '<img src=x onerror="window.pwned=1">'
    desk.add_battery("LL-S")
    desk.battery_input(0, "Serial").send_keys("<b>S1</b>")
    desk.battery_input(0, "Firmware installed").send_keys(markup)
    desk.wait(lambda: any("E110" in text for text in desk.row_findings(0)))
    assert markup[:20] in desk.row_findings(0)[0]
    desk.find("#correct").click()
    desk.wait(lambda: "<b>S1</b>" in desk.find("#rack-found").text)
    assert desk.finds("#batteries img, #rack-found b, #general-findings b") == []
    assert desk.driver.execute_script("return window.pwned === undefined") is True


def test_reload_keeps_the_form(desk: Desk) -> None:
    desk.job("customer", "Jane Smith")
    desk.add_battery("LL-V1", 3)
    desk.battery_input(0, "Serial").send_keys("LL1-7")
    desk.driver.refresh()
    desk.wait(lambda: len(desk.rows()) == 1)
    assert desk.find('[data-job="customer"]').get_attribute("value") == "Jane Smith"
    assert desk.battery_input(0, "Count").get_attribute("value") == "3"
    assert desk.battery_input(0, "Serial").get_attribute("value") == "LL1-7"


def test_keyboard_alone_reorders_and_keeps_focus(desk: Desk) -> None:
    desk.add_battery("LL-V1")
    desk.add_battery("LL-S")
    up = desk.find('button[aria-label="Move battery 2 up"]')
    up.send_keys(Keys.ENTER)
    desk.wait(lambda: desk.models() == ["LL-S", "LL-V1"])
    focused = desk.driver.switch_to.active_element
    assert focused.get_attribute("aria-label") == "Model of battery 1"
    # Tab on from there reaches the row's buttons: nothing needs a mouse.
    focused.send_keys(Keys.TAB)
    assert desk.driver.switch_to.active_element.get_attribute("aria-label") == "Move battery 1 down"
    desk.wait_for_no_errors()


def test_phone_width_has_no_sideways_scrolling(desk: Desk) -> None:
    set_viewport(desk.driver, 390, 844, mobile=True)
    try:
        desk.load_file(EXAMPLE)
        desk.wait_for_no_errors()
        desk.find("#correct").click()
        desk.wait(lambda: desk.find("#correction").is_displayed())
        width = desk.driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= 390
    finally:
        desk.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
