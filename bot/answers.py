"""Answering a question from the guide: pure, fast to import, used by every surface and `ask`."""

from __future__ import annotations

from bot.apikey import mask_secrets
from bot.commands import CheckKey, Command, ShowLimits, bare_command, command_text
from bot.content import Card, Content, Language, Tool
from bot.replies import Answer, CommandPointer, Help, NoAnswer
from bot.search import Index, Ranking
from bot.words import readable, words

# Said instead of a question; answering them from the guide would be noise.
# Greetings and thanks, and who they are said to ("hi bot", "thanks everyone").
_GREETING_TEXT = """
    hi hello hey hiya yo ciao salve buongiorno buonasera thanks thank thx ty grazie mille
    morning afternoon evening good ok okay cool great nice awesome perfect perfetto ottimo
    bot everyone all folks guys team again tutti ragazzi raga a di
"""
GREETINGS = frozenset(_GREETING_TEXT.split())


def answer(
    index: Index, question: str, *, escalation: str = "", language: Language = "en"
) -> Answer | NoAnswer | Help | CommandPointer:
    """Rank the cards for a question and decide: answer, say it is not covered, or greet.

    A command typed without the slash (``done 2``, ``next``) is not a question: it gets a
    pointer to running it privately. A key or token pasted into the question is left out
    of the ranking (it is noise) and masked in what is quoted back, logged or stored.
    """
    command = bare_command(readable(question))
    if command is not None:
        return CommandPointer(command_text(command), _tool(command), language)
    if is_greeting(question):
        return Help(greeting=True, language=language)
    ranking = index.rank(mask_secrets(question, drop=True))
    question = readable(mask_secrets(question))
    if ranking.best is None:
        if not ranking.matches:
            return Help(language=language)
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


def _tool(command: Command) -> Tool | None:
    """The dialog a command opens instead of running from a button."""
    if isinstance(command, CheckKey):
        return "key"
    return "limits" if isinstance(command, ShowLimits) else None


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
