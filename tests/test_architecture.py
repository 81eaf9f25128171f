"""The shape of the code: the light part never reaches for the heavy one; the cable rule and
its labels live in one module; a company catalog prints its own model names; a bug in a
batch worker is exit 3 with one line."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import EXAMPLE, ROOT, CliResult

PACKAGE = ROOT / "generator"
LIGHT = PACKAGE / "bank"
HEAVY = ("generator.sheet", "generator.output", "generator.server", "weasyprint", "matplotlib")


def imports_of(path: Path) -> set[str]:
    """Every module a source file imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize(
    "path", sorted(LIGHT.rglob("*.py")), ids=lambda path: path.relative_to(ROOT).as_posix()
)
def test_the_light_part_imports_nothing_heavy(path: Path) -> None:
    heavy = {name for name in imports_of(path) if name.startswith(HEAVY)}
    assert heavy == set(), f"{path.name} imports {heavy}"


def test_the_boundary_check_can_fail(tmp_path: Path) -> None:
    """The import scan sees imports inside functions too."""
    sample = tmp_path / "sample.py"
    sample.write_text("def f() -> None:\n    from generator.sheet import view\n")
    assert "generator.sheet" in imports_of(sample)


@pytest.mark.slow
def test_loading_the_light_part_loads_no_renderer() -> None:
    code = (
        "import sys, generator.api, generator.cli, generator.bank.analysis, generator.bank.fix;"
        "print(sorted(m for m in sys.modules if m.startswith(('weasyprint', 'matplotlib',"
        " 'generator.sheet', 'generator.output'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.slow
def test_importing_the_renderer_writes_no_environment_and_mutes_no_logger() -> None:
    """WeasyPrint is heard: importing the package's modules (the renderer among them) sets
    no environment variable and no logger's level."""
    code = (
        "import logging, os, sys; before = dict(os.environ);"
        "import generator.api, generator.cli, generator.sheet.pdf, generator.sheet.render;"
        "import generator.server.app, generator.output.batch;"
        "levels = {name: logger.level for name, logger in logging.root.manager.loggerDict.items()"
        " if isinstance(logger, logging.Logger) and logger.level != logging.NOTSET};"
        "print(sorted(set(os.environ.items()) ^ set(before.items())), levels)"
    )
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[] {}"


PIN_SETS = re.compile(r"\{7, 8\}|\(7, 8\)|\[7, 8\]|\{3, 6\}|7\+8|PINS 7|pins-7-8-only")


def test_cable_rule_and_labels_live_in_one_module() -> None:
    """Pin sets, kind names and labels appear in generator/bank/cables.py (and pins.py, the
    pins themselves) and nowhere else in the code or templates (the catalog data may name the
    breaker pins of a model)."""
    found = []
    for path in [*PACKAGE.rglob("*.py"), *(ROOT / "templates").rglob("*.*")]:
        if path.name in ("cables.py", "pins.py"):  # the rule, and the pins it is about
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if PIN_SETS.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


# What translates in the language of the sheet being built (a context variable): only the
# heavy part may ask it; the light part words everything as Msg values, rendered by the reader.
EAGER = {"_", "ngettext", "language", "current"}


@pytest.mark.parametrize(
    "path",
    sorted(p for p in LIGHT.rglob("*.py") if p.name != "i18n.py"),
    ids=lambda path: path.relative_to(ROOT).as_posix(),
)
def test_the_light_part_words_everything_as_msg(path: Path) -> None:
    """No eager translation in generator/bank: the change list, the steps and the findings
    come out the same whatever language a sheet elsewhere is being printed in."""
    eager = {
        alias.name
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.ImportFrom) and node.module == "generator.bank.i18n"
        for alias in node.names
        if alias.name in EAGER
    }
    assert eager == set(), f"{path.name} translates eagerly with {eager}"


def test_the_change_list_is_english_whatever_language_is_active() -> None:
    from generator.bank.i18n import language
    from tests.helpers import analysis_of

    everything_wrong = ROOT / "tests" / "wrong_banks" / "everything_wrong.yaml"
    with language("es"):
        spanish_build = analysis_of(everything_wrong).changes
    assert spanish_build == analysis_of(everything_wrong).changes
    assert spanish_build[0] == "Switch off every battery breaker and BMS switch."


def test_the_desk_script_re_derives_no_word_the_plan_carries() -> None:
    """The desk prints the plan's own switch words and cable labels (plan JSON keys
    `switches` and `label`), never its own version of them."""
    script = (PACKAGE / "server" / "static" / "app.js").read_text()
    for derived in ("no address", "patch cable", "pins 7 and 8", '.join(" · ")'):
        assert derived not in script
    assert "battery.switches" in script and "cable.label" in script


