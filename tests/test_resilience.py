"""Faults: Redis stops and comes back, Slack's API stumbles, Mistral has a bad day.

The web process keeps answering questions, says plainly what is unavailable, never
makes Slack wait past its 3 seconds, and recovers by itself.
"""

from __future__ import annotations

import json
import logging
import time

import httpx
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.person import Person
from bot.render.blocks import ActionId, CallbackId
from bot.services import build
from bot.slack.people import People
from bot.state import schema
from tests.conftest import RunningBot, bot_settings, running_bot
from tests.fakes.mistral_api import FakeMistralAPI, Scenario
from tests.fakes.slack_api import FakeSlackApi
from tests.redis_server import NO_PERSISTENCE, RedisServer, require_redis_server
from tests.slack_requests import (
    BOT_USER_ID,
    TEAM,
    USER,
    app_mention,
    block_action,
    event_callback,
    slash_command,
    view_submission,
)

ACK_BUDGET = 3.0  # seconds Slack waits for an acknowledgement


async def _timed(bot: RunningBot, request: tuple[str, dict[str, str]]) -> httpx.Response:
    started = time.perf_counter()
    response = await bot.send(request)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert elapsed < ACK_BUDGET, f"ack took {elapsed:.2f}s"
    return response


def _text(payload: object) -> str:
    return json.dumps(payload, ensure_ascii=False)


async def test_redis_outage_degrades_gracefully_and_recovers_without_restart(
    own_redis: RedisServer, slack_api: FakeSlackApi, mistral_api: FakeMistralAPI
) -> None:
    settings = bot_settings(slack_api, own_redis.url, mistral_api_url=mistral_api.url)
    async with running_bot(settings, slack_api) as bot:
        await _timed(bot, slash_command("done 1", response_url=slack_api.response_url("before")))
        assert "1 of 12 done" in _text((await slack_api.wait_for_responses(1))[0].body)

        own_redis.stop()

        # Questions are still answered, in time.
        await _timed(bot, event_callback(app_mention(f"<@{BOT_USER_ID}> how do I add a card")))
        [answer] = await slack_api.wait_for("chat.postMessage")
        assert "payment" in _text(answer.args).lower()
        # Progress says it is unavailable and changes nothing.
        await _timed(bot, slash_command("done 2", response_url=slack_api.response_url("down")))
        down = (await slack_api.wait_for_responses(2))[1]
        assert "can't reach my memory" in _text(down.body)
        # Feedback and key checks say so too.
        await _timed(bot, block_action(ActionId.FEEDBACK_UP, "payment-method"))
        [thanks] = await slack_api.wait_for("chat.postEphemeral")
        assert "can't reach my memory" in _text(thanks.args)
        key = mistral_api.add_key()
        await _timed(bot, view_submission(CallbackId.KEY_CHECK, {"key": {"key": key}}))
        [paused] = await slack_api.wait_for("views.update")
        assert "paused" in _text(paused.args)
        assert mistral_api.requests == []
        health = await bot.http.get("/healthz")
        assert health.json()["redis"] == "unavailable"

        own_redis.start()  # empty: it keeps nothing on disk

        await _timed(bot, slash_command("done 3", response_url=slack_api.response_url("after")))
        after = (await slack_api.wait_for_responses(3))[2]
        assert "1 of 12 done" in _text(after.body)
        assert (await bot.http.get("/healthz")).json()["redis"] == "ok"


