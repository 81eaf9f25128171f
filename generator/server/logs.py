"""The server's log on standard error: one line per request with its request id, and
uvicorn's own lines (start, stop), as text for people or as JSON (one object a line) for log
collectors.

The command line puts a NullHandler on the root logger (library warnings stay out of a
user's terminal), so the server's loggers get their own handler and do not propagate.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from datetime import UTC, datetime
from typing import Any

LOGGER = "eg4sheet.serve"
FORMATS = ("text", "json")
# Request ids from clients and proxies: short, visible ASCII, no quote or backslash (a log
# line stays one parseable line); anything else is replaced by one of ours.
REQUEST_ID = re.compile(r"[!#-\[\]-~]{1,64}")


def request_id(given: str | None) -> str:
    """The client's X-Request-ID when it is acceptable, else a new random one."""
    if given is not None and REQUEST_ID.fullmatch(given):
        return given
    return secrets.token_hex(16)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, message, and a request's fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "request", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=True)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(message)s"


def log_config(log_format: str) -> dict[str, Any]:
    """A logging.config.dictConfig for uvicorn.Config(log_config=...): our lines and
    uvicorn's on the real standard error, in one format."""
    formatter: dict[str, Any] = (
        {"()": f"{__name__}.JsonFormatter"} if log_format == "json" else {"format": TEXT_FORMAT}
    )
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "server",
        "stream": "ext://sys.stderr",
    }
    logger = {"handlers": ["stderr"], "level": "INFO", "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"server": formatter},
        "handlers": {"stderr": handler},
        "loggers": {
            LOGGER: logger,
            "uvicorn": logger,
            "uvicorn.error": {"level": "INFO"},  # propagates to "uvicorn"
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
