"""The curated content index: one TOML card per topic, loaded and checked once at startup.

A card is data (``content/cards/<topic>.toml``). Loading validates every card and the set
as a whole; ``ContentError`` lists every problem found, each naming its file and field.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.errors import ContentError, ContentProblem
from bot.guide.texts import Texts, Written
from bot.strings import Language

ModelT = TypeVar("ModelT", bound=BaseModel)


# The bot's tools a card can offer: the private key check and the rate-limits summary.
Tool = Literal["key", "limits"]

# Slack rejects a section block whose text is longer than this.
SECTION_TEXT_LIMIT = 3000

# `<https://…|label>` as Slack mrkdwn writes a link; the label may be absent.
SLACK_LINK = re.compile(r"<(?P<url>[^|>\s]+)(?:\|(?P<label>[^>]*))?>")


class Link(BaseModel):
    """A console or admin page a card points to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # In English, and in another language only where the page's name is not the same (most
    # console pages keep their English names, as Mistral's console shows them).
    label: Annotated[Texts, Written(every_language=False, max_length=75)]
    url: str

    def label_in(self, language: Language) -> str:
        return self.label.said(language)

    @field_validator("url")
    @classmethod
    def _https_url(cls, url: str) -> str:
        _check_url(url)
        return url


class Source(BaseModel):
    """A section of the kept guide (``content/guide.md``) that a card stands on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    section: str = Field(min_length=1, description="the section's id: its heading, unnumbered")
    # The section's text as the card's author last checked it (see bot/guide/sections.py).
    fingerprint: str = Field(pattern=r"^[0-9a-f]{16}$")


class Card(BaseModel):
    """One topic of the setup guide, written to be read in Slack."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    topic: str = Field(min_length=1)
    title: Annotated[Texts, Written(max_length=150)]
    section: str = Field(min_length=1, description="where in the guide the answer comes from")
    # What the answer stands on, the first being the section that ``section`` names; and the
    # day a person last checked the card against the guide and the live console.
    sources: tuple[Source, ...] = Field(min_length=1)
    verified: date
    answer: Annotated[Texts, Written()]
    questions: tuple[str, ...] = Field(min_length=3)
    keywords: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    step: int | None = Field(default=None, ge=1, description="position in the checklist")
    optional: bool = False
    # The bot's own tool that helps with this topic, offered as a button beside the answer.
    tool: Tool | None = None
    # A step's question as a suggested prompt in Slack's Messages tab ("How do I add …?").
    prompt: Annotated[Texts, Written(max_length=150)] | None = None

    @field_validator("answer")
    @classmethod
    def _answers_fit_and_links_are_sound(cls, answer: Texts) -> Texts:
        for language, text in answer.items():
            try:
                _check_answer(text)
            except ValueError as error:
                raise ValueError(f"{error} (in {language})") from None
        return answer

    @field_validator("sources")
    @classmethod
    def _each_section_once(cls, sources: tuple[Source, ...]) -> tuple[Source, ...]:
        sections = [source.section for source in sources]
        for section in sections:
            if sections.count(section) > 1:
                raise ValueError(f"section {section!r} is named twice")
        return sources

    @field_validator("questions", "keywords")
    @classmethod
    def _no_blank_entries(cls, entries: tuple[str, ...]) -> tuple[str, ...]:
        for entry in entries:
            if not entry.strip():
                raise ValueError("an entry is blank")
        return entries

    def title_in(self, language: Language) -> str:
        return self.title.said(language)

    def answer_in(self, language: Language) -> str:
        return self.answer.said(language)

    def prompt_in(self, language: Language) -> str:
        """The suggested prompt for this step; its title when it has none."""
        return (self.prompt or self.title).said(language)


def question_entry(question: str) -> str:
    """``question`` as a line to paste into a card's ``questions``: a TOML basic string and
    its comma. Line breaks become spaces; quotes, backslashes and control characters are
    escaped as TOML wants, and backticks too (``\\u0060``, the same character to TOML), so
    the line fits in a Slack code block whatever was asked."""
    said = " ".join(question.split())
    escaped = "".join(_TOML_ESCAPES.get(ch) or _toml_char(ch) for ch in said)
    return f'"{escaped}",'