# Facts with one home each (issue 17): the pattern that writes the fact again, and its home.
# The desk's script and page are scanned too: the server writes these facts into the page.
HOMES = {
    "paper names": (r'"(letter|a4|A4)"', "generator/bank/paper.py"),
    "page margins": (r"38 ?/ ?25\.4|\b38 ?mm\b|margin: *[\d.]+(in|mm)", "generator/bank/paper.py"),
    "exit codes": (r"\bEXIT_[A-Z]+\s*(,\s*EXIT_[A-Z]+\s*)*=|exit_code = \d", "generator/errors.py"),
    "code groups": (r'frozenset\(\{"[EW]\d{3}"', "generator/bank/diagnostics.py"),
    "usable IDs": (r"max\([^)]*id_low", "generator/bank/catalog.py"),
    "YAML dumper": (r"SafeDumper", "generator/bank/yamlsrc.py"),
    "bank size": (r"[<>]=? ?64\b|up to 64|max=\"64\"|\bMAX_COUNT = ", "generator/bank/limits.py"),
    "body and depth limits": (
        r"\bMAX_DEPTH = \d|= 1_000_000  # .*spec|size > ?1_?000_?000\b",
        "generator/bank/yamlsrc.py",
    ),
    "sheet upload limit": (r"\b20_?000_?000\b", "generator/bounded.py"),
    # payload.py keeps its own list on purpose (format 1 is fixed; a test holds the two equal)
    "job fields": (
        r"\bJOB = Section\(|data-job=\"[a-z]|[\"']title[\"'], *[\"']customer[\"']",
        "generator/bank/spec.py",
    ),
    "pins of a plug": (
        r"frozenset\(range\(1, 9\)\)|pin <= 8\b|\[1, 2, 3, 4, 5, 6, 7, 8\]",
        "generator/bank/pins.py",
    ),
    "the form's labels": (r'"ID set"|Firmware installed', "generator/server/desk.py"),
}
STATIC = PACKAGE / "server" / "static"


def scanned() -> list[Path]:
    """The code, the sheet's templates, and the desk's script and page."""
    return [
        *PACKAGE.rglob("*.py"),
        *(ROOT / "templates").rglob("*.*"),
        *STATIC.glob("*.js"),
        *STATIC.glob("*.html"),
    ]


def written_outside_home(pattern: str, home: str, files: list[Path] | None = None) -> list[str]:
    found = []
    for path in scanned() if files is None else files:
        name = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name
        if name == home:
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if re.search(pattern, line):
                found.append(f"{name}:{number}: {line.strip()}")
    return found


@pytest.mark.parametrize("fact", sorted(HOMES))
def test_each_fact_is_written_in_its_home_only(fact: str) -> None:
    """Paper sizes, margins, exit codes, code groups, the usable ID range, the YAML writer,
    the bank size, the body limits, the job fields, the pins and the desk's labels are
    written once; everything else imports them, and the desk's page has them written in by
    the server."""
    pattern, home = HOMES[fact]
    assert (ROOT / home).is_file()
    assert re.search(pattern, (ROOT / home).read_text())  # the pattern finds the fact at home
    assert written_outside_home(pattern, home) == []


def test_the_fact_check_can_fail(tmp_path: Path) -> None:
    stray = PACKAGE / "bank" / "zz_stray_fact_for_test.py"
    stray.write_text('PAPER = "a4"\n')
    try:
        assert written_outside_home(*HOMES["paper names"]) == [
            'generator/bank/zz_stray_fact_for_test.py:1: PAPER = "a4"'
        ]
    finally:
        stray.unlink()


# What the desk's script and page wrote before the server wrote the facts into the page.
DESK_BEFORE = {
    "app.js": [
        'const JOB_KEYS = ["title", "customer", "site", "installer", "quote", "revision"];',
        '  return { job, paper: "letter", inverter: "", batteries: [], cables: [] };',
        "  return Number.isInteger(count) && count >= 1 && count <= 64 ? count : 1;",
        "    for (let pin = 1; pin <= 8; pin += 1) {",
        'const LABELS = { id: "ID set", firmware: "Firmware installed" };',
        "  if (file.size > 20000000) { say(`larger than 20 MB.`); return; }",
        "    } else if (file.size > 1000000) {",
    ],
    "page.html": [
        '      <label>Title <input data-job="title" autocomplete="off"></label>',
        '        <select id="paper"><option value="letter">Letter</option></select>',
        '      <label>Count <input id="add-count" type="number" min="1" max="64"></label>',
    ],
}


