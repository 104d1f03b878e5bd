"""A new version of the guide against the kept one: what changed, who stands on it, what to do.

``content diff`` prints it for the author; ``content accept`` makes the new version the kept
guide once every card it touches has been re-verified: its fingerprints are the new text's,
and its ``verified`` date is after the day the old guide was kept (or today). The author's
proof of a review is that edit; the fingerprint the diff prints is only the new text's.
"""

from __future__ import annotations

import difflib
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from bot.errors import ContentError, ContentProblem
from bot.guide.content import Card, Content, display_path
from bot.guide.provenance import (
    GUIDE_FILE,
    RECORD_FILE,
    GuideRecord,
    card_file,
    standing_on,
    trace,
)
from bot.guide.sections import Guide, Section

Kind = Literal["unchanged", "changed", "new", "removed"]

_KEPT_DATE = re.compile(r"^(kept[ \t]*=[ \t]*)\d{4}-\d{2}-\d{2}", re.MULTILINE)


@dataclass(frozen=True)
class Change:
    """One section, as it is in the kept guide, the new one, or both."""

    kind: Kind
    kept: Section | None
    new: Section | None

    @property
    def section(self) -> Section:
        section = self.new or self.kept
        assert section is not None  # every change has one side at least
        return section

    @property
    def needs_author(self) -> bool:
        return self.kind != "unchanged"


def compare(kept: Guide, new: Guide) -> list[Change]:
    """Every section of both guides, in the new guide's order, removed ones where they were."""
    changes: list[Change] = []
    for section in new.sections:
        before = kept.get(section.id)
        if before is None:
            changes.append(Change("new", None, section))
        elif before.fingerprint == section.fingerprint:
            changes.append(Change("unchanged", before, section))
        else:
            changes.append(Change("changed", before, section))
    previous: str | None = None
    for section in kept.sections:
        if new.get(section.id) is None:
            at = next(
                (n + 1 for n, c in enumerate(changes) if c.section.id == previous),
                0 if previous is None else len(changes),
            )
            changes.insert(at, Change("removed", section, None))
        previous = section.id
    return changes


def reverified(card: Card, guide: Guide, record: GuideRecord, today: date) -> bool:
    """The card's sources match ``guide``, and it was checked after the kept guide's day."""
    matches = all(
        (section := guide.get(source.section)) is not None
        and section.fingerprint == source.fingerprint
        for source in card.sources
    )
    return matches and (card.verified > record.kept or card.verified == today)


@dataclass(frozen=True)
class Review:
    """What ``content diff`` found: the lines to print, and whether an author is needed."""

    lines: tuple[str, ...]
    needs_author: bool


def review(
    content_dir: Path,
    content: Content,
    kept: Guide,
    new: Guide,
    record: GuideRecord,
    *,
    new_name: str,
    today: date,
) -> Review:
    changes = compare(kept, new)
    cards = standing_on(content)
    pending = [c for c in changes if c.needs_author]
    if not pending:
        line = f"nothing to do: the {len(changes)} sections of {new_name} are the kept guide's"
        return Review((line,), needs_author=False)
    lines = [f"{new_name} against the kept guide ({display_path(content_dir / GUIDE_FILE)}):", ""]
    for change in changes:
        block = _describe(content_dir, change, cards.get(change.section.id, []), new, record, today)
        if change.needs_author or (lines and lines[-1].startswith(" ")):
            lines.append("")  # a blank line around each section that needs an author
        lines += block
    counts = ", ".join(
        f"{count(changes, kind)} {kind}"
        for kind in ("changed", "new", "removed")
        if count(changes, kind)
    )
    lines += [
        "",
        f"{len(pending)} sections need an author ({counts}). When every card above is"
        f" re-verified: python -m bot content accept {new_name}",
    ]
    return Review(tuple(lines), needs_author=True)


