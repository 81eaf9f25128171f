"""A spec as read, in the JSON structure the API accepts: what the page loads into its form."""

from __future__ import annotations

from dataclasses import asdict
from itertools import groupby

from generator.bank.catalog import Catalog
from generator.bank.spec import BankSpec


def spec_json(spec: BankSpec) -> dict[str, object]:
    """Job, paper, inverter, batteries (entries written with `count` stay one entry) and
    cables, as read: a value the loader could not read is left out (its finding says why)."""
    result: dict[str, object] = {}
    job = {key: value for key, value in asdict(spec.job).items() if value is not None}
    if job:
        result["job"] = job
    result["paper"] = spec.paper
    if spec.inverter:
        result["inverter"] = spec.inverter
    batteries: list[dict[str, object]] = []
    for _, group in groupby(spec.batteries, key=lambda entry: entry.index):
        entries = list(group)  # one entry of the list, `count` batteries
        first = entries[0]
        item: dict[str, object] = {"model": first.model_name}
        if len(entries) > 1:
            item["count"] = len(entries)
        for key, value in (
            ("serial", first.serial),
            ("id", first.id),
            ("firmware", first.firmware),
        ):
            if value is not None:
                item[key] = value
        batteries.append(item)
    result["batteries"] = batteries
    if spec.cables is not None:
        result["cables"] = [
            {"between": list(cable.between), "pins": sorted(cable.pins)} for cable in spec.cables
        ]
    return result


def models_json(catalog: Catalog) -> list[dict[str, object]]:
    """The catalog's models, newest first, for pickers and quoting systems."""
    return [
        {
            "name": model.name,
            "aliases": list(model.aliases),
            "generation": model.generation,
            "kwh": model.kwh,
            "ids": [model.dip.id_low, model.dip.id_high],
            "dip_switches": model.dip.switches,
            "firmware": list(model.firmware),
        }
        for model in sorted(catalog.models, key=lambda model: model.rank)
    ]
