"""The one date a sheet carries wherever a library would stamp "now", so that two builds of
the same spec give the same bytes."""

from __future__ import annotations

import datetime
import os

FIXED_DATE = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def reproducible_fonts() -> None:
    """The fontTools subsetter WeasyPrint falls back to without libharfbuzz-subset stamps the
    time into each font unless SOURCE_DATE_EPOCH says a date: the command line (and so the
    server and the pool workers it starts) says this one, at its start, not on import."""
    os.environ.setdefault("SOURCE_DATE_EPOCH", str(int(FIXED_DATE.timestamp())))
