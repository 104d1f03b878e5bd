"""Replies that read the same for everyone are rendered once, and checklists once per
point of progress: the kept blocks are exactly what their template renders, nobody who is
handed them can change the next ones, and nobody is handed another's progress."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from bot.domain.assistant import Assistant
from bot.domain.commands import MarkDone
from bot.domain.replies import Answer, Checklist, ConfirmForget, Help, Reply, StepState, ToolOffer
from bot.guide.content import Content
from bot.person import Person
from bot.render.blocks import (
    CHECKLISTS,
    HOMES,
    Surface,
    home_view,
    render,
    render_template,
    render_uncached,
    shared_json,
)
from bot.strings import LANGUAGES, Phrase

SURFACES: tuple[Surface, ...] = ("message", "view")
OTHER_SHARED: tuple[Reply, ...] = (
    Help(),
    Help(greeting=True),
    Help(admin=True),
    ToolOffer("key"),
    ToolOffer("limits"),
    ConfirmForget(),
)


def _bytes(blocks: list[dict[str, Any]]) -> str:
    """What slack_sdk sends: key order and every character count."""
    return json.dumps(blocks, ensure_ascii=False)


def _answers(content: Content) -> list[Answer]:
    """Every card as a public answer and as a private one, ticked or not, in each language."""
    return [
        Answer(
            "how do I do this?",
            card,
            0.9,
            related=tuple(content.card(topic) for topic in card.related),
            step_number=card.step,
            step_done=done,
            language=language,
        )
        for card in content.cards
        for done in (False, True)
        for language in LANGUAGES
    ]


def test_a_cached_answer_is_what_its_template_renders_for_any_wording(content: Content) -> None:
    for answer in _answers(content):
        for surface in SURFACES:
            render(answer, surface=surface)
            reworded = dataclasses.replace(answer, question="and this, how?", score=0.42)
            hits = shared_json.cache_info().hits

            cached = render(reworded, surface=surface)

            assert shared_json.cache_info().hits == hits + 1  # it came from the cache
            assert _bytes(cached) == _bytes(render_uncached(reworded, surface=surface))


def test_cached_help_tool_offers_and_forget_are_what_their_templates_render() -> None:
    for reply in [
        dataclasses.replace(reply, language=language)
        for reply in OTHER_SHARED
        for language in LANGUAGES
    ]:
        for surface in SURFACES:
            for show_question in (False, True):
                render(reply, surface=surface, show_question=show_question)
                hits = shared_json.cache_info().hits

                cached = render(reply, surface=surface, show_question=show_question)

                assert shared_json.cache_info().hits == hits + 1
                uncached = render_uncached(reply, surface=surface, show_question=show_question)
                assert _bytes(cached) == _bytes(uncached)


def test_changing_the_blocks_a_render_returned_does_not_change_the_next_render(
    content: Content,
) -> None:
    answer = Answer("how?", content.card("create-api-key"), 0.9, step_number=7)
    expected = _bytes(render_uncached(answer))
    handed = render(answer)

    # What a sender might do: add a block, reword one, drop Slack's feedback buttons.
    handed.append({"type": "divider"})
    handed[0]["text"]["text"] = "changed"
    handed[-2]["elements"].clear()
    del handed[1]

    assert _bytes(render(answer)) == expected


def test_a_question_quoted_back_is_never_another_askers(content: Content) -> None:
    card = content.card("create-api-key")
    for question in ("how do I make a key?", "where are API keys created?"):
        blocks = render(Answer(question, card, 0.9, step_number=7), show_question=True)

        assert question in _bytes(blocks)


def _checklist(content: Content, done: int, focus: int | None = None, **rest: Any) -> Checklist:
    """A checklist with its first ``done`` steps done, opened at step ``focus``."""
    steps = tuple(
        StepState(number=i, card=card, done=i <= done) for i, card in enumerate(content.steps, 1)
    )
    opened = steps[focus - 1] if focus else next((s for s in steps if not s.done), None)
    return Checklist(steps, opened, **rest)


def _checklists(content: Content) -> list[Checklist]:
    """Points of progress, opened steps, notices (nested, with numbers) and languages."""
    forgotten = Phrase.of("forgotten", steps=Phrase.of("steps_count", count=2),
                          votes=Phrase.of("votes_count", count=1),
                          questions=Phrase.of("questions_count", count=0))  # fmt: skip
    notices = (None, Phrase.of("marked", title="Create an API key"), forgotten)
    total = len(content.steps)
    return [
        _checklist(content, done, focus, notice=notice, language=language, changed=bool(notice))
        for done in (0, 1, total - 1, total)
        for focus in (None, 1, total)
        for notice in notices
        for language in LANGUAGES
    ]


def test_a_cached_checklist_is_what_its_template_renders(content: Content) -> None:
    for checklist in _checklists(content):
        for surface in SURFACES:
            for show_question in (False, True):
                render(checklist, surface=surface, show_question=show_question)
                hits = CHECKLISTS.hits

                cached = render(checklist, surface=surface, show_question=show_question)

                assert CHECKLISTS.hits == hits + 1  # it came from the cache
                uncached = render_uncached(checklist, surface=surface, show_question=show_question)
                assert _bytes(cached) == _bytes(uncached)


def test_checklists_that_differ_in_anything_shown_get_their_own_blocks(content: Content) -> None:
    base = _checklist(content, 2, notice=Phrase.of("progress", done=1, total=12))
    # 1, 1.0 and True are equal as keys but not written alike; one step's tick, the step
    # opened and the language each change what is shown.
    others = [
        dataclasses.replace(base, notice=Phrase.of("progress", done=1.0, total=12)),
        dataclasses.replace(base, notice=Phrase.of("progress", done=True, total=12)),
        _checklist(content, 3, notice=base.notice),
        _checklist(content, 2, focus=1, notice=base.notice),
        dataclasses.replace(base, language="it"),
    ]
    render(base)

    for other in others:
        blocks = render(other)

        assert _bytes(blocks) == _bytes(render_uncached(other))
        assert _bytes(blocks) != _bytes(render(base))


def test_an_equal_copy_of_a_card_is_not_taken_for_the_card(content: Content) -> None:
    checklist = _checklist(content, 1)
    render(checklist)
    copied = tuple(
        dataclasses.replace(step, card=step.card.model_copy(update={"section": "elsewhere"}))
        for step in checklist.steps
    )
    edited = dataclasses.replace(checklist, steps=copied, focus=copied[1])

    assert "elsewhere" in _bytes(render(edited))


def test_changing_a_returned_checklist_does_not_change_the_next_render(content: Content) -> None:
    checklist = _checklist(content, 3, notice=Phrase.of("marked", title="Add a card"))
    expected = _bytes(render_uncached(checklist))
    handed = render(checklist)

    handed[0]["text"]["text"] = "changed"
    handed[-2]["elements"].clear()
    del handed[1]

    assert _bytes(render(checklist)) == expected


@pytest.mark.usefixtures("redis_client")
async def test_people_at_the_same_point_share_blocks_and_nobody_gets_anothers_progress(
    assistant: Assistant, content: Content
) -> None:
    ann, bob, cem = Person("T1", "U_ANN"), Person("T1", "U_BOB"), Person("T2", "U_CEM")
    first, second = content.steps[0].topic, content.steps[1].topic
    for someone in (ann, bob, cem):
        await assistant.run(someone, MarkDone(first))
    await assistant.run(cem, MarkDone(second))

    shown = {p.user: render(await assistant.checklist(p)) for p in (ann, bob, cem)}
    hits = CHECKLISTS.hits
    again = {p.user: render(await assistant.checklist(p)) for p in (ann, bob, cem)}

    assert CHECKLISTS.hits == hits + 3
    assert shown == again
    assert _bytes(shown["U_ANN"]) == _bytes(shown["U_BOB"])
    assert _bytes(shown["U_CEM"]) != _bytes(shown["U_ANN"])
    for p in (ann, bob, cem):
        assert _bytes(again[p.user]) == _bytes(render_uncached(await assistant.checklist(p)))


@pytest.mark.usefixtures("redis_client")
async def test_app_home_is_kept_per_point_of_progress_and_is_what_its_template_renders(
    assistant: Assistant, content: Content
) -> None:
    ann, bob = Person("T1", "U_ANN"), Person("T1", "U_BOB")
    for someone in (ann, bob):
        await assistant.run(someone, MarkDone(content.steps[0].topic))
    HOMES.clear()
    for language in LANGUAGES:
        checklist = dataclasses.replace(await assistant.checklist(ann), language=language)
        expected = render_template(
            "home",
            checklist_blocks=render_uncached(checklist, surface="view"),
            workspace=None,
            chart_file=None,
            lang=language,
        )
        hits = HOMES.hits
        first = home_view(checklist, language)
        first["blocks"].clear()  # what a caller does to its view stays its own
        bobs = dataclasses.replace(await assistant.checklist(bob), language=language)

        assert home_view(bobs, language) == expected
        assert HOMES.hits == hits + 1
