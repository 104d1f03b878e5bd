"""Work owed after an ack: tracked, so a shutdown finishes it instead of dropping it.

Once Slack has its ack, the person is owed a reply, and Slack will not send the request
again. Platforms restart processes on every deploy (SIGTERM, then SIGKILL some 30 seconds
later), so on shutdown the process stops taking new requests, waits for the replies it
owes, up to a grace period, and only then closes its clients. What is still running at
the deadline is cancelled and named in the log, so someone can follow up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Settled:
    """How a shutdown left the work it owed: finished, or abandoned at the deadline."""

    finished: int
    abandoned: tuple[str, ...]  # what each abandoned piece was for (kind and ids, no text)


class Owed:
    """The pieces of work running after their ack."""

    def __init__(self) -> None:
        self._running: dict[asyncio.Task[Any], str] = {}

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
        try:
            yield
        finally:
            self._running.pop(task, None)

    async def settle(self, grace: float) -> Settled:
        """Wait up to ``grace`` seconds for all owed work; cancel and name what is left."""
        running = dict(self._running)
        if not running:
            return Settled(0, ())
        done, late = await asyncio.wait(running, timeout=grace)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        return Settled(len(done), tuple(running[task] for task in late))
