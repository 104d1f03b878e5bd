"""Work after the ack takes turns: a few at once, one at a time while acks are waiting."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from bot.backlog import CHECKS, TURNS, Backlog
from tests.conftest import RunningBot
from tests.slack_requests import BOT_USER_ID, app_mention, event_callback, slash_command

QUESTION = f"<@{BOT_USER_ID}> how do I add a card"


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


async def test_a_free_turn_goes_to_a_waiting_workspace_before_one_already_working() -> None:
    backlog, order = Backlog(), []
    release = asyncio.Event()

    async def piece(workspace: str) -> None:
        async with backlog.turn(workspace):
            order.append(workspace)
            await release.wait()

    flood = [asyncio.create_task(piece("T1")) for _ in range(TURNS * 3)]
    await asyncio.sleep(0)
    single = asyncio.create_task(piece("T2"))
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(*flood, single)

    assert order.index("T2") == TURNS  # the first turn given back, not the last


async def test_a_cancelled_wait_gives_its_turn_to_the_next_in_line() -> None:
    backlog, done = Backlog(turns=1), []
    release = asyncio.Event()

    async def piece(name: str) -> None:
        async with backlog.turn("T1"):
            await release.wait()
            done.append(name)

    first = asyncio.create_task(piece("first"))
    await asyncio.sleep(0)
    cancelled = asyncio.create_task(piece("cancelled"))
    last = asyncio.create_task(piece("last"))
    await asyncio.sleep(0)
    cancelled.cancel()
    release.set()
    await asyncio.gather(first, last)

    assert done == ["first", "last"]


async def test_one_workspace_runs_a_few_key_checks_at_once_and_others_do_not_wait() -> None:
    backlog, running = Backlog(), {"T1": 0, "T2": 0}
    most = dict(running)
    release = asyncio.Event()

    async def check(workspace: str) -> None:
        async with backlog.check(workspace):
            running[workspace] += 1
            most[workspace] = max(most[workspace], running[workspace])
            await release.wait()
            running[workspace] -= 1

    flood = [asyncio.create_task(check("T1")) for _ in range(CHECKS * 5)]
    single = asyncio.create_task(check("T2"))
    await asyncio.sleep(0.01)
    under_way = dict(running)
    release.set()
    await asyncio.gather(*flood, single)

    assert under_way == {"T1": CHECKS, "T2": 1}
    assert most == {"T1": CHECKS, "T2": 1}


async def _mention(bot: RunningBot, workspace: str) -> None:
    event = app_mention(QUESTION, channel=f"C{workspace}")
    response = await bot.send(event_callback(event, team=workspace))
    assert response.status_code == 200


async def test_a_flood_of_questions_from_one_workspace_does_not_hold_up_another(
    bot: RunningBot,
) -> None:
    flood, backlog = 40, bot.services.backlog
    release = asyncio.Event()

    async def busy() -> None:  # T1's earlier work, holding every turn
        async with backlog.turn("T1"):
            await release.wait()

    earlier = [asyncio.create_task(busy()) for _ in range(TURNS)]
    await asyncio.gather(*(_mention(bot, "T1") for _ in range(flood)))
    await _mention(bot, "T2")
    async with asyncio.timeout(5):
        while backlog.waiting_now < flood + 1:  # noqa: ASYNC110  (the backlog signals nothing)
            await asyncio.sleep(0.001)
    release.set()
    await asyncio.gather(*earlier)

    posts = await bot.slack.wait_for("chat.postMessage", count=flood + 1, timeout=30)
    channels = [post.args["channel"] for post in posts]
    # Among the first answers (it runs beside a few of T1's), not behind all 40 of them.
    assert channels.index("CT2") < flood // 4


async def test_a_reply_sleeping_on_slack_rate_limit_holds_no_turn(bot: RunningBot) -> None:
    bot.slack.fail_next("chat.postMessage", status=429, retry_after=2, times=TURNS)
    await asyncio.gather(*(_mention(bot, "T1") for _ in range(TURNS)))
    await bot.slack.wait_for("chat.postMessage", count=TURNS)  # every turn's reply refused

    await _mention(bot, "T2")
    posts = await bot.slack.wait_for("chat.postMessage", count=2 * TURNS + 1, timeout=10)

    channels = [post.args["channel"] for post in posts]
    assert channels == ["CT1"] * TURNS + ["CT2"] + ["CT1"] * TURNS  # T2's while T1's slept


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
