"""Throttles in Redis, shared by every process: so the bot cannot be used to test guessed keys."""

from __future__ import annotations

import redis.asyncio as redis

from bot.errors import Throttled
from bot.person import Person
from bot.state import store

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
        name = store.key("throttle", what, person.team, person.user)
        async with store.available(), self._redis.pipeline(transaction=True) as pipe:
            # The window starts at the first attempt and is not extended by later ones.
            pipe.set(name, 0, ex=self.window, nx=True)
            pipe.incr(name)
            pipe.ttl(name)
            _, count, ttl = await pipe.execute()
        if int(count) > self.limit:
            wait = max(int(ttl), 1)
            raise Throttled(
                f"That's {self.limit} key checks in {self.window // 60} minutes, my limit, so "
                f"that nobody can use me to try out guessed keys. Try again in {_duration(wait)}.",
                retry_after=wait,
            )


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{round(seconds / 60)} minutes"