def _describe(
    content_dir: Path,
    change: Change,
    cards: list[Card],
    new: Guide,
    record: GuideRecord,
    today: date,
) -> list[str]:
    section = change.section
    record_name = display_path(content_dir / RECORD_FILE)
    names = ", ".join(_card_name(card) for card in cards) or (
        "no card (left out)" if record.leaves_out(section.id) else "no card"
    )
    if change.kind == "unchanged":
        return [f"unchanged  {section.heading}: {names}"]
    lines = [f"{change.kind:<9}  {section.heading}  [{section.id}]"]
    if change.kind == "changed" and change.kept is not None and change.new is not None:
        diff = difflib.unified_diff(
            change.kept.lines, change.new.lines, "kept", "new", lineterm="", n=1
        )
        lines += [f"    {line}" for line in diff]
    elif change.kind == "new":
        lines += [f"    + {line}" for line in section.lines]
    lines.append(f"  stands on it: {names}")
    if change.kind == "removed":
        lines += _removed_todo(content_dir, section, cards, record)
    elif cards:
        lines += _review_todo(content_dir, cards, new, record, today)
    elif record.leaves_out(section.id):
        lines.append(f"  to do: it is left out in {record_name}; check it still needs no card")
    elif section.needs_card:
        lines.append(
            f"  to do: write a card that stands on it"
            f' (sources = [{{ section = "{section.id}", fingerprint = "{section.fingerprint}" }}]),'
            f" or list it in {record_name}'s left_out with a reason"
        )
    else:
        lines.append("  to do: nothing, it has no text of its own")
    return lines


def _removed_todo(
    content_dir: Path, section: Section, cards: list[Card], record: GuideRecord
) -> list[str]:
    lines = []
    for card in cards:
        others = [s.section for s in card.sources if s.section != section.id]
        if others:
            lines.append(
                f"  to do: remove this section from {card_file(content_dir, card)}'s sources"
                f" (it also stands on {', '.join(others)}), and review the card"
            )
        else:
            lines.append(
                f"  to do: retire card {card.topic} ({card_file(content_dir, card)}), or point"
                " it at the section that now holds its text"
            )
    if record.leaves_out(section.id):
        record_name = display_path(content_dir / RECORD_FILE)
        lines.append(f"  to do: remove it from {record_name}'s left_out")
    return lines


def _review_todo(
    content_dir: Path, cards: list[Card], new: Guide, record: GuideRecord, today: date
) -> list[str]:
    lines = []
    for card in cards:
        if reverified(card, new, record, today):
            lines.append(f"  done: {card.topic} re-verified on {card.verified}")
            continue
        lines.append(
            f"  to do: review {card.topic} against the new text; then in"
            f" {card_file(content_dir, card)} set"
        )
        lines += [f"      {line}" for line in _sources_lines(card, new)]
        lines.append(f"      verified = {today}")
    return lines


def _sources_lines(card: Card, new: Guide) -> list[str]:
    """The card's ``sources`` with the new guide's fingerprints, ready to paste."""
    entries = []
    for source in card.sources:
        section = new.get(source.section)
        if section is None:
            entries.append(f'# "{source.section}" is gone from the new guide')
        else:
            entries.append(
                f'{{ section = "{section.id}", fingerprint = "{section.fingerprint}" }},'
            )
    return ["sources = [", *(f"    {entry}" for entry in entries), "]"]


def _card_name(card: Card) -> str:
    return f"{card.topic} (checklist step {card.step})" if card.step else card.topic


def refusals(
    content_dir: Path,
    content: Content,
    kept: Guide,
    new: Guide,
    record: GuideRecord,
    *,
    new_name: str,
    today: date,
) -> list[ContentProblem]:
    """Why ``new`` cannot become the kept guide yet; nothing when it can."""
    findings = trace(
        content_dir, content, new, record, today=today, max_age_days=None, guide_name=new_name
    )
    problems = list(findings.problems)
    touched = {c.section.id for c in compare(kept, new) if c.kind in ("changed", "new")}
    for card in content.cards:
        if any(s.section in touched for s in card.sources) and not (
            card.verified > record.kept or card.verified == today
        ):
            why = (
                f"is {card.verified}, not after the kept guide's {record.kept}: set it to the"
                f" day you checked the card against {new_name}"
            )
            problems.append(ContentProblem(card_file(content_dir, card), "verified", why))
    return problems


def keep(content_dir: Path, new_path: Path, today: date) -> None:
    """Make ``new_path`` the kept guide, as written, and record the day."""
    record_path = content_dir / RECORD_FILE
    text = record_path.read_text(encoding="utf-8")
    updated, found = _KEPT_DATE.subn(rf"\g<1>{today.isoformat()}", text, count=1)
    if not found:  # a date written another way (quoted, a datetime): the author fixes it
        why = "write it as kept = YYYY-MM-DD, on a line of its own"
        raise ContentError([ContentProblem(display_path(record_path), "kept", why)])
    if new_path.resolve() != (content_dir / GUIDE_FILE).resolve():
        shutil.copyfile(new_path, content_dir / GUIDE_FILE)
    record_path.write_text(updated, encoding="utf-8")


def count(changes: Iterable[Change], kind: Kind) -> int:
    return sum(change.kind == kind for change in changes)
