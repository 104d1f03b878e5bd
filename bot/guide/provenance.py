"""Where each card comes from: the kept guide, the sections every card stands on, and the check.

The project keeps the guide its cards were written from (``content/guide.md``) and a small
record beside it (``content/guide.toml``): the day that guide was accepted, and the sections
deliberately left without a card, each with its reason. A card names the sections it stands
on with their fingerprints; the check says, card by card and section by section, what no
longer matches. Startup does not run it (a guide that moved does not make an answer
unreadable); ``python -m bot content check`` and CI do.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from bot.errors import ContentProblem
from bot.guide.content import Card, Content, display_path, load_model
from bot.guide.sections import Guide, read_guide

GUIDE_FILE = "guide.md"
RECORD_FILE = "guide.toml"


class LeftOut(BaseModel):
    """A section of the guide that no card needs to stand on, and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    section: str = Field(min_length=1)
    reason: str = Field(min_length=1)


class GuideRecord(BaseModel):
    """``content/guide.toml``: what the project knows about its kept guide."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # The day content/guide.md was last accepted: a card re-verified for a newer guide has a
    # later ``verified`` date (or today's).
    kept: date
    left_out: tuple[LeftOut, ...] = ()

    def leaves_out(self, section_id: str) -> bool:
        return any(entry.section == section_id for entry in self.left_out)


@dataclass(frozen=True)
class Findings:
    """What fails the check, and what only deserves a look."""

    problems: tuple[ContentProblem, ...]
    warnings: tuple[str, ...]


def card_file(content_dir: Path, card: Card) -> str:
    return display_path(content_dir / "cards" / f"{card.topic}.toml")


def standing_on(content: Content) -> dict[str, list[Card]]:
    """For each section id, the cards that stand on it, in topic order."""
    cards: dict[str, list[Card]] = defaultdict(list)
    for card in content.cards:
        for source in card.sources:
            cards[source.section].append(card)
    return cards


def read_kept(content_dir: Path) -> tuple[Guide | None, GuideRecord | None, list[ContentProblem]]:
    """The kept guide and its record; what is missing or malformed, as problems."""
    problems: list[ContentProblem] = []
    record = load_model(content_dir / RECORD_FILE, GuideRecord, problems)
    try:
        guide: Guide | None = read_guide(content_dir / GUIDE_FILE)
    except OSError:
        problems.append(ContentProblem(display_path(content_dir / GUIDE_FILE), "(file)", "missing"))
        guide = None
    return guide, record, problems


def check_provenance(
    content_dir: Path, content: Content, *, today: date, max_age_days: int
) -> Findings:
    """Check every card against the kept guide, and the guide against the cards."""
    guide, record, problems = read_kept(content_dir)
    if guide is None or record is None:
        return Findings(tuple(problems), ())
    return trace(content_dir, content, guide, record, today=today, max_age_days=max_age_days)


def trace(
    content_dir: Path,
    content: Content,
    guide: Guide,
    record: GuideRecord,
    *,
    today: date,
    max_age_days: int | None,
    guide_name: str | None = None,
) -> Findings:
    """Every card stands on sections of ``guide`` as they are; every section is covered.

    ``guide_name`` is how problems name the guide (the kept one by default).
    """
    name = guide_name or display_path(content_dir / GUIDE_FILE)
    record_name = display_path(content_dir / RECORD_FILE)
    problems: list[ContentProblem] = []
    warnings: list[str] = []
    for card in content.cards:
        problems += _check_sources(content_dir, card, guide, name)
        age = (today - card.verified).days
        if max_age_days is not None and age > max_age_days:
            warnings.append(
                f"{card_file(content_dir, card)}: verified: {card.verified} is {age} days ago"
                f" (CONTENT_MAX_AGE_DAYS={max_age_days}): check the card against the guide and"
                " the live console, then set verified to that day"
            )
    covered = standing_on(content)
    for section in guide.sections:
        if section.needs_card and section.id not in covered and not record.leaves_out(section.id):
            why = (
                f"is covered by no card and not left out: write a card that stands on it, or"
                f" list it in {record_name}'s left_out with a reason"
            )
            problems.append(ContentProblem(name, f"section {section.id!r}", why))
    for n, entry in enumerate(record.left_out, start=1):
        field = f"left_out, item {n}, section"
        if guide.get(entry.section) is None:
            why = f"{entry.section!r} is not a section of {name}: remove it"
            problems.append(ContentProblem(record_name, field, why))
        elif entry.section in covered:
            topics = ", ".join(card.topic for card in covered[entry.section])
            why = f"{entry.section!r} is left out, yet {topics} stand(s) on it: remove one"
            problems.append(ContentProblem(record_name, field, why))
    return Findings(tuple(problems), tuple(warnings))


def _check_sources(content_dir: Path, card: Card, guide: Guide, name: str) -> list[ContentProblem]:
    problems = []
    path = card_file(content_dir, card)
    for n, source in enumerate(card.sources, start=1):
        section = guide.get(source.section)
        if section is None:
            why = (
                f"section {source.section!r} is not in {name} (removed or renamed):"
                " retire the card or point it at the section that now holds its text"
            )
            problems.append(ContentProblem(path, f"sources, item {n}, section", why))
        elif section.fingerprint != source.fingerprint:
            why = (
                f"section {source.section!r} changed in {name} since the card was verified:"
                f' review the card against it, then set fingerprint = "{section.fingerprint}"'
                " and verified to the day you checked it (a card re-verified for a newer guide"
                " passes once that guide is accepted)"
            )
            problems.append(ContentProblem(path, f"sources, item {n}, fingerprint", why))
    first = guide.get(card.sources[0].section)
    label_chapter = card.section.split(".", 1)[0] if card.section[:1].isdigit() else None
    if first is not None and label_chapter is not None and label_chapter != first.chapter:
        why = (
            f"says chapter {label_chapter}, but its first source {first.id!r} is in chapter"
            f" {first.chapter or '(none)'} of {name}"
        )
        problems.append(ContentProblem(path, "section", why))
    return problems
