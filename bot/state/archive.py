"""The export file: everything the bot keeps about people, as versioned JSON.

``python -m bot export`` writes it and ``python -m bot import FILE`` reads it back, to move
the bot to another Redis, keep a backup, or give a person a copy of their data. The
whole file is checked against this schema before anything is written: a file from
another program, another version, or cut short is refused with a message that says why.
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

FORMAT = "mistral-setup-export"
VERSION = 1


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Progress(_Record):
    """The steps one person has ticked, and when they last changed any."""

    user: str = Field(min_length=1)
    done: tuple[str, ...]
    changed_at: float


class Vote(_Record):
    """One person's helpful / not helpful on a topic; ``at`` is kept for "not helpful"s."""

    user: str = Field(min_length=1)
    topic: str = Field(min_length=1)
    helpful: bool
    at: float | None = None


class Question(_Record):
    """A question the guide did not cover, logged for the content's authors."""

    id: str = Field(min_length=1)
    user: str = Field(min_length=1)
    question: str
    at: float


class Team(_Record):
    """What the bot keeps about the people of one Slack team."""

    team: str = Field(min_length=1)
    progress: tuple[Progress, ...] = ()
    votes: tuple[Vote, ...] = ()
    questions: tuple[Question, ...] = ()


class Archive(_Record):
    """The whole file."""

    format: Literal["mistral-setup-export"] = "mistral-setup-export"
    version: Literal[1] = 1
    exported_at: float
    teams: tuple[Team, ...]


class ArchiveError(ValueError):
    """A file that is not an export this version of the bot can read; says why."""


def dumps(archive: Archive) -> str:
    return archive.model_dump_json(indent=2)


def loads(text: str) -> Archive:
    """Read and check a whole export; ArchiveError, naming the first fault, otherwise."""
    if not text.strip():
        raise ArchiveError("the file is empty: export with `python -m bot export > FILE`")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ArchiveError(f"not JSON (line {error.lineno}): is it an export?") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ArchiveError(f'not a Mistral setup export: it has no "format": "{FORMAT}"')
    if data.get("version") != VERSION:
        raise ArchiveError(
            f"export version {data.get('version')!r}: this bot reads version {VERSION}"
        )
    try:
        return Archive.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ArchiveError(f"{where}: {first['msg']} ({error.error_count()} problems)") from None
