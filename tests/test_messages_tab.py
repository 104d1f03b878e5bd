"""The Messages tab as a conversation (Slack's agent_view): prompts, threads, status, feedback.

Through the web process as Slack calls it, against the fake Web API; the same listeners
also serve Socket Mode envelopes.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.domain.commands import parse
from bot.person import Person
from bot.render.blocks import ActionId
from bot.services import build
from bot.slack.app import create_app
from tests.blockkit import assert_valid_blocks
from tests.conftest import RunningBot, bot_settings
from tests.fakes.slack_api import FakeSlackApi
from tests.slack_requests import (
    app_home_opened,
    block_action,
    event_callback,
    im_message,
    socket_mode_envelope,
    socket_mode_request,
)

PERSON = Person("T111", "U111")


def _feedback_values(blocks: list[dict[str, Any]]) -> list[str]:
    return [
        button["value"]
        for block in blocks
        if block["type"] == "context_actions"
        for element in block["elements"]
        if element["type"] == "feedback_buttons"
        for button in (element["positive_button"], element["negative_button"])
    ]


async def test_opening_the_messages_tab_offers_prompts_for_what_comes_next(
    bot: RunningBot,
) -> None:
    await bot.services.progress.mark_done(PERSON, "register")
    await bot.services.progress.mark_done(PERSON, "billing-details")

    await bot.send(event_callback(app_home_opened(tab="messages")))

    [call] = await bot.slack.wait_for("assistant.threads.setSuggestedPrompts")
    prompts = call.args["prompts"]
    assert call.args["channel_id"] == "D111"
    assert "thread_ts" not in call.args
    assert 2 <= len(prompts) <= 4
    assert all(p["title"] and p["message"] for p in prompts)
    assert prompts[0]["message"] == "How do I add a payment method?"
    # Each prompt, once clicked, is something the bot understands.
    assert {type(parse(p["message"])).__name__ for p in prompts[1:]} == {
        "CheckKey",
        "ShowLimits",
        "ShowChecklist",
    }
    assert bot.slack.calls("views.publish") == []  # the Home tab is not involved


async def test_prompts_follow_the_persons_language(bot: RunningBot) -> None:
    bot.slack.add_user("U111", locale="it-IT")

    await bot.send(event_callback(app_home_opened(tab="messages")))

    [call] = await bot.slack.wait_for("assistant.threads.setSuggestedPrompts")
    assert "Come mi registro su Mistral AI Studio?" in json.dumps(
        call.args["prompts"], ensure_ascii=False
    )


async def test_a_question_shows_a_status_then_one_answer_in_its_thread_with_feedback(
    bot: RunningBot,
) -> None:
    await bot.send(event_callback(im_message("how do I add a card?", ts="30.1")))

    [post] = await bot.slack.wait_for("chat.postMessage")
    [status] = bot.slack.calls("assistant.threads.setStatus")
    await bot.drain()
    assert (status.args["channel_id"], status.args["thread_ts"]) == ("D111", "30.1")
    assert status.args["status"]
    assert status.timestamp <= post.timestamp
    assert post.args["thread_ts"] == "30.1"
    assert len(bot.slack.calls("chat.postMessage")) == 1
    assert _feedback_values(post.args["blocks"]) == ["up:payment-method", "down:payment-method"]
    assert_valid_blocks(post.args["blocks"])


async def test_done_in_a_thread_records_the_step_and_replies_there(bot: RunningBot) -> None:
    await bot.send(event_callback(im_message("done 1", ts="31.2", thread_ts="31.1")))

    [post] = await bot.slack.wait_for("chat.postMessage")
    [status] = bot.slack.calls("assistant.threads.setStatus")
    assert status.args["thread_ts"] == "31.1"  # the thread's, not the reply's own ts
    assert post.args["thread_ts"] == "31.1"
    assert "1 of 12 done" in json.dumps(post.args["blocks"])
    assert await bot.services.progress.done(PERSON) == frozenset({"register"})
    [home] = await bot.slack.wait_for("views.publish")  # App Home stays in step
    assert "1 of 12 done" in json.dumps(home.args["view"])


async def test_the_status_speaks_the_persons_language(bot: RunningBot) -> None:
    bot.slack.add_user("U111", locale="it-IT")

    await bot.send(event_callback(im_message("done 1", ts="34.1")))

    await bot.slack.wait_for("chat.postMessage")
    [status] = bot.slack.calls("assistant.threads.setStatus")
    assert status.args["status"] == "sta cercando…"


async def test_a_rate_limited_status_or_prompt_is_tried_once_and_the_answer_still_comes(
    bot: RunningBot,
) -> None:
    bot.slack.fail_next("assistant.threads.setStatus", status=429, retry_after=30)
    bot.slack.fail_next("assistant.threads.setSuggestedPrompts", status=429, retry_after=30)

    await bot.send(event_callback(app_home_opened(tab="messages")))
    await bot.send(event_callback(im_message("how do I add a card?", ts="35.1")))

    [post] = await bot.slack.wait_for("chat.postMessage")
    await bot.drain()
    assert post.args["thread_ts"] == "35.1"
    assert len(bot.slack.calls("assistant.threads.setStatus")) == 1  # no waiting out Retry-After
    assert len(bot.slack.calls("assistant.threads.setSuggestedPrompts")) == 1


async def test_the_status_is_cleared_when_the_answer_cannot_be_posted(bot: RunningBot) -> None:
    bot.slack.fail_next("chat.postMessage", error="is_archived")

    await bot.send(event_callback(im_message("how do I add a card?", ts="36.1")))

    await bot.slack.wait_for("assistant.threads.setStatus", count=2)
    cleared = bot.slack.calls("assistant.threads.setStatus")[-1]
    assert (cleared.args["thread_ts"], cleared.args["status"]) == ("36.1", "")


async def test_where_slack_refuses_its_feedback_block_our_own_buttons_go_instead(
    bot: RunningBot,
) -> None:
    bot.slack.fail_next("chat.postMessage", error="invalid_blocks")

    await bot.send(event_callback(im_message("how do I add a card?", ts="37.1")))

    refused, sent = await bot.slack.wait_for("chat.postMessage", count=2)
    assert _feedback_values(refused.args["blocks"])
    assert not _feedback_values(sent.args["blocks"])
    assert ActionId.FEEDBACK_UP in json.dumps(sent.args["blocks"])
    assert sent.args["thread_ts"] == "37.1"


async def test_answers_shown_in_app_home_keep_our_own_feedback_buttons(bot: RunningBot) -> None:
    home = {"id": "V1", "type": "home", "blocks": []}

    await bot.send(
        block_action(f"{ActionId.SHOW_TOPIC}:payment-method", "payment-method", view=home)
    )

    [publish] = await bot.slack.wait_for("views.publish")
    view = json.dumps(publish.args["view"])
    assert "context_actions" not in view
    assert ActionId.FEEDBACK_UP in view


async def test_a_key_pasted_in_a_new_message_is_warned_about_in_its_thread(bot: RunningBot) -> None:
    await bot.send(
        event_callback(im_message("mistral key Ab3dEf7hIj9kLm1nOp2qRs4tUv6wXy8z", ts="38.1"))
    )

    [warning] = await bot.slack.wait_for("chat.postEphemeral")
    assert warning.args["thread_ts"] == "38.1"


async def test_a_native_feedback_click_is_stored_per_topic(bot: RunningBot) -> None:
    down = block_action(ActionId.FEEDBACK, "down:spending-limit", channel="D111", feedback=True)
    await bot.send(down)
    await bot.send(block_action(ActionId.FEEDBACK, "up:spending-limit", user="U222", feedback=True))
    await bot.send(block_action(ActionId.FEEDBACK, "up:no-such-topic", feedback=True))
    await bot.send(block_action(ActionId.FEEDBACK, "sideways:spending-limit", feedback=True))

    await bot.slack.wait_for("chat.postEphemeral", count=2)
    await bot.drain()
    assert len(bot.slack.calls("chat.postEphemeral")) == 2  # the odd values are ignored
    assert await bot.services.feedback.tally("T111", "spending-limit") == (1, 1)


@pytest.mark.parametrize("refusal", ["not_allowed_token_type", "feature_not_enabled"])
async def test_a_refused_assistant_call_changes_nothing_for_the_person(
    bot: RunningBot, refusal: str, caplog: pytest.LogCaptureFixture
) -> None:
    bot.slack.fail_next("assistant.threads.setStatus", error=refusal)
    bot.slack.fail_next("assistant.threads.setSuggestedPrompts", error=refusal)

    await bot.send(event_callback(app_home_opened(tab="messages")))
    await bot.send(event_callback(im_message("how do I add a card?", ts="32.1")))

    [post] = await bot.slack.wait_for("chat.postMessage")
    await bot.drain()
    assert post.args["thread_ts"] == "32.1"
    assert "payment" in post.args["text"].lower()
    assert bot.slack.calls("chat.postEphemeral") == []  # no error reached the person
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


async def test_socket_mode_serves_the_messages_tab_the_same_way(
    slack_api: FakeSlackApi, redis_url: str, redis_client: object
) -> None:
    services = build(bot_settings(slack_api, redis_url))
    app = create_app(services)
    try:
        opened = event_callback(app_home_opened(tab="messages")).payload
        asked = event_callback(im_message("done 1", ts="33.1")).payload
        for payload in (opened, asked):
            envelope = socket_mode_envelope("events_api", payload)
            assert (await app.async_dispatch(socket_mode_request(envelope))).status == 200

        await slack_api.wait_for("assistant.threads.setSuggestedPrompts")
        [post] = await slack_api.wait_for("chat.postMessage")
        assert post.args["thread_ts"] == "33.1"
        assert slack_api.calls("assistant.threads.setStatus")
    finally:
        await services.close()
