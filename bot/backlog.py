"""Work after the ack, a few at a time, so a burst of requests cannot starve the acks.

Slack waits 3 seconds for an ack and then retries; the answer itself may come later.
Acks are cheap and the work after them is not, and both share one event loop: without a
bound, two hundred requests arriving together would all be working at once and every ack
would wait behind them. Each piece of work takes a turn (at most a few at once, and one
at a time while requests are waiting for their ack); acks never wait for one. Nothing
starves: under a steady flood the work still goes on, one piece at a time.
A turn covers a request's whole reply, Web API calls included: they cost CPU too, and
under a burst that is what needs pacing. Key checks, which mostly wait on Mistral for
seconds, do not take turns: holding one would stall everyone else's answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager

# Enough to overlap the waits on Slack, Redis and Mistral; few enough to leave the loop
# to the acks.
TURNS = 4


class Backlog:
    """A bounded number of turns for work that runs after an ack."""

    def __init__(self, turns: int = TURNS) -> None:
        self._turns = asyncio.Semaphore(turns)
        # While requests wait for their ack, work goes one piece at a time.
        self._trickle = asyncio.Semaphore(1)
        self._acking = 0

    @property
    def acking_now(self) -> int:
        """How many requests are waiting for their ack."""
        return self._acking

    @contextmanager
    def acking(self) -> Iterator[None]:
        """Mark a request as waiting for its ack while the block runs."""
        self._acking += 1
        try:
            yield
        finally:
            self._acking -= 1

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Wait for a free turn, then run the block."""
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(self._turns)
            if self._acking:
                await stack.enter_async_context(self._trickle)
            yield
