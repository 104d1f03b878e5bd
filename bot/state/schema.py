"""Every kind of key the bot keeps in Redis, declared once.

A kind says how its keys are named (``mistral-setup:v2:<name>:<part>:…``, namespaced and
versioned so a change of shape can live beside the old one), who owns them, how long they
live, their Redis type, and whether they are personal data. The workspace (or organisation),
or the install, is a key's hash tag (``progress:{T1}:U1``): on a Redis Cluster every key of
one workspace is in one slot, so each transaction and script, which touch one workspace's
keys together, runs there. ``python -m bot migrate`` renames the keys of version 1, which
had no tags (``bot.state.migration``). Stores name keys only
through these kinds, and forgetting a person, an uninstall, the export and the import all
follow the declarations: a new personal kind declared here is deleted by ``forget`` and by
an uninstall with no other edit, and ``__post_init__`` refuses one that does not say where
the person is in it. A personal kind that is not a cache is exported by one of the codecs
of ``bot.state.codecs`` (tests/test_schema.py checks that none is left out).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import redis.asyncio as redis

PREFIX = "mistral-setup:v2"
LEGACY_PREFIX = "mistral-setup:v1"  # untagged names, renamed by ``python -m bot migrate``

# The part of a key that is its hash tag, the first of these it has: what one transaction
# touches together is one workspace's (or organisation's), or one install's. Of a settings
# part (team, or organisation:workspace) the team or organisation alone is the tag, so an
# organisation's workspaces are in its slot: ``workspace:{E1}:T2``.
_TAGS = ("team", "install", "settings")

# Who a key belongs to: one person (team, user), a workspace or organisation, one install
# of the app ("Add to Slack"), or the process (the deployment as a whole).
Owner = Literal["person", "team", "install", "process"]
RedisType = Literal["string", "set", "zset", "hash"]

# What a part of a key name may hold; one segment (no ":") unless said here.
_SEGMENT = r"[^:{}]+"
_SHAPES = {
    "install": rf"{_SEGMENT}:{_SEGMENT}",  # enterprise:team, "-" for a missing one
    "settings": rf"{_SEGMENT}(?::{_SEGMENT})?",  # Person.settings_key: team or team:workspace
}


@dataclass(frozen=True)
class Kind:
    """One kind of key: its name and parts, owner, type, lifetime, and whether it is personal.

    A personal kind says where the person is: ``user`` among its parts (the key is theirs),
    or ``whose``, who a member (set, sorted set) or field (hash) of a team's key is about.
    """

    name: str
    parts: tuple[str, ...]
    owner: Owner
    type: RedisType
    personal: bool
    ttl: str | None = None  # how long a key lives, in words; None: until deleted
    whose: Callable[[str], str] | None = None
    # A short-lived copy of what Slack says, or a count for a day: forgotten, never exported.
    cache: bool = False
    # The parts version 1 first named, where they were fewer (later version 1 keys have
    # ``parts``): a part they lacked takes the team's value, as a workspace was its team.
    legacy_parts: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        # Personal data is kept per team, and forgetting needs to find the person in it.
        if self.personal and "team" not in self.parts:
            raise ValueError(f"personal kind {self.name!r} must have a team part")
        if self.personal and "user" not in self.parts and self.whose is None:
            raise ValueError(f"personal kind {self.name!r} must say whose its entries are")
        if self.whose is not None and self.type == "string":
            raise ValueError(f"kind {self.name!r}: a string has no entries to tell apart")

    @property
    def tag(self) -> str | None:
        """The part that is the key's hash tag; None for the process's keys, each alone."""
        return next((part for part in _TAGS if part in self.parts), None)

    def key(self, *values: str) -> str:
        """The key's name: ``PROGRESS.key(team, user)`` is ``…:progress:{team}:user``."""
        if len(values) != len(self.parts):
            raise ValueError(f"{self.name} keys have parts {self.parts}, not {values}")
        tagged = (
            _tagged(p, v) if p == self.tag else v for p, v in zip(self.parts, values, strict=True)
        )
        return ":".join((PREFIX, self.name, *tagged))

    def glob(self, **known: str) -> str:
        """A SCAN pattern for this kind's keys; a part not given matches anything."""
        return self.key(*(known.get(part, "*") for part in self.parts))

    def parts_of(self, name: str) -> dict[str, str] | None:
        """The parts of ``name`` when it is a key of this kind, else None."""
        found = self._pattern.fullmatch(name)
        if found is None:
            return None
        # Ids hold no braces (_SEGMENT): the tag's are the only ones.
        values = (value.replace("{", "").replace("}", "") for value in found.groups())
        return dict(zip(self.parts, values, strict=True))

    def renamed(self, name: str) -> str | None:
        """The name version 2 gives ``name``, a key of this kind as version 1 named it (with
        its parts now, or with ``legacy_parts``: a part these lack is the team's); None
        when it is not one. The two shapes have different counts of parts."""
        shapes = [(self.parts, self._legacy)]
        if self.legacy_parts is not None:
            shapes.append((self.legacy_parts, self._older))
        for parts, pattern in shapes:
            found = pattern.fullmatch(name)
            if found:
                old = dict(zip(parts, found.groups(), strict=True))
                return self.key(*(old.get(part, old.get("team", "")) for part in self.parts))
        return None

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        parts = "".join(
            f":({_tagged_shape(part)})" if part == self.tag else f":({_SHAPES.get(part, _SEGMENT)})"
            for part in self.parts
        )
        return re.compile(re.escape(f"{PREFIX}:{self.name}") + parts)

    @cached_property
    def _legacy(self) -> re.Pattern[str]:
        return _untagged(self.name, self.parts)

    @cached_property
    def _older(self) -> re.Pattern[str]:
        return _untagged(self.name, self.legacy_parts or ())


