"""Key checks, rate-limit summaries and leaked-key warnings, end to end through Slack's HTTP.

The bot talks to a fake Mistral API on loopback that answers like the real one; every
test ends by proving the key went nowhere it should not (see ``_assert_key_kept_nowhere``).
"""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from bot.render.blocks import CallbackId
from tests.blockkit import assert_valid_blocks, assert_valid_view
from tests.conftest import RunningBot
from tests.fakes.mistral_api import (
    FORBIDDEN,
    MALFORMED_JSON,
    NOT_FOUND,
    UNAUTHORIZED,
    UNAUTHORIZED_2025,
    FakeMistralAPI,
    Reply,
    Scenario,
    rate_limited,
    server_error,
)
from tests.keyspace import every_key, stored_text
from tests.slack_requests import event_callback, message_event, view_submission


def _submit_key(key: str, user: str = "U111") -> tuple[str, dict[str, str]]:
    return view_submission(CallbackId.KEY_CHECK, {"key": {"key": key}}, user=user)


def _submit_limits(key: str, models: list[str]) -> tuple[str, dict[str, str]]:
    selected = {
        "type": "multi_static_select",
        "selected_options": [
            {"text": {"type": "plain_text", "text": m}, "value": m} for m in models
        ],
    }
    return view_submission(CallbackId.LIMITS, {"key": {"key": key}, "models": {"models": selected}})


async def _final_view(bot: RunningBot, updates: int = 1) -> str:
    calls = await bot.slack.wait_for("views.update", count=updates)
    view = calls[-1].args["view"]
    assert_valid_view(view)
    return json.dumps(view, ensure_ascii=False)


async def _assert_key_kept_nowhere(
    bot: RunningBot, key: str, caplog: pytest.LogCaptureFixture
) -> None:
    """No log line (DEBUG included), Redis key or value, or message to Slack holds the key."""
    assert key not in caplog.text
    redis = bot.services.redis
    for name in await every_key(redis):
        assert key not in name
        assert key not in await stored_text(redis, str(name))
    for call in bot.slack.calls():
        assert key not in json.dumps(call.args, ensure_ascii=False)
    for response in bot.slack.responses:
        assert key not in json.dumps(response.body, ensure_ascii=False)


@pytest.fixture(autouse=True)
def _capture_everything(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)


async def test_key_alone_opens_a_private_dialog_and_posts_nothing(bot: RunningBot) -> None:
    await bot.command_posts("key", replies=0)

    [opened] = await bot.slack.wait_for("views.open")
    assert_valid_view(opened.args["view"])
    assert opened.args["view"]["callback_id"] == CallbackId.KEY_CHECK
    assert bot.slack.calls("chat.postMessage") == []


async def test_a_valid_key_is_reported_with_models_counted_by_kind(
    bot: RunningBot, mistral_api: FakeMistralAPI, caplog: pytest.LogCaptureFixture
) -> None:
    key = mistral_api.add_key()

    response = await bot.send(_submit_key(key))

    assert response.json()["response_action"] == "update"
    text = await _final_view(bot)
    assert f"…{key[-4:]} works" in text
    assert "14 models" in text
    assert "Chat: 8" in text
    assert "Embedding: 2" in text
    assert "OCR: 1" in text
    assert "done create-api-key" in text
    await _assert_key_kept_nowhere(bot, key, caplog)


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        (Scenario(reply=UNAUTHORIZED), "A brand-new key can take a few minutes"),
        (Scenario(reply=UNAUTHORIZED_2025), "invalid, revoked or expired"),
        (Scenario(reply=FORBIDDEN), "refused"),
        (Scenario(reply=rate_limited("2026", retry_after="30")), "30 seconds"),
        (Scenario(reply=rate_limited("2025")), "too many requests"),
        (Scenario(reply=server_error(503)), "HTTP 503"),
        (Scenario(reply=MALFORMED_JSON), "couldn't read"),
    ],
)
async def test_each_mistral_answer_is_explained(
    bot: RunningBot,
    mistral_api: FakeMistralAPI,
    caplog: pytest.LogCaptureFixture,
    scenario: Scenario,
    expected: str,
) -> None:
    key = mistral_api.add_key(scenario)

    await bot.send(_submit_key(key))

    text = await _final_view(bot)
    assert expected in text
    assert f"…{key[-4:]}" in text
    await _assert_key_kept_nowhere(bot, key, caplog)


@pytest.mark.parametrize("typed", ["hello", "sk-" + "a" * 40, "<!channel>", "x" * 31, "é" * 32])
async def test_something_that_cannot_be_a_key_is_refused_inline_and_never_sent(
    bot: RunningBot, mistral_api: FakeMistralAPI, typed: str
) -> None:
    response = await bot.send(_submit_key(typed))

    assert response.json()["response_action"] == "errors"
    assert "not a Mistral API key" in response.json()["errors"]["key"]
    assert mistral_api.requests == []


