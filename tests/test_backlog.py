"""Work after the ack takes turns: a few at once, one at a time while acks are waiting."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from bot.backlog import TURNS, Backlog
from tests.conftest import RunningBot
from tests.slack_requests import slash_command


async def _most_at_once(backlog: Backlog, pieces: int) -> int:
    running = most = 0

    async def piece() -> None:
        nonlocal running, most
        async with backlog.turn("T1"):
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


async def test_a_request_waits_for_its_ack_only_once_its_body_is_in(bot: RunningBot) -> None:
    body, headers = slash_command("next")
    arrived = asyncio.Event()

    async def trickle() -> AsyncIterator[bytes]:
        yield body[:10].encode()  # a slow client: the rest comes later, or never
        await arrived.wait()
        yield body[10:].encode()

    sending = asyncio.create_task(
        bot.http.post("/slack/events", content=trickle(), headers=headers)
    )
    await asyncio.sleep(0.3)
    waiting_meanwhile = bot.services.backlog.acking_now
    arrived.set()
    response = await sending

    assert response.status_code == 200
    assert waiting_meanwhile == 0  # everyone's work went on at its usual pace meanwhile
