"""Work after the ack, a few at a time, so a burst of requests cannot starve the acks.

Slack waits 3 seconds for an ack and then retries; the answer itself may come later.
Acks are cheap and the work after them is not, and both share one event loop: without a
bound, two hundred requests arriving together would all be working at once and every ack
would wait behind them. Each piece of work takes a turn (at most a few at once, and one
at a time while requests are waiting for their ack); acks never wait for one. Nothing
starves: under a steady flood the work still goes on, one piece at a time.

Turns are shared fairly between workspaces: a free turn goes to the waiting workspace
that holds the fewest turns (of those, the one waiting longest), and within a workspace
to its requests in arrival order. A workspace alone may use every turn; one that floods
the bot cannot make another's single question wait behind its backlog.

A turn covers the work that uses our CPU: finding the person and working out the reply.
Sending it to Slack comes after the turn, since Slack may answer 429 and the client then
sleeps for its Retry-After: a turn held through that sleep would stall everyone else.
Key checks, which mostly wait on Mistral for seconds, do not take turns either; at most
CHECKS at once per workspace (``check``), so one workspace's flood of them cannot take every
connection to Mistral and leave the others' checks to time out.
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager

# Enough to overlap the waits on Slack, Redis and Mistral; few enough to leave the loop
# to the acks.
TURNS = 4
# Key checks (or limit readings) of one workspace under way at once: a quarter of the
# Mistral client's 100 connections (httpx's default), so one workspace leaves the rest to
# the others; still enough that a burst of its checks is not queued for long (a shutdown
# waits for them only its grace).
CHECKS = 25


class Backlog:
    """A bounded number of turns for work that runs after an ack, shared by workspace."""

    def __init__(self, turns: int = TURNS) -> None:
        self._free = turns
        self._held: Counter[str] = Counter()
        # Each waiting workspace's requests in arrival order; the workspaces in the order
        # they started waiting (a dict keeps it), which breaks ties between them.
        self._waiting: dict[str, deque[asyncio.Future[None]]] = {}
        # While requests wait for their ack, work goes one piece at a time.
        self._trickle = asyncio.Semaphore(1)
        self._acking = 0
        self._checks: dict[str, asyncio.Semaphore] = {}
        self._checking: Counter[str] = Counter()

    @property
    def acking_now(self) -> int:
        """How many requests are waiting for their ack."""
        return self._acking

    @property
    def waiting_now(self) -> int:
        """How many pieces of work are waiting for a turn."""
        return sum(map(len, self._waiting.values()))

    @contextmanager
    def acking(self) -> Iterator[None]:
        """Mark a request as waiting for its ack while the block runs."""
        self._acking += 1
        try:
            yield
        finally:
            self._acking -= 1

    @asynccontextmanager
    async def turn(self, workspace: str) -> AsyncIterator[None]:
        """Wait for a free turn, fairly among workspaces, then run the block."""
        await self._take(workspace)
        try:
            async with AsyncExitStack() as stack:
                if self._acking:
                    await stack.enter_async_context(self._trickle)
                yield
        finally:
            self._give_back(workspace)

    @asynccontextmanager
    async def check(self, workspace: str) -> AsyncIterator[None]:
        """Wait until the workspace has fewer than CHECKS key checks under way, then run
        the block; other workspaces do not wait."""
        checks = self._checks.setdefault(workspace, asyncio.Semaphore(CHECKS))
        self._checking[workspace] += 1
        try:
            async with checks:
                yield
        finally:
            self._checking[workspace] -= 1
            if not self._checking[workspace]:  # nobody checking: forget the workspace
                del self._checking[workspace], self._checks[workspace]

    async def _take(self, workspace: str) -> None:
        if self._free:  # a free turn means nobody is waiting: _grant hands them out at once
            self._hold(workspace)
            return
        ticket = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(workspace, deque()).append(ticket)
        try:
            await ticket
        except asyncio.CancelledError:
            if ticket.cancelled():  # still in the queue: leave it
                self._forget(workspace, ticket)
            else:  # granted as it was cancelled: pass the turn on
                self._give_back(workspace)
            raise

    def _give_back(self, workspace: str) -> None:
        self._held[workspace] -= 1
        if not self._held[workspace]:
            del self._held[workspace]
        self._free += 1
        self._grant()

    def _grant(self) -> None:
        """Hand free turns to the waiting workspaces holding the fewest."""
        while self._free and self._waiting:
            workspace = min(self._waiting, key=self._held.__getitem__)
            queue = self._waiting[workspace]
            ticket = queue.popleft()
            if not queue:
                del self._waiting[workspace]
            self._hold(workspace)
            ticket.set_result(None)

    def _hold(self, workspace: str) -> None:
        self._free -= 1
        self._held[workspace] += 1

    def _forget(self, workspace: str, ticket: asyncio.Future[None]) -> None:
        queue = self._waiting.get(workspace)
        if queue is not None and ticket in queue:
            queue.remove(ticket)
            if not queue:
                del self._waiting[workspace]
