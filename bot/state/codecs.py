"""How the export holds what the schema declares: one codec per section of the file.

Each codec reads its section of a team (or of one person) from the kinds it holds, and
writes it back, in a transaction of that team's keys only; ``shared`` are the team's own
kinds a section carries too (a week's counts), ``indexes`` the process's sets that list it.
``bot.state.privacy`` exports, imports and forgets through ``CODECS``.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Collection, Sequence
from typing import Any, Protocol, TypeVar

import redis.asyncio as redis

from bot.apikeys import mask_secrets
from bot.person import settings_key
from bot.state import archive
from bot.state.schema import (
    COUNTING_SINCE,
    FEEDBACK,
    FINISHED,
    MEMBERS,
    NOTES,
    NUDGE,
    NUDGE_DUE,
    NUDGE_TEAMS,
    ORG_WORKSPACES,
    PEOPLE,
    PROGRESS,
    STARTED,
    TEAMS,
    UNANSWERED,
    UNHELPFUL,
    WEEK_ASKERS,
    WEEK_COUNTS,
    WORKSPACE_UNANSWERED,
    WORKSPACE_WEEK_COUNTS,
    Kind,
    question_entry,
    scan,
    vote_parts,
)

R = TypeVar("R")  # a record of the export: archive.Progress, Vote or Question


class Feedback(Protocol):
    """What the export needs of the feedback store (bot.state.feedback.FeedbackStore):
    votes and questions are written its way and kept as long, and older ones count as gone."""

    def cutoff(self) -> float: ...

    def write_vote(
        self,
        pipe: redis.client.Pipeline,
        team: str,
        user: str,
        topic: str,
        helpful: bool,
        at: float | None,
        workspace: str = "",
        elsewhere: Collection[str] = (),
    ) -> None: ...

    def write_question(
        self, pipe: redis.client.Pipeline, team: str, entry: str, at: float, workspace: str = ""
    ) -> None: ...


class Codec(Protocol[R]):
    """One section of the export (a field of ``archive.Team``), over the kinds it holds."""

    section: str
    kinds: tuple[Kind, ...]  # the personal kinds it holds
    shared: tuple[Kind, ...]  # the team's own kinds it also holds (not about anyone)
    # The process's sets that list a team with records in this section (the sweep reads
    # them): written after the team's transaction, which holds only the team's keys.
    indexes: tuple[Kind, ...]

    async def read(
        self, client: redis.Redis, feedback: Feedback, team: str, user: str | None
    ) -> list[R]:
        """What the team's people (or only ``user``) have in these kinds."""
        ...

    def write(
        self, pipe: redis.client.Pipeline, feedback: Feedback, team: str, records: Sequence[R]
    ) -> None:
        """The commands that keep ``records`` (importing them twice is the same as once)."""
        ...


async def _recent(client: redis.Redis, name: str, cutoff: float) -> list[tuple[str, float]]:
    """A sorted set's entries from ``cutoff`` on, oldest first: older ones count as gone."""
    raw = await client.zrangebyscore(name, cutoff, "+inf", withscores=True)
    # withscores: each item is a (member, score) pair.
    return [(str(pair[0]), float(pair[1])) for pair in raw]


async def _together(client: redis.Redis, read: Callable[[Any, str], Any], names: list[str]) -> Any:
    """One read of each of ``names``, in one round trip."""
    async with client.pipeline(transaction=False) as pipe:
        for name in names:
            read(pipe, name)
        return await pipe.execute()


class _ProgressCodec:
    section = "progress"
    kinds: tuple[Kind, ...] = (PROGRESS, PEOPLE, STARTED, FINISHED)
    shared: tuple[Kind, ...] = ()
    indexes: tuple[Kind, ...] = (TEAMS,)

    async def read(
        self, client: redis.Redis, feedback: Feedback, team: str, user: str | None
    ) -> list[archive.Progress]:
        changed = await _scores(client, PEOPLE.key(team))
        started = await _scores(client, STARTED.key(team))
        finished = await _scores(client, FINISHED.key(team))
        users = {user} if user else set(changed)
        for name in await scan(client, PROGRESS.glob(team=team, user=user or "*")):
            users.add((PROGRESS.parts_of(name) or {"user": ""})["user"])
        users.discard("")
        people = sorted(users)
        keys = [PROGRESS.key(team, someone) for someone in people]
        done_sets = await _together(client, lambda pipe, name: pipe.smembers(name), keys)
        return [
            archive.Progress(
                user=someone,
                done=tuple(sorted(map(str, done))),
                changed_at=changed.get(someone, 0.0),
                started_at=started.get(someone),
                finished_at=finished.get(someone),
            )
            for someone, done in zip(people, done_sets, strict=True)
            if done or someone in changed
        ]

    def write(
        self,
        pipe: redis.client.Pipeline,
        feedback: Feedback,
        team: str,
        records: Sequence[archive.Progress],
    ) -> None:
        for progress in records:
            if progress.done:
                pipe.sadd(PROGRESS.key(team, progress.user), *progress.done)
            pipe.zadd(PEOPLE.key(team), {progress.user: progress.changed_at})
            # A version 1 file does not say when people started: their first change will.
            if progress.started_at is not None:
                pipe.zadd(STARTED.key(team), {progress.user: progress.started_at})
            if progress.finished_at is not None:
                pipe.zadd(FINISHED.key(team), {progress.user: progress.finished_at})


