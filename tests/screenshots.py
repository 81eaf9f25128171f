"""The README's pictures of the support desk, from the real headless chromium:

.venv/bin/python -m tests.screenshots [OUT_DIR]     (default docs/)
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from tests.desk import Desk, set_viewport
from tests.helpers import EXAMPLE, ROOT, WRONG_BANKS
from tests.serving import chromium, running_server

SHOTS = ROOT / "docs"


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else SHOTS
    # A drawing cache of its own: what another eg4sheet version left in ~/.cache stays out.
    with tempfile.TemporaryDirectory() as cache:
        os.environ["EG4SHEET_CACHE"] = cache
        shoot(out)
    print(f"wrote serve-desktop.png, serve-correction.png, serve-phone.png in {out}")


def shoot(out: Path) -> None:
    with running_server() as base, chromium() as driver:
        desk = Desk(driver, base)
        set_viewport(driver, 1280, 900)
        desk.open_fresh()
        desk.load_file(EXAMPLE)
        desk.wait_for_no_errors()
        shown = (
            "return [...document.querySelectorAll('#plan-rows img.dip')]"
            ".every(i => i.complete && i.naturalWidth > 0)"
        )
        desk.wait(lambda: len(desk.finds("#plan-rows img.dip")) == 6)
        desk.wait(lambda: bool(driver.execute_script(shown)))
        driver.save_screenshot(str(out / "serve-desktop.png"))

        desk.open_fresh()
        desk.load_file(WRONG_BANKS / "manufacturer_scrambled.yaml")
        desk.wait(lambda: " error" in desk.status())
        desk.find("#correct").click()
        desk.wait(lambda: desk.find("#correction").is_displayed())
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(str(out / "serve-correction.png"))

        set_viewport(driver, 390, 844, mobile=True)
        driver.execute_script("document.querySelector('#batteries').scrollIntoView()")
        driver.save_screenshot(str(out / "serve-phone.png"))


if __name__ == "__main__":
    main()
