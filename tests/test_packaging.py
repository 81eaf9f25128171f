"""Packaging: every third-party module the code imports is declared once, with a range; the
layout libraries are bounded to the versions the golden files were made with; constraints.txt
pins what the tests pass with, and this environment has exactly that; the server reaches the
package only through the library API."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions, version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.helpers import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
DEPENDENCIES = [Requirement(line) for line in PYPROJECT["project"]["dependencies"]]
TEST = [Requirement(line) for line in PYPROJECT["project"]["optional-dependencies"]["test"]]
# What the golden HTML, the page counts and the page images depend on: bounded above.
LAYOUT = {"weasyprint", "matplotlib", "fonttools"}
# Stub packages carry no code to pin a range for.
STUBS = re.compile(r"^types-")


def third_party_imports(folder: Path) -> set[str]:
    """The distributions whose modules the files under `folder` import."""
    owners = packages_distributions()
    found: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in ("generator", "tests", "bench"):
                    continue
                found.update(canonicalize_name(d) for d in owners.get(top, [top]))
    return found


def names(requirements: list[Requirement]) -> list[str]:
    return [canonicalize_name(requirement.name) for requirement in requirements]


def test_every_import_of_the_package_is_declared_and_every_declaration_used() -> None:
    declared = set(names(DEPENDENCIES))
    assert third_party_imports(ROOT / "generator") == declared


def test_every_import_of_the_tests_is_declared() -> None:
    declared = set(names(DEPENDENCIES)) | set(names(TEST))
    assert third_party_imports(ROOT / "tests") - declared == set()


def test_each_requirement_is_declared_once_with_a_range() -> None:
    everything = names(DEPENDENCIES) + names(TEST)
    assert sorted(everything) == sorted(set(everything)), "declared twice"
    for requirement in [*DEPENDENCIES, *TEST]:
        if STUBS.match(requirement.name):
            continue
        operators = {spec.operator for spec in requirement.specifier}
        assert ">=" in operators and "<" in operators, f"{requirement}: give >= and <"


def test_the_layout_libraries_are_bounded_to_the_tested_minor_range() -> None:
    """A new WeasyPrint (or matplotlib, fontTools) minor version may move the layout the
    golden files and page tests were made with: it comes in by a deliberate change."""
    for requirement in DEPENDENCIES:
        if canonicalize_name(requirement.name) not in LAYOUT:
            continue
        lower = next(Version(s.version) for s in requirement.specifier if s.operator == ">=")
        upper = next(Version(s.version) for s in requirement.specifier if s.operator == "<")
        step = Version(".".join(map(str, (*lower.release[:-1], lower.release[-1] + 1))))
        assert upper <= step, f"{requirement}: at most one release series (< {step})"
        assert Version(version(requirement.name)) in requirement.specifier


def constraints() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, pinned = line.partition("==")
            pins[canonicalize_name(name)] = Version(pinned)
    return pins


def test_constraints_pin_every_requirement_within_its_range() -> None:
    pins = constraints()
    for requirement in [*DEPENDENCIES, *TEST]:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"constraints.txt does not pin {name}"
        assert pins[name] in requirement.specifier, f"{name}=={pins[name]} is not {requirement}"


def test_this_environment_is_the_one_the_constraints_describe() -> None:
    """./dev installs from constraints.txt: the tests run on the pinned versions."""
    pins = constraints()
    for requirement in [*DEPENDENCIES, *TEST]:
        name = canonicalize_name(requirement.name)
        assert Version(version(name)) == pins[name], name


def test_dev_installs_from_the_constraints() -> None:
    script = (ROOT / "dev").read_text()
    assert re.search(r"pip install [^\n]*-c constraints\.txt", script)


def test_the_server_reaches_the_package_only_through_the_library_api() -> None:
    """generator.server builds no sheet, drawing or layout itself: it calls generator.api."""
    reaching = []
    for path in (ROOT / "generator" / "server").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module:
                module = node.module
            elif isinstance(node, ast.Import):
                module = node.names[0].name
            else:
                continue
            if module.startswith(("generator.sheet", "generator.output")):
                reaching.append(f"{path.name}: {module}")
    assert reaching == []
