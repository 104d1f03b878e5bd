"""What the bot keeps about a person, in one place, and forgetting it on request."""

from __future__ import annotations

import json
from dataclasses import dataclass

import redis.asyncio as redis

from bot import store
from bot.content import Content
from bot.progress import Person


@dataclass(frozen=True)
class Forgotten:
    """What was deleted."""

    steps: int
    votes: int
    questions: int


class Privacy:
    """Knows every key the bot keeps about a person."""

    def __init__(self, client: redis.Redis, content: Content) -> None:
        self._redis = client
        self._content = content

    async def forget(self, person: Person) -> Forgotten:
        """Delete everything kept about ``person``: progress, votes, logged questions, caches."""
        return await _forget(self._redis, self._content, person)


async def _forget(client: redis.Redis, content: Content, person: Person) -> Forgotten:
    team, user = person.team, person.user
    async with store.available():
        steps = await client.scard(store.key("progress", team, user))
        unanswered = store.key("unanswered", team)
        entries = [str(entry) for entry in await client.zrange(unanswered, 0, -1)]
        mine = [entry for entry in entries if json.loads(entry).get("user") == user]
        async with client.pipeline(transaction=True) as pipe:
            pipe.delete(store.key("progress", team, user))
            pipe.zrem(store.key("people", team), user)
            for card in content.cards:
                pipe.hdel(store.key("feedback", team, card.topic), user)
                pipe.zrem(store.key("unhelpful", team), f"{card.topic}|{user}")
            if mine:
                pipe.zrem(unanswered, *mine)
            pipe.delete(store.key("profile", team, user))
            pipe.delete(store.key("throttle", "key-check", team, user))
            results = await pipe.execute()
    votes = sum(results[2 : 2 + 2 * len(content.cards) : 2])
    return Forgotten(steps=int(steps), votes=int(votes), questions=len(mine))
