"""What the bot keeps about a person, in one place, and forgetting it on request."""

from __future__ import annotations

import json
from dataclasses import dataclass

import redis.asyncio as redis

from bot import store
from bot.progress import Person


@dataclass(frozen=True)
class Forgotten:
    """What was deleted."""

    steps: int
    votes: int
    questions: int


class Privacy:
    """Knows every key the bot keeps about a person."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    async def forget(self, person: Person) -> Forgotten:
        """Delete everything kept about ``person``: progress, votes, logged questions, caches.

        Votes are found by scanning, not from the current cards, so votes on a topic that
        has since been renamed or removed go too.
        """
        client, team, user = self._redis, person.team, person.user
        unanswered = store.key("unanswered", team)
        unhelpful = store.key("unhelpful", team)
        async with store.available():
            steps = await client.scard(store.key("progress", team, user))
            entries = [str(entry) for entry in await client.zrange(unanswered, 0, -1)]
            questions = [e for e in entries if json.loads(e).get("user") == user]
            vote_keys = [
                str(name) async for name in client.scan_iter(match=store.key("feedback", team, "*"))
            ]
            downs = [
                str(member) async for member, _ in client.zscan_iter(unhelpful, match=f"*|{user}")
            ]
            async with client.pipeline(transaction=True) as pipe:
                for name in vote_keys:
                    pipe.hdel(name, user)
                pipe.delete(store.key("progress", team, user))
                pipe.zrem(store.key("people", team), user)
                if downs:
                    pipe.zrem(unhelpful, *downs)
                if questions:
                    pipe.zrem(unanswered, *questions)
                pipe.delete(store.key("profile", team, user))
                pipe.delete(store.key("throttle", "key-check", team, user))
                results = await pipe.execute()
        votes = sum(int(removed) for removed in results[: len(vote_keys)])
        return Forgotten(steps=int(steps), votes=votes, questions=len(questions))
