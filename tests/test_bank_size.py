"""The size of a bank comes from the catalog's own tables: the E105 hint names the models of
the catalog in use that reach the largest bank, and a catalog model whose switches would
address more batteries than a spec may list is refused with a clear message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from generator.bank.limits import MAX_COUNT
from tests.helpers import ROOT, CliResult

CATALOG = ROOT / "generator" / "bank" / "data" / "catalog.yaml"
TOO_LARGE = ROOT / "tests" / "wrong_banks" / "too_large.yaml"


def test_the_e105_hint_names_the_models_that_reach_the_largest_bank(
    run_cli: Callable[..., CliResult],
) -> None:
    result = run_cli("validate", str(TOO_LARGE))
    assert result.exit_code == 1
    assert (
        "hint: split the rack into banks of at most 15 batteries, or build a larger bank from "
        "LL-S and LL-V2 (6 DIP) only (up to 64)"
    ) in result.out


def test_a_company_catalog_hint_names_its_own_models(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    """Renamed and cut to 32 IDs, the catalog's largest bank is its own, named its way."""
    text = CATALOG.read_text().replace("name: LL-V2 (6 DIP)", "name: Six-Pack 48V")
    text = text.replace("id_range: [1, 64]", "id_range: [1, 32]").replace("tools_id: 64", "")
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(text)
    result = run_cli("validate", "--catalog", str(catalog), str(TOO_LARGE))
    assert result.exit_code == 1, result.err
    assert "or build a larger bank from LL-S and Six-Pack 48V only (up to 32)" in result.out


def test_a_catalog_model_addressing_more_than_a_spec_lists_is_refused(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    """A seven-switch model would address 128 batteries; a spec lists at most 64: refused,
    saying so, exit 2, nothing checked against it."""
    text = CATALOG.read_text().replace(
        '      switches: 6\n      weights: [1, 2, 4, 8, 16, 32]\n      one_when: "OFF"\n'
        "      id_range: [1, 64]",
        '      switches: 7\n      weights: [1, 2, 4, 8, 16, 32, 64]\n      one_when: "OFF"\n'
        "      id_range: [1, 128]",
        1,
    )
    assert "id_range: [1, 128]" in text
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(text)
    result = run_cli("validate", "--catalog", str(catalog), str(TOO_LARGE))
    assert result.exit_code == 2
    assert (
        f"id_range reaches ID 128, but a bank spec lists at most {MAX_COUNT} batteries"
        in result.err
    )
    assert "Traceback" not in result.err
