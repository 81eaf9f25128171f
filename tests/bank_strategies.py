"""Hypothesis strategies for random battery entries and cable pins, shared by the property tests
of the correction (test_consistency) and of the re-work procedure (test_rework)."""

from __future__ import annotations

from hypothesis import strategies as st

from generator.bank.catalog import default_catalog

NAMES = [model.name for model in default_catalog().models]
battery_entry = st.fixed_dictionaries(
    {"model": st.sampled_from(NAMES)},
    optional={
        "id": st.integers(min_value=0, max_value=20),
        "firmware": st.sampled_from(["Z02T12", "Z01T16", "V15P15", "V3.37", "X9"]),
        "serial": st.from_regex(r"[A-Z]{2}[0-9]{3}", fullmatch=True),
    },
)
pins = st.sampled_from([[7, 8], [1, 2, 3, 4, 5, 6, 7, 8], [7], [1, 2, 7, 8], [3, 6, 7, 8], []])
