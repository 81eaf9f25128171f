"""The As found / Corrected page for the manufacturer's example, scrambled."""

from __future__ import annotations

import pytest

from tests.helpers import ROOT, analysis_of, build_pdf, example_sheet
from tests.sheet_helpers import page_texts

SCRAMBLED = ROOT / "tests" / "wrong_banks" / "manufacturer_scrambled.yaml"
MOVES = [
    "Switch off every battery breaker and BMS switch.",
    "Unplug every neighbour cable and the inverter cable from the batteries; the cables stay "
    "where they run.",
    "Disconnect the DC cables of the batteries that come out: positions 1, 2, 3, 4 and 6.",
    # Firmware before anything moves: the spec gives only the LL-V1's, which is right.
    "Read the firmware of the batteries at positions 1, 2, 3, 4 and 6 as 2 · Firmware says "
    "(one at a time, in their slots), write it in the checklist and update any that is not "
    "the required one; then set their DIP switches back as they were.",
    # Every battery that moves comes out, top down as found, before any goes in.
    "Take out the LifePower4 (serial LP4-2011-3310) from position 1.",
    "Take out the LL-S (serial LLS2409-1187) from position 2.",
    "Take out the LL-V2 (6 DIP) (serial LV2-6-2312-0458) from position 3.",
    "Take out the LL-V2 (4 DIP) (serial LV2-4-2207-0155) from position 4.",
    "Take out the LL-V2 (4 DIP) (serial LV2-4-2207-0156) from position 6.",
    "Put the LL-S (serial LLS2409-1187) into position 1; connect its DC cables.",
    "Put the LL-V2 (6 DIP) (serial LV2-6-2312-0458) into position 2; connect its DC cables.",
    "Put the LL-V2 (4 DIP) (serial LV2-4-2207-0155) into position 3; connect its DC cables.",
    "Put the LL-V2 (4 DIP) (serial LV2-4-2207-0156) into position 4; connect its DC cables.",
    "Put the LifePower4 (serial LP4-2011-3310) into position 6; connect its DC cables.",
    "Set the LL-S (serial LLS2409-1187) at position 1 to ID 1: "
    "1 OFF · 2 ON · 3 ON · 4 ON · 5 ON · 6 ON.",
    "Set the LL-V2 (6 DIP) (serial LV2-6-2312-0458) at position 2 to ID 2: "
    "1 ON · 2 OFF · 3 ON · 4 ON · 5 ON · 6 ON.",
    "Set the LL-V2 (4 DIP) (serial LV2-4-2207-0155) at position 3 to ID 3: "
    "1 ON · 2 ON · 3 OFF · 4 OFF.",
    "Set the LL-V2 (4 DIP) (serial LV2-4-2207-0156) at position 4 to ID 4: "
    "1 ON · 2 OFF · 3 ON · 4 ON.",
    "Set the LifePower4 (serial LP4-2011-3310) at position 6 to ID 6: 1 OFF · 2 ON · 3 ON · 4 OFF.",
    # The LL-V1 stays at position 5, but the spec does not say what its switches show.
    "Set the ID of the battery at position 5, which the spec does not give, as 3 · DIP "
    "switches shows.",
    # Cables by their positions after the re-rack: the full ones at 1-4 join new-generation
    # batteries only once the LifePower4 is down at 6.
    "Replace the cable between positions 4 and 5 with a cable with only pins 7 and 8 "
    "populated: it will join the LL-V2 (4 DIP) and the LL-V1, an older-generation end, and "
    "its pins 3 and 6 would trip the LL-S breaker.",
    "Keep the cables between positions 1–2, 2–3 and 3–4 as found (all 8 pins): each will "
    "join two new-generation batteries.",
    "Keep the cable between positions 5 and 6 as found (pins 7 and 8 only): right in any position.",
    "Commission the bank as 5 · Commissioning says, from its first step.",
]


def test_move_list_is_exact() -> None:
    analysis = analysis_of(SCRAMBLED)
    assert analysis.plan.corrected
    assert list(analysis.changes) == MOVES


def test_ids_and_firmware_steps() -> None:
    steps = list(analysis_of(ROOT / "tests" / "wrong_banks" / "everything_wrong.yaml").changes)
    assert steps[3] == (
        "Update the LL-V1 (serial LL1-2104-0092) at position 5 from V15P14 to V15P15, alone "
        "in its slot, as 2 · Firmware says; then set its switches back as they were."
    )
    assert (
        "Set the LL-S (serial LLS2409-1187) at position 1 to ID 1 (was ID 3): "
        "1 OFF · 2 ON · 3 ON · 4 ON · 5 ON · 6 ON."
    ) in steps
    assert (
        "Replace the cable between positions 3 and 4 with a standard Cat5e patch cable: "
        "it lacks pin 8, so no communication passes."
    ) in steps
    assert (
        "Add a cable with only pins 7 and 8 populated between positions 5 and 6, which will "
        "join the LL-V1 and the LifePower4: none is there, so no communication passes."
    ) in steps
    assert steps[-1] == "Commission the bank as 5 · Commissioning says, from its first step."


@pytest.mark.slow
def test_page_in_the_pdf() -> None:
    """Page 1 of a wrong bank's sheet: the rack as found beside the corrected one, and the
    numbered changes (each number also marked on the As found drawing)."""
    pages = page_texts(build_pdf(SCRAMBLED, allow_errors=True))
    page = pages[0]
    assert "1 · Overview: the bank as found, and corrected" in page
    assert "AS FOUND (from the spec)" in page and "CORRECTED install this" in page
    packed = " ".join(pages[:3]).replace(" ", "")
    for number, step in enumerate(MOVES, start=1):
        assert f"{number}{step}".replace(" ", "") in packed, step
    assert "all8pins" in packed and "7+8only" in packed  # the cables as found are labelled


@pytest.mark.slow
def test_no_corrections_page_for_a_valid_bank() -> None:
    pages = page_texts(example_sheet())  # the example's sheet, built once a process
    assert "1 · Overview: rack order, top to bottom" in pages[0]
    assert not any("AS FOUND" in text or "CORRECTED" in text for text in pages)
