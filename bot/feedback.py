"""Signals for the content's authors: helpful / not helpful votes and unanswered questions."""

from __future__ import annotations

import json
import time

import redis.asyncio as redis

from bot import store
from bot.progress import Person

# Keep the newest unanswered questions only: enough for authors to see patterns,
# bounded so a noisy channel cannot grow Redis without limit.
UNANSWERED_KEPT = 1000


class FeedbackStore:
    """Votes per topic and the log of questions the guide did not cover."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    async def vote(self, person: Person, topic: str, *, helpful: bool) -> None:
        """Record a vote; a person's latest vote on a topic replaces their earlier one."""
        async with store.available():
            await self._redis.hset(
                store.key("feedback", person.team, topic),
                person.user,
                "up" if helpful else "down",
            )

    async def tally(self, team: str, topic: str) -> tuple[int, int]:
        """(helpful, not helpful) votes on a topic."""
        async with store.available():
            votes = await self._redis.hvals(store.key("feedback", team, topic))
        return votes.count("up"), votes.count("down")

    async def unanswered(self, person: Person, question: str) -> None:
        """Log a question the guide did not cover."""
        entry = json.dumps({"user": person.user, "question": question, "at": time.time()})
        async with store.available(), self._redis.pipeline(transaction=True) as pipe:
            pipe.lpush(store.key("unanswered", person.team), entry)
            pipe.ltrim(store.key("unanswered", person.team), 0, UNANSWERED_KEPT - 1)
            await pipe.execute()

    async def recent_unanswered(self, team: str, count: int = 50) -> list[dict[str, object]]:
        async with store.available():
            raw = await self._redis.lrange(store.key("unanswered", team), 0, count - 1)
        return [json.loads(item) for item in raw]
