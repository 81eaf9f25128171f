"""uvicorn's server with a drain before its shutdown, for restarts that lose no work.

On the first SIGTERM or SIGINT the server keeps listening but admits no new API work (503
with Retry-After, see lifecycle.Admission) and /readyz says 503. Once the work in flight is
answered, or after the drain timeout (what still waits for a render worker is then answered
503), uvicorn shuts down as usual: connections close, the render workers end, and the
process exits 0 (uvicorn would re-raise the signal and die by it). A second signal stops
at once.
"""

from __future__ import annotations

import logging
import signal
import time
from types import FrameType

import uvicorn
from starlette.applications import Starlette

from generator.server.lifecycle import Lifecycle
from generator.server.logs import LOGGER

log = logging.getLogger(LOGGER)
STRAGGLER_SECONDS = 5.0  # after the cut-off, for requests not waiting on a worker


class DrainingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, app: Starlette) -> None:
        super().__init__(config)
        self.app = app
        self.lifecycle: Lifecycle = app.state.lifecycle
        self.drain_seconds: float = app.state.settings.drain_seconds
        self.cut_off = False

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """In the signal handler: start the drain; on a second signal, stop now. The signal
        is not recorded for uvicorn to raise again after the shutdown: the exit is 0."""
        if self.lifecycle.draining:
            self.should_exit = self.force_exit = True
            return
        self.lifecycle.drain()
        log.info(
            "%s: draining: no new work; %d request(s) in flight, up to %g s",
            signal.Signals(sig).name,
            self.lifecycle.in_flight,
            self.drain_seconds,
        )

    async def on_tick(self, counter: int) -> bool:
        """Ten times a second: end the drain when nothing is in flight, or cut it off."""
        if self.lifecycle.draining and not self.should_exit:
            self._drain_step()
        return await super().on_tick(counter)

    def _drain_step(self) -> None:
        took = time.monotonic() - (self.lifecycle.drain_started or time.monotonic())
        if self.lifecycle.in_flight == 0:
            log.info("drained in %.1f s: stopping the render workers", took)
            self.should_exit = True
        elif took >= self.drain_seconds and not self.cut_off:
            log.warning(
                "drain timeout (%g s): %d request(s) still in flight are answered 503",
                self.drain_seconds,
                self.lifecycle.in_flight,
            )
            self.cut_off = True
            self.app.state.pool.cut_off()
        elif took >= self.drain_seconds + STRAGGLER_SECONDS:
            log.warning("%d request(s) still in flight: stopping", self.lifecycle.in_flight)
            self.should_exit = True
