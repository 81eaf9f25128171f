"""Each model's DIP states for every ID in its range, against domain.md's tables."""

from __future__ import annotations

import pytest

from generator.bank.catalog import Catalog

# LL-V2 (4 DIP) and LL-V1: switch 4 least significant, a switch counts 1 when OFF, all ON = 16.
LL_4_SWITCH = {
    1: "ON ON ON OFF",
    2: "ON ON OFF ON",
    3: "ON ON OFF OFF",
    4: "ON OFF ON ON",
    5: "ON OFF ON OFF",
    6: "ON OFF OFF ON",
    7: "ON OFF OFF OFF",
    8: "OFF ON ON ON",
    9: "OFF ON ON OFF",
    10: "OFF ON OFF ON",
    11: "OFF ON OFF OFF",
    12: "OFF OFF ON ON",
    13: "OFF OFF ON OFF",
    14: "OFF OFF OFF ON",
    15: "OFF OFF OFF OFF",
    16: "ON ON ON ON",
}

# LifePower4: switch 1 least significant, a switch counts 1 when ON, all OFF = 0.
LIFEPOWER4 = {
    0: "OFF OFF OFF OFF",
    1: "ON OFF OFF OFF",
    2: "OFF ON OFF OFF",
    3: "ON ON OFF OFF",
    4: "OFF OFF ON OFF",
    5: "ON OFF ON OFF",
    6: "OFF ON ON OFF",
    7: "ON ON ON OFF",
    8: "OFF OFF OFF ON",
    9: "ON OFF OFF ON",
    10: "OFF ON OFF ON",
    11: "ON ON OFF ON",
    12: "OFF OFF ON ON",
    13: "ON OFF ON ON",
    14: "OFF ON ON ON",
    15: "ON ON ON ON",
}


def six_switch_reference(battery_id: int) -> str:
    """LL-V2 (6 DIP): switch 1 least significant (1, 2, 4 … 32), 1 when OFF; all ON = 64."""
    value = battery_id % 64
    return " ".join("OFF" if value >> bit & 1 else "ON" for bit in range(6))


def states(catalog: Catalog, model: str, battery_id: int) -> str:
    found = catalog.find(model)
    assert found is not None
    return " ".join(found.dip.states(battery_id))


@pytest.mark.parametrize("model", ["LL-V2 (4 DIP)", "LL-V1"])
def test_ll_four_switch_models_every_id(catalog: Catalog, model: str) -> None:
    found = catalog.find(model)
    assert found is not None and (found.dip.id_low, found.dip.id_high) == (1, 16)
    assert {n: states(catalog, model, n) for n in range(1, 17)} == LL_4_SWITCH


def test_lifepower4_every_id(catalog: Catalog) -> None:
    found = catalog.find("LifePower4")
    assert found is not None and (found.dip.id_low, found.dip.id_high) == (0, 15)
    assert {n: states(catalog, "LifePower4", n) for n in range(16)} == LIFEPOWER4


@pytest.mark.parametrize("model", ["LL-V2 (6 DIP)", "LL-S"])
def test_six_switch_models_every_id(catalog: Catalog, model: str) -> None:
    found = catalog.find(model)
    assert found is not None and (found.dip.id_low, found.dip.id_high) == (1, 64)
    for battery_id in range(1, 65):
        assert states(catalog, model, battery_id) == six_switch_reference(battery_id), battery_id


def test_six_switch_landmarks(catalog: Catalog) -> None:
    assert states(catalog, "LL-V2 (6 DIP)", 1) == "OFF ON ON ON ON ON"
    assert states(catalog, "LL-V2 (6 DIP)", 64) == "ON ON ON ON ON ON"
    assert states(catalog, "LL-V2 (6 DIP)", 63) == "OFF OFF OFF OFF OFF OFF"
    assert states(catalog, "LL-V2 (6 DIP)", 6) == "ON OFF OFF ON ON ON"


def test_only_ll_s_table_is_marked_inferred(catalog: Catalog) -> None:
    inferred = {model.name for model in catalog.models if model.dip.inferred}
    assert inferred == {"LL-S"}


@pytest.mark.parametrize("model,outside", [("LL-V1", 17), ("LL-V1", 0), ("LifePower4", 16)])
def test_ids_outside_the_range_are_refused(catalog: Catalog, model: str, outside: int) -> None:
    found = catalog.find(model)
    assert found is not None
    with pytest.raises(ValueError):
        found.dip.states(outside)


