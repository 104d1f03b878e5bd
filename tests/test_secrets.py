"""Every feature run with a known key and token: neither shows up in logs, Redis or replies."""

from __future__ import annotations

import json
import logging

import pytest

from bot.blocks import ActionId, CallbackId
from bot.logs import RedactSecrets, redact
from tests.conftest import RunningBot
from tests.fakes.mistral_api import UNAUTHORIZED, FakeMistralAPI, Scenario
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
    view_submission,
)
from tests.test_slack_keys import stored_text

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
        for name in await bot.services.redis.keys("*"):
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
