"""The README's pictures of the support desk, from the real headless chromium:

.venv/bin/python -m tests.screenshots [OUT_DIR]     (default docs/)
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from selenium.webdriver.common.keys import Keys

from tests.desk import Desk, press_tab, set_viewport
from tests.helpers import EXAMPLE, ROOT, WRONG_BANKS
from tests.serving import chromium, running_server

SHOTS = ROOT / "docs"


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else SHOTS
    # A drawing cache of its own: what another eg4sheet version left in ~/.cache stays out.
    with tempfile.TemporaryDirectory() as cache:
        os.environ["EG4SHEET_CACHE"] = cache
        shoot(out)
    print(f"wrote {', '.join(NAMES)} in {out}")


NAMES = (
    "serve-desktop.png",
    "serve-correction.png",
    "serve-keyboard.png",
    "serve-phone.png",
    "serve-phone-plan.png",
)


def drawings_shown(desk: Desk, count: int) -> None:
    shown = (
        "return [...document.querySelectorAll('#plan-rows img.dip')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    desk.wait(lambda: len(desk.finds("#plan-rows img.dip")) == count)
    desk.wait(lambda: bool(desk.driver.execute_script(shown)))


def shoot(out: Path) -> None:
    with running_server() as base, chromium() as driver:
        desk = Desk(driver, base)
        set_viewport(driver, 1280, 900)
        desk.open_fresh()
        desk.load_file(EXAMPLE)
        desk.wait_for_no_errors()
        drawings_shown(desk, 6)
        driver.save_screenshot(str(out / "serve-desktop.png"))

        desk.open_fresh()
        desk.load_file(WRONG_BANKS / "everything_wrong.yaml")
        desk.wait(lambda: " error" in desk.settled())
        desk.find("#correct").click()
        desk.wait(lambda: desk.find("#correction").is_displayed())
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(str(out / "serve-correction.png"))

        # By keyboard: "Correct it" (Enter) lands on the correction, Tab on its button.
        set_viewport(driver, 1280, 700)
        driver.execute_script("window.scrollTo(0, 0)")
        desk.find("#correct").send_keys(Keys.ENTER)
        desk.wait(lambda: driver.switch_to.active_element.get_attribute("id") == "correction-title")
        press_tab(driver)
        driver.save_screenshot(str(out / "serve-keyboard.png"))

        set_viewport(driver, 375, 740, mobile=True)
        desk.open_fresh()
        desk.load_file(WRONG_BANKS / "everything_wrong.yaml")
        desk.wait(lambda: " error" in desk.settled())
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(str(out / "serve-phone.png"))

        desk.open_fresh()
        desk.load_file(EXAMPLE)
        desk.wait_for_no_errors()
        drawings_shown(desk, 6)
        driver.execute_script("document.querySelector('#plan').scrollIntoView()")
        driver.save_screenshot(str(out / "serve-phone-plan.png"))


if __name__ == "__main__":
    main()
