"""The support desk in a real browser: Debian's headless chromium driven by Selenium against
a real `eg4sheet serve`. Without chromium and chromium-driver (./dev test installs them as
root) the whole module skips with one line."""

from __future__ import annotations

import base64
import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.bank.i18n import LANGUAGES
from generator.bank.paper import DEFAULT_PAPER, PAPERS
from generator.bank.spec import BATTERY, JOB
from generator.server.desk import FORM_LABELS
from generator.sheet.view import sheet_view
from tests.helpers import EXAMPLE, WRONG_BANKS, analysis_of, build_pdf, example_sheet, findings_for
from tests.serving import browser_missing

pytestmark = pytest.mark.slow  # one server, one browser per worker (./dev test: a file per worker)

if (missing := browser_missing()) is not None:
    pytest.skip(missing, allow_module_level=True)

from selenium.webdriver.chrome.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

from tests.desk import Desk, press_tab, rect, set_viewport, wait_for_file  # noqa: E402
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


def capital(message: str) -> str:
    """A finding's message as the page shows it: a sentence, starting with a capital."""
    return message[:1].upper() + message[1:]


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
        ".filter(i => i.complete && i.naturalWidth > 0).length === 6"
    )
    desk.until(drawn)  # the sheet's DIP drawings

    desk.find("#download-pdf").click()
    # While the server makes it: the very sheet `eg4sheet build` makes of the spec the page sent.
    answer = json.loads(
        post(base, "/api/spec?name=bank.yaml", json.dumps(desk.spec_json()).encode())
    )
    monkeypatch.chdir(tmp_path)  # as `eg4sheet build bank.yaml` names it
    Path("bank.yaml").write_text(answer["yaml"])
    built = build_pdf(Path("bank.yaml"))
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
    assert pdf.read_bytes() == built
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
    assert shown == [f"ERROR E102 {capital(expected.message)}\nFix: {expected.hint}"]
    assert desk.status().startswith("1 error")

    desk.find("#correct").click()
    desk.wait(lambda: desk.find("#correction").is_displayed())
    found = desk.find("#rack-found").text
    corrected = desk.find("#rack-corrected").text
    assert found.index("LifePower4") < found.index("LL-S")
    assert corrected.index("LL-S") < corrected.index("LifePower4")
    changes = desk.texts("#changes li")
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
    sheet.write_bytes(example_sheet())
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


# --- round two: the support flow on a phone and by keyboard (issue 20) ----------------------

PHONE = (375, 667)
MARK = re.compile(r'fill="#fff"[^>]*>(\d+)</text>')


def phone(desk: Desk) -> None:
    set_viewport(desk.driver, *PHONE, mobile=True)


def accept_confirm(desk: Desk, accept: bool = True) -> str:
    alert = desk.wait(lambda: desk.driver.switch_to.alert)
    text = str(alert.text)
    if accept:
        alert.accept()
    else:
        alert.dismiss()
    return text


def shown_in_viewport(desk: Desk, css: str) -> bool:
    box = rect(desk.driver, desk.find(css))
    height = desk.driver.execute_script("return window.innerHeight")
    return box["top"] >= 0 and box["bottom"] <= height and box["height"] > 0


@pytest.fixture
def reset_viewport(driver: WebDriver) -> Iterator[None]:
    yield
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


# Each plan row: the box of each DIP drawing, switch state and firmware cell (CSS pixels in
# the viewport, as tests.desk.rect), the states' and the firmware cell's text as shown: ""
# when it is not (display, visibility or opacity, its own or an ancestor's), as Selenium's
# element text says.
PLAN_ROWS = """
const shown = { opacityProperty: true, visibilityProperty: true };
const text = (element) => (element.checkVisibility(shown) ? element.innerText : "");
return [...document.querySelectorAll("#plan-rows tr")].map((row) => ({
  parts: [...row.querySelectorAll("img.dip, .state, td.firmware")].map((part) => {
    const box = part.getBoundingClientRect();
    return { text: text(part), left: box.left, right: box.right };
  }),
  states: [...row.querySelectorAll(".state")].map(text),
  firmware: text(row.querySelector("td.firmware")),
}));
"""