def _untagged(name: str, parts: tuple[str, ...]) -> re.Pattern[str]:
    """The pattern of a version 1 name of kind ``name`` with ``parts``."""
    shapes = "".join(f":({_SHAPES.get(part, _SEGMENT)})" for part in parts)
    return re.compile(re.escape(f"{LEGACY_PREFIX}:{name}") + shapes)


def _tagged(part: str, value: str) -> str:
    """``value`` of ``part`` with its hash tag: all of it, but of a settings part only the
    team or organisation (``E1:T2`` is ``{E1}:T2``)."""
    if part != "settings":
        return f"{{{value}}}"
    if value == "*":  # a glob for any: a team's own, or one of an organisation's workspaces
        return "{*}*"
    first, colon, rest = value.partition(":")
    return f"{{{first}}}{colon}{rest}"


def _tagged_shape(part: str) -> str:
    """The regular expression of ``part``'s value with its hash tag (as ``_tagged``)."""
    if part != "settings":
        return rf"\{{{_SHAPES.get(part, _SEGMENT)}\}}"
    return rf"\{{{_SEGMENT}\}}(?::{_SEGMENT})?"


def _itself(entry: str) -> str:
    return entry


def _voter(member: str) -> str:
    return vote_parts(member)[1]


def _asker(member: str) -> str:
    try:
        return str(json.loads(member).get("user", ""))
    except (ValueError, AttributeError):
        return ""  # not a logged question: nobody's


_GAPS_TTL = "GAPS_RETENTION_DAYS after the last entry (older entries are dropped)"

