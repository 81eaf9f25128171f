"""The support desk page as a person uses it, for the browser tests and the screenshots."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

T = TypeVar("T")
WAIT_SECONDS = 30.0
# Calls back once the page shows the findings of the form as it is (no data-checking).
SETTLED = """
const done = arguments[arguments.length - 1];
const still = () => document.body.hasAttribute("data-checking");
if (!still()) return done(true);
const watch = new MutationObserver(() => { if (!still()) { watch.disconnect(); done(true); } });
watch.observe(document.body, { attributes: true, attributeFilter: ["data-checking"] });
"""

# Calls back with what the function body in %s returns, once it is truthy.
UNTIL = """
const done = arguments[arguments.length - 1];
const check = () => { %s };
const look = () => { const value = check(); if (value) done(value); else setTimeout(look, 10); };
look();
"""

# The text shown of each element a selector finds ("" when not shown: display, visibility or
# opacity, its own or an ancestor's), trimmed as Selenium's element text is.
TEXTS = """
const shown = { opacityProperty: true, visibilityProperty: true };
return [...document.querySelectorAll(arguments[0])]
  .map((element) => (element.checkVisibility(shown) ? element.innerText.trim() : ""));
"""


class Desk:
    def __init__(self, driver: WebDriver, base: str) -> None:
        self.driver = driver
        self.base = base

    def open_fresh(self) -> None:
        """The page with an empty form (nothing kept from an earlier test). The page keeps
        the form in localStorage as it changes: emptied from the page an earlier test left
        (or from a first load of it), the next load starts empty."""
        if not str(self.driver.current_url).startswith(self.base + "/"):
            self.driver.get(self.base + "/")  # storage is per site: be on it to empty it
        self.driver.execute_script("localStorage.clear(); sessionStorage.clear();")
        self.driver.get(self.base + "/")
        self.wait(lambda: self.status().startswith("Add a battery"))
        # The page says so before the models arrive; what is typed before the form is drawn
        # from them would be drawn over.
        self.wait(lambda: self.finds("#add-model option"))

    def wait(self, condition: Callable[[], T], seconds: float = WAIT_SECONDS) -> T:
        def check(_: Any) -> T:
            return condition()

        # The page redraws lists as findings arrive: an element may go stale between looks.
        waiting = WebDriverWait(
            self.driver,
            seconds,
            poll_frequency=0.05,
            ignored_exceptions=(StaleElementReferenceException,),
        )
        return waiting.until(check)

    def until(self, check: str) -> object:
        """What the script body `check` returns once it is truthy, looked at in the page
        every 10 ms (no driver command a look; the driver's 30 s script timeout bounds it)."""
        return self.driver.execute_async_script(UNTIL % check)

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def finds(self, css: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def status(self) -> str:
        return str(self.find("#status").text)

    def message(self) -> str:
        return str(self.find("#message").text)

    def job(self, key: str, text: str) -> None:
        self.find(f'[data-job="{key}"]').send_keys(text)

    def add_battery(self, model: str, count: int = 1) -> None:
        """Add a battery with the mouse, once the page is still. The findings of the edit
        before arrive a quarter of a second or more after it and grow that row (a warning
        with its hint: 86 px), moving the button down: arriving between Selenium's look at
        where the button is and its mouse press, they made the press land on the row above
        and no battery was added (1 loop in 17 under load, tests/test_server_browser.py's
        keyboard test timing out after 30 s)."""
        self.settled()
        Select(self.find("#add-model")).select_by_value(model)
        box = self.find("#add-count")
        box.clear()
        box.send_keys(str(count))
        before = len(self.rows())
        self.find("#add-battery").click()
        self.wait(lambda: len(self.rows()) == before + 1)

    def rows(self) -> list[WebElement]:
        return self.finds("#batteries > li")

    def battery_input(self, index: int, label: str) -> WebElement:
        row = self.rows()[index]
        xpath = f".//label[starts-with(normalize-space(.), '{label}')]/input"
        return row.find_element(By.XPATH, xpath)

    def models(self) -> list[str]:
        """The model chosen in each row, in order: one script, where Selenium's Select asks
        each option of each row whether it is the chosen one (a command each)."""
        script = (
            "return [...document.querySelectorAll('#batteries > li')]"
            ".map(row => row.querySelector('select').selectedOptions[0].text)"
        )
        models = self.driver.execute_script(script)
        assert isinstance(models, list)
        return [str(model) for model in models]

    def row_findings(self, index: int) -> list[str]:
        return self.texts(f'[data-findings="battery-{index}"] > li')

    def texts(self, css: str) -> list[str]:
        """The text shown of each element `css` finds, in one script (a command for each
        element's text otherwise): "" for one not shown, as Selenium's element text."""
        texts = self.driver.execute_script(TEXTS, css)
        assert isinstance(texts, list)
        return [str(text) for text in texts]

    def settled(self) -> str:
        """The status once the findings shown are those of the form as it is now: one
        script that returns when the page drops data-checking (the driver's script timeout,
        30 s, bounds it), rather than a look every 50 ms."""
        self.driver.execute_async_script(SETTLED)
        return self.status()

    def wait_for_no_errors(self) -> str:
        return self.wait(
            lambda: status if (status := self.settled()).startswith("No errors") else ""
        )

    def load_file(self, path: Path) -> None:
        self.find("#load-file").send_keys(str(path))

    def spec_json(self) -> dict[str, Any]:
        """The spec the form describes, as the page sends it."""
        result = json.loads(self.driver.execute_script("return JSON.stringify(specJson());"))
        assert isinstance(result, dict)
        return result

    def type_manufacturer_example(self) -> None:
        """bank_specs/manufacturer-example.yaml, typed in field by field."""
        for key, text in [
            ("title", "Garcia residence, ESS bank A"),
            ("customer", "Maria Garcia"),
            ("site", "4810 Ridgeview Dr, Round Rock TX 78664"),
            ("installer", "Lone Star Solar Works LLC"),
            ("quote", "Q-2026-0317"),
            ("revision", "1"),
            ("date", "2026-11-24"),
            (
                "notes",
                "Rack in the garage on the east wall, inverter to its left. "
                "Existing LL-V1 and LifePower4 kept.",
            ),
        ]:
            self.job(key, text)
        self.find("#inverter").send_keys("EG4 18kPV")
        for model, count, serial, firmware in [
            ("LL-S", 1, "LLS2409-1187", ""),
            ("LL-V2 (6 DIP)", 1, "LV2-6-2312-0458", ""),
            ("LL-V2 (4 DIP)", 2, "", ""),
            ("LL-V1", 1, "LL1-2104-0092", "V15P15"),
            ("LifePower4", 1, "LP4-2011-3310", ""),
        ]:
            self.add_battery(model, count)
            index = len(self.rows()) - 1
            if serial:
                self.battery_input(index, "Serial").send_keys(serial)
            if firmware:
                self.battery_input(index, "Firmware installed").send_keys(firmware)


def wait_for_file(folder: Path, suffix: str, seconds: float = WAIT_SECONDS) -> Path:
    """The first finished download with this suffix (chromium writes .crdownload first)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done = sorted(folder.glob(f"*{suffix}"))
        if done:
            return done[0]
        time.sleep(0.02)  # a look is a directory listing
    raise AssertionError(f"no {suffix} file arrived in {folder} within {seconds:g} s")


def set_viewport(driver: WebDriver, width: int, height: int, mobile: bool = False) -> None:
    """The page's viewport exactly (a window's size includes what headless adds around it)."""
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


def rect(driver: WebDriver, element: WebElement) -> dict[str, float]:
    """An element's box in the viewport (CSS pixels)."""
    box = driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, "
        "width: r.width, height: r.height};",
        element,
    )
    assert isinstance(box, dict)
    return {key: float(value) for key, value in box.items()}


def press_tab(driver: WebDriver, times: int = 1) -> WebElement:
    """Tab as a keyboard user does; the element that has the focus then."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    for _ in range(times):
        ActionChains(driver).send_keys(Keys.TAB).perform()
    return driver.switch_to.active_element
