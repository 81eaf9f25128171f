"""What the sources now give the sheet: the 4-switch LL master's protocol at address 16,
charging first where a LifePower4 is in the bank, the firmware files, why ID 0 is never used
(shared/domain.md, its newer sections). Read from the view (no PDF rendered)."""

from __future__ import annotations

import re
import textwrap

import pytest

from generator import api
from generator.bank import words
from generator.bank.analysis import Analysis
from generator.sheet import view
from tests.helpers import findings_for

MATCH = "ON and OFF as printed on the switch block: match its label, whichever way it faces."


def bank(*models: str, firmware: str | None = None) -> Analysis:
    lines = "".join(
        f"  - model: {model}\n" + (f"    firmware: {firmware}\n" if firmware else "")
        for model in models
    )
    source = api.SpecSource("bank.yaml", textwrap.dedent("batteries:\n" + lines).encode())
    checked = api.check(source)
    assert checked.analysis is not None
    return checked.analysis


def steps(*models: str) -> list[view.Step]:
    """The commissioning steps as the sheet prints them (in English)."""
    return [view.step_view(step) for step in words.commissioning_steps(bank(*models).plan)]


@pytest.mark.parametrize("master", ["LL-V2 (4 DIP)", "LL-V1"])
def test_a_four_switch_ll_master_sets_its_protocol_at_address_16(master: str) -> None:
    texts = [step.text for step in steps(master, "LL-V1")]
    start = texts.index("Power on the master (ID 1) alone first.")
    assert texts[start + 1] == (
        f"The {master} manual allows the inverter protocol to be changed only at address 16: "
        "set the master's DIP switches to ID 16 (1 ON · 2 ON · 3 ON · 4 ON) and restart it "
        "with only its BMS power button; then, on its screen, hold Return for 5 seconds and "
        f"select the RS485 or CAN program of the inverter. {MATCH}"
    )
    assert texts[start + 2] == (
        "Set the master back to ID 1 (1 ON · 2 ON · 3 ON · 4 OFF) and restart it again with its "
        "BMS power button."
    )
    assert texts[start + 3 :] == ["Then power on the other batteries one at a time, down the rack."]
    assert not any("Power on one battery at a time" in text for text in texts)


def test_the_protocol_steps_draw_the_switches_for_16_and_for_1() -> None:
    drawn = [step.figures for step in steps("LL-V2 (4 DIP)") if step.figures]
    assert [[figure.caption for figure in figures] for figures in drawn] == [
        ["ID 16: 1 ON · 2 ON · 3 ON · 4 ON"],
        ["ID 1: 1 ON · 2 ON · 3 ON · 4 OFF"],
    ]
    assert all(f.img.url.startswith("data:image/svg+xml") for figures in drawn for f in figures)
    one = steps("LL-V2 (4 DIP)")  # one battery: it is powered on alone anyway
    assert [step.text for step in one][-3] == "Power on the battery."


@pytest.mark.parametrize(
    "models", [("LL-V2 (4 DIP)", "LifePower4"), ("LL-S", "LL-V1"), ("LifePower4",)]
)
def test_no_step_says_up_or_down_of_a_switch(models: tuple[str, ...]) -> None:
    for step in steps(*models):
        without_rack = step.text.replace("down the rack", "")
        assert not re.search(r"\b(up|down)\b", without_rack, re.IGNORECASE), step.text


@pytest.mark.parametrize("master", ["LL-S", "LifePower4"])
def test_other_masters_set_the_protocol_as_their_manual_says_and_no_screen_is_claimed(
    master: str,
) -> None:
    texts = [step.text for step in steps(master)]
    assert texts[-1] == f"Set the inverter protocol on the master as the {master} manual says."
    assert not any("screen" in text or "address 16" in text for text in texts)


def test_a_six_switch_ll_master_keeps_its_screen_and_no_address_step() -> None:
    texts = [step.text for step in steps("LL-V2 (6 DIP)", "LL-V2 (6 DIP)")]
    assert texts[-2:] == [
        "Power on one battery at a time: the master (ID 1) first, then down the rack.",
        "Choose the inverter protocol on the master's screen as the LL-V2 (6 DIP) manual says "
        "(hold Return for 5 seconds); it is not set with DIP switches.",
    ]
    assert not any("address 16" in text for text in texts)


def test_a_bank_with_a_lifepower4_charges_each_battery_first() -> None:
    assert steps("LL-S", "LifePower4")[0].text == (
        "Charge each battery alone to 100% before paralleling (LifePower4 manual); then switch "
        "off every breaker and BMS switch."
    )
    assert steps("LL-S", "LL-V1")[0].text == "Switch off every battery breaker and BMS switch."


def test_the_firmware_stage_names_the_downloads_page_and_the_connection_guide() -> None:
    sheet = view.sheet_view(bank("LL-S"), "bank.yaml")
    assert sheet.firmware_files == (
        "Files: eg4electronics.com, Resources → Downloads, under the battery's product; unzip "
        'them and follow the included "Connection guide for BMS Tools V1.0.pdf".'
    )


def test_a_current_firmware_is_checked_in_bms_tools_as_the_catalog_spells_it() -> None:
    sheet = view.sheet_view(bank("LifePower4", firmware='"3.37"'), "bank.yaml")
    (row,) = sheet.checklist
    assert row.current and row.reads == "V3.37"


def test_the_lifepower4_group_says_why_id_0_is_never_used() -> None:
    sheet = view.sheet_view(bank("LL-S", "LifePower4"), "bank.yaml")
    notes = [group.zero_note for group in sheet.dip_groups if group.zero_note]
    assert notes == [
        "ID 0 (all OFF) is never used: a battery at address 0 answers every poll and collides "
        "on the bus (reverse-engineering report). IDs start at 1, the master."
    ]


def test_a_lifepower4_found_at_id_0_is_told_why() -> None:
    text = "batteries:\n  - model: LL-S\n  - model: LifePower4\n    id: 0\n"
    (finding,) = [f for f in findings_for(text) if f.code == "E104"]
    assert finding.message == (
        "LifePower4 at position 2 with ID 0: a bank never uses ID 0, because a battery at "
        "address 0 answers every poll and collides on the bus (reverse-engineering report)"
    )
    assert finding.hint == "set ID 2 (1 OFF · 2 ON · 3 OFF · 4 OFF) on its LifePower4 DIP switches"
