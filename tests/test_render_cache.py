"""Replies that read the same for everyone are rendered once: the kept blocks are exactly
what their template renders, and nobody who is handed them can change the next ones."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from bot.domain.replies import Answer, ConfirmForget, Help, Reply, ToolOffer
from bot.guide.content import Content
from bot.render.blocks import Surface, render, render_uncached, shared_json
from bot.strings import LANGUAGES

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
