"""Work owed after an ack: tracked, so a shutdown finishes it instead of dropping it.

Once Slack has its ack, the person is owed a reply, and Slack will not send the request
again. Platforms restart processes on every deploy (SIGTERM, then SIGKILL some 30 seconds
later), so on shutdown the process stops taking new requests, waits for the replies it
owes, up to a grace period counted from the signal, and only then closes its clients.
What is still running at the deadline is cancelled and named in the log, so someone can
follow up.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bot.metrics import Metrics

# Cancelled work gets this long to unwind (its cleanup may call Slack once more).
UNWIND_SECONDS = 2.0


@dataclass(frozen=True)
class Settled:
    """How a shutdown left the work it owed: finished, or abandoned at the deadline."""

    finished: int
    abandoned: tuple[str, ...]  # what each abandoned piece was for (kind and ids, no text)


class Owed:
    """The pieces of work running after their ack, and the shutdown's deadline."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        self._running: dict[asyncio.Task[Any], str] = {}
        self._deadline: float | None = None
        self._finished = 0
        self._abandoned: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        return len(self._running)

    @contextmanager
    def owing(self, what: str) -> Iterator[None]:
        """Track the current task as owed work while the block runs; ``what`` names it."""
        task = asyncio.current_task()
        if task is None:  # not inside a task: nothing a shutdown could wait for
            yield
            return
        self._running[task] = what
        self._metrics.owed_tasks.inc()
        try:
            yield
        finally:
            self._metrics.owed_tasks.dec()
            self._running.pop(task, None)
            if self._deadline is not None and task not in self._abandoned:
                self._finished += 1

    def begin(self, grace: float) -> None:
        """The shutdown starts now (the signal): owed work has ``grace`` seconds from here."""
        if self._deadline is None:
            self._deadline = time.monotonic() + grace

    def hurry(self) -> tuple[str, ...]:
        """A second signal: stop waiting now; what is still owed (it will be abandoned)."""
        self._deadline = time.monotonic()
        return tuple(self._running.values())

    def remaining(self) -> float:
        """Seconds left before the shutdown's deadline; 0 before a shutdown starts."""
        return max(0.0, self._deadline - time.monotonic()) if self._deadline is not None else 0.0

    async def settle(self, grace: float) -> Settled:
        """Wait until nothing is owed or the deadline passes; cancel and name what is left.

        Work that starts while waiting (a request acked just before the server closed)
        is waited for too: the set is looked at again until it is empty.
        """
        self.begin(grace)
        assert self._deadline is not None
        while self._running and (left := self._deadline - time.monotonic()) > 0:
            await asyncio.wait(list(self._running), timeout=left)
        late = dict(self._running)
        self._abandoned.update(late)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(list(late), timeout=UNWIND_SECONDS)
        return Settled(self._finished, tuple(late.values()))
