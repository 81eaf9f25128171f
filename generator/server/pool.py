"""Sheets are rendered (and photos decoded) in a bounded pool of processes, so they never hold
up the event loop or live validation, and a full queue is answered at once (503 with
Retry-After) instead of piling up."""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from generator import api
from generator.errors import UserError
from generator.server import worker
from generator.server.body import HttpError
from generator.server.config import ServerSettings

T = TypeVar("T")
SECONDS_PER_SHEET = 1.0  # for Retry-After: about what a warm worker takes
BIG_TASK = 1_000_000  # bytes: a task's data worth not keeping a copy of


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
            initargs=(
                self.settings.company,
                self.settings.warm,
                os.getpid(),
                self.settings.scratch,
            ),
        )

    def warm(self) -> None:
        """Start every worker now, so the first sheets do not wait for it."""
        for _ in range(self.settings.workers):
            self._executor.submit(worker.ready)

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
        pdf = await self.run(worker.render, source.name, source.data, allow_errors, paper, lang)
        if pdf is None:
            raise HttpError(422, "the spec has errors")
        return pdf

    async def extract(self, data: bytes) -> bytes:
        """The spec in a sheet's PDF or in a photo's QR code (decoding a photo is heavy)."""
        try:
            found = await self.run(worker.extract, data)
        finally:
            if len(data) > BIG_TASK:
                # The pool's queue thread keeps the last task it sent, pickled (a copy of
                # the upload), until it sends another: send it a small one.
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
        try:
            return await asyncio.wait_for(
                asyncio.shield(asyncio.wrap_future(future)), self.settings.sheet_seconds
            )
        except TimeoutError:
            raise HttpError(
                503,
                f"this took longer than {self.settings.sheet_seconds:g} s",
                headers={"Retry-After": self.retry_after()},
            ) from None
        except BrokenProcessPool:  # a worker died (killed, out of memory): start afresh
            self._restart()
            raise HttpError(
                503, "the worker stopped unexpectedly", headers={"Retry-After": "1"}
            ) from None
        except UserError as error:  # raised in the worker: bad input, said in words
            raise HttpError(422, str(error)) from None

    def _release(self) -> None:
        self.busy -= 1

    def _restart(self) -> ProcessPoolExecutor:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._executor = self._new_executor()
        return self._executor

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