async def test_key_checks_are_throttled_per_person_across_processes(
    bot: RunningBot, mistral_api: FakeMistralAPI
) -> None:
    keys = [mistral_api.add_key(Scenario(reply=UNAUTHORIZED)) for _ in range(6)]

    for number, key in enumerate(keys, start=1):
        await bot.send(_submit_key(key))
        await bot.slack.wait_for("views.update", count=number)

    last = json.dumps(bot.slack.calls("views.update")[-1].args["view"], ensure_ascii=False)
    assert "my limit" in last
    assert len(mistral_api.requests) == 5


async def test_forgetting_oneself_does_not_reset_the_key_check_limit(
    bot: RunningBot, mistral_api: FakeMistralAPI
) -> None:
    keys = [mistral_api.add_key(Scenario(reply=UNAUTHORIZED)) for _ in range(6)]
    for number, key in enumerate(keys[:5], start=1):
        await bot.send(_submit_key(key))
        await bot.slack.wait_for("views.update", count=number)

    await bot.command("forget yes")
    await bot.send(_submit_key(keys[5]))
    await bot.slack.wait_for("views.update", count=6)

    last = json.dumps(bot.slack.calls("views.update")[-1].args["view"], ensure_ascii=False)
    assert "my limit" in last
    assert len(mistral_api.requests) == 5


async def test_a_workspace_has_a_budget_of_key_checks_and_is_told_when_it_refills(
    bot: RunningBot, mistral_api: FakeMistralAPI
) -> None:
    bot.services.keys.budget.limit = 3
    keys = [mistral_api.add_key(Scenario(reply=UNAUTHORIZED)) for _ in range(4)]

    for number, key in enumerate(keys, start=1):  # four people, one check each
        await bot.send(_submit_key(key, user=f"U{number}"))
        await bot.slack.wait_for("views.update", count=number)

    last = json.dumps(bot.slack.calls("views.update")[-1].args["view"], ensure_ascii=False)
    assert "Your workspace has had 3 key checks" in last
    assert "check keys again in 60 minutes" in last
    assert len(mistral_api.requests) == 3


async def test_key_typed_after_the_command_is_checked_privately_in_place(
    bot: RunningBot, mistral_api: FakeMistralAPI, caplog: pytest.LogCaptureFixture
) -> None:
    key = mistral_api.add_key()

    first, result = await bot.command_posts(f"key {key}", replies=2)

    assert "Asking Mistral" in json.dumps(first.body, ensure_ascii=False)
    assert result.body["replace_original"] is True
    assert_valid_blocks(result.body["blocks"])
    assert "works" in json.dumps(result.body, ensure_ascii=False)
    await _assert_key_kept_nowhere(bot, key, caplog)


async def test_limits_are_read_per_model_with_progress_and_plain_words(
    bot: RunningBot, mistral_api: FakeMistralAPI, caplog: pytest.LogCaptureFixture
) -> None:
    key = mistral_api.add_key()
    models = ["mistral-small-latest", "ministral-8b-latest", "mistral-medium-latest", "gpt-4o"]

    await bot.send(_submit_limits(key, models))

    text = await _final_view(bot, updates=4)  # one progress line per model, then the summary
    progress = json.dumps([c.args for c in bot.slack.calls("views.update")[:3]], ensure_ascii=False)
    assert "Checking mistral-small-latest (1 of 3)" in progress
    assert "ministral-8b-latest: about 5 AIsuru messages a minute" in text
    assert "Tokens per month" in text
    assert "gpt-4o" in text  # listed as not available, not checked
    assert "admin.mistral.ai/plateforme/limits" in text
    chats = [r for r in mistral_api.requests_for(key) if r.path == "/v1/chat/completions"]
    assert sorted(r.model or "" for r in chats) == sorted(models[:3])
    assert all(r.body["max_tokens"] == 1 for r in chats)
    await _assert_key_kept_nowhere(bot, key, caplog)


async def test_an_admin_key_gets_every_model_at_once(
    bot: RunningBot, mistral_api: FakeMistralAPI
) -> None:
    key = mistral_api.add_key(Scenario(admin=True))

    await bot.send(_submit_limits(key, []))

    text = await _final_view(bot)
    assert "Admin API" in text
    assert "codestral-2508" in text
    assert "mistral-large-2512" in text
    assert all(r.path != "/v1/chat/completions" for r in mistral_api.requests)


