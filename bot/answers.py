"""Answering a question from the guide: pure, fast to import, used by every surface and `ask`."""

from __future__ import annotations

from bot.apikey import mask_secrets
from bot.content import Card, Content, Language
from bot.replies import Answer, Help, NoAnswer
from bot.search import Index, Ranking, readable, words

# Said instead of a question; answering them from the guide would be noise.
_GREETING_TEXT = """
    hi hello hey hiya yo ciao salve buongiorno buonasera thanks thank thx ty grazie
    morning evening ok okay cool great
"""
GREETINGS = frozenset(_GREETING_TEXT.split())


def answer(
    index: Index, question: str, *, escalation: str = "", language: Language = "en"
) -> Answer | NoAnswer | Help:
    """Rank the cards for a question and decide: answer, say it is not covered, or greet.

    A key or token pasted into the question is left out of the ranking (it is noise) and
    masked in what is quoted back, logged or stored.
    """
    ranking = index.rank(mask_secrets(question, drop=True))
    question = readable(mask_secrets(question))
    if ranking.best is None:
        if not ranking.matches or is_greeting(question):
            return Help(greeting=is_greeting(question), language=language)
        return _no_answer(ranking, question, escalation, language)
    card = ranking.best.card
    content = index.content
    return Answer(
        question=question,
        card=card,
        score=ranking.best.score,
        related=tuple(content.card(topic) for topic in card.related if content.has(topic)),
        step_number=step_number(content, card),
        language=language,
    )


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
    """Small talk only: every word is a greeting or thanks."""
    said = words(text)
    return bool(said) and all(word in GREETINGS for word in said)
