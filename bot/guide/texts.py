"""A card's words in every language the bot speaks: one text per language, not one field each.

A card writes them as a TOML table keyed by language, ``title = { en = "…", it = "…" }``
(or dotted keys, ``answer.en = …``, for long ones), so a new language is new keys in the cards and
the catalog, not new fields in the code. English is always required; a field annotated
``Written()`` requires every language of ``bot.strings.LANGUAGES``, and one annotated
``Written(every_language=False)`` falls back to English where a language has no text.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from bot.strings import LANGUAGES, Language

# The language every text has, and every reader gets when theirs is missing.
ENGLISH: Language = "en"


class Texts(Mapping[Language, str]):
    """One text by language. Immutable and hashable, so a card that holds it stays both.

    It is ``Sayable``: a Phrase given one says it in the reader's language.
    """

    __slots__ = ("_by_language",)

    def __init__(self, by_language: Mapping[Language, str]) -> None:
        if ENGLISH not in by_language:
            raise ValueError("a text needs its English")
        self._by_language = dict(by_language)

    def __getitem__(self, language: Language) -> str:
        return self._by_language[language]

    def __iter__(self) -> Iterator[Language]:
        return iter(self._by_language)

    def __len__(self) -> int:
        return len(self._by_language)

    def __hash__(self) -> int:
        return hash(frozenset(self._by_language.items()))

    def __repr__(self) -> str:
        return f"Texts({self._by_language!r})"

    def said(self, language: Language) -> str:
        """The text in ``language``, or in English when it has none in that language."""
        return self._by_language.get(language, self._by_language[ENGLISH])


@dataclass(frozen=True)
class Written:
    """How a card's ``Texts`` field is written: ``Annotated[Texts, Written(max_length=150)]``.

    Read from a table with one key per language: an unknown language, a blank text, one
    too long or a missing required language is reported with the field and the language
    ("title, it: is required").
    """

    every_language: bool = True
    max_length: int | None = None

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        text = core_schema.str_schema(min_length=1, max_length=self.max_length)
        table = core_schema.typed_dict_schema(
            {
                language: core_schema.typed_dict_field(
                    text, required=self.every_language or language == ENGLISH
                )
                for language in LANGUAGES
            },
            extra_behavior="allow",
            extras_schema=core_schema.no_info_plain_validator_function(_not_a_language),
        )
        return core_schema.no_info_after_validator_function(
            Texts,
            core_schema.no_info_before_validator_function(_a_table, table),
            serialization=core_schema.plain_serializer_function_ser_schema(dict),
        )


def _a_table(value: object) -> object:
    if not isinstance(value, dict):
        example = ", ".join(f'{language} = "…"' for language in LANGUAGES)
        raise PydanticCustomError("texts_table", f"write one text per language: {{ {example} }}")
    return value


def _not_a_language(value: object) -> object:
    """The text of a key that is no language of ``bot.strings.LANGUAGES``."""
    raise PydanticCustomError(
        "not_a_language", f"is not a language the bot speaks ({', '.join(LANGUAGES)})"
    )