def test_the_fact_check_reads_the_desk_script_and_page(tmp_path: Path) -> None:
    """The desk's files are scanned, and each fact they used to write is caught in them."""
    assert {STATIC / "app.js", STATIC / "page.html"} <= set(scanned())
    files = []
    for name, lines in DESK_BEFORE.items():
        (tmp_path / name).write_text("\n".join(lines) + "\n")
        files.append(tmp_path / name)
    caught = {
        fact: [hit.split(": ", 1)[0] for hit in written_outside_home(*HOMES[fact], files)]
        for fact in HOMES
    }
    assert {fact: hits for fact, hits in caught.items() if hits} == {
        "job fields": ["app.js:1", "page.html:1"],
        "paper names": ["app.js:2", "page.html:2"],
        "bank size": ["app.js:3", "page.html:3"],
        "pins of a plug": ["app.js:4"],
        "the form's labels": ["app.js:5"],
        "sheet upload limit": ["app.js:6"],
        "body and depth limits": ["app.js:7"],
    }


def import_graph() -> dict[str, set[str]]:
    """Every module of the package -> the modules of the package it imports (at the top, in a
    function or for type checking alike)."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, base] if base else up)
                found |= {base, *(f"{base}.{alias.name}" for alias in node.names)}
        graph[name] = {other for other in found if other in modules and other != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_no_import_cycle_in_the_package() -> None:
    """Type-checking and in-function imports count too: no two modules need each other."""
    graph = import_graph()
    assert len(graph) > 60
    assert cycles(graph) == []


def test_the_cycle_check_can_fail() -> None:
    graph = import_graph()
    graph["generator.bank.catalog"].add("generator.bank.cables")
    graph["generator.bank.cables"].add("generator.bank.catalog")
    assert ["generator.bank.cables", "generator.bank.catalog"] in cycles(graph)


RENAMED_MODEL = "Legacy-One 48V"
SIXTH_MODEL = "Rackmount X6"
SIXTH = f"""\
  - name: {SIXTH_MODEL}
    rank: 6
    generation: legacy
    aliases: [RX6]
    firmware: [R6F01]
    nominal: {{volts: 48, amp_hours: 50}}
    comm_ports: Link
    dip:
      switches: 4
      weights: [1, 2, 4, 8]
      one_when: "ON"
      id_range: [1, 15]
      on_side: up
      inferred: false
      source: The Rackmount X6 manual.
"""


@pytest.mark.slow
def test_a_company_catalog_prints_only_its_own_model_names(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    from tests.sheet_helpers import page_texts

    text = (PACKAGE / "bank" / "data" / "catalog.yaml").read_text()
    text = text.replace("name: LL-V1", f"name: {RENAMED_MODEL}")
    text = text.replace("aliases: [LLV1, LL V1, EG4 LL-V1, LL-V1 48V]", "aliases: [L1]")
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(text + SIXTH)
    spec = tmp_path / "bank.yaml"
    spec.write_text(
        "batteries:\n  - model: LL-S\n  - model: L1\n    count: 2\n  - model: RX6\n"
        "    firmware: R6F01\n"
    )
    out = tmp_path / "out"
    result = run_cli("build", "--catalog", str(catalog), str(spec), "-o", str(out))
    assert result.exit_code == 0, result.err
    pages = page_texts((out / "bank.pdf").read_bytes())
    whole = " ".join(pages)
    assert RENAMED_MODEL in whole and SIXTH_MODEL in whole
    assert "LL-V1" not in whole  # the name the company catalog replaced
    # pdftotext drops the hyphen where "Older-generation" wraps
    assert f"generation batteries ({RENAMED_MODEL}, {SIXTH_MODEL}) have a hatched edge" in whole
    assert '"Link" ports' in whole  # the sixth model's port name, from its catalog entry
    plan = run_cli("plan", "--catalog", str(catalog), str(spec))
    assert RENAMED_MODEL in plan.out and "LL-V1" not in plan.out


@pytest.mark.slow
def test_a_bug_in_a_batch_worker_exits_3_with_one_line(tmp_path: Path) -> None:
    """A bug (not bad input) inside a pool worker: one line naming it, exit 3."""
    specs = tmp_path / "specs"
    specs.mkdir()
    for number in range(3):
        (specs / f"bank{number}.yaml").write_text(EXAMPLE.read_text())
    code = (
        "import sys\n"
        "import generator.sheet.render as render\n"
        "def broken(*args, **kwargs):\n"
        "    raise KeyError('injected')\n"
        "render.prepare = broken\n"  # where a build starts drawing the sheet
        "from generator.cli import main\n"
        f"main(['build', '-j', '2', {str(specs)!r}, '-o', {str(tmp_path / 'out')!r}])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    bug_lines = [line for line in result.stderr.splitlines() if "internal error" in line]
    assert len(bug_lines) == 3, result.stderr  # one line per sheet, no more
    assert all("KeyError: 'injected'" in line for line in bug_lines)
