"""Every feature run with a known key and token: neither shows up in logs, Redis or replies."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import httpx
import pytest

from bot.logs import RedactSecrets, redact
from bot.render.blocks import ActionId, CallbackId
from tests.conftest import RunningBot
from tests.fakes.mistral_api import UNAUTHORIZED, FakeMistralAPI, Scenario, random_key
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.socket_mode import FakeSocketMode
from tests.keyspace import every_key, stored_text
from tests.slack_requests import (
    BOT_USER_ID,
    SIGNING_SECRET,
    app_home_opened,
    app_mention,
    block_action,
    event_callback,
    im_message,
    message_event,
    slash_command,
    socket_mode_envelope,
    view_submission,
)
from tests.web_process import procfile_process, web_process

BOT_TOKEN = "xoxb-test-token"


async def test_no_feature_leaks_the_key_or_the_tokens(
    bot: RunningBot, mistral_api: FakeMistralAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    key = mistral_api.add_key()
    revoked = mistral_api.add_key(Scenario(reply=UNAUTHORIZED))
    url = bot.slack.response_url
    requests = [
        slash_command("", response_url=url("1")),
        slash_command("done 1", response_url=url("2")),
        slash_command(f"key {key}", response_url=url("3")),
        slash_command(f"key {revoked}", response_url=url("4")),
        slash_command(f"limits {key}", response_url=url("5")),
        slash_command(f"how do I use {key} in aisuru", response_url=url("6")),
        view_submission(CallbackId.KEY_CHECK, {"key": {"key": key}}),
        view_submission(CallbackId.KEY_CHECK, {"key": {"key": revoked}}),
        view_submission(CallbackId.LIMITS, {"key": {"key": key}}),
        event_callback(app_mention(f"<@{BOT_USER_ID}> is {key} valid?")),
        event_callback(message_event(f"mistral key {key}", channel="CHELP")),
        event_callback(im_message(f"key {key}")),
        event_callback(app_home_opened()),
        block_action(ActionId.FEEDBACK_UP, "create-api-key"),
    ]
    for request in requests:
        assert (await bot.send(request)).status_code == 200
    await bot.slack.wait_for_responses(8)
    await bot.slack.wait_for("views.update", count=3)
    await bot.slack.wait_for("chat.postEphemeral", count=3)

    secrets = (key, revoked, BOT_TOKEN, SIGNING_SECRET)
    for secret in secrets:
        assert secret not in caplog.text
        for name in await every_key(bot.services.redis):
            assert secret not in str(name)
            assert secret not in await stored_text(bot.services.redis, str(name))
        for call in bot.slack.calls():
            assert secret not in json.dumps(call.args, ensure_ascii=False)
        for response in bot.slack.responses:
            assert secret not in json.dumps(response.body, ensure_ascii=False)


def test_the_log_filter_redacts_tokens_keys_and_tracebacks() -> None:
    key = "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4Z"
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "token %s key %s", ("xoxb-1-2-abcdef", key), None
    )
    try:
        raise ValueError(f"bad key {key}")
    except ValueError as error:
        record.exc_info = (type(error), error, error.__traceback__)

    RedactSecrets().filter(record)

    assert record.getMessage() == "token xoxb-[redacted] key [key …Xy4Z]"
    assert key not in str(record.exc_text)
    assert redact(f"xapp-1-A1-abc and {key}") == "xapp-[redacted] and [key …Xy4Z]"


def test_the_web_process_at_debug_level_writes_neither_the_key_nor_the_token(
    slack_api: FakeSlackApi,
    mistral_api: FakeMistralAPI,
    redis_url: str,
    redis_client: object,
    tmp_path: Path,
) -> None:
    key = mistral_api.add_key()
    log = tmp_path / "web.log"
    requests = [
        slash_command(f"key {key}", response_url=slack_api.response_url("1")),
        slash_command(f"is {key} ok?", response_url=slack_api.response_url("2")),
        event_callback(app_mention(f"<@{BOT_USER_ID}> is {key} valid?")),
        view_submission(CallbackId.KEY_CHECK, {"key": {"key": key}}),
    ]

    extra = {"LOG_LEVEL": "DEBUG", "MISTRAL_API_URL": mistral_api.url}
    with log.open("w") as stderr, web_process(slack_api, redis_url, tmp_path, extra, stderr) as url:
        for body, headers in requests:
            assert httpx.post(f"{url}/slack/events", content=body, headers=headers).is_success
        asyncio.run(slack_api.wait_for_responses(3))
        asyncio.run(slack_api.wait_for("views.update"))

    written = log.read_text()
    assert "DEBUG" in written  # the process really logged at DEBUG
    assert key not in written
    assert BOT_TOKEN not in written
    assert SIGNING_SECRET not in written


def test_the_socket_mode_worker_at_debug_writes_no_key_after_an_escaped_newline(
    slack_api: FakeSlackApi,
    socket_mode: FakeSocketMode,
    redis_url: str,
    redis_client: object,
    tmp_path: Path,
) -> None:
    key, log = random_key(), tmp_path / "worker.log"
    # Socket Mode logs each frame as JSON, its newlines escaped: "\nKEY" and "%0AKEY".
    text = f"my key:\n{key}\nand a link https://example.com/?k=%0A{key}"
    delivery = event_callback(im_message(text))
    extra = {"SLACK_APP_TOKEN": "xapp-1-test", "LOG_LEVEL": "DEBUG"}

    with (
        log.open("w") as stderr,
        procfile_process("worker", slack_api, redis_url, tmp_path, extra, stderr),
    ):
        assert socket_mode.connected.wait(30)
        socket_mode.send(socket_mode_envelope("events_api", delivery.payload))
        asyncio.run(slack_api.wait_for("chat.postEphemeral"))  # the leak warning

    written = log.read_text()
    assert "Received message" in written  # the frame itself was logged, at DEBUG
    assert key not in written
    assert key[:20] not in written