_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "`": "\\u0060"}


def _toml_char(ch: str) -> str:
    # TOML's basic strings allow no control character but tab, nor DEL.
    return f"\\u{ord(ch):04X}" if ord(ch) < 0x20 or ord(ch) == 0x7F else ch


def _check_answer(answer: str) -> None:
    """An answer fits one Slack section, and its links are whole https:// addresses."""
    if len(answer) > SECTION_TEXT_LIMIT:
        raise ValueError(f"{len(answer)} characters; one Slack section holds {SECTION_TEXT_LIMIT}")
    for match in SLACK_LINK.finditer(answer):
        url = match.group("url")
        if not url.startswith(("@", "#", "!")):
            _check_url(url)
    if answer.count("<") != answer.count(">"):
        raise ValueError("unbalanced < or >: write links as <https://…|label>")


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc or " " in url:
        raise ValueError(f"malformed link {url!r}: use a full https:// address")


class Subject(BaseModel):
    """A subject near the guide that it does not cover, with the ways people ask about it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    subject: str = Field(min_length=1, max_length=75)
    questions: tuple[str, ...] = Field(min_length=3)


class Scope(BaseModel):
    """What the guide is not about: ``content/scope.toml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    other_products: tuple[str, ...] = ()
    own_products: tuple[str, ...] = ()
    not_covered: tuple[Subject, ...] = ()

    @field_validator("other_products", "own_products")
    @classmethod
    def _single_words(cls, entries: tuple[str, ...]) -> tuple[str, ...]:
        for entry in entries:
            if not entry.isalnum():
                raise ValueError(f"{entry!r}: write single words, letters and digits only")
        return entries


class Content:
    """All cards, in topic order, with the checklist's steps in step order."""

    def __init__(self, cards: tuple[Card, ...], scope: Scope | None = None) -> None:
        self.cards = cards
        self.scope = scope or Scope()
        self._by_topic = {card.topic: card for card in cards}
        self.steps = tuple(sorted((c for c in cards if c.step), key=lambda c: c.step or 0))

    def card(self, topic: str) -> Card:
        return self._by_topic[topic]

    def has(self, topic: str) -> bool:
        return topic in self._by_topic


def read_topic_ids(path: Path) -> tuple[str, ...]:
    """The topic ids of ``topics.tsv``: the first column of every line not starting with #."""
    ids = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            ids.append(line.split("\t", 1)[0].strip())
    return tuple(ids)


def load_content(content_dir: Path) -> Content:
    """Load and check every card under ``content_dir``.

    Raises ContentError listing every problem in every file, each with its file and field,
    so an author fixes them all in one pass.
    """
    problems: list[ContentProblem] = []
    try:
        topics = read_topic_ids(content_dir / "topics.tsv")
    except OSError:
        raise ContentError(
            [ContentProblem(display_path(content_dir / "topics.tsv"), "(file)", "missing")]
        ) from None
    files = sorted((content_dir / "cards").glob("*.toml"))
    cards = [card for path in files if (card := _load_card(path, problems)) is not None]
    problems += _check_set(content_dir, cards, topics, files)
    scope = load_model(content_dir / "scope.toml", Scope, problems)
    if problems or scope is None:
        raise ContentError(problems)
    known = {topic: n for n, topic in enumerate(topics)}
    return Content(tuple(sorted(cards, key=lambda c: known[c.topic])), scope)


def load_model(path: Path, model: type[ModelT], problems: list[ContentProblem]) -> ModelT | None:
    """Parse one TOML file into ``model``; note each fault with the file and the field."""
    name = display_path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(ContentProblem(name, "(file)", "missing"))
        return None
    except tomllib.TOMLDecodeError as exc:
        problems.append(ContentProblem(name, "(file)", f"not valid TOML: {exc}"))
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems.extend(
            ContentProblem(name, _field_name(error["loc"]), _plain(error["type"], error["msg"]))
            for error in exc.errors()
        )
        return None