def test_phone_shows_every_switch_and_the_firmware_without_sideways_scrolling(
    desk: Desk, reset_viewport: None
) -> None:
    phone(desk)
    desk.load_file(EXAMPLE)
    desk.wait_for_no_errors()
    desk.wait(lambda: len(desk.finds("#plan-rows tr")) == 6)
    loaded = (
        "return [...document.querySelectorAll('#plan-rows img.dip')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    desk.until(loaded)
    width = PHONE[0]
    assert desk.driver.execute_script("return document.documentElement.scrollWidth") <= width
    switches = []
    for row in desk.driver.execute_script(PLAN_ROWS):  # one look at all rows
        for part in row["parts"]:
            assert part["left"] >= 0 and part["right"] <= width, part
        switches.append(row["states"])
        assert row["firmware"].startswith("needs "), row["firmware"]
    assert [len(states) for states in switches] == [6, 6, 4, 4, 4, 4]
    assert switches[0] == ["1 OFF", "2 ON", "3 ON", "4 ON", "5 ON", "6 ON"]


def test_phone_verdict_is_on_the_first_screen_after_every_load_and_change(
    desk: Desk, reset_viewport: None
) -> None:
    phone(desk)
    desk.load_file(WRONG_BANKS / "everything_wrong.yaml")
    desk.wait(lambda: desk.settled().startswith("7 errors"))  # cable 2-3: two new ends
    assert desk.status().endswith("“Correct it” shows the corrected bank.")
    assert desk.driver.execute_script("return window.scrollY") == 0
    assert shown_in_viewport(desk, "#status")
    assert rect(desk.driver, desk.find("#status"))["top"] < PHONE[1] / 2

    last = desk.battery_input(len(desk.rows()) - 1, "ID set")  # a change far down the form
    desk.driver.execute_script("arguments[0].scrollIntoView()", last)
    last.send_keys("9")
    desk.wait(lambda: desk.settled().startswith("8 errors"))
    assert shown_in_viewport(desk, "#status")

    desk.load_file(EXAMPLE)
    accept_confirm(desk)
    assert desk.wait_for_no_errors() == "No errors, 5 warnings. The sheet can be printed."
    assert desk.driver.execute_script("return window.scrollY") == 0
    assert shown_in_viewport(desk, "#status")


def test_the_corrected_bank_keeps_serials_and_the_firmware_found(desk: Desk, base: str) -> None:
    desk.load_file(WRONG_BANKS / "everything_wrong.yaml")
    desk.wait(lambda: desk.settled().startswith("7 errors"))  # cable 2-3: two new ends
    serials = sorted(
        str(desk.battery_input(n, "Serial").get_attribute("value")) for n in range(len(desk.rows()))
    )
    desk.find("#correct").click()
    desk.wait(lambda: desk.find("#correction").is_displayed())
    desk.find("#use-corrected").click()
    desk.wait(lambda: desk.models()[0] == "LL-S")
    assert desk.message() == "The form now holds the corrected bank."
    assert desk.settled().startswith("1 error")
    after = [
        str(desk.battery_input(n, "Serial").get_attribute("value")) for n in range(len(desk.rows()))
    ]
    assert sorted(after) == serials
    v1 = desk.models().index("LL-V1")
    assert desk.battery_input(v1, "Firmware installed").get_attribute("value") == "V15P14"
    # The update it needs, in the words the sheet prints for the very same bank.
    answer = json.loads(post(base, "/api/validate", json.dumps(desk.spec_json()).encode()))
    (e110,) = [f for f in answer if f["code"] == "E110"]
    assert desk.row_findings(v1) == [f"ERROR E110 {capital(e110['message'])}\nFix: {e110['hint']}"]
    assert "V15P15" in e110["hint"] or "V15P15" in e110["message"]


def test_keyboard_corrects_and_uses_the_corrected_bank_in_a_few_presses(
    desk: Desk, reset_viewport: None
) -> None:
    set_viewport(desk.driver, 1280, 700)
    desk.load_file(WRONG_BANKS / "everything_wrong.yaml")
    desk.wait(lambda: desk.settled().startswith("7 errors"))  # cable 2-3: two new ends
    desk.driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0)")
    reached: list[
        str | None
    ] = []  # every action of the toolbar, a Tab press each from the top of the page
    while desk.driver.switch_to.active_element.get_attribute("id") != "new-bank":
        assert len(reached) < 6, f"the toolbar takes more than 6 Tab presses: {reached}"
        reached.append(press_tab(desk.driver).get_attribute("id"))
    assert reached == [
        "download-pdf",
        "allow-errors",
        "download-yaml",
        "load-file",
        "correct",
        "new-bank",
    ]
    desk.driver.switch_to.active_element.send_keys(Keys.SHIFT, Keys.TAB)  # back one
    assert desk.driver.switch_to.active_element.get_attribute("id") == "correct"
    desk.driver.switch_to.active_element.send_keys(Keys.ENTER)
    desk.wait(
        lambda: desk.driver.switch_to.active_element.get_attribute("id") == "correction-title"
    )
    heading = rect(desk.driver, desk.find("#correction-title"))
    assert heading["top"] >= rect(desk.driver, desk.find("#status"))["bottom"]  # not under the bars
    assert press_tab(desk.driver).get_attribute("id") == "use-corrected"
    desk.driver.switch_to.active_element.send_keys(Keys.ENTER)
    desk.wait(lambda: desk.models()[0] == "LL-S")
    focused = desk.wait(lambda: desk.driver.switch_to.active_element)
    assert focused.get_attribute("aria-label") == "Model of battery 1"
    assert rect(desk.driver, focused)["top"] >= rect(desk.driver, desk.find("#status"))["bottom"]


