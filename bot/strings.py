"""The string catalog: every sentence a person reads, in every language, from ``bot/strings.toml``.

Code never writes user-facing text: it names a string (``text(language, key, ...)``) or,
when the language is not known yet, hands on a ``Phrase`` that rendering puts into the
reader's language. The catalog takes care of what differs between languages besides
words: plural forms (a string may be a table of ``one`` and ``other``, chosen by its
``count``) and how numbers are written ("2,000,000" in English, "2.000.000" in Italian).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from string import Formatter
from typing import Any, Literal, Protocol, runtime_checkable

from bot.errors import BotError, ContentError, ContentProblem

# The languages the bot speaks, and so every string in the catalog; English is the default.
Language = Literal["en", "it"]
LANGUAGES: tuple[Language, ...] = ("en", "it")

# How each language groups thousands.
_THOUSANDS = {"en": ",", "it": "."}


# A Protocol rather than a base class: what the domain hands a Phrase to say (the steps a
# name could mean) stays free of the catalog's imports.
@runtime_checkable
class Sayable(Protocol):
    """Anything that can be said in a language: a Phrase, or a value that varies with it
    (a step's title, say) handed to one."""

    def said(self, language: Language) -> str: ...


@dataclass(frozen=True)
class Phrase:
    """A catalog string not yet in a language: its key and the values that fill it.

    Values may be Phrases too ("{model}: {status}"), or anything Sayable; they are said in
    the same language.
    """

    key: str
    values: Mapping[str, object] = field(default_factory=dict)

    @classmethod
    def of(cls, key: str, **values: object) -> Phrase:
        return cls(key, values)

    @classmethod
    def of_error(cls, error: BotError) -> Phrase:
        """What an expected error says (its ``text_key`` and ``values``)."""
        return cls(error.text_key, error.values)

    def said(self, language: Language) -> str:
        return text(language, self.key, **self.values)


@cache
def catalog() -> dict[str, dict[str, Any]]:
    """Every string in every language (read on first use, then kept)."""
    raw = (files("bot") / "strings.toml").read_text(encoding="utf-8")
    return tomllib.loads(raw)


def text(language: Language, key: str, /, **values: object) -> str:
    """The string ``key`` in ``language``, with ``{name}`` placeholders filled.

    Phrases among the values are said in ``language``, numbers written its way; a plural
    table is chosen by ``count``.
    """
    entry = catalog()[language][key]
    if isinstance(entry, dict):
        count = values.get("count")
        if not isinstance(count, int):
            raise TypeError(f"{key} has plural forms: give it a whole number as count")
        entry = entry["one" if count == 1 else "other"]
    if not isinstance(entry, str):
        raise TypeError(f"{key} is a list of strings: read it with lines()")
    return entry.format(**{name: _said(value, language) for name, value in values.items()})


def lines(language: Language, key: str) -> list[str]:
    """The list of strings ``key`` in ``language`` (loading messages, say)."""
    entry = catalog()[language][key]
    if not isinstance(entry, list):
        raise TypeError(f"{key} is not a list: read it with text()")
    return [str(line) for line in entry]


def said(value: Sayable | str, language: Language) -> str:
    """A Phrase (or anything Sayable) in ``language``; text that is already in one stays."""
    return value if isinstance(value, str) else value.said(language)


def _said(value: object, language: Language) -> object:
    # Cheapest checks first: every value of every string passes here on each render, and
    # a runtime Protocol check costs microseconds.
    if isinstance(value, str | bool):
        return value
    if isinstance(value, int):
        return number(value, language)
    if isinstance(value, Phrase | Sayable):
        return value.said(language)
    return value


def number(value: int, language: Language) -> str:
    """A whole number written the way ``language`` writes it ("2,000,000", "2.000.000")."""
    return f"{value:,}".replace(",", _THOUSANDS[language])


def missing() -> list[tuple[str, str]]:
    """(language, key) for every key some language lacks, or has in another shape: a
    plural table in one and not the other, or other ``{placeholders}``."""
    every = set().union(*(catalog()[language] for language in LANGUAGES))
    gaps = []
    for key in sorted(every):
        entries = {language: catalog()[language].get(key) for language in LANGUAGES}
        shapes = {_shape(entry) for entry in entries.values()}
        gaps += [(language, key) for language, entry in entries.items() if len(shapes) > 1]
    return sorted(gaps)


def _shape(entry: object) -> tuple[object, ...]:
    """What must be the same in every language: the kind of entry, its plural forms, the
    names it fills in (an English ``{ref}`` is not an Italian ``{rif}``)."""
    if isinstance(entry, dict):
        forms = tuple(sorted(entry))
        names = frozenset().union(*(_names(str(text)) for text in entry.values()))
        return ("plural", forms, names)
    if isinstance(entry, str):
        return ("text", _names(entry))
    return (type(entry).__name__,)


def _names(text: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in Formatter().parse(text) if name)


def problems() -> list[ContentProblem]:
    """Every key some language lacks (or has in another shape), as content problems."""
    return [
        ContentProblem("bot/strings.toml", key, f"no {language} text of the same shape")
        for language, key in missing()
    ]


def check() -> None:
    """Fail startup (and the content check) when a language lacks a string."""
    found = problems()
    if found:
        raise ContentError(found)
