"""The As found / Corrected page for the manufacturer's example, scrambled."""

from __future__ import annotations

import pytest

from tests.helpers import ROOT, analysis_of, build_pdf
from tests.sheet_helpers import page_texts

SCRAMBLED = ROOT / "tests" / "wrong_banks" / "manufacturer_scrambled.yaml"
MOVES = [
    "Move the LL-S (serial LLS2409-1187) from position 2 to position 1; "
    "set ID 1: 1 OFF · 2 ON · 3 ON · 4 ON · 5 ON · 6 ON.",
    "Move the LL-V2 (6 DIP) (serial LV2-6-2312-0458) from position 3 to position 2; "
    "set ID 2: 1 ON · 2 OFF · 3 ON · 4 ON · 5 ON · 6 ON.",
    "Move the LL-V2 (4 DIP) (serial LV2-4-2207-0155) from position 4 to position 3; "
    "set ID 3: 1 ON · 2 ON · 3 OFF · 4 OFF.",
    "Move the LL-V2 (4 DIP) (serial LV2-4-2207-0156) from position 6 to position 4; "
    "set ID 4: 1 ON · 2 OFF · 3 ON · 4 ON.",
    "Move the LifePower4 (serial LP4-2011-3310) from position 1 to position 6; "
    "set ID 6: 1 OFF · 2 ON · 3 ON · 4 OFF.",
    # The LL-V1 stays at position 5, but the spec does not say what its switches show.
    "Set the ID of the battery at position 5, which the spec does not give, as in the DIP "
    "switch table.",
    "Replace the cable between positions 4 and 5 with a cable with only pins 7 and 8 "
    "populated: its pins 3 and 6 would trip the LL-S breaker.",
]


def test_move_list_is_exact() -> None:
    analysis = analysis_of(SCRAMBLED)
    assert analysis.plan.corrected
    assert list(analysis.changes) == MOVES


def test_ids_and_firmware_steps() -> None:
    steps = list(analysis_of(ROOT / "tests" / "wrong_banks" / "everything_wrong.yaml").changes)
    assert steps[0] == (
        "Move the LL-S (serial LLS2409-1187) from position 2 to position 1; "
        "set ID 1 (was ID 3): 1 OFF · 2 ON · 3 ON · 4 ON · 5 ON · 6 ON."
    )
    assert (
        "Replace the cable between positions 3 and 4 with a standard Cat5e patch cable: "
        "it lacks pin 8, so no communication passes."
    ) in steps
    assert (
        "Add a cable with only pins 7 and 8 populated between positions 5 and 6: none is "
        "there, so no communication passes."
    ) in steps
    assert steps[-1] == (
        "Update the LL-V1 (serial LL1-2104-0092) at position 5 from firmware "
        "V15P14 to V15P15 with BMS Tools."
    )


@pytest.mark.slow
def test_page_in_the_pdf() -> None:
    """Page 1 of a wrong bank's sheet: the rack as found beside the corrected one, and the
    numbered changes (each number also marked on the As found drawing)."""
    page = page_texts(build_pdf(SCRAMBLED, allow_errors=True))[0]
    assert "1 · Overview: the bank as found, and corrected" in page
    assert "AS FOUND (from the spec)" in page and "CORRECTED install this" in page
    packed = page.replace(" ", "")
    for number, step in enumerate(MOVES, start=1):
        assert f"{number}{step}".replace(" ", "") in packed, step
    assert "all8pins" in packed and "7+8only" in packed  # the cables as found are labelled


@pytest.mark.slow
def test_no_corrections_page_for_a_valid_bank() -> None:
    pages = page_texts(build_pdf(ROOT / "bank_specs" / "manufacturer-example.yaml"))
    assert "1 · Overview: rack order, top to bottom" in pages[0]
    assert not any("AS FOUND" in text or "CORRECTED" in text for text in pages)
