"""matplotlib's SVG cut down to the few nodes the PDF renderer needs to draw the same picture.

WeasyPrint draws an SVG image again on every page that shows it, and pays for each node:
a group, a `style` attribute parsed as CSS, a colour parsed again, and for text set on its
middle or end an image of its own in the PDF (to shift it once its width is known). A DIP
block as matplotlib writes it cost the sheet about 7 ms; cut down it costs under 3. The
picture stays the same:

- groups that only carry an id are dropped (a lone child takes over the id);
- a `style` becomes attributes (font sizes in points, as matplotlib wrote them in px; the
  font family is the root's), and what matplotlib adds for nothing goes: clip paths, the
  stylesheet, `rotate(-0 …)`, `stroke-linejoin: miter` (the default);
- text set on its middle or end is set from its start, moved by its width as WeasyPrint
  measures it (one character at a time, the font's advance widths, no kerning);
- a run of one-character texts that differ only in where they stand (the switch numbers)
  becomes one text that places each character.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from generator.sheet.fit import advance

SVG_NS = "http://www.w3.org/2000/svg"
_NS = f"{{{SVG_NS}}}"
DROPPED = {"clip-path", "font-family"}  # see the module's docstring
DEFAULTS = {"stroke-linejoin": "miter"}  # what the renderer assumes when it is not given
NULL_ROTATION = re.compile(r"rotate\(-?0(?: [\d.]+ [\d.]+)?\)")
BOLD = {"bold", "700", "800", "900"}


def lean_svg(svg: str, font_family: str) -> str:
    """The same picture in fewer, simpler nodes; `font_family` is set once, on the root."""
    root = ET.fromstring(svg)
    nodes: list[tuple[str, dict[str, str], str | None]] = []
    _flatten(root, nodes)
    nodes = _merge_glyphs([_set_from_start(node) for node in nodes])
    head: dict[str, str] = {"xmlns": SVG_NS}
    head.update(
        (key, root.attrib[key]) for key in ("width", "height", "viewBox") if key in root.attrib
    )
    head["font-family"] = font_family
    parts = [_element("svg", head, None, True)]
    parts += [_element(tag, attrib, text) for tag, attrib, text in nodes]
    return "".join(parts) + "</svg>"


def _flatten(parent: ET.Element, out: list[tuple[str, dict[str, str], str | None]]) -> None:
    for child in parent:
        tag = child.tag.removeprefix(_NS)
        if tag in ("defs", "metadata", "style", "clipPath"):
            continue
        if tag == "g":
            start = len(out)
            _flatten(child, out)
            gid = child.get("id") or ""
            named = gid and not gid.startswith(("figure_", "axes_", "patch_", "text_"))
            if named and len(out) == start + 1 and "id" not in out[start][1]:
                out[start][1]["id"] = gid
            continue
        attrib = {key: value for key, value in child.attrib.items() if key != "style"}
        for declaration in (child.get("style") or "").split(";"):
            name, colon, value = declaration.partition(":")
            if colon:
                attrib[name.strip()] = value.strip()
        if "font-size" in attrib:
            attrib["font-size"] = attrib["font-size"].removesuffix("px")
        if NULL_ROTATION.fullmatch(attrib.get("transform", "")):
            del attrib["transform"]
        attrib = {
            key: value
            for key, value in attrib.items()
            if key not in DROPPED and DEFAULTS.get(key) != value
        }
        if tag == "path":
            attrib["d"] = " ".join(attrib["d"].split()).replace(" z", "z")
        out.append((tag, attrib, child.text))


def _set_from_start(
    node: tuple[str, dict[str, str], str | None],
) -> tuple[str, dict[str, str], str | None]:
    tag, attrib, text = node
    anchor = attrib.pop("text-anchor", "start")
    if tag != "text" or anchor == "start" or not text:
        return node
    width = advance(text, float(attrib["font-size"]), attrib.get("font-weight") in BOLD)
    shift = width / 2 if anchor == "middle" else width
    return tag, {**attrib, "x": _number(float(attrib["x"]) - shift)}, text


def _merge_glyphs(
    nodes: list[tuple[str, dict[str, str], str | None]],
) -> list[tuple[str, dict[str, str], str | None]]:
    """One-character texts in a row, alike but for x, as one text placing each character."""
    merged: list[tuple[str, dict[str, str], str | None]] = []
    for tag, attrib, text in nodes:
        if merged and tag == "text" and text and len(text) == 1:
            last_tag, last, last_text = merged[-1]
            placed = bool(last_text) and len(last.get("x", "").split()) == len(last_text or "")
            alike = _but_x(last) == _but_x(attrib)
            if last_tag == "text" and placed and alike:
                merged[-1] = (
                    tag,
                    {**last, "x": f"{last['x']} {attrib['x']}"},
                    f"{last_text}{text}",
                )
                continue
        merged.append((tag, attrib, text))
    return merged


def _but_x(attrib: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in attrib.items() if key != "x"}


def _number(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _element(tag: str, attrib: dict[str, str], text: str | None, open_only: bool = False) -> str:
    attributes = "".join(f' {key}="{_escape(value)}"' for key, value in attrib.items())
    if open_only:
        return f"<{tag}{attributes}>"
    if tag == "text":
        return f"<{tag}{attributes}>{_escape(text or '')}</{tag}>"
    return f"<{tag}{attributes}/>"


def _escape(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
