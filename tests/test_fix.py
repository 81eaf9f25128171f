"""`plan --fix`: every wrong bank becomes a valid spec with the same batteries, serials,
job fields and comments; a bank that cannot be corrected is refused with nothing written."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from generator.bank.catalog import default_catalog
from tests.helpers import ROOT, CliResult, findings_for

WRONG = ROOT / "tests" / "wrong_banks"
FIXABLE = sorted(path for path in WRONG.glob("*.yaml") if path.name != "too_large.yaml")


def batteries(text: str) -> Counter[tuple[str, str | None, str | None]]:
    """The bank as a multiset of (canonical model, serial, firmware) after `count` expands."""
    catalog = default_catalog()
    found: Counter[tuple[str, str | None, str | None]] = Counter()
    for entry in yaml.safe_load(text)["batteries"]:
        model = catalog.find(str(entry["model"]))
        assert model is not None
        found[(model.name, entry.get("serial"), None)] += int(entry.get("count", 1))
    return found


def tidy(text: str) -> str:
    """The text with the space before each end-of-line comment folded (ruamel keeps the
    comment's old column, which is not what these tests are about)."""
    return re.sub(r" +#", "  #", text)


def comments(text: str) -> list[str]:
    return [match.strip() for match in re.findall(r"#([^\n]*)", text)]


def test_the_set_breaks_every_rule_at_least_once() -> None:
    seen = {f.code for path in WRONG.glob("*.yaml") for f in findings_for(path.read_text())}
    assert {"E102", "E103", "E104", "E105", "E106", "E107", "E108", "E109", "E110", "W201"} <= seen
    assert len(FIXABLE) >= 8


@pytest.mark.parametrize("path", FIXABLE, ids=[p.stem for p in FIXABLE])
def test_fix_gives_a_valid_spec_keeping_everything(
    run_cli: Callable[..., CliResult], path: Path, tmp_path: Path
) -> None:
    original = path.read_text()
    assert [f for f in findings_for(original) if f.is_error or f.code == "W201"]
    fixed_path = tmp_path / "fixed.yaml"
    result = run_cli("plan", "--fix", str(path), "-o", str(fixed_path))
    assert result.exit_code == 0, result.err
    fixed = fixed_path.read_text()
    assert [f.as_text() for f in findings_for(fixed) if f.is_error or f.code == "W201"] == []
    assert batteries(fixed) == batteries(original)
    assert yaml.safe_load(fixed).get("job") == yaml.safe_load(original).get("job")
    for comment in comments(original):
        assert comment in fixed, comment
    assert list(yaml.safe_load(fixed)) == list(yaml.safe_load(original))  # key order


def test_fix_keeps_wrong_firmware_as_a_comment(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("plan", "--fix", str(WRONG / "wrong_firmware.yaml"))
    assert (
        "- model: LL-V2 (4 DIP)  # found firmware Z02T12 (read in BMS Tools): update to Z01T16"
        in result.out
    )
    assert "firmware: Z02T12   # read in BMS Tools" not in result.out
    assert "firmware: Z02T12\n" in result.out  # the LL-S keeps its right firmware


def test_fix_reports_its_changes(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("plan", "--fix", str(WRONG / "manufacturer_scrambled.yaml"))
    assert result.exit_code == 0
    changes = [line.split(": ", 1)[1] for line in result.err.splitlines()]
    assert changes == [
        "batteries reordered: newest model on top, each model in one group",
        "cable 4-5: replaced (pins 7 and 8 only)",
    ]
    order = [entry["serial"] for entry in yaml.safe_load(result.out)["batteries"]]
    assert order == [
        "LLS2409-1187",
        "LV2-6-2312-0458",
        "LV2-4-2207-0155",
        "LV2-4-2207-0156",
        "LL1-2104-0092",
        "LP4-2011-3310",
    ]


def test_bank_too_large_is_refused(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    out = tmp_path / "fixed.yaml"
    result = run_cli("plan", "--fix", str(WRONG / "too_large.yaml"), "-o", str(out))
    assert result.exit_code == 1
    assert "error E105: the bank has 16 batteries" in result.err
    assert "cannot be corrected automatically; nothing written" in result.err
    assert not out.exists()


def test_unknown_model_is_refused(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    spec = tmp_path / "bank.yaml"
    spec.write_text("batteries:\n  - model: LL-V3\n")
    result = run_cli("plan", "--fix", str(spec))
    assert result.exit_code == 1 and "E101" in result.err and result.out == ""


def test_fix_of_a_valid_spec_changes_nothing(run_cli: Callable[..., CliResult]) -> None:
    example = ROOT / "bank_specs" / "manufacturer-example.yaml"
    result = run_cli("plan", "--fix", str(example))
    assert result.exit_code == 0
    assert result.out == example.read_text()
    assert "nothing to correct" in result.err


def fix_into_a_file(
    run_cli: Callable[..., CliResult], tmp_path: Path, text: str
) -> tuple[Path, Path, CliResult]:
    """`plan --fix bank.yaml -o fixed.yaml` on this spec: (spec, output, result)."""
    spec, out = tmp_path / "bank.yaml", tmp_path / "fixed.yaml"
    spec.write_text(text)
    return spec, out, run_cli("plan", "--fix", str(spec), "-o", str(out))


def test_a_value_with_a_line_break_is_refused_and_nothing_written(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    spec, out, result = fix_into_a_file(
        run_cli,
        tmp_path,
        'batteries:\n  - model: LL-V1\n    firmware: "X1\\nbatteries: []"\n  - model: LL-S\n',
    )
    assert result.exit_code == 1
    assert (
        f"{spec}:3:15: error E002: firmware of battery at position 1 contains a line break "
        "(U+000A) at character 3" in result.err
    )
    assert not out.exists()


def fix_to_stdout(
    run_cli: Callable[..., CliResult], tmp_path: Path, text: str
) -> tuple[Path, CliResult]:
    """`plan --fix bank.yaml` on this spec: (spec, result)."""
    spec = tmp_path / "bank.yaml"
    spec.write_text(text)
    return spec, run_cli("plan", "--fix", str(spec))


def test_batteries_sharing_an_anchor_become_independent(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    _, result = fix_to_stdout(
        run_cli,
        tmp_path,
        "batteries:\n  - &old {model: LL-V1, id: 2}  # shared\n  - *old\n  - model: LL-S\n",
    )
    assert result.exit_code == 0, result.err
    assert tidy(result.out) == (
        "batteries:\n  - model: LL-S\n  - {model: LL-V1, id: 2}  # shared\n"
        "  - {model: LL-V1, id: 3}\n"
    )
    assert [f.code for f in findings_for(result.out) if f.is_error] == []


def test_end_of_line_and_flow_list_comments_are_kept(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    spec, result = fix_to_stdout(
        run_cli,
        tmp_path,
        "batteries:\n  - model: LL-V1  # the old one\n    id: 2  # as set today\n"
        "  - model: LL-S\n"
        "cables:\n  - {between: [1, 2], pins: [1, 2, 3, 4, 5, 6, 7, 8]}  # spare cable\n"
        "  - {between: [2, 3], pins: [7, 8]}  # no third battery\n",
    )
    assert result.exit_code == 0, result.err
    assert tidy(result.out) == (
        "batteries:\n  - model: LL-S\n  - model: LL-V1  # the old one\n    id: 2  # as set today\n"
        "cables:\n  - {between: [1, 2], pins: [7, 8]}  # spare cable\n"
    )
    assert f"{spec}: cable 2-3: removed (not two neighbours, or listed twice)" in result.err


def test_flow_style_cables_stay_flow_style(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    _, result = fix_to_stdout(
        run_cli,
        tmp_path,
        "batteries: [{model: LL-V1}, {model: LL-S}]\n"
        "cables: [{between: [1, 2], pins: [1, 2, 3, 4, 5, 6, 7, 8]}]  # as found\n",
    )
    assert result.exit_code == 0, result.err
    assert result.out.splitlines()[1].startswith("cables: [{between: [1, 2], pins: [7, 8]}]")
    assert result.out.rstrip().endswith("# as found")


def test_output_naming_the_input_needs_in_place(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    spec = tmp_path / "bank.yaml"
    original = "batteries:\n  - model: LL-V1\n  - model: LL-S\n"
    spec.write_text(original)
    (tmp_path / "link.yaml").symlink_to(spec)
    for target in (spec, tmp_path / "link.yaml", tmp_path / "." / "bank.yaml"):
        result = run_cli("plan", "--fix", str(spec), "-o", str(target))
        assert result.exit_code == 2
        assert f"-o {target} is the spec itself; add --in-place to overwrite it" in result.err
        assert spec.read_text() == original
    result = run_cli("plan", "--fix", "--in-place", str(spec))
    assert result.exit_code == 0
    assert spec.read_text() == "batteries:\n  - model: LL-S\n  - model: LL-V1\n"
    assert result.err.splitlines()[-1] == f"{spec}: wrote {spec}"


def test_a_correction_that_would_still_be_wrong_is_not_written(
    run_cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What --fix writes is read back first; a slip in the rewrite is caught there."""
    from generator.bank import fix

    monkeypatch.setattr(fix, "_reorder", lambda entries, order: None)  # the slip
    spec, out, result = fix_into_a_file(
        run_cli, tmp_path, "batteries:\n  - model: LL-V1\n  - model: LL-S\n"
    )
    assert result.exit_code == 1
    assert (
        f"{spec}:1:1: error E102: the corrected spec would still have this finding: LL-V1 at "
        "position 1 is the master, but LL-S at position 2 is newer" in result.err
    )
    assert not out.exists()


# --- comments stay with the entry they were written on (one test per placement) ----------

COMMENTED = [
    (
        "on-a-battery's-own-line",
        "batteries:\n  - model: LL-V1  # from the garage\n    serial: A1\n"
        "  - model: LL-S  # bought 2026\n    serial: C3\n",
        "batteries:\n  - model: LL-S  # bought 2026\n    serial: C3\n"
        "  - model: LL-V1  # from the garage\n    serial: A1\n",
    ),
    (
        "on-a-moving-battery's-last-key",
        "batteries:\n  - model: LL-V1\n    serial: A1  # label faded\n"
        "  # the new one\n  - model: LL-S\n    serial: C3  # label fine\n",
        "batteries:\n  # the new one\n  - model: LL-S\n    serial: C3  # label fine\n"
        "  - model: LL-V1\n    serial: A1  # label faded\n",
    ),
    (
        "between-entries-goes-with-the-one-below",
        "batteries:\n  - model: LL-V1\n    serial: A1\n  # the van's LL-V2\n"
        "  - model: LL-V2 (4 DIP)\n  # the newest, bought 2026\n  # (two lines)\n"
        "  - model: LL-S\n",
        "batteries:\n  # the newest, bought 2026\n  # (two lines)\n  - model: LL-S\n"
        "  # the van's LL-V2\n  - model: LL-V2 (4 DIP)\n  - model: LL-V1\n    serial: A1\n",
    ),
    (
        "above-the-first-entry-goes-with-it",
        "batteries:\n  # the old one\n  - model: LL-V1\n  - model: LL-S\n",
        "batteries:\n  - model: LL-S\n  # the old one\n  - model: LL-V1\n",
    ),
    (
        "set-apart-by-a-blank-line-stays-in-place",
        "batteries:\n  # top of the rack first\n\n  - model: LL-V1\n  - model: LL-S\n",
        "batteries:\n  # top of the rack first\n\n  - model: LL-S\n  - model: LL-V1\n",
    ),
    (
        "after-the-last-entry-stays-at-the-end",
        "batteries:\n  - model: LL-S\n  - model: LL-V1\n  - model: LL-V2 (4 DIP)\n"
        "  # end of the rack\ninverter: EG4 18kPV\n",
        "batteries:\n  - model: LL-S\n  - model: LL-V2 (4 DIP)\n  - model: LL-V1\n"
        "  # end of the rack\ninverter: EG4 18kPV\n",
    ),
    (
        "flow-entries",
        "batteries:\n  - {model: LL-V1, serial: A1}  # old\n  # the new one\n"
        "  - {model: LL-S, serial: C3}  # new\n  # trailing\n",
        "batteries:\n  # the new one\n  - {model: LL-S, serial: C3}  # new\n"
        "  - {model: LL-V1, serial: A1}  # old\n  # trailing\n",
    ),
    (
        "dashes-at-column-0",
        "batteries:\n# the old one\n- model: LL-V1\n# the new one\n- model: LL-S\n",
        "batteries:\n  # the new one\n  - model: LL-S\n  # the old one\n  - model: LL-V1\n",
    ),
    (
        "cables-reordered-and-removed",
        "batteries:\n  - model: LL-S\n  - model: LL-V1\n  - model: LL-V1\n"
        "cables:\n  # the lower one\n  - {between: [2, 3], pins: [7, 8]}\n"
        "  # the upper one\n  - {between: [1, 2], pins: [7, 8]}\n"
        "  # a cable that is not there\n  - {between: [1, 3], pins: [7, 8]}\n",
        "batteries:\n  - model: LL-S\n  - model: LL-V1\n  - model: LL-V1\n"
        "cables:\n  # the upper one\n  - {between: [1, 2], pins: [7, 8]}\n"
        "  # the lower one\n  - {between: [2, 3], pins: [7, 8]}\n"
        "  # a cable that is not there\n",
    ),
]


@pytest.mark.parametrize(
    ("original", "fixed"),
    [(original, fixed) for _, original, fixed in COMMENTED],
    ids=[name for name, _, _ in COMMENTED],
)
def test_every_comment_stays_with_the_entry_it_was_written_on(
    run_cli: Callable[..., CliResult], tmp_path: Path, original: str, fixed: str
) -> None:
    _, result = fix_to_stdout(run_cli, tmp_path, original)
    assert result.exit_code == 0, result.err
    assert tidy(result.out) == fixed
    assert sorted(comments(result.out)) == sorted(comments(original))


def test_crlf_comments_come_back_as_plain_lines(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    spec = tmp_path / "bank.yaml"
    spec.write_bytes(b"batteries:\r\n  - model: LL-V1\r\n  # the S\r\n  - model: LL-S\r\n")
    result = run_cli("plan", "--fix", str(spec))
    assert result.out == "batteries:\n  # the S\n  - model: LL-S\n  - model: LL-V1\n"
