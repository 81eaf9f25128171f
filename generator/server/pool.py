"""Sheets are rendered (and photos decoded) in a bounded pool of processes, so they never hold
up the event loop or live validation, and a full queue is answered at once (503 with
Retry-After) instead of piling up."""

from __future__ import annotations

import asyncio
import contextlib
import math
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar, cast

from generator import api
from generator.errors import UserError
from generator.server import worker
from generator.server.body import HttpError
from generator.server.config import ServerSettings
from generator.server.metrics import Metrics

T = TypeVar("T")
SECONDS_PER_SHEET = 1.0  # for Retry-After: about what a warm worker takes
BIG_TASK = 1_000_000  # bytes: a task's data worth not keeping a copy of
CUT_OFF_MESSAGE = "the server is shutting down and could not finish this in time; try again"


class RenderPool:
    """At most `workers` sheets render at once and `workers * queue_per_worker` wait."""

    def __init__(self, settings: ServerSettings, metrics: Metrics | None = None) -> None:
        self.settings = settings
        self.metrics = metrics or Metrics()
        self.limit = settings.workers * (1 + settings.queue_per_worker)
        self.busy = 0  # submitted and not finished; touched only on the event loop
        self._executor = self._new_executor()
        self._warming: list[Future[None]] = []
        self._cut_off = asyncio.Event()  # set when a drain runs out of time

    def _new_executor(self) -> ProcessPoolExecutor:
        # forkserver: workers fork from a clean process that has imported the renderer,
        # never from the server with its threads.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["generator.server.worker", "generator.sheet.pdf"])
        return ProcessPoolExecutor(
            max_workers=self.settings.workers,
            mp_context=context,
            initializer=worker.start,
            initargs=(
                self.settings.company,
                self.settings.warm,
                os.getpid(),
                self.settings.scratch,
            ),
        )

    def warm(self) -> None:
        """Start every worker now, so the first sheets do not wait for it."""
        self._warming = [self._executor.submit(worker.ready) for _ in range(self.settings.workers)]

    def started(self) -> bool:
        """Whether the pool takes work: its warm-up tasks are done (at once when not warmed)."""
        return all(future.done() for future in self._warming)

    def cut_off(self) -> None:
        """A drain ran out of time: what still waits for a worker is answered 503 now."""
        self._cut_off.set()

    def retry_after(self) -> str:
        return str(max(1, math.ceil(self.busy / self.settings.workers * SECONDS_PER_SHEET)))

    def check_room(self) -> None:
        """503 with Retry-After when the queue is full (before a large body is even read)."""
        if self.busy >= self.limit:
            raise HttpError(
                503,
                f"busy: {self.busy} sheets are being made or read; try again shortly",
                headers={"Retry-After": self.retry_after()},
            )

    async def render(
        self, source: api.SpecSource, allow_errors: bool, paper: str | None, lang: str | None
    ) -> bytes:
        """The sheet's PDF, exactly as `eg4sheet build` makes it."""
        try:
            pdf = await self.run(worker.render, source.name, source.data, allow_errors, paper, lang)
        except HttpError as error:
            if error.reason is not None:
                self.metrics.sheets_failed.labels(error.reason).inc()
            raise
        if pdf is None:
            self.metrics.sheets_failed.labels("refused").inc()
            raise HttpError(422, "the spec has errors")
        self.metrics.sheets_rendered.inc()
        return pdf

    async def extract(self, data: bytes) -> bytes:
        """The spec in a sheet's PDF or in a photo's QR code (decoding a photo is heavy)."""
        try:
            found = await self.run(worker.extract, data)
        finally:
            if len(data) > BIG_TASK:
                # The pool's queue thread keeps the last task it sent, pickled (a copy of
                # the upload), until it sends another: send it a small one.
                with contextlib.suppress(RuntimeError, BrokenProcessPool):  # shut down
                    self._executor.submit(worker.ready)
        if isinstance(found, str):
            raise HttpError(422, found)
        return found

    async def run(self, task: Callable[..., T], *args: object) -> T:
        """`task(*args)` in a worker, within the queue limit and the time limit."""
        self.check_room()
        loop = asyncio.get_running_loop()
        try:
            future: Future[T] = self._executor.submit(task, *args)
        except BrokenProcessPool:
            future = self._restart().submit(task, *args)
        self.busy += 1
        # The slot is freed when the task is done, even if the client has stopped waiting.
        future.add_done_callback(lambda _: loop.call_soon_threadsafe(self._release))
        answer: asyncio.Future[T] = asyncio.wrap_future(future)
        cut_off: asyncio.Future[object] = asyncio.ensure_future(self._cut_off.wait())
        try:
            await asyncio.wait(
                {cast("asyncio.Future[object]", answer), cut_off},
                timeout=self.settings.sheet_seconds,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            cut_off.cancel()
        if not answer.done():
            answer.cancel()  # the worker's task goes on; its slot is freed when it ends
            if self._cut_off.is_set():
                raise HttpError(
                    503, CUT_OFF_MESSAGE, headers={"Retry-After": "1"}, reason="cut_off"
                )
            raise HttpError(
                503,
                f"this took longer than {self.settings.sheet_seconds:g} s",
                headers={"Retry-After": self.retry_after()},
                reason="timeout",
            )
        try:
            return answer.result()
        except BrokenProcessPool:  # a worker died (killed, out of memory): start afresh
            self._restart()
            raise HttpError(
                503,
                "the worker stopped unexpectedly",
                headers={"Retry-After": "1"},
                reason="worker_died",
            ) from None
        except UserError as error:  # raised in the worker: bad input, said in words
            raise HttpError(422, str(error), reason="refused") from None

    def _release(self) -> None:
        self.busy -= 1

    def _restart(self) -> ProcessPoolExecutor:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._executor = self._new_executor()
        return self._executor

    def close(self) -> None:
        """Stop the workers: each ends after its task; after a drain's cut-off, or a sheet's
        time limit, one still busy is terminated."""
        grace = 1.0 if self._cut_off.is_set() else self.settings.sheet_seconds
        processes = list((self._executor._processes or {}).values())  # public only in 3.14
        self._executor.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + grace
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
        for process in processes:
            if process.is_alive():
                process.terminate()
                process.join(5)
