"""Throttles in Redis, shared by every process: so the bot cannot be used to test guessed keys.

Each person has a few key checks in a few minutes, and each workspace a budget of them an
hour: many people (or many accounts) of one workspace cannot turn the bot into a key oracle
or spend Mistral's patience with the whole deployment. Neither is personal data, so
``forget`` leaves both: forgetting oneself does not reset a limit.
"""

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
# Requests to Mistral (key checks, limit readings) per workspace an hour.
WORKSPACE_CHECKS = 100
WORKSPACE_WINDOW = 3600


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
        await _count(self._redis, name, self.limit, self.window, "throttled")


class Budget:
    """Counts requests to Mistral per workspace in a fixed window."""

    def __init__(
        self, client: redis.Redis, *, limit: int = WORKSPACE_CHECKS, window: int = WORKSPACE_WINDOW
    ) -> None:
        self._redis = client
        self.limit = limit
        self.window = window

    async def spend(self, person: Person, what: str = "mistral") -> None:
        """Count one request of ``person``'s workspace; raise Throttled past its budget."""
        name = schema.BUDGET.key(what, person.settings_key)
        await _count(self._redis, name, self.limit, self.window, "workspace_budget")


async def _count(client: redis.Redis, name: str, limit: int, window: int, says: str) -> None:
    """Count one attempt at ``name``; raise Throttled (saying ``says``) past ``limit``."""
    async with store.available(), client.pipeline(transaction=True) as pipe:
        # The window starts at the first attempt and is not extended by later ones.
        pipe.set(name, 0, ex=window, nx=True)
        pipe.incr(name)
        pipe.ttl(name)
        _, count, ttl = await pipe.execute()
    if int(count) > limit:
        wait = max(int(ttl), 1)
        raise Throttled(says, wait, limit=limit, window=_duration(window), wait=_duration(wait))


def _duration(seconds: int) -> Phrase:
    if seconds < 90:
        return Phrase.of("seconds_count", count=seconds)
    return Phrase.of("minutes_count", count=round(seconds / 60))
