"""What the bot keeps about people, read in one place: for forgetting, exporting, importing.

``records`` is the one list of everything kept about a person (or a whole team):
checklist progress, helpful / not helpful votes and the questions logged for the
content's authors. ``forget`` deletes exactly what it returns (and the short-lived
caches: the Slack profile, the key-check throttle); ``export`` writes what it returns for
every team, and ``restore`` writes such an export back.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import redis.asyncio as redis

from bot.apikeys import mask_secrets
from bot.person import Person
from bot.state import archive, store
from bot.state.feedback import FeedbackStore, question_entry


@dataclass(frozen=True)
class Forgotten:
    """What was deleted."""

    steps: int
    votes: int
    questions: int


@dataclass(frozen=True)
class Restored:
    """What an import wrote."""

    teams: int
    people: int
    votes: int
    questions: int


class Privacy:
    """Knows every key the bot keeps about people."""

    def __init__(self, client: redis.Redis, feedback: FeedbackStore) -> None:
        self._redis = client
        self._feedback = feedback  # votes and questions are written its way, kept as long

    async def records(self, team: str, user: str | None = None) -> archive.Team:
        """Everything kept about the people of ``team``, or only about ``user``."""
        async with store.available():
            progress = await self._progress(team, user)
            votes = await self._votes(team, user)
            questions = [record for _, record in await self._questions(team, user)]
        return archive.Team(
            team=team, progress=tuple(progress), votes=tuple(votes), questions=tuple(questions)
        )

    async def forget(self, person: Person) -> Forgotten:
        """Delete everything kept about ``person``: their records and the caches about them.

        Votes are found by scanning, not from the current cards, so votes on a topic that
        has since been renamed or removed go too.
        """
        team, user = person.team, person.user
        kept = await self.records(team, user)
        async with store.available():
            logged = [raw for raw, _ in await self._questions(team, user)]
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.delete(store.key("progress", team, user))
                pipe.zrem(store.key("people", team), user)
                for vote in kept.votes:
                    pipe.hdel(store.key("feedback", team, vote.topic), user)
                    pipe.zrem(store.key("unhelpful", team), f"{vote.topic}|{user}")
                if logged:
                    pipe.zrem(store.key("unanswered", team), *logged)
                # Caches about the person: they expire anyway, but forgetting means now.
                pipe.delete(store.key("profile", team, user))
                pipe.delete(store.key("throttle", "key-check", team, user))
                await pipe.execute()
        steps = sum(len(p.done) for p in kept.progress)
        return Forgotten(steps=steps, votes=len(kept.votes), questions=len(kept.questions))

    async def forget_team(self, team: str) -> archive.Team:
        """Delete everything kept about a workspace's people and the caches about them (the
        workspace uninstalled the app); return the records deleted."""
        kept = await self.records(team)
        patterns = [store.key(kind, team, "*") for kind in ("progress", "feedback", "profile")] + [
            store.key("throttle", "*", team, "*")
        ]
        async with store.available():
            names = [store.key(kind, team) for kind in ("people", "unhelpful", "unanswered")]
            for pattern in patterns:
                names += [str(name) async for name in self._redis.scan_iter(match=pattern)]
            await self._redis.delete(*names)
        return kept

    async def export(self, team: str | None = None) -> archive.Archive:
        """Everything kept about everyone, team by team (or about one team's people)."""
        teams = [await self.records(each) for each in await self.teams() if team in (None, each)]
        return archive.Archive(exported_at=time.time(), teams=tuple(teams))

    async def restore(self, data: archive.Archive) -> Restored:
        """Write an export back. Idempotent: importing the same file twice changes nothing."""
        async with store.available(), self._redis.pipeline(transaction=True) as pipe:
            for team in data.teams:
                self._write(pipe, team)
            await pipe.execute()
        return Restored(
            teams=len(data.teams),
            people=sum(len(t.progress) for t in data.teams),
            votes=sum(len(t.votes) for t in data.teams),
            questions=sum(len(t.questions) for t in data.teams),
        )

    async def teams(self) -> list[str]:
        """Every team with anything kept about its people."""
        async with store.available():
            kinds = ("people", "progress", "feedback", "unanswered", "unhelpful")
            return await store.teams(self._redis, kinds)

    async def _progress(self, team: str, user: str | None) -> list[archive.Progress]:
        people = store.key("people", team)
        changed = dict(await store.scored(self._redis, people))
        users = {user} if user else set(changed)
        async for name in self._redis.scan_iter(match=store.key("progress", team, user or "*")):
            users.add(str(name).rsplit(":", 1)[-1])
        found = []
        for someone in sorted(users):
            done = await self._redis.smembers(store.key("progress", team, someone))
            if done or someone in changed:
                found.append(
                    archive.Progress(
                        user=someone,
                        done=tuple(sorted(map(str, done))),
                        changed_at=float(changed.get(someone, 0.0)),
                    )
                )
        return found

    async def _votes(self, team: str, user: str | None) -> list[archive.Vote]:
        downs = dict(await self._recent(store.key("unhelpful", team)))
        found = []
        async for name in self._redis.scan_iter(match=store.key("feedback", team, "*")):
            topic = str(name).rsplit(":", 1)[-1]
            votes = await self._redis.hgetall(name)
            for voter, vote in ((str(k), str(v)) for k, v in votes.items()):
                if user is None or voter == user:
                    helpful = vote == "up"
                    at = None if helpful else downs.get(f"{topic}|{voter}")
                    found.append(archive.Vote(user=voter, topic=topic, helpful=helpful, at=at))
        return sorted(found, key=lambda v: (v.topic, v.user))

    async def _questions(self, team: str, user: str | None) -> list[tuple[str, archive.Question]]:
        """Logged questions as stored (to delete them) and as records."""
        found = []
        for member, at in await self._recent(store.key("unanswered", team)):
            entry = json.loads(member)
            if user is None or entry.get("user") == user:
                record = archive.Question(
                    id=str(entry["id"]),
                    user=str(entry["user"]),
                    question=str(entry["question"]),
                    at=at,
                )
                found.append((member, record))
        return found

    async def _recent(self, name: str) -> list[tuple[str, float]]:
        """A sorted set's entries within the retention period: older ones count as gone."""
        cutoff = self._feedback.cutoff()
        return [
            (member, at) for member, at in await store.scored(self._redis, name) if at >= cutoff
        ]

    def _write(self, pipe: redis.client.Pipeline, team: archive.Team) -> None:
        for progress in team.progress:
            if progress.done:
                pipe.sadd(store.key("progress", team.team, progress.user), *progress.done)
            pipe.zadd(store.key("people", team.team), {progress.user: progress.changed_at})
        for vote in team.votes:
            self._feedback.write_vote(pipe, team.team, vote.user, vote.topic, vote.helpful, vote.at)
        for question in team.questions:
            # Keys typed into a question are never kept, whatever the file says.
            entry = question_entry(question.id, question.user, mask_secrets(question.question))
            self._feedback.write_question(pipe, team.team, entry, question.at)