# The element that has the focus: its tag, whether it is in the sticky bars, its top and the
# bottom of the bars (CSS pixels in the viewport, as tests.desk.rect), a name for it.
FOCUSED = """
const focused = document.activeElement || document.body;
return {
  tag: focused.localName,
  inside_bars: !!focused.closest(".actions, #status"),
  top: focused.getBoundingClientRect().top,
  bars: document.querySelector("#status").getBoundingClientRect().bottom,
  label: focused.getAttribute("aria-label") || focused.innerText,
};
"""


def test_nothing_focused_hides_under_the_sticky_toolbar(desk: Desk, reset_viewport: None) -> None:
    set_viewport(desk.driver, 1280, 600)
    desk.load_file(EXAMPLE)
    desk.wait_for_no_errors()
    desk.driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0)")
    covered = []
    for _ in range(60):
        # A real Tab press, then one look at what has the focus (two commands a press).
        ActionChains(desk.driver).send_keys(Keys.TAB).perform()
        focused = desk.driver.execute_script(FOCUSED)
        if focused["tag"] == "body":
            break  # past the last control
        if focused["inside_bars"]:
            continue
        if focused["top"] < focused["bars"] - 1:
            covered.append(focused["label"])
    assert covered == []


def test_the_desk_shows_what_the_sheet_shows(desk: Desk, reset_viewport: None) -> None:
    set_viewport(desk.driver, 1400, 900)
    wrong = WRONG_BANKS / "everything_wrong.yaml"
    desk.load_file(wrong)
    desk.wait(lambda: desk.settled().startswith("7 errors"))  # cable 2-3: two new ends
    desk.find("#correct").click()
    desk.wait(lambda: desk.find("#correction").is_displayed())
    found_svg = str(desk.find("#rack-found svg").get_attribute("outerHTML"))
    view = sheet_view(analysis_of(wrong), wrong.name)
    assert view.changes is not None
    sheet_svg = base64.b64decode(view.changes.found.url.split(",", 1)[1]).decode()
    assert MARK.findall(found_svg) == MARK.findall(sheet_svg) != []  # the same numbered marks
    changes = desk.texts("#changes li")
    assert changes == [text for stage in view.changes.stages for _n, text in stage.steps]
    headings = desk.texts("#changes h4")
    assert headings == [stage.title for stage in view.changes.stages]  # the sheet's stages
    numbers = desk.driver.execute_script(
        "return [...document.querySelectorAll('#changes li')].map(li => li.value)"
    )
    assert numbers == list(range(1, len(changes) + 1))  # running on across the stages
    scales = desk.driver.execute_script(
        "return [...document.querySelectorAll('.rack svg')]"
        ".map(s => s.getBoundingClientRect().width / s.viewBox.baseVal.width)"
    )
    assert len(scales) == 2 and abs(scales[0] - scales[1]) < 0.01 * scales[0]  # one scale

    desk.load_file(EXAMPLE)
    accept_confirm(desk)
    desk.wait_for_no_errors()
    desk.wait(lambda: len(desk.finds("#plan-rows tr")) == 6)
    split = desk.driver.execute_script(
        "return [...document.querySelectorAll('#plan-rows .state, #plan-rows .serial')]"
        ".filter(e => e.getClientRects().length !== 1).map(e => e.textContent)"
    )
    assert split == []  # a switch state or a serial is never split over two lines
    assert len(desk.finds("#plan-rows .serial")) == 4


