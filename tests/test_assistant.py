"""The domain: commands and questions from any surface, with progress in a real Redis."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator

import pytest

from bot.domain.assistant import Assistant
from bot.domain.commands import Subcommand
from bot.domain.replies import Answer, Checklist, ConfirmReset, Help, NoAnswer, Notice
from bot.person import Person
from bot.services import build
from bot.settings import Settings
from bot.state.feedback import FeedbackStore
from bot.strings import Phrase


async def test_empty_text_shows_the_checklist_opened_at_the_first_step(
    assistant: Assistant, person: Person
) -> None:
    reply = await assistant.handle(person, "")

    assert isinstance(reply, Checklist)
    assert (reply.done_count, reply.total) == (0, 12)
    assert reply.focus is not None
    assert reply.focus.card.topic == "register"


async def test_done_by_number_or_by_name_ticks_the_step_and_opens_the_next(
    assistant: Assistant, person: Person
) -> None:
    await assistant.handle(person, "done 1")
    reply = await assistant.handle(person, "done billing details")

    assert isinstance(reply, Checklist)
    assert reply.done_count == 2
    assert reply.notice == Phrase.of("marked", title="Enter company billing details")
    assert reply.focus is not None
    assert reply.focus.card.topic == "payment-method"


async def test_next_skips_optional_steps_while_required_ones_remain(
    assistant: Assistant, person: Person
) -> None:
    for step in ("1", "2", "3"):
        await assistant.handle(person, f"done {step}")

    reply = await assistant.handle(person, "next")

    assert isinstance(reply, Checklist)
    assert reply.focus is not None
    assert reply.focus.card.topic == "choose-plan"  # step 4, auto-recharge, is optional


async def test_undo_reopens_a_step(assistant: Assistant, person: Person) -> None:
    await assistant.handle(person, "done 7")

    reply = await assistant.handle(person, "undo create-api-key")

    assert isinstance(reply, Checklist)
    assert reply.done_count == 0
    assert reply.focus is not None
    assert reply.focus.card.topic == "create-api-key"


@pytest.mark.parametrize("ref", ["0", "13", "99", "pizza"])
async def test_an_unknown_step_gets_a_kind_message_and_changes_nothing(
    assistant: Assistant, person: Person, ref: str
) -> None:
    reply = await assistant.handle(person, f"done {ref}")

    assert isinstance(reply, Notice)
    assert "from 1 to 12" in reply.summary
    checklist = await assistant.checklist(person)
    assert checklist.done_count == 0


async def test_reset_asks_first_and_forgets_only_when_confirmed(
    assistant: Assistant, person: Person
) -> None:
    await assistant.handle(person, "done 1")

    ask = await assistant.handle(person, "reset")
    assert isinstance(ask, ConfirmReset)
    assert ask.done_count == 1
    assert (await assistant.checklist(person)).done_count == 1

    reply = await assistant.handle(person, "reset yes")
    assert isinstance(reply, Checklist)
    assert reply.done_count == 0


async def test_a_covered_question_gets_its_card_and_step(
    assistant: Assistant, person: Person
) -> None:
    reply = await assistant.handle(person, "how do I set up auto recharge?")

    assert isinstance(reply, Answer)
    assert reply.card.topic == "auto-recharge"
    assert reply.step_number == 4
    assert not reply.step_done


async def test_an_uncovered_question_is_logged_for_the_content_authors(
    assistant: Assistant, feedback: FeedbackStore, person: Person
) -> None:
    reply = await assistant.handle(person, "how do I make pasta carbonara")

    assert isinstance(reply, NoAnswer)
    logged = await feedback.recent_unanswered(person.team)
    assert [entry.question for entry in logged] == ["how do I make pasta carbonara"]


@pytest.mark.parametrize("text", ["hi", "thanks!", "ciao", ":wave:", "<@U123>"])
async def test_greetings_and_bare_mentions_get_help_not_an_answer(
    assistant: Assistant, person: Person, text: str
) -> None:
    reply = await assistant.handle(person, text)

    assert isinstance(reply, Help)


async def test_a_mistyped_command_gets_help_with_a_did_you_mean(
    assistant: Assistant, person: Person
) -> None:
    reply = await assistant.handle(person, "dne 2")

    assert isinstance(reply, Help)
    assert reply.suggestion == "done 2"


@pytest.fixture
async def assistant_without_redis() -> AsyncIterator[Assistant]:
    # Nothing listens on port 1 (Redis) or 9 (Mistral).
    settings = Settings(
        _env_file=None, redis_url="redis://127.0.0.1:1/0", mistral_api_url="http://127.0.0.1:9"
    )
    services = build(settings)
    yield services.assistant
    await services.close()


async def test_with_redis_down_questions_are_still_answered(
    assistant_without_redis: Assistant, person: Person
) -> None:
    reply = await assistant_without_redis.handle(person, "how do I create an api key")

    assert isinstance(reply, Answer)
    assert reply.card.topic == "create-api-key"


async def test_with_redis_down_progress_says_it_is_unavailable(
    assistant_without_redis: Assistant, person: Person
) -> None:
    reply = await assistant_without_redis.handle(person, "done 1")

    assert isinstance(reply, Notice)
    assert "can't reach my memory" in reply.summary


KEY = "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4Z"


@pytest.mark.parametrize("text", [f"is {KEY} a good key?", f"done {KEY}", f"step {KEY} please"])
async def test_a_key_typed_into_a_question_or_command_is_never_echoed_or_stored(
    assistant: Assistant, feedback: FeedbackStore, person: Person, text: str
) -> None:
    reply = await assistant.handle(person, text)

    shown = str(reply)
    assert KEY not in shown
    assert "…Xy4Z" in shown
    logged = await feedback.recent_unanswered(person.team)
    assert KEY not in str(logged)


@pytest.mark.parametrize(
    ("ref", "topic"),
    [("card", "payment-method"), ("api key", "create-api-key"), ("carta", "payment-method")],
)
async def test_a_step_named_in_a_persons_own_words_is_found(
    assistant: Assistant, person: Person, ref: str, topic: str
) -> None:
    reply = await assistant.handle(person, f"done {ref}")

    assert isinstance(reply, Checklist)
    assert topic in {s.card.topic for s in reply.steps if s.done}


async def test_a_step_name_that_fits_two_steps_asks_for_the_number(
    assistant: Assistant, person: Person
) -> None:
    reply = await assistant.handle(person, "done members")

    assert isinstance(reply, Notice)
    assert "could be step" in reply.summary
    assert (await assistant.checklist(person)).done_count == 0


@pytest.mark.parametrize("subcommand", [s for s in Subcommand if s.admins_only])
async def test_a_subcommand_declared_for_admins_is_refused_to_everyone_else(
    assistant: Assistant, person: Person, subcommand: Subcommand
) -> None:
    refused = await assistant.handle(person, subcommand.verb)
    allowed = await assistant.handle(dataclasses.replace(person, admin=True), subcommand.verb)

    assert refused == Notice(Phrase.of("admins_only"), language=refused.language)
    assert not isinstance(allowed, Notice)


@pytest.mark.parametrize("flood", ["<@" * 20_000, "<http:" * 6_667, "<!x" * 13_334])
async def test_an_unclosed_bracket_flood_is_answered_at_once(
    assistant: Assistant, person: Person, flood: str
) -> None:
    started = time.perf_counter()
    await assistant.handle(person, flood)

    # A complexity bound: milliseconds now, seconds when each "<" was read to the end.
    assert time.perf_counter() - started < 0.5
