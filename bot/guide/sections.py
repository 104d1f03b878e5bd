"""The setup guide, read as sections: what each card stands on, and what a new guide changes.

Every heading opens a section that runs to the next heading, whatever its level, so a card
stands on exactly the words it was written from: an edit under "How to delete a Mistral API
key" asks for a review of the card about deleting keys, not of every card of chapter 6.

A section's id is its heading without the chapter number and emphasis ("Creating an API key"
for "## **6. Creating an API key**"), so it survives a chapter inserted before it. Its
fingerprint covers the heading as written (number included: a renumbered chapter shows as a
change, and the card's label in answers may need the new number) and the text under it,
with every run of whitespace made one space: reflowing a paragraph or re-indenting a list is
no change, an edited word is.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

# ATX headings ("## Title", optionally closed by #s); setext headings are not used by the guide.
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"[*_`]+")
# "6. ", "6) " or "6.1 " before a chapter's title.
_NUMBER = re.compile(r"^(\d+(?:\.\d+)*)[.)]?\s+")

FINGERPRINT_LENGTH = 16


def fingerprint(text: str) -> str:
    """The first hex digits of the sha256 of ``text`` with its whitespace normalised."""
    normal = " ".join(text.split())
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:FINGERPRINT_LENGTH]


@dataclass(frozen=True)
class Section:
    """One heading of the guide and the text under it, up to the next heading."""

    id: str
    heading: str  # as a reader sees it: "6. Creating an API key"
    level: int
    chapter: str | None  # the number of the chapter it is in ("6"), if chapters are numbered
    lines: tuple[str, ...]  # the heading line and the text under it, as written

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def body(self) -> str:
        return "\n".join(self.lines[1:]).strip()

    @property
    def fingerprint(self) -> str:
        return fingerprint("\n".join((self.heading, *self.lines[1:])))

    @property
    def needs_card(self) -> bool:
        """A heading with no text of its own only groups the sections below it."""
        return bool(self.body)


class Guide:
    """The guide's sections in reading order."""

    def __init__(self, sections: tuple[Section, ...]) -> None:
        self.sections = sections
        self._by_id = {section.id: section for section in sections}

    def get(self, section_id: str) -> Section | None:
        return self._by_id.get(section_id)

    def ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.sections)


def read_guide(path: Path) -> Guide:
    return parse_guide(path.read_text(encoding="utf-8"))


def parse_guide(markdown: str) -> Guide:
    """Split a Markdown guide at its headings (none inside a fenced code block)."""
    starts: list[tuple[int, int, str]] = []  # line index, level, heading as read
    lines = markdown.splitlines()
    fence: str | None = None
    for n, line in enumerate(lines):
        if opened := _FENCE.match(line):
            mark = opened.group(1)
            if fence is None:
                fence = mark
            elif mark[0] == fence[0] and len(mark) >= len(fence):
                fence = None
            continue
        if fence is None and (match := _HEADING.match(line)):
            starts.append((n, len(match.group(1)), _plain(match.group(2))))
    sections: list[Section] = []
    seen: set[str] = set()
    parents: list[Section] = []  # the enclosing sections of the current one
    ends = [start for start, _, _ in starts[1:]] + [len(lines)]
    if starts and starts[0][0] > 0 and any(line.strip() for line in lines[: starts[0][0]]):
        # Text before the first heading is a section of its own, named for what it is.
        starts.insert(0, (0, 1, "(before the first heading)"))
        ends.insert(0, starts[1][0])
    for (start, level, heading), end in zip(starts, ends, strict=True):
        numbered = _NUMBER.match(heading)
        while parents and parents[-1].level >= level:
            parents.pop()
        if numbered:
            chapter = numbered.group(1).split(".")[0]
        else:  # a subsection is in its parent's chapter; "Next steps" is in none
            chapter = parents[-1].chapter if parents else None
        section_id = _unique(heading[numbered.end() :] if numbered else heading, parents, seen)
        section = Section(
            id=section_id,
            heading=heading,
            level=level,
            chapter=chapter,
            lines=tuple(lines[start:end]),
        )
        sections.append(section)
        seen.add(section_id)
        parents.append(section)
    return Guide(tuple(sections))


def _plain(heading: str) -> str:
    """A heading's words as read: links as their text, no emphasis, single spaces."""
    return " ".join(_EMPHASIS.sub("", _LINK.sub(r"\1", heading)).split())


def _unique(name: str, parents: list[Section], seen: set[str]) -> str:
    """The heading's name, or, when an earlier heading has it, its path from its chapter."""
    if name not in seen:
        return name
    path = " / ".join([*(p.id for p in parents), name])
    candidate, n = path, 2
    while candidate in seen:
        candidate, n = f"{path} ({n})", n + 1
    return candidate
