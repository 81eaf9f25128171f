"""The payload of the sheet's QR code: the spec round-trips, old and foreign codes are told
apart, a damaged code is refused, and the code's size and scope follow the bank."""

from __future__ import annotations

import base64
import hashlib
import io
import zlib
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from generator import api
from generator.bank import payload
from generator.bank.analysis import Analysis
from generator.bank.payload import PayloadError, Scope
from generator.bank.spec import BankSpec, parse_spec
from generator.sheet.figures import qr
from tests.helpers import EXAMPLE, ROOT, WRONG_BANKS

QR_BANKS = ROOT / "tests" / "qr_banks"
SPECS = sorted(ROOT.glob("bank_specs/*.yaml")) + sorted(WRONG_BANKS.glob("*.yaml"))
SPECS += sorted(QR_BANKS.glob("*.yaml"))


def spec_of(data: bytes) -> BankSpec:
    spec, findings = parse_spec(data, "bank.yaml")
    assert spec is not None and not findings, [f.as_text() for f in findings]
    return spec


def round_trip(data: bytes, scope: Scope = Scope.FULL) -> bytes:
    spec = spec_of(data)
    return payload.decode(payload.encode(spec, api.catalog(), scope)).spec


def content(data: bytes) -> dict[str, object]:
    """What a spec says, as the loader read it (locations and file name left out)."""
    spec = spec_of(data)
    return {
        "job": spec.job,
        "paper": spec.paper,
        "inverter": spec.inverter,
        "batteries": [
            (b.position, _model(b.model_name), b.serial, b.firmware, b.id, b.index)
            for b in spec.batteries
        ],
        "cables": None if spec.cables is None else [(c.between, c.pins) for c in spec.cables],
    }


def _model(name: str) -> str:
    model = api.catalog().find(name)
    return model.name if model is not None else name


def plans(data: bytes) -> tuple[object, object]:
    checked = api.check(api.SpecSource("bank.yaml", data))
    assert checked.analysis is not None
    return checked.analysis.plan.as_json_dict(), checked.analysis.as_found.as_json_dict()


@pytest.mark.parametrize("path", SPECS, ids=lambda path: path.stem)
def test_every_example_round_trips(path: Path) -> None:
    original = path.read_bytes()
    back = round_trip(original)
    assert content(back) == content(original)
    assert plans(back) == plans(original)


def test_decoded_spec_reads_like_the_examples() -> None:
    back = round_trip(EXAMPLE.read_bytes()).decode()
    assert back.startswith(
        "# Bank spec read from the QR code of an eg4sheet install sheet (format 1).\njob:\n"
        "  title: Garcia residence, ESS bank A\n"
    )
    assert "  - model: LL-V2 (4 DIP)\n    count: 2\n" in back
    cables = round_trip(
        b"batteries: [{model: LL-S}, {model: LL-V1}]\ncables: [{between: [1, 2], pins: [8, 7]}]\n"
    ).decode()
    assert cables.endswith("cables:\n  - between: [1, 2]\n    pins: [7, 8]\n")


def test_model_aliases_become_canonical_names_and_unknown_ones_stay() -> None:
    back = yaml.safe_load(round_trip(b"batteries: [{model: lls}, {model: lp4}, {model: LL-X}]"))
    assert [b["model"] for b in back["batteries"]] == ["LL-S", "LifePower4", "LL-X"]


def test_bank_scope_leaves_the_job_out_and_says_so() -> None:
    original = EXAMPLE.read_bytes()
    back = round_trip(original, Scope.BANK)
    assert b"job:" not in back
    assert b"# The code carried the bank alone: the job fields did not fit in it." in back
    assert content(back) == content(original) | {"job": content(back)["job"]}
    assert plans(back) == plans(original)


def test_text_survives_exactly() -> None:
    original = (
        'job:\n  title: "back\\\\slash, \\\\0, \\\\t, # not a comment: {x}"\n'
        "  notes: |\n    two lines,\n    Señora Núñez 日本\n"
        '  revision: "007"\n  quote: ""\n'
        "inverter: '- [x]'\n"
        "batteries:\n  - model: LL-S\n    serial: 'null'\n    firmware: '~'\n"
        "  - model: LL-S\n    serial: ''\n    id: 64\n"
        "cables: []\n"
    ).encode()
    back = round_trip(original)
    assert content(back) == content(original)
    job = spec_of(back).job
    assert job.title == "back\\slash, \\0, \\t, # not a comment: {x}"
    assert (job.notes, job.revision, job.quote) == ("two lines,\nSeñora Núñez 日本", "007", "")


