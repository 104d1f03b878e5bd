"""The words around the content, per language, from ``templates/strings.toml``."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files

from bot.content import LANGUAGES, Language


@cache
def catalog() -> dict[str, dict[str, str]]:
    """Every string in every language (read on first use, then kept)."""
    raw = (files("bot") / "templates" / "strings.toml").read_text(encoding="utf-8")
    return tomllib.loads(raw)


def text(language: Language, key: str, **values: object) -> str:
    """The string ``key`` in ``language``, with ``{name}`` placeholders filled."""
    return catalog()[language][key].format(**values)


def missing() -> list[str]:
    """Keys that some language lacks: ``"it: greeting"``. Empty when the catalog is whole."""
    every = set().union(*(catalog()[language] for language in LANGUAGES))
    return sorted(
        f"{language}: {key}" for language in LANGUAGES for key in every - set(catalog()[language])
    )
