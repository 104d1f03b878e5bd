"""Work after the ack takes turns: a few at once, one at a time while acks are waiting."""

from __future__ import annotations

import asyncio

from bot.backlog import TURNS, Backlog


async def _most_at_once(backlog: Backlog, pieces: int) -> int:
    running = most = 0

    async def piece() -> None:
        nonlocal running, most
        async with backlog.turn():
            running += 1
            most = max(most, running)
            await asyncio.sleep(0.01)
            running -= 1

    await asyncio.gather(*(piece() for _ in range(pieces)))
    return most


async def test_work_runs_a_few_pieces_at_once_when_no_ack_is_waiting() -> None:
    assert await _most_at_once(Backlog(), 20) == TURNS


async def test_work_runs_one_piece_at_a_time_while_requests_wait_for_their_ack() -> None:
    backlog = Backlog()

    with backlog.acking():
        most = await _most_at_once(backlog, 20)

    assert most == 1
