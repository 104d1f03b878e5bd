"""Once-only delivery: each Slack event is answered once, and no signed request is accepted twice.

Slack retries an event it thinks was lost; an attacker may replay a request they saw.
The first process to claim an event id (or a request signature) in Redis handles it;
every other copy, in this process or another, is dropped.

Claims are ``SET key 1 NX EX``. They run before every ack (bot.slack.admission), so a
request's claims and those of the requests that arrived with it go to Redis together, in
one script call: under a burst, a command per claim would cost the web process more than
everything else it does before the ack. When Redis is down or slow, requests go through
unclaimed: availability matters more, and timestamps still bound replays to five minutes.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import redis.asyncio as redis

from bot.errors import StoreUnavailable
from bot.state import schema, store

log = logging.getLogger(__name__)

# Slack's last retry of an event comes about five minutes after the original.
CLAIM_SECONDS = 600

# Slack signs every delivery afresh and Bolt refuses timestamps more than five minutes
# away from our clock, in either direction: remembering signatures for ten minutes covers
# the whole window even when our clock is off.
SIGNATURE_SECONDS = 600

# Claims run before the ack, so they get a small slice of Slack's 3 seconds.
CLAIM_TIMEOUT = 0.5


@dataclass(frozen=True)
class Delivery:
    """What Redis says about a request before it is acked: replayed? repeated?"""

    fresh: bool  # its signature was never seen: not a replay
    first: bool  # the first delivery of its event (True when it carries no event)


class Deliveries:
    """Claims on Slack event ids and request signatures, shared by every process."""

    def __init__(self, client: redis.Redis, *, scripted: bool = True) -> None:
        self._claims = _Claims(client, scripted=scripted)

    async def admit(self, signature: str, event_id: str) -> Delivery:
        """The replay check and the event's once-only claim of a request, in one batch.

        A request waits on one future: no tasks, no gather, under a burst that matters.
        """
        claims = []
        if signature:
            claims.append((schema.SIGNATURE.key(signature), SIGNATURE_SECONDS))
        if event_id:
            claims.append((schema.EVENT.key(event_id), CLAIM_SECONDS))
        if not claims:
            return Delivery(fresh=True, first=True)
        try:
            results = await self._claims.claim(claims)
        except StoreUnavailable:
            # Timestamps still bound replays to five minutes, and answering an event twice
            # is better than never answering while Redis is away.
            if event_id:
                log.warning("Event %s handled without a dedupe claim: Redis unavailable", event_id)
            return Delivery(fresh=True, first=True)
        fresh = results[0] if signature else True
        first = results[-1] if event_id else True
        return Delivery(fresh=fresh, first=first)


Claim = tuple[str, int]  # a key and how many seconds it is held

# Claims a batch in one command: KEYS are the claims, ARGV their seconds; 1 where this
# call set the key. A pipeline of SETs would cost the client a command to pack and a
# reply to parse per claim: most of what the ack of a request costs beyond Bolt's own.
CLAIM_ALL = """
local claimed = {}
for i, key in ipairs(KEYS) do
  claimed[i] = redis.call('SET', key, '1', 'NX', 'EX', ARGV[i]) and 1 or 0
end
return claimed
"""


class _Claims:
    """``SET NX EX`` claims, gathered from one turn of the event loop into one script call."""

    def __init__(self, client: redis.Redis, *, scripted: bool) -> None:
        # redis-py sends the script by its hash and loads it again when Redis lost it
        # (after a restart). The embedded store runs no Lua: it gets a pipeline instead,
        # which costs nothing there (no network, one process). So does a cluster: a script
        # runs in one slot, and claims are in every slot; redis-py sends the pipeline's
        # SETs to each primary in one round trip (bench/claims.py measures the cost).
        self._client = client
        one_script = scripted and not store.clustered(client)
        self._claim_all = client.register_script(CLAIM_ALL) if one_script else None
        self._waiting: list[tuple[list[Claim], asyncio.Future[list[bool]]]] = []
        self._sending: set[asyncio.Task[None]] = set()  # held so they are not collected

    async def claim(self, claims: list[Claim]) -> list[bool]:
        """For each claim, True when this call set its key; StoreUnavailable when Redis
        is down or slow."""
        claimed: asyncio.Future[list[bool]] = asyncio.get_running_loop().create_future()
        if not self._waiting:
            # The first claim of a turn starts the task that sends the batch: it runs at the
            # loop's next turn, once the callers of this one joined (a callback starting the
            # task would cost every ack one more turn of a busy loop).
            task = asyncio.ensure_future(self._send())
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)
        self._waiting.append((claims, claimed))
        return await claimed

    async def _send(self) -> None:
        batch, self._waiting = self._waiting, []
        await self._execute(batch)

    async def _set_all(self, names: list[str], seconds: list[int]) -> list[int]:
        """``SET name 1 NX EX seconds`` for each name; 1 where this call set it."""
        if self._claim_all is not None:
            return list(await self._claim_all(keys=names, args=seconds))
        async with self._client.pipeline(transaction=False) as pipe:
            for name, held in zip(names, seconds, strict=True):
                pipe.set(name, "1", nx=True, ex=held)
            return [1 if claimed else 0 for claimed in await pipe.execute()]

    async def _execute(self, batch: list[tuple[list[Claim], asyncio.Future[list[bool]]]]) -> None:
        names = [name for claims, _ in batch for name, _ in claims]
        seconds = [held for claims, _ in batch for _, held in claims]
        try:
            async with asyncio.timeout(CLAIM_TIMEOUT), store.available():
                results = iter(await self._set_all(names, seconds))
            for claims, claimed in batch:
                answers = [bool(next(results)) for _ in claims]
                if not claimed.done():
                    claimed.set_result(answers)
        except StoreUnavailable:
            pass  # store.available() logged it
        except TimeoutError:
            log.warning(
                "Redis took over %.1f s to claim: requests go through unclaimed", CLAIM_TIMEOUT
            )
        except Exception:
            log.exception("Claiming failed: requests go through unclaimed")
        finally:
            # Whatever went wrong (even a cancelled task), no request waits forever.
            for _, claimed in batch:
                if not claimed.done():
                    claimed.set_exception(StoreUnavailable())