async def test_a_leaked_key_gets_a_private_warning_and_is_never_sent_to_mistral(
    bot: RunningBot, mistral_api: FakeMistralAPI, caplog: pytest.LogCaptureFixture
) -> None:
    key = mistral_api.add_key()

    await bot.send(event_callback(message_event(f"here's our mistral key {key}", channel="CHELP")))

    [warning] = await bot.slack.wait_for("chat.postEphemeral")
    assert warning.args["user"] == "U111"
    assert f"…{key[-4:]}" in json.dumps(warning.args["blocks"], ensure_ascii=False)
    assert "Revoke" in json.dumps(warning.args["blocks"], ensure_ascii=False)
    assert_valid_blocks(warning.args["blocks"])
    await bot.drain()
    assert bot.slack.calls("chat.postMessage") == []  # not answered as a question
    assert mistral_api.requests == []
    await _assert_key_kept_nowhere(bot, key, caplog)


async def test_a_dm_with_a_key_is_warned_too(bot: RunningBot, mistral_api: FakeMistralAPI) -> None:
    key = mistral_api.add_key()

    await bot.send(
        event_callback(message_event(f"api key: {key}", channel="D111", channel_type="im"))
    )

    [warning] = await bot.slack.wait_for("chat.postEphemeral")
    assert key not in json.dumps(warning.args, ensure_ascii=False)


async def test_an_edit_that_keeps_the_same_key_is_not_warned_again_but_a_new_key_is(
    bot: RunningBot, mistral_api: FakeMistralAPI
) -> None:
    old, new = mistral_api.add_key(), mistral_api.add_key()
    edit = message_event(f"mistral key {old} and {new}", channel="CHELP", subtype="message_changed")
    edit["message"] = {"user": "U111", "text": f"mistral key {old} and {new}", "ts": "1.0"}
    edit["previous_message"] = {"user": "U111", "text": f"mistral key {old}", "ts": "1.0"}

    await bot.send(event_callback(edit))

    [warning] = await bot.slack.wait_for("chat.postEphemeral")
    text = json.dumps(warning.args["blocks"], ensure_ascii=False)
    assert f"…{new[-4:]}" in text
    assert f"…{old[-4:]}" not in text


async def test_a_key_pasted_with_italian_words_gets_the_warning_in_italian(
    bot: RunningBot, mistral_api: FakeMistralAPI
) -> None:
    key = mistral_api.add_key()

    await bot.send(
        event_callback(message_event(f"ecco la chiave di mistral: {key}", channel="CHELP"))
    )

    [warning] = await bot.slack.wait_for("chat.postEphemeral")
    assert "Revoca la chiave" in json.dumps(warning.args["blocks"], ensure_ascii=False)


async def test_limits_survive_a_model_that_fails_and_a_key_that_is_refused(
    bot: RunningBot, mistral_api: FakeMistralAPI, caplog: pytest.LogCaptureFixture
) -> None:
    flaky = mistral_api.add_key(
        Scenario(chat={"mistral-small-latest": server_error(503), "ministral-8b-latest": FORBIDDEN})
    )
    revoked = mistral_api.add_key(Scenario(reply=UNAUTHORIZED))

    await bot.send(_submit_limits(flaky, ["mistral-small-latest", "ministral-8b-latest"]))
    text = await _final_view(bot, updates=3)
    await bot.send(_submit_limits(revoked, ["mistral-small-latest"]))
    refused = json.dumps(bot.slack.calls("views.update")[-1].args, ensure_ascii=False)
    while "rejected" not in refused:
        await bot.slack.wait_for("views.update", count=len(bot.slack.calls("views.update")) + 1)
        refused = json.dumps(bot.slack.calls("views.update")[-1].args, ensure_ascii=False)

    assert "mistral-small-latest: I couldn't read its limits" in text
    assert "ministral-8b-latest: this key may not use it" in text
    assert f"…{revoked[-4:]}" in refused
    await _assert_key_kept_nowhere(bot, flaky, caplog)


@pytest.mark.parametrize(
    "admin_answer",
    [NOT_FOUND, server_error(405), server_error(500), server_error(503), MALFORMED_JSON],
    ids=["404", "405", "500", "503", "malformed"],
)
async def test_limits_are_probed_whatever_the_admin_api_answers_an_ordinary_key(
    bot: RunningBot, mistral_api: FakeMistralAPI, admin_answer: Reply
) -> None:
    key = mistral_api.add_key(Scenario(admin_reply=admin_answer))

    await bot.send(_submit_limits(key, ["mistral-small-latest"]))

    text = await _final_view(bot, updates=2)
    assert "mistral-small-latest" in text
    assert "Tokens per month" in text
    assert any(r.path == "/v1/chat/completions" for r in mistral_api.requests_for(key))


async def test_limits_are_probed_when_the_admin_api_times_out(
    bot: RunningBot, mistral_api: FakeMistralAPI
) -> None:
    bot.services.mistral_http.timeout = httpx.Timeout(1.0)
    key = mistral_api.add_key(Scenario(admin_delay=3.0))

    await bot.send(_submit_limits(key, ["mistral-small-latest"]))

    text = await _final_view(bot, updates=2)
    assert "Tokens per month" in text
