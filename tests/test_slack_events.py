"""Questions in Slack: mentions and help-channel posts in a thread, DMs in the DM, once only."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from bot.person import Person
from bot.render.blocks import ActionId
from tests.blockkit import assert_no_broadcast, assert_valid_blocks, assert_valid_view
from tests.conftest import RunningBot
from tests.slack_requests import (
    BOT_USER_ID,
    app_home_opened,
    app_mention,
    block_action,
    event_callback,
    im_message,
    message_event,
)


def _text(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(str(b.get("text", {}).get("text", "")) for b in blocks)


async def test_a_mention_is_answered_in_a_thread_under_it(bot: RunningBot) -> None:
    event = app_mention(f"<@{BOT_USER_ID}> how do I set a spending limit?", ts="100.1")

    response = await bot.send(event_callback(event))

    assert response.status_code == 200
    [post] = await bot.slack.wait_for("chat.postMessage")
    assert post.args["thread_ts"] == "100.1"
    assert_valid_blocks(post.args["blocks"])
    assert "*Set a monthly spending limit*" in _text(post.args["blocks"])


async def test_a_retried_event_is_answered_once(bot: RunningBot) -> None:
    event = app_mention(f"<@{BOT_USER_ID}> how do I add a card", ts="100.2")

    first = await bot.send(event_callback(event, event_id="EvSAME"))
    # Slack signs each delivery afresh, so the retry carries a later timestamp.
    later = str(int(time.time()) + 1)
    retry = await bot.send(event_callback(event, event_id="EvSAME", retry_num=1, timestamp=later))

    assert (first.status_code, retry.status_code) == (200, 200)
    await bot.slack.wait_for("chat.postMessage")
    await bot.drain()

    assert len(bot.slack.calls("chat.postMessage")) == 1


async def test_a_help_channel_question_is_answered_without_a_mention(bot: RunningBot) -> None:
    await bot.send(
        event_callback(message_event("where do I see tokens per minute", channel="CHELP", ts="5.5"))
    )

    [post] = await bot.slack.wait_for("chat.postMessage")
    assert post.args["channel"] == "CHELP"
    assert post.args["thread_ts"] == "5.5"


async def test_a_mention_in_the_help_channel_is_answered_once_not_per_event_type(
    bot: RunningBot,
) -> None:
    text = f"<@{BOT_USER_ID}> how do I invite colleagues"
    await bot.send(event_callback(app_mention(text, channel="CHELP", ts="7.7")))
    await bot.send(event_callback(message_event(text, channel="CHELP", ts="7.7")))
    await bot.slack.wait_for("chat.postMessage")
    await bot.drain()

    assert len(bot.slack.calls("chat.postMessage")) == 1


async def test_other_channels_threads_and_bots_are_left_alone(bot: RunningBot) -> None:
    await bot.send(event_callback(message_event("how do I add a card", channel="COTHER")))
    await bot.send(
        event_callback(message_event("how do I add a card", channel="CHELP", thread_ts="1.0"))
    )
    await bot.send(
        event_callback(message_event("how do I add a card", channel="CHELP", bot_id="B9"))
    )
    await bot.send(
        event_callback(message_event("edited", channel="CHELP", subtype="message_changed"))
    )
    await bot.drain()

    assert bot.slack.calls("chat.postMessage") == []


async def test_a_dm_is_answered_in_its_own_thread_and_understands_commands(
    bot: RunningBot,
) -> None:
    await bot.send(event_callback(im_message("done 1", ts="20.1")))
    [post] = await bot.slack.wait_for("chat.postMessage")

    assert post.args["channel"] == "D111"
    assert post.args["thread_ts"] == "20.1"
    assert "1 of 12 done" in _text(post.args["blocks"])


async def test_an_uncovered_question_says_so_offers_topics_and_a_human(bot: RunningBot) -> None:
    await bot.send(
        event_callback(app_mention(f"<@{BOT_USER_ID}> how do I set up Google Gemini billing"))
    )

    [post] = await bot.slack.wait_for("chat.postMessage")
    blocks = post.args["blocks"]
    assert "doesn't cover" in _text(blocks)
    assert "<@UHELPER>" in str(blocks)
    assert_no_broadcast(blocks, allow=("UHELPER",))
    unanswered = await bot.services.feedback.recent_unanswered("T111")
    assert unanswered[0].question.endswith("Google Gemini billing")


async def test_a_huge_uncovered_question_is_logged_by_its_start_only(bot: RunningBot) -> None:
    flood = "how do I cook pasta carbonara for dinner tonight " * 820  # 40,180 characters

    await bot.send(event_callback(im_message(flood)))
    await bot.slack.wait_for("chat.postMessage")

    [logged] = await bot.services.feedback.recent_unanswered("T111")
    assert logged.question.startswith("how do I cook pasta carbonara")
    assert len(logged.question) <= 500


async def test_opening_app_home_publishes_the_checklist_and_tools(bot: RunningBot) -> None:
    await bot.send(event_callback(app_home_opened()))

    [publish] = await bot.slack.wait_for("views.publish")
    assert publish.args["user_id"] == "U111"
    assert_valid_view(publish.args["view"])
    assert "Check an API key" in str(publish.args["view"])


def _action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


async def test_a_pasted_429_gets_the_rate_limited_answer_with_the_limits_dialog(
    bot: RunningBot,
) -> None:
    pasted = (
        "anyone? our assistant broke :sweat:\n```Status 429 "
        '{"object":"error","message":"Rate limit exceeded","type":"rate_limited",'
        '"param":null,"code":"1300"}```'
    )
    await bot.send(event_callback(message_event(pasted, channel="CHELP", ts="8.1")))

    [post] = await bot.slack.wait_for("chat.postMessage")
    assert post.args["thread_ts"] == "8.1"
    assert "429" in _text(post.args["blocks"])
    assert "Rate limit exceeded" in post.args["text"]
    assert ActionId.OPEN_LIMITS_DIALOG in _action_ids(post.args["blocks"])
    assert_valid_blocks(post.args["blocks"])


async def test_a_pasted_401_gets_the_key_rejected_answer_with_the_key_dialog(
    bot: RunningBot,
) -> None:
    pasted = (
        "httpx.HTTPStatusError: Client error '401 Unauthorized' for url "
        "'https://api.mistral.ai/v1/chat/completions' what did we do wrong?"
    )
    await bot.send(event_callback(message_event(pasted, channel="CHELP", ts="8.2")))

    [post] = await bot.slack.wait_for("chat.postMessage")
    assert "401" in post.args["text"]
    assert ActionId.OPEN_KEY_DIALOG in _action_ids(post.args["blocks"])


async def test_a_command_typed_in_the_help_channel_gets_a_private_pointer_only(
    bot: RunningBot,
) -> None:
    await bot.send(event_callback(message_event("done 2", channel="CHELP", ts="8.3")))

    [pointer] = await bot.slack.wait_for("chat.postEphemeral")
    await bot.drain()
    assert pointer.args["user"] == "U111"
    assert "/mistral-setup done 2" in _text(pointer.args["blocks"])
    assert f"{ActionId.COMMAND}:done 2" in _action_ids(pointer.args["blocks"])
    assert bot.slack.calls("chat.postMessage") == []
    assert await bot.services.progress.done(person_of_event()) == frozenset()


async def test_a_command_after_a_mention_is_pointed_at_privately_too(bot: RunningBot) -> None:
    await bot.send(event_callback(app_mention(f"<@{BOT_USER_ID}> next", ts="8.4")))

    [pointer] = await bot.slack.wait_for("chat.postEphemeral")
    await bot.drain()
    assert "/mistral-setup next" in _text(pointer.args["blocks"])
    assert bot.slack.calls("chat.postMessage") == []


async def test_the_pointer_button_runs_the_command_privately(bot: RunningBot) -> None:
    await bot.send(
        block_action(
            f"{ActionId.COMMAND}:done 2",
            "done 2",
            container={
                "type": "message",
                "message_ts": "1.1",
                "channel_id": "CHELP",
                "is_ephemeral": True,
            },
            response_url=bot.slack.response_url(),
        )
    )

    [reply] = await bot.slack.wait_for_responses(1)
    assert reply.body["response_type"] == "ephemeral"
    assert "1 of 12 done" in str(reply.body["blocks"])


def person_of_event() -> Person:
    return Person("T111", "U111")


async def test_two_people_asking_the_same_question_in_public_get_identical_answers(
    bot: RunningBot,
) -> None:
    await bot.services.progress.mark_done(person_of_event(), "payment-method")
    question = "how do I add a payment card?"

    await bot.send(event_callback(message_event(question, channel="CHELP", ts="50.1")))
    await bot.send(event_callback(message_event(question, channel="CHELP", ts="50.2", user="U222")))

    first, second = await bot.slack.wait_for("chat.postMessage", count=2)
    assert first.args["blocks"] == second.args["blocks"]
    assert "done payment-method" in json.dumps(
        first.args["blocks"]
    )  # the button acts for the clicker


async def test_a_5000_digit_step_number_is_no_such_step_in_a_slash_command_and_a_dm(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    huge = "9" * 5000

    [reply] = await bot.command_posts(f"done {huge}")
    await bot.send(event_callback(im_message(f"done {huge}", ts="51.1")))

    [post] = await bot.slack.wait_for("chat.postMessage")
    for blocks in (reply.body["blocks"], post.args["blocks"]):
        assert "don't know a step called" in json.dumps(blocks)
        assert_valid_blocks(blocks)
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