async def test_a_command_redis_refuses_is_logged_as_an_error_with_its_code_only(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    # A key of the wrong type (as a bug of ours would leave): Redis is up, and says no.
    wrong = schema.PROGRESS.key(TEAM, USER)
    await bot.services.redis.set(wrong, "not a set")

    await _timed(bot, slash_command("done 1", response_url=bot.slack.response_url()))
    [reply] = await bot.slack.wait_for_responses(1)
    await bot.services.redis.delete(wrong)

    assert "can't reach my memory" in _text(reply.body)
    refused = [r for r in caplog.records if r.name == "bot.state.store"]
    assert [(r.levelno, r.getMessage()) for r in refused] == [
        (logging.ERROR, "Redis refused a command: ResponseError WRONGTYPE")
    ]


@pytest.mark.parametrize(
    ("refusing", "said"),
    [
        # A master cut off from its replicas (min-replicas-to-write, README).
        ("cut-off-master", "Redis unavailable: ResponseError NOREPLICAS"),
        # A master demoted by a failover, still named by a plain redis:// URL.
        ("demoted-master", "Redis unavailable: ReadOnlyError READONLY"),
    ],
)
async def test_a_redis_not_serving_writes_for_now_is_an_outage_not_an_error(
    refusing: str, said: str, slack_api: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    require_redis_server()
    if refusing == "cut-off-master":
        servers = [RedisServer("--min-replicas-to-write", "1", *NO_PERSISTENCE)]
    else:
        master = RedisServer()
        replica = RedisServer(*NO_PERSISTENCE, "--replicaof", "127.0.0.1", str(master.port))
        servers = [master, replica]
    try:
        for server in servers:
            server.start()
        url = servers[-1].url
        async with running_bot(bot_settings(slack_api, url), slack_api) as bot:
            await _timed(bot, slash_command("done 1", response_url=slack_api.response_url()))
            [reply] = await slack_api.wait_for_responses(1)
    finally:
        for server in servers:
            server.stop()

    assert "can't reach my memory" in _text(reply.body)
    logged = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "bot.state.store"]
    assert (logging.WARNING, said) in logged
    assert not [line for level, line in logged if level >= logging.ERROR]


async def test_slack_rate_limits_are_retried_after_retry_after(bot: RunningBot) -> None:
    bot.slack.fail_next("chat.postMessage", status=429, retry_after=1)

    await _timed(bot, event_callback(app_mention(f"<@{BOT_USER_ID}> how do I add a card")))

    posts = await bot.slack.wait_for("chat.postMessage", count=2, timeout=10)
    assert posts[0].args == posts[1].args  # the same message, sent again after the wait


async def test_slack_server_errors_are_logged_once_and_the_bot_keeps_serving(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="bot")
    bot.slack.fail_next("chat.postMessage", status=500, times=2)

    await _timed(bot, event_callback(app_mention(f"<@{BOT_USER_ID}> how do I add a card")))
    await bot.slack.wait_for("chat.postMessage", count=2)
    await _timed(bot, event_callback(app_mention(f"<@{BOT_USER_ID}> how do I add a card")))
    await bot.slack.wait_for("chat.postMessage", count=3)

    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "event_callback" in errors[0].getMessage()


@pytest.mark.parametrize("scenario", [Scenario(delay=2.0), Scenario(reply=None, delay=0)])
async def test_a_slow_mistral_never_delays_the_ack(
    bot: RunningBot, mistral_api: FakeMistralAPI, scenario: Scenario
) -> None:
    bot.services.mistral_http.timeout = httpx.Timeout(1.0)
    key = mistral_api.add_key(scenario)

    await _timed(bot, slash_command(f"key {key}", response_url=bot.slack.response_url()))

    first, result = await bot.slack.wait_for_responses(2, timeout=10)
    assert "Asking Mistral" in _text(first.body)
    expected = "did not answer in time" if scenario.delay else "works"
    assert expected in _text(result.body)


async def test_an_unreachable_slack_api_never_breaks_who_is_asking(
    slack_api: FakeSlackApi, redis_url: str, redis_client: object
) -> None:
    services = build(bot_settings(slack_api, redis_url))
    unreachable = AsyncWebClient(token="xoxb-test-token", base_url="http://127.0.0.1:9/")
    people = People(services.assistant, services.redis)

    person = await people.person(Person("T111", "U111"), unreachable)

    assert (person.team, person.user, person.admin, person.language) == (
        "T111",
        "U111",
        False,
        None,
    )
    await services.close()
