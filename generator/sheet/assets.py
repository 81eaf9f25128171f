"""Files that ship with the package: fonts, stylesheet. The renderer may read only these."""

from __future__ import annotations

from pathlib import Path

ASSETS = Path(__file__).resolve().with_name("assets")
FONTS = ASSETS / "fonts"


def font_files() -> list[Path]:
    return sorted(FONTS.glob("*.ttf"))


def templates_dir() -> Path:
    """Templates inside an installed wheel, else the checkout's top-level templates/."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "templates"
    if packaged.is_dir():
        return packaged
    return package.parent / "templates"