# Kept about people: forgotten, deleted when their workspace uninstalls, exported (but
# the profile, a cache).
PROGRESS = Kind("progress", ("team", "user"), "person", "set", personal=True)  # topic ids
PEOPLE = Kind("people", ("team",), "team", "zset", personal=True, whose=_itself)  # last change
FEEDBACK = Kind("feedback", ("team", "topic"), "team", "hash", personal=True, whose=_itself)
# "topic|user", scored by when; "topic|user|workspace" for a 👎 cast in one workspace of
# an org-wide install (its admins see only those cast there).
UNHELPFUL = Kind("unhelpful", ("team",), "team", "zset", personal=True, ttl=_GAPS_TTL, whose=_voter)
UNANSWERED = Kind(  # question_entry JSON, scored by when
    "unanswered", ("team",), "team", "zset", personal=True, ttl=_GAPS_TTL, whose=_asker
)
# The questions asked in one workspace of an org-wide install: its own log, with its own
# bound, so a busy workspace never pushes another's out (the organisation's UNANSWERED
# holds those logged before workspaces were told apart).
WORKSPACE_UNANSWERED = Kind(
    "workspace-unanswered", ("team", "workspace"), "team", "zset", personal=True,
    ttl=_GAPS_TTL, whose=_asker,
)  # fmt: skip
STARTED = Kind("started", ("team",), "team", "zset", personal=True, whose=_itself)  # first step
FINISHED = Kind(  # when every required step was done
    "finished", ("team",), "team", "zset", personal=True, whose=_itself
)
# Reminders: each person's (how many were sent, for which step, whether they stopped them,
# their workspace within an org-wide install), and when their next one is due.
NUDGE = Kind("nudge", ("team", "user"), "person", "hash", personal=True)
NUDGE_DUE = Kind("nudge-due", ("team",), "team", "zset", personal=True, whose=_itself)
# Who of an org-wide install's people was seen in each of its workspaces (acted there: a
# step, a question, a vote): an admin of one workspace sees only its people. Only an
# organisation's keys have these; a workspace's own install needs none.
MEMBERS = Kind("members", ("team", "workspace"), "team", "set", personal=True, whose=_itself)
# Those workspaces of the organisation (the sweep reads them for digests, with no SCAN).
ORG_WORKSPACES = Kind("org-workspaces", ("team",), "team", "set", personal=False)
ADMINS = Kind(  # Slack admins who have used the bot: the digest goes to them
    "admins",
    ("team",),
    "team",
    "set",
    personal=True,
    cache=True,
    ttl="30 days after an admin last used the bot",
    whose=_itself,
)
# The same for one workspace of an org-wide install, whose admins are its own (an admin
# of another workspace of the organisation gets none of its digests).
WORKSPACE_ADMINS = Kind(
    "workspace-admins", ("team", "workspace"), "team", "set", personal=True, cache=True,
    ttl="30 days after an admin last used the bot", whose=_itself,
)  # fmt: skip
# The questions and votes of each ISO week ("2026-W07"), counted as they come: how many
# were asked, answered, not covered; 👍 and 👎; the answers' languages and cards
# (``asked``, ``answered``, ``not_covered``, ``up``, ``down``, ``lang:en``, ``topic:<id>``).
# Never a question's words. Who asked that week is a set of its own, the personal part.
_WEEKS_TTL = "9 weeks after the week's last question or vote"
WEEK_COUNTS = Kind("week-counts", ("team", "week"), "team", "hash", personal=False, ttl=_WEEKS_TTL)
WEEK_ASKERS = Kind(
    "week-askers", ("team", "week"), "team", "set", personal=True, ttl=_WEEKS_TTL, whose=_itself
)
# The same counters for one workspace of an org-wide install (the organisation's are
# counted too): what its admins see. Never about anyone, so not exported.
WORKSPACE_WEEK_COUNTS = Kind(
    "workspace-week-counts", ("team", "workspace", "week"), "team", "hash", personal=False,
    ttl=_WEEKS_TTL,
)  # fmt: skip
# When the team's first question or vote was counted: views say "since" rather than
# showing the weeks before it as empty.
COUNTING_SINCE = Kind("counting-since", ("team",), "team", "string", personal=False)
# The team chart's Slack file id, uploaded into an admin's DM with the bot (the channel
# part) for App Home: the DM's, not about the admin, so forget leaves it to expire. Drawn
# for one workspace (the team itself, or one of an organisation's, with its own people).
CHART = Kind(
    "chart", ("team", "workspace", "channel"), "team", "string", personal=False,
    ttl="5 minutes", legacy_parts=("team", "channel"),
)  # fmt: skip
PROFILE = Kind(  # users.info's locale and admin flag, in the workspace asked from
    "profile",
    ("team", "user", "workspace"),
    "person",
    "string",
    personal=True,
    cache=True,
    ttl="5 minutes (a minute when Slack did not say)",
    legacy_parts=("team", "user"),
)
# How many questions a person had logged today: their daily quota (storage stays bounded).
QUESTIONS_LOGGED = Kind(
    "questions-logged", ("team", "user"), "person", "string", personal=True, cache=True,
    ttl="a day from the first question logged",
)  # fmt: skip
# Not personal: a count that holds nothing beyond its few minutes, so forget leaves it.
THROTTLE = Kind(
    "throttle",
    ("what", "team", "user"),
    "person",
    "string",
    personal=False,
    ttl="the throttle's window (5 minutes for key checks)",
)
# Not personal either: a workspace's requests to Mistral within the hour.
BUDGET = Kind("budget", ("what", "settings"), "team", "string", personal=False, ttl="an hour")
# Claims of work the bot does unasked: held while it is done, so any number of processes
# do it once; a reminder's for minutes (a process that died mid-send leaves it to the next
# sweep), a digest's for its week once sent. A digest is one workspace's (the team itself,
# or one of an organisation's): an admin of two gets both.
NUDGE_CLAIM = Kind(
    "nudge-claim", ("team", "user"), "person", "string", personal=False, ttl="2 minutes"
)
DIGEST_CLAIM = Kind(
    "digest-sent", ("team", "workspace", "user", "week"), "person", "string", personal=False,
    ttl="2 minutes while sending, 8 days once sent", legacy_parts=("team", "user", "week"),
)  # fmt: skip
# Which teams have reminders scheduled: a sweep reads only what is due in each.
NUDGE_TEAMS = Kind("nudge-teams", (), "process", "set", personal=False)
# Which teams have people who started: the sweep looks there for digests to send.
TEAMS = Kind("teams", (), "process", "set", personal=False)
# The workspace's: what its admins changed (it may name admins), and its install (the
# installer's id and the bot token); each deleted by its own store when the app goes.
WORKSPACE = Kind("workspace", ("settings",), "team", "string", personal=False)
# The workspace's own notes on cards, by topic ("At ACME, ask @it-helpdesk for the Admin
# role"): written by its admins, read with its settings, deleted with them.
NOTES = Kind("notes", ("settings",), "team", "hash", personal=False)
INSTALLATION = Kind("installation", ("install", "record"), "install", "string", personal=False)
INSTALLATIONS = Kind("installations", (), "process", "zset", personal=False)  # installs by when
# The process's: once-only claims, among them the install states already used (written
# when an installer comes back from Slack, never for a visit to the install page).
OAUTH_STATE = Kind("oauth-state", ("nonce",), "process", "string", personal=False, ttl="10 minutes")
SIGNATURE = Kind("signature", ("signature",), "process", "string", personal=False, ttl="10 minutes")
EVENT = Kind("event", ("event",), "process", "string", personal=False, ttl="10 minutes")

