"""The words around the content, per language, from ``bot/strings.toml``: the string catalog."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files
from typing import Literal

from bot.errors import ContentError, ContentProblem

# The languages the bot speaks, and so every string in the catalog; English is the default.
Language = Literal["en", "it"]
LANGUAGES: tuple[Language, ...] = ("en", "it")


@cache
def catalog() -> dict[str, dict[str, str | list[str]]]:
    """Every string in every language (read on first use, then kept)."""
    raw = (files("bot") / "strings.toml").read_text(encoding="utf-8")
    return tomllib.loads(raw)


def text(language: Language, key: str, **values: object) -> str:
    """The string ``key`` in ``language``, with ``{name}`` placeholders filled."""
    value = catalog()[language][key]
    if not isinstance(value, str):
        raise TypeError(f"{key} is a list of strings: read it with lines()")
    return value.format(**values)


def lines(language: Language, key: str) -> list[str]:
    """The list of strings ``key`` in ``language`` (loading messages, say)."""
    value = catalog()[language][key]
    if isinstance(value, str):
        raise TypeError(f"{key} is one string: read it with text()")
    return [str(line) for line in value]


def missing() -> list[tuple[str, str]]:
    """(language, key) for every key some language lacks; empty when the catalog is whole."""
    every = set().union(*(catalog()[language] for language in LANGUAGES))
    return sorted(
        (language, key) for language in LANGUAGES for key in every - set(catalog()[language])
    )


def problems() -> list[ContentProblem]:
    """Every key some language lacks, as content problems."""
    return [
        ContentProblem("bot/strings.toml", key, f"no {language} text")
        for language, key in missing()
    ]


def check() -> None:
    """Fail startup (and the content check) when a language lacks a string."""
    found = problems()
    if found:
        raise ContentError(found)
