"""The shipped JSON Schemas, and YAML read the way an editor hands it to them."""

from __future__ import annotations

import datetime
import json
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from tests.helpers import ROOT

SCHEMA_DIR = ROOT / "schema"
BANK_SCHEMA_FILE = SCHEMA_DIR / "bank-spec.schema.json"
COMPANY_SCHEMA_FILE = SCHEMA_DIR / "company.schema.json"
BANK_DOC: dict[str, Any] = json.loads(BANK_SCHEMA_FILE.read_text())
COMPANY_DOC: dict[str, Any] = json.loads(COMPANY_SCHEMA_FILE.read_text())
BANK_SCHEMA = Draft202012Validator(BANK_DOC)
COMPANY_SCHEMA = Draft202012Validator(COMPANY_DOC)


def as_json(value: object) -> Any:
    """YAML data in JSON's terms, as an editor checks it: a date stays the text it was
    written as (YAML 1.2 has no dates), and keys are text."""
    if isinstance(value, dict):
        return {str(key): as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_json(item) for item in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def yaml_instance(data: bytes) -> Any:
    return as_json(yaml.safe_load(data))


def schema_errors(data: bytes, validator: Draft202012Validator = BANK_SCHEMA) -> list[str]:
    """What the schema says is wrong with a YAML file, one line each (empty: valid)."""
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message[:120]}"
        for error in validator.iter_errors(yaml_instance(data))
    ]