def test_cables_as_listed_even_when_wrong() -> None:
    original = (
        b"batteries: [{model: LL-S, count: 3}, {model: LL-V1}]\n"
        b"cables:\n  - {between: [3, 4], pins: [1, 2, 3, 4, 5, 6, 7, 8]}\n"
        b"  - {between: [2, 1], pins: [7]}\n  - {between: [1, 3], pins: []}\n"
    )
    assert content(round_trip(original)) == content(original)


text = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=40)
models = st.sampled_from(["LL-S", "LL-V2 (6 DIP)", "LL-V1", "lp4", "?"])


@settings(max_examples=80, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            "batteries": st.lists(
                st.one_of(
                    st.fixed_dictionaries(
                        {"model": models},
                        optional={"serial": text, "firmware": text, "id": st.integers(0, 64)},
                    ),
                    st.fixed_dictionaries(
                        {"model": models, "count": st.integers(1, 3)}, optional={"firmware": text}
                    ),
                ),
                min_size=1,
                max_size=12,
            )
        },
        optional={
            "job": st.fixed_dictionaries({}, optional={"title": text, "notes": text}),
            "inverter": text,
            "paper": st.sampled_from(["letter", "a4"]),
            "cables": st.lists(
                st.fixed_dictionaries(
                    {
                        "between": st.lists(st.integers(1, 64), min_size=2, max_size=2),
                        "pins": st.lists(st.integers(1, 8), max_size=8),
                    }
                ),
                max_size=6,
            ),
        },
    )
)
def test_whatever_the_loader_reads_round_trips(data: dict[str, object]) -> None:
    original = yaml.safe_dump(data, allow_unicode=True).encode()
    spec, findings = parse_spec(original, "bank.yaml")
    if spec is None or findings:  # a shape error (an id with a count): such a sheet has no code
        return
    back = round_trip(original)
    assert content(back) == content(original)
    assert plans(back) == plans(original)


PAYLOAD = payload.encode(spec_of(EXAMPLE.read_bytes()), api.catalog())


def test_payload_is_alphanumeric_with_its_version() -> None:
    assert PAYLOAD.startswith("EG4S1:")
    assert set(PAYLOAD) <= set(payload.BASE45)


def test_base45_is_rfc_9285() -> None:
    for raw, coded in [(b"AB", "BB8"), (b"Hello!!", "%69 VD92EX0"), (b"ietf!", "QED8WEX0")]:
        assert payload.b45encode(raw) == coded
        assert payload.b45decode(coded) == raw
    for bad in ["GGW", "A", "ab"]:
        with pytest.raises(ValueError, match="not base45"):
            payload.b45decode(bad)


def body(text: str) -> str:
    packer = zlib.compressobj(9, zlib.DEFLATED, 15, 9, zlib.Z_DEFAULT_STRATEGY, payload.DICTIONARY)
    return "EG4S1:" + payload.b45encode(packer.compress(text.encode()) + packer.flush())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("https://example.com/", "the QR code is not an eg4sheet code"),
        ("HC1:6BFOXN%TS3DH", "the QR code is not an eg4sheet code"),
        (
            "EG4S2:ABC",
            "the QR code is in format 2; this eg4sheet reads format 1: update eg4sheet, "
            "or extract the spec from the sheet's PDF",
        ),
        ("EG4S1:" + "A" * 9000, "the eg4sheet QR code is damaged (it is far longer than"),
        (PAYLOAD.lower(), "the QR code is not an eg4sheet code"),
        ("EG4S1:" + PAYLOAD[6:].lower(), "(it holds characters that base45 does not use)"),
        (PAYLOAD[:-9], "the eg4sheet QR code is damaged (its data does not unpack"),
        (PAYLOAD[:40] + ("0" if PAYLOAD[40] != "0" else "1") + PAYLOAD[41:], "damaged"),
        (body("x" * 100_000), "(its data does not unpack: more than 64000 bytes)"),
        (body("full\n\nletter"), "(the spec in it does not read: 3 lines, not 10)"),
        (body("all\n\nletter\n\nLL-S\n\n\n\n\n-"), "(the spec in it does not read: unknown"),
        (
            body("full\n\nletter\n\nLL-S\n\n\n\n99\n-"),
            "the spec in it does not read: count of battery at position 1 must be",
        ),
        (body("full\n\nletter\n\nLL-S\n\n\n\n\n1,1"), "a cable is not 'step,span,pins'"),
        (body("full\n\nlegal\n\nLL-S\n\n\n\n\n-"), "paper must be one of"),
        (body("full\n\nletter\n\n\n\n\n\n\n-"), "model of battery at position 1 is empty"),
    ],
    ids=lambda value: value[:24] if isinstance(value, str) else None,
)
def test_foreign_newer_and_damaged_codes_are_refused(text: str, message: str) -> None:
    with pytest.raises(PayloadError) as refused:
        payload.decode(text)
    assert message in str(refused.value)