def drawn_levers(svg: str) -> list[str]:
    """Read each switch's lever position from the SVG geometry: 'up' or 'down'."""
    import re

    def centre_y(path: str) -> float:
        ys = [float(y) for y in re.findall(r"[ML] [\d.]+ ([\d.]+)", path)]
        return (min(ys) + max(ys)) / 2

    def path_of(gid: str) -> str:
        match = re.search(rf'<path d="([^"]+)"[^>]* id="{gid}"', svg)
        assert match, gid
        return match.group(1)

    slots = ["M" + subpath for subpath in path_of("slots").split("M") if subpath.strip()]
    levers = []
    for number, slot in enumerate(slots, start=1):
        # SVG y grows downward: a lever above its slot's centre is up.
        up = centre_y(path_of(f"lever-{number}")) < centre_y(slot)
        levers.append("up" if up else "down")
    return levers


@pytest.mark.slow
@pytest.mark.parametrize("model", ["LL-S", "LL-V2 (6 DIP)", "LL-V2 (4 DIP)", "LL-V1", "LifePower4"])
def test_levers_are_drawn_where_the_states_say(catalog: Catalog, model: str) -> None:
    from generator.sheet.figures.dip import dip_svg

    found = catalog.find(model)
    assert found is not None and found.dip.on_side == "up"
    for battery_id in range(max(found.dip.id_low, 1), found.dip.id_high + 1):
        state = found.dip.states(battery_id)
        svg = dip_svg(state, found.dip.on_side)
        assert drawn_levers(svg) == ["up" if s == "ON" else "down" for s in state], battery_id
        assert ">ON<" in svg  # the ON side is labelled


@pytest.mark.slow
def test_identical_dip_drawings_are_made_once() -> None:
    from generator.sheet.figures.dip import dip_svg

    dip_svg.cache_clear()
    for _ in range(3):
        dip_svg(("ON", "OFF", "ON", "OFF"), "up")
    assert dip_svg.cache_info().misses == 1 and dip_svg.cache_info().hits == 2


@pytest.mark.slow
def test_both_sides_are_labelled_on_larger_than_off() -> None:
    import re

    from generator.sheet.figures.dip import draw_dip_svg

    svg = draw_dip_svg(("ON", "OFF", "ON", "OFF"), "up")
    sizes = {
        text: float(size)
        for size, text in re.findall(r'font-size="([\d.]+)"[^>]*>(ON|OFF)</text>', svg)
    }
    assert sizes["ON"] > sizes["OFF"] >= 7


def test_the_cache_key_changes_with_the_drawing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A drawing cached by an older eg4sheet is never served for a new one."""
    from generator.sheet.figures import dip

    keys: list[str] = []

    def record(kind: str, key: str, make: object) -> str:
        keys.append(key)
        return ""

    monkeypatch.setattr(dip, "cached", record)
    for version in ("old", "new"):
        monkeypatch.setattr(dip, "DRAWING", version)
        dip.dip_svg.cache_clear()
        dip.dip_svg(("ON", "OFF"), "up")
    dip.dip_svg.cache_clear()
    assert len(keys) == 2 and keys[0] != keys[1]


@pytest.mark.slow
def test_the_drawing_is_lean_and_its_labels_centred() -> None:
    """The renderer draws a block again on every sheet and pays per node: no groups, no CSS
    to parse, no text set on its middle (WeasyPrint makes each such text an image of its own
    in the PDF). The numbers still stand centred under their slots, ON and OFF centred on one
    line, as matplotlib placed them."""
    import re

    from generator.sheet.figures.dip import LABELS_W, draw_dip_svg
    from generator.sheet.fit import advance

    svg = draw_dip_svg(("ON", "OFF", "ON", "OFF", "ON", "ON"), "up")
    assert "<g" not in svg and "style=" not in svg and "text-anchor" not in svg
    assert svg.count("<path") == 1 + 1 + 1 + 6  # body, arrow, the slots, a lever each
    slots = re.search(r'<path d="([^"]+)"[^>]* id="slots"', svg)
    assert slots
    centres = []
    for subpath in slots.group(1).split("M")[1:]:
        xs = [float(x) for x in re.findall(r"([\d.]+) [\d.]+", subpath)]
        centres.append((min(xs) + max(xs)) / 2)
    numbers = re.search(r'<text x="([\d. ]+)"[^>]*font-weight="700"[^>]*>(\d+)</text>', svg)
    assert numbers and numbers.group(2) == "123456"
    for x, digit, centre in zip(numbers.group(1).split(), "123456", centres, strict=True):
        assert abs(float(x) + advance(digit, 8.5, bold=True) / 2 - centre) < 0.01, digit
    labels = dict(
        (text, (float(x), float(size), weight))
        for x, weight, size, text in re.findall(
            r'<text x="([\d.]+)" y="[\d.]+"( font-weight="700")? font-size="([\d.]+)">(ON|OFF)<',
            svg,
        )
    )
    assert sorted(labels) == ["OFF", "ON"]
    on, off = (
        x + advance(t, size, bold=bool(w)) / 2 for t, (x, size, w) in sorted(labels.items())[::-1]
    )
    assert abs(on - off) < 0.01 and 0 < on < LABELS_W * 72
