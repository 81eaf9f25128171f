"""The JSON API (design.md, "HTTP API"): each route reads its body, calls the library API
and answers with the contract's status and body. Errors are `{"error": ..., "findings": ...}`."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from generator import api
from generator.bank.i18n import LANGUAGES
from generator.bank.paper import PAPERS
from generator.errors import UserError
from generator.server import desk
from generator.server.body import HttpError, read_body, read_spec_body
from generator.server.convert import models_json, spec_json

T = TypeVar("T")
YAML = "application/yaml; charset=utf-8"
FLAGS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False}
FLAGS |= {"off": False, "": False}
HAS_ERRORS = "the spec has errors"


async def off_loop(request: Request, function: Callable[..., T], *args: object) -> T:
    """Run a check in a thread, so the event loop keeps answering, within the time limit.
    A user's mistake the library raises becomes 422 with its message."""
    seconds = request.app.state.settings.check_seconds
    loop = asyncio.get_running_loop()
    try:
        return await asyncio.wait_for(
            loop.run_in_executor(None, functools.partial(function, *args)), seconds
        )
    except TimeoutError:
        raise HttpError(
            503, f"this took longer than {seconds:g} s", headers={"Retry-After": "1"}
        ) from None
    except UserError as error:
        raise HttpError(422, str(error)) from None


async def validate(request: Request) -> Response:
    """200 and the findings list, exactly as `eg4sheet validate --format json`."""
    body = await read_spec_body(request)
    checked = await off_loop(request, api.check, body.source)
    return JSONResponse(body.findings_json(checked.findings))


async def plan(request: Request) -> Response:
    """200 and the plan JSON contract, or 422 and the findings."""
    body = await read_spec_body(request)
    checked = await off_loop(request, api.check, body.source)
    if checked.plan is None:
        raise HttpError(422, HAS_ERRORS, body.findings_json(checked.findings))
    return JSONResponse(checked.plan.as_json_dict())


def sheet_options(query: QueryParams) -> tuple[bool, str | None, str | None]:
    """(allow_errors, paper, lang) from the query; a value we cannot use is 422. No lang:
    the spec's job.lang, else the company's, as `eg4sheet build` without --lang."""
    paper = query.get("paper", "").lower() or None
    if paper is not None and paper not in PAPERS:
        raise HttpError(422, f"paper: {' or '.join(PAPERS)}")
    allow_errors = FLAGS.get(query.get("allow_errors", "").lower())
    if allow_errors is None:
        raise HttpError(422, "allow_errors: true or false")
    lang = query.get("lang", "").lower() or None
    if lang is not None and lang not in LANGUAGES:
        raise HttpError(422, f"lang: the sheet is available in {', '.join(LANGUAGES)}")
    return allow_errors, paper, lang


async def sheet(request: Request) -> Response:
    """200 and the PDF, the same bytes as `eg4sheet build`; or 422 and the findings."""
    allow_errors, paper, lang = sheet_options(request.query_params)
    body = await read_spec_body(request)
    checked = await off_loop(request, api.check, body.source)
    if checked.analysis is None or (checked.has_errors and not allow_errors):
        message = f"{HAS_ERRORS}: fix them, or set allow_errors=true for a sheet that lists them"
        raise HttpError(422, message, body.findings_json(checked.findings))
    pdf = await request.app.state.pool.render(body.source, allow_errors, paper, lang)
    filename = Path(body.source.name).stem + ".pdf"  # the name is checked: letters, ., -, _
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def fix(request: Request) -> Response:
    """200 and the corrected spec YAML, or 422 and why it cannot be corrected.
    `keep_firmware=true` keeps wrong installed firmware (and its E110) instead of moving it
    into a comment: the page's form holds what was found."""
    keep = FLAGS.get(request.query_params.get("keep_firmware", "").lower())
    if keep is None:
        raise HttpError(422, "keep_firmware: true or false")
    body = await read_spec_body(request)
    result = await off_loop(request, api.fix, body.source, None, keep)
    if result.text is None:
        raise HttpError(
            422, "cannot be corrected automatically", body.findings_json(result.blocking)
        )
    return Response(result.text, media_type=YAML)


async def extract(request: Request) -> Response:
    """200 and the spec YAML in a sheet's PDF or a photo of a page, or 422 and why not."""
    pool = request.app.state.pool
    pool.check_room()  # before reading up to 20 MB
    data = await read_body(request, limit=api.MAX_SHEET_BYTES)
    return Response(await pool.extract(data), media_type=YAML)


async def spec(request: Request) -> Response:
    """For the page: the YAML the checks read (for JSON bodies, the YAML made from it), the
    spec as read in the JSON structure the API accepts (null when unreadable), its findings."""
    body = await read_spec_body(request)
    checked = await off_loop(request, api.check, body.source)
    return JSONResponse(
        {
            "yaml": body.source.data.decode("utf-8", errors="replace"),
            "spec": spec_json(checked.spec) if checked.spec is not None else None,
            "findings": body.findings_json(checked.findings),
        }
    )


async def findings(request: Request) -> Response:
    """For the page: the findings as its form shows them (hints in the form's words, a
    fresh bank's "firmware not given" once), each with the `path` of the field it is about
    (the one said for the whole bank has none), and how many errors and warnings there are
    (as `eg4sheet validate` counts them)."""
    body = await read_spec_body(request)
    checked = await off_loop(request, api.check, body.source)
    shown, once = desk.desk_findings(checked.findings)
    listed = body.findings_json(shown)
    for item, finding in zip(listed, shown, strict=True):
        if finding is once:
            item["path"] = None
    counted = [finding for finding in checked.findings if not finding.more]
    errors = sum(finding.is_error for finding in counted)
    return JSONResponse({"findings": listed, "errors": errors, "warnings": len(counted) - errors})


async def correction(request: Request) -> Response:
    """For the page: both racks (As found with the sheet's numbered marks, Corrected) as SVG
    at one scale, and the numbered change list."""
    body = await read_spec_body(request)
    checked = await off_loop(request, api.check, body.source)
    if checked.analysis is None:
        raise HttpError(422, "the spec cannot be read", body.findings_json(checked.findings))
    drawn = await off_loop(request, desk.correction, checked.analysis)
    return JSONResponse(
        {
            "as_found": [drawn.as_found],
            "corrected": [drawn.corrected],
            "changes": drawn.changes,
            "stages": [{"title": title, "steps": steps} for title, steps in drawn.stages],
            "findings": body.findings_json(checked.findings),
        }
    )


async def models(request: Request) -> Response:
    """The catalog's models, newest first."""
    return JSONResponse(models_json(request.app.state.catalog))
