"""The export file: everything the bot keeps about people, as versioned JSON.

``python -m bot export`` writes it and ``python -m bot import FILE`` reads it back, to move
the bot to another Redis, keep a backup, or give a person a copy of their data. The
whole file is checked against this schema before anything is written: a file from
another program, another version, or cut short is refused with a message that says why.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from bot.state.workspaces import NOTE_LIMIT

FORMAT = "mistral-setup-export"
# Version 2 added when people started and finished, their reminders, and the weekly counts
# of questions and votes; version 3 each workspace's notes on cards, and who was seen in
# which workspace of an organisation. Older files still import (they hold none of them); a
# bot before version 3 refuses a version 3 file whole.
VERSION: Literal[3] = 3
READABLE = (1, 2, 3)


# Slack ids (and the console's "you"): letters, digits, dots, dashes, underscores. A ":" or
# "|" would change which Redis key, or which "topic|user" member, a record lands in.
Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
TopicId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{1,64}$")]
# Seconds since 1970: real numbers (no NaN or infinity, which Redis refuses as scores).
Time = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Progress(_Record):
    """The steps one person has ticked, when they last changed any, when they did their
    first, and when they had done every required one (if they have)."""

    user: Id
    done: tuple[TopicId, ...]
    changed_at: Time
    started_at: Time | None = None
    finished_at: Time | None = None


class Reminder(_Record):
    """One person's reminders: how many were sent, for which step last, whether they
    stopped them, when the next is due, and their workspace within an org-wide install."""

    user: Id
    sent: int = Field(default=0, ge=0, le=1000)
    step: TopicId | None = None
    stopped: bool = False
    due_at: Time | None = None
    workspace: Id | None = None


class Vote(_Record):
    """One person's helpful / not helpful on a topic; ``at`` is kept for "not helpful"s."""

    user: Id
    topic: TopicId
    helpful: bool
    at: Time | None = None


class Question(_Record):
    """A question the guide did not cover, logged for the content's authors."""

    id: Id
    user: Id
    question: str = Field(max_length=4000)
    at: Time


# A week's counter: a fixed name, or an answer's language or card (bot.state.activity).
CounterName = Annotated[
    str,
    StringConstraints(
        pattern=r"^(asked|answered|not_covered|up|down|lang:[a-z]{2}|topic:[a-z0-9-]{1,64})$"
    ),
]


class Week(_Record):
    """One ISO week's counts of questions and votes (never their words), and who asked."""

    week: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-W[0-9]{2}$")]
    counts: dict[CounterName, Annotated[int, Field(ge=0)]] = Field(default={}, max_length=200)
    askers: tuple[Id, ...] = ()


class Counting(_Record):
    """When the team's weekly counts began: the views say "since" then."""

    since: Time


class Note(_Record):
    """A workspace's own note on a card, shown under its answer; ``workspace`` is one
    workspace of an organisation's org-wide install (None: the team's own)."""

    workspace: Id | None = None
    topic: TopicId
    text: str = Field(min_length=1, max_length=NOTE_LIMIT)


class Membership(_Record):
    """Who was seen in one workspace of an organisation's org-wide install (its admins see
    only them)."""

    workspace: Id
    users: tuple[Id, ...]


class Team(_Record):
    """What the bot keeps about the people of one Slack team."""

    team: Id
    progress: tuple[Progress, ...] = ()
    votes: tuple[Vote, ...] = ()
    questions: tuple[Question, ...] = ()
    reminders: tuple[Reminder, ...] = ()
    weeks: tuple[Week, ...] = ()
    counting: tuple[Counting, ...] = ()  # none, or one
    notes: tuple[Note, ...] = ()
    members: tuple[Membership, ...] = ()  # an organisation's only


class Archive(_Record):
    """The whole file."""

    format: Literal["mistral-setup-export"] = "mistral-setup-export"
    version: Literal[1, 2, 3] = VERSION
    exported_at: Time
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
    if data.get("version") not in READABLE:
        raise ArchiveError(
            f"export version {data.get('version')!r}: this bot reads versions "
            + " and ".join(map(str, READABLE))
        )
    try:
        return Archive.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ArchiveError(f"{where}: {first['msg']} ({error.error_count()} problems)") from None
