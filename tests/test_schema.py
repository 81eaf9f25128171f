"""`eg4sheet schema`: one source with the loaders, shipped current, read by editors."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, Draft202012Validator

from generator.bank.catalog import Catalog
from generator.bank.spec import JOB, JobInfo
from tests.helpers import ROOT, CliResult, findings_for
from tests.schema_helpers import (
    BANK_DOC,
    BANK_SCHEMA_FILE,
    COMPANY_DOC,
    COMPANY_SCHEMA,
    COMPANY_SCHEMA_FILE,
    schema_errors,
)

MODELINE = "# yaml-language-server: $schema=../schema/bank-spec.schema.json"


@pytest.mark.parametrize(
    ("args", "shipped"),
    [([], BANK_SCHEMA_FILE), (["--company"], COMPANY_SCHEMA_FILE)],
    ids=["bank-spec", "company"],
)
def test_shipped_schema_is_current(
    run_cli: Callable[..., CliResult], args: list[str], shipped: Path
) -> None:
    result = run_cli("schema", *args)
    assert result.exit_code == 0
    assert result.out == shipped.read_text(), (
        f"{shipped.relative_to(ROOT)} is stale: run ./dev schema and commit it"
    )


@pytest.mark.parametrize("spec", sorted((ROOT / "bank_specs").glob("*.y*ml")), ids=lambda p: p.name)
def test_every_example_names_the_schema(spec: Path) -> None:
    assert spec.read_text().splitlines()[0] == MODELINE
    assert (spec.parent / MODELINE.split("=", 1)[1]).resolve() == BANK_SCHEMA_FILE


@pytest.mark.parametrize("schema", [BANK_DOC, COMPANY_DOC], ids=["bank", "company"])
def test_schema_is_valid_in_2020_12_and_in_draft_07(schema: dict[str, Any]) -> None:
    Draft202012Validator.check_schema(schema)
    Draft7Validator.check_schema(schema)  # editors still on draft-07 read it too
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def properties(schema: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every key the schema declares, at any depth, with its path."""
    if isinstance(schema, dict):
        for name, value in schema.get("properties", {}).items():
            yield f"{path}{name}", value
            yield from properties(value, f"{path}{name}.")
        yield from properties(schema.get("items"), path)


@pytest.mark.parametrize(
    ("schema", "count"), [(BANK_DOC, 21), (COMPANY_DOC, 6)], ids=["bank", "company"]
)
def test_every_key_has_a_description_and_a_valid_example(
    schema: dict[str, Any], count: int
) -> None:
    keys = dict(properties(schema))
    assert len(keys) == count
    for path, schema in keys.items():
        assert len(schema["description"]) > 10, path
        example = schema["examples"][0]
        assert not list(Draft202012Validator(schema).iter_errors(example)), path


def test_the_schema_has_the_loaders_keys_and_limits() -> None:
    keys = dict(properties(BANK_DOC))
    assert list(BANK_DOC["properties"]) == [
        "job",
        "paper",
        "inverter",
        "batteries",
        "cables",
    ]
    assert [f.name for f in fields(JobInfo)] == JOB.names
    assert keys["job.notes"]["maxLength"] == 2000 and keys["job.title"]["maxLength"] == 200
    assert (keys["batteries"]["minItems"], keys["batteries"]["maxItems"]) == (1, 64)
    assert keys["batteries.count"]["minimum"] == 1 and keys["batteries.id"]["minimum"] == 0
    assert keys["cables.pins"]["items"] == {"type": "integer", "minimum": 1, "maximum": 8}
    assert BANK_DOC["required"] == ["batteries"]
    assert keys["cables"]["items"]["required"] == ["between", "pins"]


def test_model_names_and_aliases_are_offered(catalog: Catalog) -> None:
    model = dict(properties(BANK_DOC))["batteries.model"]
    offered = model["anyOf"][0]["enum"]
    for battery in catalog.models:
        assert {battery.name, *battery.aliases} <= set(offered)
    assert offered[:2] == ["LL-S", "LLS"]


@pytest.mark.parametrize("typed", ["ll-s", "LLV2 6DIP", "lifepower 4", "LL-V2-6", " LL-V1 "])
def test_spellings_eg4sheet_resolves_are_not_rejected(typed: str) -> None:
    spec = f'batteries:\n  - model: "{typed}"\n'
    assert [f.code for f in findings_for(spec) if f.is_error] == []
    assert schema_errors(spec.encode()) == []


def test_a_replacement_catalog_offers_its_own_names(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    text = (ROOT / "generator" / "bank" / "data" / "catalog.yaml").read_text()
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(text.replace("aliases: [LLS, ", "aliases: [LLS, Shop LL-S, "))
    result = run_cli("schema", "--catalog", str(catalog))
    assert result.exit_code == 0
    assert (
        "Shop LL-S"
        in json.loads(result.out)["properties"]["batteries"]["items"]["properties"]["model"][
            "anyOf"
        ][0]["enum"]
    )


def test_company_settings_schema(tmp_path: Path) -> None:
    good = b"name: Lone Star Solar Works LLC\nphone: (512) 555-0142\nlogo: logo.png\n"
    assert schema_errors(good, COMPANY_SCHEMA) == []
    assert schema_errors(b"name: X\nemail: a@b.c\n", COMPANY_SCHEMA) == [
        "(top): Additional properties are not allowed ('email' was unexpected)"
    ]