KINDS = (
    PROGRESS,
    PEOPLE,
    STARTED,
    FINISHED,
    NUDGE,
    NUDGE_DUE,
    NUDGE_CLAIM,
    NUDGE_TEAMS,
    TEAMS,
    DIGEST_CLAIM,
    MEMBERS,
    ORG_WORKSPACES,
    ADMINS,
    WORKSPACE_ADMINS,
    WEEK_COUNTS,
    WEEK_ASKERS,
    WORKSPACE_WEEK_COUNTS,
    COUNTING_SINCE,
    CHART,
    FEEDBACK,
    UNHELPFUL,
    UNANSWERED,
    WORKSPACE_UNANSWERED,
    PROFILE,
    QUESTIONS_LOGGED,
    THROTTLE,
    BUDGET,
    WORKSPACE,
    NOTES,
    INSTALLATION,
    INSTALLATIONS,
    OAUTH_STATE,
    SIGNATURE,
    EVENT,
)


def kind_of(name: str, kinds: Sequence[Kind] = KINDS) -> Kind | None:
    """The declared kind of the key ``name``, or None when no kind declares it."""
    return next((kind for kind in kinds if kind.parts_of(name) is not None), None)


def renamed(name: str) -> tuple[Kind, str] | None:
    """The kind of ``name``, a key as version 1 named it, and its name now; None when no
    kind declares it."""
    for kind in KINDS:
        new = kind.renamed(name)
        if new is not None:
            return kind, new
    return None


def question_entry(entry_id: str, user: str, question: str) -> str:
    """How a logged question is stored (a member of UNANSWERED): the same every time."""
    return json.dumps({"id": entry_id, "user": user, "question": question})


def vote_entry(topic: str, user: str, workspace: str = "") -> str:
    """How a 👎 is stored (a member of UNHELPFUL): with the workspace of an organisation
    it was cast in, if any."""
    return "|".join((topic, user, workspace) if workspace else (topic, user))


def vote_parts(entry: str) -> tuple[str, str, str]:
    """A 👎's topic, voter and workspace ("" for none) as ``vote_entry`` stored it."""
    topic, _, rest = entry.partition("|")
    user, _, workspace = rest.partition("|")
    return topic, user, workspace


async def teams(client: redis.Redis, kinds: Sequence[Kind]) -> list[str]:
    """Every team that has a key of one of ``kinds`` (each has a ``team`` or ``settings`` part)."""
    found: set[str] = set()
    for kind in kinds:
        async for name in client.scan_iter(match=kind.glob()):
            parts = kind.parts_of(str(name))
            if parts is not None:
                found.add(team_of(parts))
    return sorted(found)


def team_of(parts: dict[str, str]) -> str:
    """The team a key's ``parts`` belong to: its team, or the team (or organisation) of a
    workspace's ``settings`` (``Person.settings_key``)."""
    return parts["team"] if "team" in parts else parts["settings"].partition(":")[0]


async def scan(client: redis.Redis, pattern: str) -> list[str]:
    """The keys matching a SCAN ``pattern``; a pattern without ``*`` is one key's name."""
    if "*" not in pattern:
        return [pattern]
    return [str(name) async for name in client.scan_iter(match=pattern)]


async def index(client: redis.Redis, team: str, indexes: Iterable[str]) -> None:
    """List ``team`` in the process's sets ``indexes`` (``TEAMS``, ``NUDGE_TEAMS``).

    Each is in a slot of its own, so this comes after the transaction that wrote the team's
    keys: a sweep that retires a team from an index looks at its keys again afterwards
    (``ReminderStore``), so whichever runs second leaves the team listed if it has any.
    """
    async with client.pipeline(transaction=False) as pipe:
        for name in indexes:
            pipe.sadd(name, team)
        await pipe.execute()