class _RemindersCodec:
    section = "reminders"
    kinds: tuple[Kind, ...] = (NUDGE, NUDGE_DUE)
    shared: tuple[Kind, ...] = ()
    indexes: tuple[Kind, ...] = (NUDGE_TEAMS,)

    async def read(
        self, client: redis.Redis, feedback: Feedback, team: str, user: str | None
    ) -> list[archive.Reminder]:
        due = await _scores(client, NUDGE_DUE.key(team))
        names = await scan(client, NUDGE.glob(team=team, user=user or "*"))
        states = await _together(client, lambda pipe, name: pipe.hgetall(name), names)
        found = {}
        for name, state in zip(names, states, strict=True):
            someone = (NUDGE.parts_of(name) or {"user": ""})["user"]
            found[someone] = _reminder(someone, state, due.get(someone))
        for someone, at in due.items():
            if someone not in found and user in (None, someone):
                found[someone] = archive.Reminder(user=someone, due_at=at)
        return [found[someone] for someone in sorted(found) if someone]

    def write(
        self,
        pipe: redis.client.Pipeline,
        feedback: Feedback,
        team: str,
        records: Sequence[archive.Reminder],
    ) -> None:
        for reminder in records:
            name = NUDGE.key(team, reminder.user)
            # Only what differs from a person never reminded, as the bot writes it.
            state = {"sent": reminder.sent, "stopped": int(reminder.stopped)}
            for field, value in state.items():
                if value:
                    pipe.hset(name, field, value)
            for field, text in (("step", reminder.step), ("workspace", reminder.workspace)):
                if text:
                    pipe.hset(name, field, text)
            if reminder.due_at is not None:
                pipe.zadd(NUDGE_DUE.key(team), {reminder.user: reminder.due_at})


def _reminder(user: str, state: dict[Any, Any], due: float | None) -> archive.Reminder:
    """A person's reminder state as kept in their NUDGE hash."""
    return archive.Reminder(
        user=user,
        sent=int(state.get("sent") or 0),
        step=state.get("step") or None,
        stopped=state.get("stopped") == "1",
        due_at=due,
        workspace=state.get("workspace") or None,
    )


async def _scores(client: redis.Redis, name: str) -> dict[str, float]:
    """A sorted set as {member: score}."""
    raw = await client.zrange(name, 0, -1, withscores=True)
    return {str(pair[0]): float(pair[1]) for pair in raw}


class _VotesCodec:
    section = "votes"
    kinds: tuple[Kind, ...] = (FEEDBACK, UNHELPFUL)
    shared: tuple[Kind, ...] = ()
    indexes: tuple[Kind, ...] = ()

    async def read(
        self, client: redis.Redis, feedback: Feedback, team: str, user: str | None
    ) -> list[archive.Vote]:
        # (topic, user): when, and where in an organisation ("" when not told).
        downs: dict[tuple[str, str], tuple[float | None, str]] = {}
        for member, at in await _recent(client, UNHELPFUL.key(team), feedback.cutoff()):
            topic, voter, workspace = vote_parts(member)
            downs[topic, voter] = (at, workspace)
        names = await scan(client, FEEDBACK.glob(team=team))
        tallies = await _together(client, lambda pipe, name: pipe.hgetall(name), names)
        found = []
        for name, votes in zip(names, tallies, strict=True):
            topic = (FEEDBACK.parts_of(name) or {"topic": ""})["topic"]
            for voter, vote in ((str(k), str(v)) for k, v in votes.items()):
                if user is None or voter == user:
                    helpful = vote == "up"
                    when, where = (None, "") if helpful else downs.get((topic, voter), (None, ""))
                    found.append(
                        archive.Vote(
                            user=voter,
                            topic=topic,
                            helpful=helpful,
                            at=when,
                            workspace=where or None,
                        )
                    )
        return sorted(found, key=lambda v: (v.topic, v.user))

    def write(
        self,
        pipe: redis.client.Pipeline,
        feedback: Feedback,
        team: str,
        records: Sequence[archive.Vote],
    ) -> None:
        for vote in records:
            where = vote.workspace or ""
            feedback.write_vote(pipe, team, vote.user, vote.topic, vote.helpful, vote.at, where)


