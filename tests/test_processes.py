"""Two web processes (the Procfile command) behind one Redis, as a team would scale the bot."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis

from bot.person import Person
from bot.state.progress import ProgressStore
from tests.fakes.slack_api import FakeSlackApi
from tests.slack_requests import (
    BOT_USER_ID,
    app_mention,
    event_callback,
    slash_command,
)
from tests.web_process import web_process


@pytest.fixture
def two_web_processes(
    slack_api: FakeSlackApi, redis_url: str, redis_client: aioredis.Redis, tmp_path: Path
) -> Iterator[list[str]]:
    """Two `python -m bot web` processes on their own ports, sharing one Redis."""
    with (
        web_process(slack_api, redis_url, tmp_path) as first,
        web_process(slack_api, redis_url, tmp_path) as second,
    ):
        yield [first, second]


async def test_fifty_concurrent_done_commands_over_two_processes_record_every_step(
    two_web_processes: list[str], slack_api: FakeSlackApi, redis_client: aioredis.Redis
) -> None:
    requests = [
        slash_command(f"done {n % 12 + 1}", response_url=slack_api.response_url(str(n)))
        for n in range(50)
    ]

    async with httpx.AsyncClient(timeout=10) as http:
        responses = await asyncio.gather(
            *(
                http.post(f"{two_web_processes[n % 2]}/slack/events", content=body, headers=headers)
                for n, (body, headers) in enumerate(requests)
            )
        )

    assert [r.status_code for r in responses] == [200] * 50
    await slack_api.wait_for_responses(50, timeout=30)
    done = await ProgressStore(redis_client).done(Person("T111", "U111"))
    assert len(done) == 12


async def test_an_event_delivered_to_both_processes_is_answered_once(
    two_web_processes: list[str], slack_api: FakeSlackApi
) -> None:
    event = app_mention(f"<@{BOT_USER_ID}> how do I add a card", ts="42.0")
    now = int(time.time())
    deliveries = [
        event_callback(event, event_id="EvBOTH", timestamp=str(now)),
        event_callback(event, event_id="EvBOTH", retry_num=1, timestamp=str(now + 1)),
    ]

    async with httpx.AsyncClient(timeout=10) as http:
        responses = await asyncio.gather(
            *(
                http.post(f"{url}/slack/events", content=body, headers=headers)
                for url, (body, headers) in zip(two_web_processes, deliveries, strict=True)
            )
        )
    await slack_api.wait_for("chat.postMessage")
    await asyncio.sleep(0.5)

    assert [r.status_code for r in responses] == [200, 200]
    assert len(slack_api.calls("chat.postMessage")) == 1


async def test_a_request_replayed_to_the_other_process_is_refused(
    two_web_processes: list[str], slack_api: FakeSlackApi
) -> None:
    body, headers = slash_command("done 3", response_url=slack_api.response_url("replayed"))

    async with httpx.AsyncClient(timeout=10) as http:
        first = await http.post(
            f"{two_web_processes[0]}/slack/events", content=body, headers=headers
        )
        replay = await http.post(
            f"{two_web_processes[1]}/slack/events", content=body, headers=headers
        )

    assert (first.status_code, replay.status_code) == (200, 401)
    [reply] = await slack_api.wait_for_responses(1)
    assert "1 of 12 done" in str(reply.body["blocks"])
