"""Request bodies: read within bounds, and a spec as YAML or JSON made into the YAML the
checks read.

A JSON body is written out as YAML and read by the same loader as any spec, so it gets the
same findings. Their line and column point into that YAML (POST /api/spec returns it), and
each finding also carries `path`, the JSON Pointer of the value it is about.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

import yaml
from starlette.requests import Request
from yaml.nodes import MappingNode, Node, SequenceNode

from generator import api
from generator.bank.diagnostics import Finding
from generator.bank.yamlsrc import MAX_DEPTH, Loader, dump_spec
from generator.server.config import MAX_BODY
from generator.server.memory import give_back

YAML_TYPES = {
    "",
    "application/yaml",
    "application/x-yaml",
    "text/yaml",
    "text/x-yaml",
    "text/plain",
}
JSON_TYPE = "application/json"
DEFAULT_NAME = "spec.yaml"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,80}\.ya?ml")
MAX_VALUES = 10_000  # a 64-battery spec with every field and cable holds under 2,000


class HttpError(Exception):
    """An answer other than success: status, a message, and the findings behind it."""

    def __init__(
        self,
        status: int,
        message: str,
        findings: list[dict[str, object]] | None = None,
        headers: dict[str, str] | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.findings = findings
        self.headers = headers or {}
        self.reason = reason  # a render that failed, for the metrics: timeout, worker_died, …


@dataclass(frozen=True)
class SpecBody:
    source: api.SpecSource
    paths: dict[tuple[int, int], str] | None  # JSON bodies: (line, column) -> JSON Pointer

    def findings_json(self, findings: list[Finding]) -> list[dict[str, object]]:
        """Findings as `validate --format json` gives them; from JSON, with their `path`."""
        listed = [finding.as_dict() for finding in findings]
        if self.paths is not None:
            for item, finding in zip(listed, findings, strict=True):
                where = finding.location
                item["path"] = self.paths.get((where.line, where.column))
        return listed


class BodyBudget:
    """Bytes of request bodies held in memory at once, across all requests. A request that
    would pass the budget is 503 with Retry-After, before its body is read when it says its
    length, so that many large uploads at once cannot take the server's memory."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.held = 0
        self.peak = 0  # since the last give_back: large enough to be worth trimming

    def charge(self, request: Request, size: int) -> None:
        """Hold `size` more bytes for this request (given back when its answer is sent)."""
        if self.held + size > self.total:
            raise HttpError(
                503,
                f"busy: {self.held // 1_000_000} MB of uploads are being read; try again shortly",
                headers={"Retry-After": "2"},
            )
        self.held += size
        self.peak = max(self.peak, self.held)
        request.scope["eg4sheet.body_held"] = request.scope.get("eg4sheet.body_held", 0) + size

    def release(self, scope: MutableMapping[str, Any]) -> None:
        """Give back what a finished request held; once nothing is held after megabytes
        were, return the freed memory to the system."""
        self.held -= scope.pop("eg4sheet.body_held", 0)
        if self.held == 0 and self.peak > 4_000_000:
            self.peak = 0
            give_back()


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The whole body, refused (413) as soon as it is larger than `limit`, (503) when the
    server holds too many bodies already, and (408) when it does not arrive in time."""
    budget: BodyBudget = request.app.state.body_budget
    declared = request.headers.get("content-length", "")
    length = int(declared) if declared.isascii() and declared.isdigit() else None
    if length is not None and length > limit:
        raise HttpError(413, f"the body is larger than {limit // 1_000_000} MB")
    budget.charge(request, length or 0)

    async def receive() -> bytes:
        # One growing buffer (large blocks are mapped, given back when freed), never a list
        # of small chunks scattered over the heap; getvalue() hands it over without a copy.
        buffer, size = io.BytesIO(), 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise HttpError(413, f"the body is larger than {limit // 1_000_000} MB")
            if length is None:
                budget.charge(request, len(chunk))
            buffer.write(chunk)
        return buffer.getvalue()

    seconds: float = request.app.state.settings.request_seconds
    try:
        return await asyncio.wait_for(receive(), seconds)
    except TimeoutError:
        raise HttpError(408, f"the body did not arrive within {seconds:g} s") from None


async def read_spec_body(request: Request) -> SpecBody:
    """The spec in a request: YAML (application/yaml, text/plain) or JSON (application/json)."""
    name = request.query_params.get("name", DEFAULT_NAME)
    if not NAME.fullmatch(name):
        raise HttpError(
            422, "name: a plain file name ending in .yaml, e.g. name=smith.yaml (only a label)"
        )
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in YAML_TYPES and kind != JSON_TYPE:
        raise HttpError(
            415,
            f"send the spec as application/yaml, text/plain or application/json, not {kind[:60]}",
        )
    data = await read_body(request)
    if kind != JSON_TYPE:
        return SpecBody(api.SpecSource(name, data), None)
    loop = asyncio.get_running_loop()  # up to 1 MB of JSON: converted off the event loop
    text, paths = await loop.run_in_executor(None, _from_json, data)
    return SpecBody(api.SpecSource(name, text.encode()), paths)


def _from_json(data: bytes) -> tuple[str, dict[tuple[int, int], str]]:
    text = json_to_yaml(data)
    return text, pointer_map(text)


def json_to_yaml(data: bytes) -> str:
    """The JSON spec as block YAML (lists of numbers inline, as people write pins)."""
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise HttpError(400, f"the body is not valid JSON: {error}") from None
    depth, values = _size(value)
    if depth > MAX_DEPTH:
        raise HttpError(400, f"the JSON nests deeper than {MAX_DEPTH} levels")
    if values > MAX_VALUES:
        raise HttpError(400, f"the JSON has more than {MAX_VALUES} values: a bank spec is small")
    try:  # JSON may escape half of a UTF-16 pair ("\ud800"): no character, no text
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError as error:
        bad = error.object[error.start : error.end].encode("unicode_escape").decode("ascii")
        raise HttpError(400, f"the JSON holds {bad}, half of a surrogate pair: not text") from None
    return dump_spec(value)


def _size(value: Any) -> tuple[int, int]:
    """How deeply a JSON value nests and how many values it holds, counted without recursion
    (a hostile body nests deeply) and given up on once past the limits."""
    deepest, count, stack = 0, 0, [(value, 1)]
    while stack and deepest <= MAX_DEPTH and count <= MAX_VALUES:
        item, depth = stack.pop()
        deepest, count = max(deepest, depth), count + 1
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        stack.extend((child, depth + 1) for child in children)
    return deepest, count


def pointer_map(text: str) -> dict[tuple[int, int], str]:
    """Where each value and key of our own YAML starts -> its JSON Pointer. Where a mapping
    and its first key start at the same place, the mapping (the outer value) wins."""
    found: dict[tuple[int, int], str] = {}
    root = yaml.compose(text, Loader=Loader)
    stack: list[tuple[Node, str]] = [(root, "")] if root is not None else []
    while stack:
        node, pointer = stack.pop()
        found.setdefault((node.start_mark.line + 1, node.start_mark.column + 1), pointer)
        if isinstance(node, MappingNode):
            for key, value in reversed(node.value):
                member = f"{pointer}/{_escape(str(key.value))}"
                stack.append((value, member))
                stack.append((key, member))
        elif isinstance(node, SequenceNode):
            stack.extend(
                (item, f"{pointer}/{n}") for n, item in reversed(list(enumerate(node.value)))
            )
    return found


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