class _QuestionsCodec:
    section = "questions"
    kinds: tuple[Kind, ...] = (UNANSWERED, WORKSPACE_UNANSWERED)
    shared: tuple[Kind, ...] = ()
    indexes: tuple[Kind, ...] = ()

    async def read(
        self, client: redis.Redis, feedback: Feedback, team: str, user: str | None
    ) -> list[archive.Question]:
        logs = {UNANSWERED.key(team): ""}  # each log, and its workspace of an organisation
        for name in await scan(client, WORKSPACE_UNANSWERED.glob(team=team)):
            logs[name] = (WORKSPACE_UNANSWERED.parts_of(name) or {"workspace": ""})["workspace"]
        found = []
        for name, workspace in logs.items():
            for member, at in await _recent(client, name, feedback.cutoff()):
                entry = json.loads(member)
                if user is None or entry.get("user") == user:
                    found.append(
                        archive.Question(
                            id=str(entry["id"]),
                            user=str(entry["user"]),
                            question=str(entry["question"]),
                            at=at,
                            workspace=workspace or None,
                        )
                    )
        return sorted(found, key=lambda question: question.at)

    def write(
        self,
        pipe: redis.client.Pipeline,
        feedback: Feedback,
        team: str,
        records: Sequence[archive.Question],
    ) -> None:
        for question in records:
            # Keys typed into a question are never kept, whatever the file says.
            entry = question_entry(question.id, question.user, mask_secrets(question.question))
            feedback.write_question(pipe, team, entry, question.at, question.workspace or "")


class _WeeksCodec:
    section = "weeks"
    kinds: tuple[Kind, ...] = (WEEK_ASKERS,)
    shared: tuple[Kind, ...] = (WEEK_COUNTS,)
    indexes: tuple[Kind, ...] = ()

    async def read(
        self, client: redis.Redis, feedback: Feedback, team: str, user: str | None
    ) -> list[archive.Week]:
        names = await scan(client, WEEK_COUNTS.glob(team=team))
        names += await scan(client, WEEK_ASKERS.glob(team=team))
        weeks = sorted({parts["week"] for name in names if (parts := _week_parts(name))})
        counts = await _together(
            client, lambda pipe, week: pipe.hgetall(WEEK_COUNTS.key(team, week)), weeks
        )
        askers = await _together(
            client, lambda pipe, week: pipe.smembers(WEEK_ASKERS.key(team, week)), weeks
        )
        found = []
        for week, count, asked in zip(weeks, counts, askers, strict=True):
            who = sorted(map(str, asked))
            if user is None:
                numbers = {str(name): int(value) for name, value in count.items()}
                found.append(archive.Week(week=week, counts=numbers, askers=tuple(who)))
            elif user in who:  # a person's own: that they asked, not the team's figures
                found.append(archive.Week(week=week, askers=(user,)))
        return found

    def write(
        self,
        pipe: redis.client.Pipeline,
        feedback: Feedback,
        team: str,
        records: Sequence[archive.Week],
    ) -> None:
        for week in records:
            _write_counts(pipe, WEEK_COUNTS.key(team, week.week), week.week, week.counts)
            if week.askers:
                askers = WEEK_ASKERS.key(team, week.week)
                pipe.sadd(askers, *week.askers)
                pipe.expireat(askers, _week_goes(week.week))


class _WorkspaceWeeksCodec:
    """Each workspace's own weekly counts in an organisation's org-wide install (what its
    admins see). Not about anyone: a person's own export holds none."""

    section = "workspace_weeks"
    kinds: tuple[Kind, ...] = ()
    shared: tuple[Kind, ...] = (WORKSPACE_WEEK_COUNTS,)
    indexes: tuple[Kind, ...] = ()

    async def read(
        self, client: redis.Redis, feedback: Feedback, team: str, user: str | None
    ) -> list[archive.WorkspaceWeek]:
        if user is not None:
            return []
        names = sorted(await scan(client, WORKSPACE_WEEK_COUNTS.glob(team=team)))
        counts = await _together(client, lambda pipe, name: pipe.hgetall(name), names)
        found = []
        for name, count in zip(names, counts, strict=True):
            parts = WORKSPACE_WEEK_COUNTS.parts_of(name)
            if parts and count:
                numbers = {str(counter): int(value) for counter, value in count.items()}
                found.append(
                    archive.WorkspaceWeek(
                        workspace=parts["workspace"], week=parts["week"], counts=numbers
                    )
                )
        return found

    def write(
        self,
        pipe: redis.client.Pipeline,
        feedback: Feedback,
        team: str,
        records: Sequence[archive.WorkspaceWeek],
    ) -> None:
        for week in records:
            name = WORKSPACE_WEEK_COUNTS.key(team, week.workspace, week.week)
            _write_counts(pipe, name, week.week, week.counts)