def test_hints_speak_the_form_and_a_fresh_bank_hears_not_given_once(desk: Desk) -> None:
    desk.add_battery("LL-S")
    desk.add_battery("LL-V2 (4 DIP)", 2)
    desk.wait_for_no_errors()
    general = desk.wait(lambda: desk.texts("#general-findings > li"))
    assert general == [
        "WARNING W202 Installed firmware is not given for 3 batteries (positions 1, 2, 3): "
        "the checklist leaves it to be filled in\n"
        "Fix: read each battery's firmware in BMS Tools and fill in its “Firmware installed”"
    ]
    assert desk.row_findings(0) == desk.row_findings(1) == []
    assert desk.status() == "No errors, 3 warnings. The sheet can be printed."
    desk.battery_input(1, "Firmware installed").send_keys("Z01T16")
    desk.wait(lambda: desk.settled() == "No errors, 1 warning. The sheet can be printed.")
    (hint,) = desk.wait(lambda: desk.row_findings(0))
    label = desk.rows()[0].find_element(By.XPATH, ".//label[contains(., 'Firmware')]").text
    assert label == "Firmware installed" and f"fill in “{label}”" in hint
    assert "firmware:" not in desk.find("body").text


def test_load_asks_before_replacing_a_filled_form(desk: Desk) -> None:
    desk.add_battery("LL-S")
    desk.load_file(EXAMPLE)
    assert accept_confirm(desk, accept=False) == (
        "Replace the bank in the form with manufacturer-example.yaml? "
        "What the form holds now is lost."
    )
    desk.wait(lambda: desk.message() == "Nothing loaded: the form is as it was.")
    assert desk.models() == ["LL-S"]
    desk.load_file(EXAMPLE)
    accept_confirm(desk)
    desk.wait(lambda: desk.message() == "Loaded manufacturer-example.yaml.")
    assert desk.models() == ["LL-S", "LL-V2 (6 DIP)", "LL-V2 (4 DIP)", "LL-V1", "LifePower4"]


def test_messages_start_with_a_capital_and_name_no_internal_class(
    desk: Desk, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\nnot really a PDF")
    desk.load_file(broken)
    message = desk.wait(lambda: desk.message() if "readable" in desk.message() else "")
    assert message == "The uploaded sheet: not a readable PDF (damaged, cut short or not a PDF)"
    assert not re.search(r"[A-Z][a-z]+(Error|Exception)\b", message)
    logged = desk.driver.get_log("browser")  # type: ignore[no-untyped-call]
    assert [
        entry["message"].endswith("status of 422 (Unprocessable Entity)") for entry in logged
    ] == [True]  # the refused sheet, and nothing else


def test_the_form_offers_what_the_spec_allows(desk: Desk, tmp_path: Path) -> None:
    """The job fields, the papers with the default one and the bounds of a count are the
    spec's own, written into the page by the server (app.js writes none of them)."""
    low, high = BATTERY.whole("count").low, BATTERY.whole("count").high
    paper = Select(desk.find("#paper"))
    assert [option.get_attribute("value") for option in paper.options] == list(PAPERS)
    assert paper.first_selected_option.get_attribute("value") == DEFAULT_PAPER
    for box in desk.finds("input[data-job], textarea[data-job]"):
        box.send_keys("x")
    desk.find("select[data-job]").send_keys(Keys.END)  # as a person picks: the last one
    desk.add_battery("LL-S", high)
    spec = desk.spec_json()
    assert sorted(spec["job"]) == sorted(JOB.names) and spec["paper"] == DEFAULT_PAPER
    assert spec["job"]["lang"] == LANGUAGES[-1]
    assert desk.find("#batteries .position").text == f"{low}–{high}"
    count = desk.battery_input(0, FORM_LABELS["count"])
    count.clear()
    count.send_keys(str(high + 1))
    desk.wait(lambda: desk.settled().startswith("1 error"))
    assert desk.find("#batteries .position").text == str(low)  # one row, as any unusable count
    refused = f"“Count” of battery at position 1 must be from {low} to {high}, not {high + 1}"
    assert refused in desk.row_findings(0)[-1]
    other = next(name for name in PAPERS if name != DEFAULT_PAPER)
    bank = tmp_path / "other-paper.yaml"
    bank.write_text(f"paper: {other}\nbatteries:\n  - model: LL-S\n")
    desk.load_file(bank)
    accept_confirm(desk)
    desk.wait(lambda: desk.message() == "Loaded other-paper.yaml.")
    assert Select(desk.find("#paper")).first_selected_option.get_attribute("value") == other