def _field_name(location: tuple[int | str, ...]) -> str:
    """Pydantic's location in words: ("links", 0, "url") -> "links, item 1, url"."""
    parts = [f"item {part + 1}" if isinstance(part, int) else part for part in location]
    return ", ".join(parts) or "(card)"


def _plain(kind: str, message: str) -> str:
    """Pydantic's message as a content author would put it."""
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a field a card has: check the spelling"
    return message.removeprefix("Value error, ")


def _load_card(path: Path, problems: list[ContentProblem]) -> Card | None:
    card = load_model(path, Card, problems)
    if card is not None and path.stem != card.topic:
        problems.append(
            ContentProblem(
                display_path(path), "topic", f"is {card.topic!r} but the file is named {path.name}"
            )
        )
        return None
    return card


def _check_set(
    content_dir: Path, cards: list[Card], topics: tuple[str, ...], files: list[Path]
) -> list[ContentProblem]:
    """The rules that span cards: known topics, all present, unique questions and steps."""
    known = set(topics)
    named = {
        card.topic: display_path(content_dir / "cards" / f"{card.topic}.toml") for card in cards
    }
    problems = [p for card in cards for p in _check_references(named[card.topic], card, known)]
    problems += _check_unique(cards, named)
    problems += _check_complete(display_path(content_dir / "cards"), cards, known, files)
    return problems


def _check_references(name: str, card: Card, known: set[str]) -> list[ContentProblem]:
    """A card names only known topics, and a step has what its prompt needs."""
    problems = []
    if card.topic not in known:
        why = f"unknown topic id {card.topic!r} (see topics.tsv)"
        problems.append(ContentProblem(name, "topic", why))
    problems += [
        ContentProblem(name, "related", f"unknown topic id {topic!r}")
        for topic in card.related
        if topic not in known
    ]
    if card.step is not None and card.prompt is None:
        problems.append(ContentProblem(name, "prompt", "a step needs a prompt, in every language"))
    return problems


def _check_unique(cards: list[Card], named: dict[str, str]) -> list[ContentProblem]:
    """No question on two cards (it could answer only one), no step number twice."""
    problems = []
    seen_questions: dict[str, str] = {}
    seen_steps: dict[int, str] = {}
    for card in cards:
        name = named[card.topic]
        for question in card.questions:
            key = " ".join(question.casefold().split())
            if key in seen_questions:
                why = f"{question!r} is also on {seen_questions[key]}"
                problems.append(ContentProblem(name, "questions", why))
            seen_questions[key] = card.topic
        if card.step is not None:
            if card.step in seen_steps:
                why = f"step {card.step} is also {seen_steps[card.step]}"
                problems.append(ContentProblem(name, "step", why))
            seen_steps[card.step] = card.topic
    return problems


def _check_complete(
    cards_dir: str, cards: list[Card], known: set[str], files: list[Path]
) -> list[ContentProblem]:
    """A card for every topic, and steps numbered 1, 2, 3… with no gap."""
    problems = []
    # A card that is there but broken is reported on its own, not as missing.
    missing = known - {card.topic for card in cards} - {path.stem for path in files}
    if missing:
        why = f"no card for {', '.join(sorted(missing))}"
        problems.append(ContentProblem(cards_dir, "topic", why))
    steps = sorted({card.step for card in cards if card.step is not None})
    # A broken card may hold the step that looks missing: say so only when all loaded.
    if len(cards) == len(files) and steps and steps != list(range(1, len(steps) + 1)):
        why = "steps must be numbered 1, 2, 3… with no gap"
        problems.append(ContentProblem(cards_dir, "step", why))
    return problems


def display_path(path: Path) -> str:
    """A path as a person would type it: relative to the working directory when possible."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
