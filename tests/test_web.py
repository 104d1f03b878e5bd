"""The web process: health, signatures, the Procfile command, and Socket Mode dispatch."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from bot.render.blocks import ActionId
from bot.services import build
from bot.slack.app import create_app
from tests.conftest import RunningBot, bot_settings, running_bot
from tests.fakes.slack_api import FakeSlackApi
from tests.keyspace import every_key
from tests.slack_requests import (
    BOT_USER_ID,
    SIGNING_SECRET,
    app_home_opened,
    app_mention,
    event_callback,
    im_message,
    message_event,
    slash_command,
    socket_mode_envelope,
    socket_mode_request,
    stale_timestamp,
)
from tests.web_process import web_process


async def test_healthz_reports_redis(bot: RunningBot) -> None:
    response = await bot.http.get("/healthz")

    assert response.status_code == 200
    assert response.json()["redis"] == "ok"


async def test_healthz_says_when_redis_is_unavailable(slack_api: FakeSlackApi) -> None:
    settings = bot_settings(slack_api, "redis://127.0.0.1:1/0")

    async with running_bot(settings, slack_api) as bot:
        response = await bot.http.get("/healthz")

    assert response.status_code == 200
    assert response.json()["redis"] == "unavailable"


async def test_healthz_reveals_no_configuration(bot: RunningBot) -> None:
    body = (await bot.http.get("/healthz")).text

    for secret in ("xoxb-test-token", SIGNING_SECRET, "redis://", "127.0.0.1"):
        assert secret not in body


@pytest.mark.parametrize(
    "tamper",
    [
        "wrong secret",
        "stale timestamp",
        "timestamp that is not a number",
        "timestamp that is a superscript digit",
        "tampered body",
        "no signature headers",
    ],
)
async def test_unsigned_or_badly_signed_requests_get_401_and_do_nothing(
    bot: RunningBot, tamper: str
) -> None:
    # Its response_url is the fake Slack's: a reply to a forged request would show there.
    url = bot.slack.response_url("forged")
    if tamper == "wrong secret":
        body, signed = slash_command("done 1", response_url=url, secret="not-the-secret")
    elif tamper == "stale timestamp":
        body, signed = slash_command("done 1", response_url=url, timestamp=stale_timestamp())
    else:
        body, signed = slash_command("done 1", response_url=url)
    # As bytes: one case sends a byte that is not ASCII.
    headers = {name.encode(): value.encode() for name, value in signed.items()}
    if tamper == "timestamp that is not a number":
        headers[b"X-Slack-Request-Timestamp"] = b"soon"
    elif tamper == "timestamp that is a superscript digit":
        # "²" (latin-1 on the wire): str.isdigit() says yes, int() says no.
        headers[b"X-Slack-Request-Timestamp"] = b"\xb2"
    elif tamper == "tampered body":
        body = body.replace("done+1", "done+2")
    elif tamper == "no signature headers":
        headers = {b"Content-Type": signed["Content-Type"].encode()}

    response = await bot.http.post("/slack/events", content=body, headers=headers)

    assert response.status_code == 401
    assert response.json() == {"error": "invalid request"}
    # Nothing runs after a refusal: had anything been said, it would be here by now.
    assert (bot.slack.calls(), bot.slack.responses) == ([], [])
    assert await every_key(bot.services.redis) == []


async def test_a_replayed_request_older_than_five_minutes_is_refused(bot: RunningBot) -> None:
    body, headers = event_callback(app_mention("hi"), timestamp=stale_timestamp())

    response = await bot.http.post("/slack/events", content=body, headers=headers)

    assert response.status_code == 401


async def test_socket_mode_envelopes_reach_the_same_listeners(
    slack_api: FakeSlackApi, redis_url: str, redis_client: object
) -> None:
    services = build(bot_settings(slack_api, redis_url, slack_signing_secret=None))
    app = create_app(services)
    command = slash_command("done 2", response_url=slack_api.response_url()).payload
    envelope = socket_mode_envelope("slash_commands", command)

    response = await app.async_dispatch(socket_mode_request(envelope))

    assert response.status == 200
    [reply] = await slack_api.wait_for_responses(1)
    assert "1 of 12 done" in str(reply.body["blocks"])
    await services.close()


async def test_an_event_retried_over_socket_mode_is_answered_once(
    slack_api: FakeSlackApi, redis_url: str, redis_client: object
) -> None:
    services = build(bot_settings(slack_api, redis_url, slack_signing_secret=None))
    app = create_app(services)
    event = app_mention(f"<@{BOT_USER_ID}> how do I add a card", ts="100.3")
    payload = event_callback(event, event_id="EvSOCKET").payload
    first = socket_mode_envelope("events_api", payload)
    retry = socket_mode_envelope("events_api", payload, retry_attempt=1, retry_reason="timeout")

    responses = [await app.async_dispatch(socket_mode_request(e)) for e in (first, retry)]

    assert [r.status for r in responses] == [200, 200]
    await slack_api.wait_for("chat.postMessage")
    # Work takes turns in arrival order: once a later event's work is done, a second
    # answer, were one coming, has had its turn.
    home = event_callback(app_home_opened(user="UDRAIN")).payload
    await app.async_dispatch(socket_mode_request(socket_mode_envelope("events_api", home)))
    await slack_api.wait_for("views.publish")
    assert len(slack_api.calls("chat.postMessage")) == 1
    await services.close()


def test_the_procfile_web_line_serves_slack_and_health_on_port(
    slack_api: FakeSlackApi, redis_url: str, redis_client: object, tmp_path: Path
) -> None:
    body, headers = slash_command("help", response_url=slack_api.response_url())

    with web_process(slack_api, redis_url, tmp_path) as url:
        health = httpx.get(f"{url}/healthz").json()
        response = httpx.post(f"{url}/slack/events", content=body, headers=headers)

    assert (health["ok"], health["redis"]) == (True, "ok")
    assert health["persistence"] in ("aof", "rdb", "aof+rdb", "none", "unknown")
    assert response.status_code == 200


async def test_a_replayed_request_with_a_fresh_timestamp_window_is_refused(bot: RunningBot) -> None:
    request = slash_command("done 1", response_url=bot.slack.response_url())

    first = await bot.send(request)
    replay = await bot.send(request)

    assert (first.status_code, replay.status_code) == (200, 401)
    await bot.slack.wait_for_responses(1)
    assert len(bot.slack.responses) == 1


async def test_the_procfile_web_line_answers_pasted_errors_and_keeps_commands_private(
    slack_api: FakeSlackApi, redis_url: str, redis_client: object, tmp_path: Path
) -> None:
    posts = {
        "9.1": 'our bot got this: Status 429 {"object":"error","message":"Rate limit exceeded",'
        '"type":"rate_limited","param":null,"code":"1300"}',
        "9.2": "our integration gets 401 from mistral since this morning",
        "9.3": "done 2",
    }
    with web_process(slack_api, redis_url, tmp_path, {"HELP_CHANNELS": "CHELP"}) as url:
        async with httpx.AsyncClient(base_url=url) as http:
            for ts, text in posts.items():
                body, headers = event_callback(message_event(text, channel="CHELP", ts=ts))
                assert (await http.post("/slack/events", content=body, headers=headers)).is_success
            answers = await slack_api.wait_for("chat.postMessage", count=2)
            [pointer] = await slack_api.wait_for("chat.postEphemeral")

    by_thread = {post.args["thread_ts"]: json.dumps(post.args["blocks"]) for post in answers}
    assert set(by_thread) == {"9.1", "9.2"}  # nothing in public for "done 2"
    assert ActionId.OPEN_LIMITS_DIALOG in by_thread["9.1"]
    assert ActionId.OPEN_KEY_DIALOG in by_thread["9.2"]
    assert "/mistral-setup done 2" in json.dumps(pointer.args["blocks"])


async def test_the_procfile_web_line_serves_the_messages_tab_without_a_traceback(
    slack_api: FakeSlackApi, redis_url: str, redis_client: object, tmp_path: Path
) -> None:
    requests = [
        event_callback(app_home_opened(tab="messages")),
        event_callback(im_message("how do I create an api key?", ts="40.1")),
    ]
    with (
        (tmp_path / "stderr.log").open("w+", encoding="utf-8") as log,
        web_process(slack_api, redis_url, tmp_path, stderr=log) as url,
    ):
        async with httpx.AsyncClient(base_url=url) as http:
            for body, headers in requests:
                assert (await http.post("/slack/events", content=body, headers=headers)).is_success
            [prompts] = await slack_api.wait_for("assistant.threads.setSuggestedPrompts")
            [answer] = await slack_api.wait_for("chat.postMessage")
            body, headers = event_callback(im_message("done 1", ts="40.2", thread_ts="40.1"))
            assert (await http.post("/slack/events", content=body, headers=headers)).is_success
            [_, done] = await slack_api.wait_for("chat.postMessage", count=2)
    stderr = (tmp_path / "stderr.log").read_text(encoding="utf-8")

    assert 2 <= len(prompts.args["prompts"]) <= 4
    [status] = slack_api.calls("assistant.threads.setStatus")[:1]
    assert status.args["thread_ts"] == "40.1"
    assert answer.args["thread_ts"] == "40.1"
    assert '"feedback_buttons"' in json.dumps(answer.args["blocks"])
    assert done.args["thread_ts"] == "40.1"
    assert "1 of 12 done" in json.dumps(done.args["blocks"])
    assert "Traceback" not in stderr
    assert "will be unused" not in stderr  # Bolt's warning when given a client and a token