def test_the_payload_itself_decodes() -> None:
    assert body("full\n\nletter\n\nLL-S\n\n\n\n\n-")  # the helper above makes valid codes
    assert payload.decode(body("full\n\nletter\n\nLL-S\n\n\n\n\n-")).spec.endswith(
        b"paper: letter\nbatteries:\n  - model: LL-S\n"
    )


def analysis(path: Path) -> Analysis:
    checked = api.check(api.read_spec(path))
    assert checked.analysis is not None
    return checked.analysis


@pytest.mark.parametrize(
    ("path", "scope", "version"),
    [
        (QR_BANKS / "one.yaml", Scope.FULL, 2),
        (EXAMPLE, Scope.FULL, 10),
        (QR_BANKS / "sixteen.yaml", Scope.FULL, 11),
        (QR_BANKS / "sixty-four.yaml", Scope.BANK, 13),  # every job field and serial: too much
    ],
    ids=lambda value: value.stem if isinstance(value, Path) else str(value),
)
def test_code_size_and_scope(path: Path, scope: Scope, version: int) -> None:
    view = qr.qr_view(analysis(path))
    assert (view.scope, view.version) == (scope, version)
    assert view.module_mm >= qr.MIN_MODULE_MM
    assert view.caption.startswith("Scan to reload this bank in eg4sheet")
    alone = "(the bank alone: copy the job fields from this sheet)"
    assert (alone in view.caption) == (scope is Scope.BANK)
    assert view.img is not None and view.img.startswith("data:image/png;base64,")
    with Image.open(io.BytesIO(base64.b64decode(view.img.split(",", 1)[1]))) as image:
        # grey, the code and its quiet zone, whole pixels for each module
        side = (17 + 4 * version + 2 * qr.QUIET) * qr.SCALE
        assert (image.mode, image.size) == ("L", (side, side))


def test_no_code_for_a_spec_read_in_part_or_too_large(tmp_path: Path) -> None:
    part = tmp_path / "part.yaml"
    part.write_text("batteries: [{model: LL-S, colour: red}]\n")
    view = qr.qr_view(analysis(part))
    assert (view.img, view.caption) == (None, qr.UNREADABLE)
    huge = tmp_path / "huge.yaml"  # 64 serials of 100 characters that do not compress
    serials = [hashlib.sha512(bytes([n])).hexdigest()[:96] for n in range(64)]
    huge.write_text(
        "batteries:\n" + "".join(f"  - {{model: LL-S, serial: {s}}}\n" for s in serials)
    )
    view = qr.qr_view(analysis(huge))
    assert (view.img, view.caption) == (None, qr.TOO_LARGE)


def test_format_1_carries_every_job_field() -> None:
    """A job key added to the spec needs a new payload format; this says when."""
    from generator.bank.payload import JOB_FIELDS
    from generator.bank.spec import JOB_KEYS

    assert list(JOB_FIELDS) == list(JOB_KEYS)


def test_the_job_language_travels_in_the_code() -> None:
    from generator.bank.catalog import default_catalog
    from generator.bank.payload import decode, encode
    from generator.bank.spec import parse_spec

    spec, findings = parse_spec(b"job:\n  lang: es\nbatteries:\n  - model: LL-S\n", "b.yaml")
    assert spec is not None and not findings
    back, _ = parse_spec(decode(encode(spec, default_catalog())).spec, "back.yaml")
    assert back is not None and back.job.lang == "es"
