"""Sheets are rendered in a bounded pool of processes, so a sheet never holds up the event
loop, and a full queue is answered at once (503 with Retry-After) instead of piling up."""

from __future__ import annotations

import asyncio
import math
import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from generator import api
from generator.server import worker
from generator.server.body import HttpError
from generator.server.config import ServerSettings

SECONDS_PER_SHEET = 1.0  # for Retry-After: about what a warm worker takes


class RenderPool:
    """At most `workers` sheets render at once and `workers * queue_per_worker` wait."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.limit = settings.workers * (1 + settings.queue_per_worker)
        self.busy = 0  # submitted and not finished; touched only on the event loop
        self._executor = self._new_executor()

    def _new_executor(self) -> ProcessPoolExecutor:
        # forkserver: workers fork from a clean process that has imported the renderer,
        # never from the server with its threads.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["generator.server.worker", "generator.sheet.pdf"])
        return ProcessPoolExecutor(
            max_workers=self.settings.workers,
            mp_context=context,
            initializer=worker.start,
            initargs=(self.settings.company, self.settings.warm),
        )

    def warm(self) -> None:
        """Start every worker now, so the first sheets do not wait for it."""
        for _ in range(self.settings.workers):
            self._executor.submit(worker.ready)

    def retry_after(self) -> str:
        return str(max(1, math.ceil(self.busy / self.settings.workers * SECONDS_PER_SHEET)))

    async def render(self, source: api.SpecSource, allow_errors: bool, paper: str | None) -> bytes:
        if self.busy >= self.limit:
            raise HttpError(
                503,
                f"busy: {self.busy} sheets are being made; try again shortly",
                headers={"Retry-After": self.retry_after()},
            )
        loop = asyncio.get_running_loop()
        try:
            future: Future[bytes | None] = self._executor.submit(
                worker.render, source.name, source.data, allow_errors, paper
            )
        except BrokenProcessPool:
            future = self._restart().submit(
                worker.render, source.name, source.data, allow_errors, paper
            )
        self.busy += 1
        # The slot is freed when the sheet is done, even if the client has stopped waiting.
        future.add_done_callback(lambda _: loop.call_soon_threadsafe(self._release))
        try:
            pdf = await asyncio.wait_for(
                asyncio.shield(asyncio.wrap_future(future)), self.settings.sheet_seconds
            )
        except TimeoutError:
            raise HttpError(
                503,
                f"the sheet took longer than {self.settings.sheet_seconds:g} s",
                headers={"Retry-After": self.retry_after()},
            ) from None
        except BrokenProcessPool:  # a worker died (killed, out of memory): start afresh
            self._restart()
            raise HttpError(
                503, "the sheet's worker stopped unexpectedly", headers={"Retry-After": "1"}
            ) from None
        if pdf is None:
            raise HttpError(422, "the spec has errors")
        return pdf

    def _release(self) -> None:
        self.busy -= 1

    def _restart(self) -> ProcessPoolExecutor:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._executor = self._new_executor()
        return self._executor

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
