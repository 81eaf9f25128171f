"""The hostile corpus: specs built to break a parser, a validator or a renderer.

Generated rather than stored: some are 10 MB, some are binary. Each case names the code
`validate` must answer with, or None for a spec that is valid (hostile only in its text).
"""

from __future__ import annotations

from typing import NamedTuple

GOOD = b"batteries:\n  - model: LL-S\n  - model: LL-V1\n"


class Case(NamedTuple):
    name: str
    data: bytes
    code: str | None  # the first error code expected; None: no errors at all


def _job(field: str, value: str) -> bytes:
    return f"job:\n  {field}: {value}\n".encode() + GOOD


def _battery(extra: str) -> bytes:
    return f"batteries:\n  - model: LL-S\n    {extra}\n".encode()


def _cable(body: str) -> bytes:
    return GOOD + f"cables:\n  - {body}\n".encode()


def _bomb(levels: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


CASES: list[Case] = [
    # wrong types in every field
    Case("job-list", b"job: [a, b]\n" + GOOD, "E002"),
    *[
        Case(f"job-{field}-mapping", _job(field, "{a: 1}"), "E002")
        for field in [
            "title",
            "customer",
            "site",
            "installer",
            "quote",
            "revision",
            "date",
            "notes",
        ]
    ],
    Case("job-title-list", _job("title", "[1, 2]"), "E002"),
    Case("paper-list", b"paper: [letter]\n" + GOOD, "E002"),
    Case("paper-unknown", b"paper: tabloid\n" + GOOD, "E002"),
    Case("inverter-mapping", b"inverter: {model: 18kPV}\n" + GOOD, "E002"),
    Case("batteries-scalar", b"batteries: 6\n", "E002"),
    Case("battery-list", b"batteries:\n  - [LL-S]\n", "E002"),
    Case("model-mapping", b"batteries:\n  - model: {name: LL-S}\n", "E002"),
    Case("serial-list", _battery("serial: [1, 2]"), "E002"),
    Case("firmware-list", _battery("firmware: [Z02T12]"), "E002"),
    Case("count-string", _battery("count: many"), "E002"),
    Case("count-float", _battery("count: 2.5"), "E002"),
    Case("count-negative", _battery("count: -3"), "E002"),
    Case("count-huge", _battery("count: 99999999999999999999"), "E002"),
    Case("id-string", _battery("id: one"), "E002"),
    Case("id-too-big", _battery("id: 65"), "E002"),
    Case("cables-scalar", GOOD + b"cables: yes\n", "E002"),
    Case("cable-scalar", _cable("7-8"), "E002"),
    Case("between-scalar", _cable("{between: 1, pins: [7, 8]}"), "E002"),
    Case("between-strings", _cable("{between: [a, b], pins: [7, 8]}"), "E002"),
    Case("pins-nested", _cable("{between: [1, 2], pins: [[7, 8]]}"), "E002"),
    Case("pins-out-of-range", _cable("{between: [1, 2], pins: [9, 10]}"), "E002"),
    # huge strings and sizes
    Case("huge-title", _job("title", "x" * 500_000), "E002"),
    Case("long-notes", _job("notes", "y" * 2_001), "E002"),
    Case("huge-model-name", b"batteries:\n  - model: " + b"L" * 200_000 + b"\n", "E002"),
    Case("longish-model-name", b"batteries:\n  - model: " + b"L" * 99 + b"\n", "E101"),
    Case("ten-megabytes-of-spaces", GOOD + b" " * 10_000_000, "E001"),
    Case("ten-megabytes-of-comment", GOOD + b"#" + b"c" * 10_000_000 + b"\n", "E001"),
    Case("ten-megabytes-of-batteries", b"batteries:\n" + b"  - model: LL-S\n" * 700_000, "E001"),
    Case("many-batteries", b"batteries:\n" + b"  - model: LL-S\n" * 5_000, "E002"),
    # nesting and aliases
    Case("deep-nesting", b"job: " + b"[" * 1000 + b"]" * 1000 + b"\n" + GOOD, "E001"),
    Case(
        "deep-mappings",
        b"job:\n" + b"".join(b"  " * i + b"a:\n" for i in range(1, 40)) + GOOD,
        "E001",
    ),
    Case("alias-bomb", _bomb(9).encode() + GOOD, "E003"),
    Case(
        "alias-bomb-in-notes",
        b"x: &x [y, y, y, y]\njob:\n  notes: [*x, *x, *x, *x]\n" + GOOD,
        "E003",
    ),
    Case("alias-as-batteries", b"a: &b [{model: LL-S}]\nbatteries: *b\n", "E003"),
    Case("recursive-alias", b"batteries: &r [*r]\n", "E002"),
    # bytes that are not text
    Case("nul-bytes", GOOD + b"\x00\x00\x00", "E001"),
    Case("latin-1", "job:\n  customer: Jos\xe9\n".encode("latin-1") + GOOD, "E001"),
    Case("utf-16", GOOD.decode().encode("utf-16"), "E001"),
    Case("random-binary", bytes(range(256)) * 64, "E001"),
    Case("control-characters", b"job:\n  title: a\x1b[31mred\n" + GOOD, "E001"),
    # markup and CSS in text fields (valid specs: printed as text)
    Case(
        "markup-everywhere",
        (
            b'job:\n  title: "<h1>big</h1><script>alert(1)</script>"\n'
            b'  customer: "</style><style>body{display:none}</style>"\n'
            b'  site: "<img src=x onerror=alert(1)>"\n'
            b'  notes: "{{ config }} {% for x in y %}{% endfor %} ${x} #{x}"\n'
            b'inverter: "<svg onload=alert(1)>"\n'
            b'batteries:\n  - model: LL-S\n    serial: "<b>&amp;</b>"\n'
        ),
        None,
    ),
    Case("css-in-text", _job("notes", "\"url(file:///etc/passwd) @import 'x.css'; } * {}\""), None),
    # paths and URLs in text fields (valid specs: printed, never fetched)
    Case(
        "paths-and-urls",
        (
            b"job:\n  title: file:///etc/passwd\n  customer: /etc/shadow\n  site: ../../../secret\n"
            b"  installer: http://169.254.169.254/latest/meta-data/\n"
            b"  notes: \\\\server\\share\\x.png data:image/png;base64,AAAA\n"
            b"batteries:\n  - model: LL-S\n    serial: https://example.com/a.png\n"
        ),
        None,
    ),
]
