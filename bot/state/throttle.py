"""Throttles in Redis, shared by every process: so the bot cannot be used to test guessed keys."""

from __future__ import annotations

import redis.asyncio as redis

from bot.errors import Throttled
from bot.person import Person
from bot.state import schema, store
from bot.strings import Phrase

# A person setting up Mistral checks a key or two; five in five minutes is generous for
# them and useless for someone trying guessed keys.
KEY_CHECKS = 5
KEY_CHECK_WINDOW = 300


class Throttle:
    """Counts attempts per person in a fixed window."""

    def __init__(
        self, client: redis.Redis, *, limit: int = KEY_CHECKS, window: int = KEY_CHECK_WINDOW
    ) -> None:
        self._redis = client
        self.limit = limit
        self.window = window

    async def spend(self, person: Person, what: str = "key-check") -> None:
        """Count one attempt; raise Throttled past the limit (StoreUnavailable if Redis is down)."""
        name = schema.THROTTLE.key(what, person.team, person.user)
        async with store.available(), self._redis.pipeline(transaction=True) as pipe:
            # The window starts at the first attempt and is not extended by later ones.
            pipe.set(name, 0, ex=self.window, nx=True)
            pipe.incr(name)
            pipe.ttl(name)
            _, count, ttl = await pipe.execute()
        if int(count) > self.limit:
            wait = max(int(ttl), 1)
            raise Throttled(
                "throttled",
                wait,
                limit=self.limit,
                window=_duration(self.window),
                wait=_duration(wait),
            )


def _duration(seconds: int) -> Phrase:
    if seconds < 90:
        return Phrase.of("seconds_count", count=seconds)
    return Phrase.of("minutes_count", count=round(seconds / 60))