class _CountingCodec:
    section = "counting"
    kinds: tuple[Kind, ...] = ()
    shared: tuple[Kind, ...] = (COUNTING_SINCE,)
    indexes: tuple[Kind, ...] = ()

    async def read(
        self, client: redis.Redis, feedback: Feedback, team: str, user: str | None
    ) -> list[archive.Counting]:
        since = None if user else await client.get(COUNTING_SINCE.key(team))
        return [] if since is None else [archive.Counting(since=float(since))]

    def write(
        self,
        pipe: redis.client.Pipeline,
        feedback: Feedback,
        team: str,
        records: Sequence[archive.Counting],
    ) -> None:
        for counting in records:
            pipe.set(COUNTING_SINCE.key(team), repr(counting.since))


class _MembersCodec:
    section = "members"
    kinds: tuple[Kind, ...] = (MEMBERS,)
    shared: tuple[Kind, ...] = ()
    indexes: tuple[Kind, ...] = ()

    async def read(
        self, client: redis.Redis, feedback: Feedback, team: str, user: str | None
    ) -> list[archive.Membership]:
        names = await scan(client, MEMBERS.glob(team=team))
        found = await _together(client, lambda pipe, name: pipe.smembers(name), names)
        seen = []
        for name, users in zip(names, found, strict=True):
            workspace = (MEMBERS.parts_of(name) or {"workspace": ""})["workspace"]
            who = tuple(sorted(u for u in map(str, users) if user in (None, u)))
            if workspace and who:
                seen.append(archive.Membership(workspace=workspace, users=who))
        return sorted(seen, key=lambda membership: membership.workspace)

    def write(
        self,
        pipe: redis.client.Pipeline,
        feedback: Feedback,
        team: str,
        records: Sequence[archive.Membership],
    ) -> None:
        for membership in records:
            if membership.users:
                pipe.sadd(MEMBERS.key(team, membership.workspace), *membership.users)
                pipe.sadd(ORG_WORKSPACES.key(team), membership.workspace)


class _NotesCodec:
    """The workspace's notes on cards: the team's own, and those of each workspace of an
    organisation's org-wide install (``Person.settings_key``). Not about anyone: a
    person's own export holds none."""

    section = "notes"
    kinds: tuple[Kind, ...] = ()
    shared: tuple[Kind, ...] = (NOTES,)
    indexes: tuple[Kind, ...] = ()

    async def read(
        self, client: redis.Redis, feedback: Feedback, team: str, user: str | None
    ) -> list[archive.Note]:
        if user is not None:
            return []
        names = [NOTES.key(team), *await scan(client, NOTES.key(settings_key(team, "*")))]
        kept = await _together(client, lambda pipe, name: pipe.hgetall(name), names)
        found = []
        for name, notes in zip(names, kept, strict=True):
            workspace = (NOTES.parts_of(name) or {"settings": ""})["settings"].partition(":")[2]
            found += [
                archive.Note(workspace=workspace or None, topic=str(topic), text=str(text))
                for topic, text in sorted(notes.items())
            ]
        return found

    def write(
        self,
        pipe: redis.client.Pipeline,
        feedback: Feedback,
        team: str,
        records: Sequence[archive.Note],
    ) -> None:
        for note in records:
            pipe.hset(NOTES.key(settings_key(team, note.workspace or "")), note.topic, note.text)


WEEKS_KEPT = 9 * 7 * 86400


def _week_parts(name: str) -> dict[str, str] | None:
    return WEEK_COUNTS.parts_of(name) or WEEK_ASKERS.parts_of(name)


def _write_counts(
    pipe: redis.client.Pipeline, name: str, week: str, counts: dict[str, int]
) -> None:
    """The commands that keep a week's counters in the hash ``name``."""
    for counter, value in counts.items():
        pipe.hset(name, counter, value)
    if counts:
        pipe.expireat(name, _week_goes(week))


def _week_goes(week: str) -> int:
    """When ``week``'s keys go: as if counted live, 9 weeks after the week ends."""
    return _week_ends(week) + WEEKS_KEPT


def _week_ends(week: str) -> int:
    """When ``week`` ("2026-W07") ends, in seconds since 1970 (UTC)."""
    year, number = week.split("-W")
    monday = datetime.date.fromisocalendar(int(year), int(number), 1)
    start = datetime.datetime.combine(monday, datetime.time(), datetime.UTC)
    return int(start.timestamp()) + 7 * 86400


CODECS: tuple[Codec[Any], ...] = (
    _ProgressCodec(),
    _VotesCodec(),
    _QuestionsCodec(),
    _RemindersCodec(),
    _WeeksCodec(),
    _WorkspaceWeeksCodec(),
    _CountingCodec(),
    _MembersCodec(),
    _NotesCodec(),
)
