"""Answering a question from the guide: pure, fast to import, used by every surface and `ask`."""

from __future__ import annotations

from bot.apikeys import mask_secrets
from bot.domain.commands import (
    asking_first,
    bare_command,
    command_text,
    only_command_words,
    tool_of,
)
from bot.domain.replies import Answer, CommandPointer, Help, NoAnswer
from bot.guide.content import Card, Content
from bot.guide.search import Index, Ranking
from bot.guide.words import ADDRESSEES, GREETINGS, STOPWORDS, readable, words
from bot.strings import Language

# Ten times the longest post of the question sets; the reading stays fast whatever is pasted.
PARSED_CHARS = 4000


def answer(
    index: Index, question: str, *, escalation: str = "", language: Language = "en"
) -> Answer | NoAnswer | Help | CommandPointer:
    """Rank the cards for a question and decide: answer, say it is not covered, or greet.

    A key or token pasted into the question is left out of the ranking (it is noise) and
    masked in what is quoted back, logged or stored. Only the first ``PARSED_CHARS``
    characters are read: a question is in them, and Slack allows 40,000.
    """
    question = question[:PARSED_CHARS]
    early = not_a_question(question, language)
    if early is not None:
        return early
    ranking = rank(index, question)
    question = readable(mask_secrets(question))
    if ranking.best is None:
        if not ranking.matches:
            return Help(language=language)
        return _no_answer(ranking, question, escalation, language)
    return card_answer(index.content, ranking.best.card, question, ranking.best.score, language)


def card_answer(
    content: Content, card: Card, question: str, score: float, language: Language
) -> Answer:
    """``card`` as the answer to ``question``, with its related cards and checklist step."""
    return Answer(
        question=question,
        card=card,
        score=score,
        related=tuple(content.card(topic) for topic in card.related if content.has(topic)),
        step_number=step_number(content, card),
        language=language,
    )


def not_a_question(question: str, language: Language = "en") -> CommandPointer | Help | None:
    """What a post is when it is not a question, so the guide is not searched for it.

    A command typed without the slash (``done 2``, ``next``) gets a pointer to running it
    privately; a greeting, or nothing but command words ("done!"), gets the greeting or
    help that a surface may or may not show. Read masked: a key typed after a command
    ("done KEY") is never echoed back.
    """
    said = readable(mask_secrets(question))
    command = bare_command(said)
    if command is not None:
        return CommandPointer(command_text(asking_first(command)), tool_of(command), language)
    greeting = is_greeting(said)
    if greeting or only_command_words(said):
        return Help(greeting=greeting, language=language)
    return None


def rank(index: Index, question: str) -> Ranking:
    """The cards for a question, with any key or token in it left out."""
    return index.rank(mask_secrets(question, drop=True))


def _no_answer(ranking: Ranking, question: str, escalation: str, language: Language) -> NoAnswer:
    return NoAnswer(
        question=question,
        suggestions=tuple(m.card for m in ranking.runners_up),
        escalation=escalation,
        suggestions_are_close=ranking.runners_up_are_close,
        score=ranking.score,
        language=language,
    )


def step_number(content: Content, card: Card) -> int | None:
    """A card's position in the checklist, or None when it is not a step."""
    for number, step in enumerate(content.steps, start=1):
        if step.topic == card.topic:
            return number
    return None


def is_greeting(text: str) -> bool:
    """Small talk only: a greeting or thanks, and nothing but who it is said to."""
    said = words(text)
    return any(word in GREETINGS for word in said) and all(
        word in GREETINGS or word in ADDRESSEES or word in STOPWORDS for word in said
    )
