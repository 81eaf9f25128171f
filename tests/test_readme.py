"""The README runs as written: after the two set-up commands and the one PATH line it gives, a
new user can type every command it shows. Each `eg4sheet` command parses with the real click
command line, and every file a command reads is in the checkout (or made by `./dev example`).
"""

from __future__ import annotations

import glob
import re
import shlex
import shutil
from collections.abc import Iterator

import click
import pytest

from generator.cli import cli
from tests.helpers import ROOT

README = (ROOT / "README.md").read_text()
PATH_LINE = 'export PATH="$PWD/.venv/bin:$PATH"'
# What `./dev example` writes (checked against the dev script below).
MADE_BY_SETUP = {"output/manufacturer-example.pdf"}
# The parameters of eg4sheet's commands that name a file it reads.
READS = {"specs", "spec_path", "sheet", "company_file", "catalog_path"}
FENCE = re.compile(r"^( *)```(\w*)\n(.*?)^\1```", re.MULTILINE | re.DOTALL)
SEPARATORS = {"|", ";", "&&", "||", "&"}


def blocks(language: str) -> list[str]:
    return [body for _, lang, body in FENCE.findall(README) if lang == language]


def shell_lines() -> list[str]:
    """Every command line of the README's sh blocks, continuation lines joined."""
    lines = []
    for body in blocks("sh"):
        lines += [line for line in body.replace("\\\n", " ").splitlines() if line.strip()]
    return lines


def inline_commands() -> list[str]:
    """`eg4sheet …` written in the prose as a whole command: with arguments (not a mere
    name of a command) and without placeholders (SPEC, [--company])."""
    prose = FENCE.sub("", README)
    spans = re.findall(r"`(eg4sheet [^`]+)`", prose)
    return [
        span for span in spans if len(span.split()) > 2 and not re.search(r"\[|\b[A-Z]{3,}\b", span)
    ]


def commands(line: str) -> Iterator[list[str]]:
    """The simple commands of a shell line (pipes and lists split), redirections dropped."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    words: list[str] = []
    skip_next = False
    for token in lexer:
        if skip_next:
            skip_next = False
        elif token in SEPARATORS:
            if words:
                yield words
            words = []
        elif token in {">", ">>", "<", "2>"}:
            skip_next = token != "<"  # an output file need not exist; an input must
        else:
            words.append(token)
    if words:
        yield words


def without_assignments(words: list[str]) -> list[str]:
    while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=\S*", words[0]):
        words = words[1:]
    return words


def expanded(words: list[str]) -> list[str]:
    """Arguments as the shell hands them over: globs expanded from the checkout."""
    out = []
    for word in words:
        if any(char in word for char in "*?"):
            found = sorted(glob.glob(word, root_dir=ROOT))
            assert found, f"{word} matches nothing in the checkout"
            out += found
        else:
            out.append(word)
    return out


def eg4sheet_inputs(args: list[str]) -> list[str]:
    """Parse `eg4sheet ARGS` as the real command line does; the files it would read."""
    group = cli.make_context("eg4sheet", list(args[:1]) or ["--help"])
    command = cli.get_command(group, args[0])
    assert command is not None, f"eg4sheet has no command {args[0]!r}"
    context = command.make_context(args[0], expanded(args[1:]), parent=group)
    files: list[str] = []
    for name, value in context.params.items():
        if name not in READS or value is None:
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        files += [str(item) for item in values if str(item) != "-"]
    return files


def every_command() -> list[list[str]]:
    found = []
    for line in shell_lines() + inline_commands():
        found += [without_assignments(words) for words in commands(line)]
    return [words for words in found if words]


def missing(path: str) -> bool:
    return not (ROOT / path).exists() and path not in MADE_BY_SETUP


def test_the_path_line_comes_before_the_first_example() -> None:
    first = min(README.index(f"\n{line}") for line in shell_lines() if line.startswith("eg4sheet"))
    assert PATH_LINE in README and README.index(PATH_LINE) < first
    dev = (ROOT / "dev").read_text()
    assert '"$VENV/bin/eg4sheet" build bank_specs/manufacturer-example.yaml -o output' in dev


@pytest.mark.parametrize("words", every_command(), ids=lambda words: " ".join(words)[:60])
def test_each_command_parses_and_names_files_that_exist(words: list[str]) -> None:
    program = words[0]
    if program == "eg4sheet":
        try:
            files = eg4sheet_inputs(words[1:])
        except click.exceptions.Exit:
            files = []  # --help, --version
        except click.UsageError as error:
            pytest.fail(f"{' '.join(words)}: {error.format_message()}")
    elif program == "curl":
        files = [word[1:] for word in words if word.startswith("@")]
    elif program == "cat":
        files = words[1:]
    elif program == "./dev":
        assert f"\n  {words[1]})" in (ROOT / "dev").read_text(), words
        files = []
    else:
        known = program in {"export", "source", "your-quote-system"} or shutil.which(program)
        assert known, f"a program this machine does not have: {words}"
        files = []
    assert [path for path in files if missing(path)] == []


def test_the_commands_cover_the_wrong_banks() -> None:
    """--fix and --allow-errors are shown on real wrong banks."""
    shown = [" ".join(words) for words in every_command()]
    for option in ("--fix", "--allow-errors"):
        assert any(option in line and "tests/wrong_banks/" in line for line in shown), option


@pytest.mark.slow
def test_the_library_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    (code,) = [body for body in blocks("python") if "from generator import api" in body]
    monkeypatch.chdir(ROOT)
    space: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), space)
    assert space["checked"].plan is not None  # type: ignore[attr-defined]
    assert space["sheet"].pdf.startswith(b"%PDF-")  # type: ignore[attr-defined]
    assert space["fixed"].text is not None  # type: ignore[attr-defined]
