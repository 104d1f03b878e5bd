"""Version 1's keys under version 2's names: ``python -m bot migrate``.

Version 2 put the workspace (or the install) in every key as its hash tag
(``bot.state.schema``). Each key named as version 1 named it is renamed to the name its
kind gives it now, one key at a time, with ``RENAMENX``: the value moves whole, with its
time to live, in one step, so a migration stopped anywhere leaves each key under one name
or the other, and running it again moves what is left. A key whose new name is taken (a
bot of this version ran before the migration and wrote it) is left where it is and named in
the report, for the operator to look at; nothing is overwritten. Where version 2 added a
workspace to a kind's parts (a digest's claim, the chart, a cached profile), a version 1
key's workspace is its team, as it was for every workspace but an organisation's: a digest
sent the week of the upgrade is not sent again.

Version 1 ran on one server (a cluster could not serve it), so this runs on one server or
a Sentinel's master; to move to a cluster afterwards, ``redis-cli --cluster import`` copies
every key (``export`` and ``import`` carry people's data, not tokens or settings).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import redis.asyncio as redis
from redis.exceptions import ResponseError

from bot.state import schema, store


class MigrationRefused(ValueError):
    """The migration cannot run against this Redis; says why and what to do."""


@dataclass
class Migrated:
    """What a run did: keys moved, by kind; keys left because their new name was taken or
    no kind declares them."""

    moved: Counter[str] = field(default_factory=Counter)
    taken: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report, one line each, for the terminal."""
        total = sum(self.moved.values())
        found = ", ".join(f"{kind} {count}" for kind, count in sorted(self.moved.items()))
        lines = [f"moved {total} key(s) to {schema.PREFIX}" + (f": {found}" if found else "")]
        lines += [f"left, its new name is taken: {name}" for name in self.taken]
        lines += [f"left, no kind declares it: {name}" for name in self.unknown]
        return lines


async def migrate(client: redis.Redis) -> Migrated:
    """Rename every key of version 1 to its version 2 name (StoreUnavailable if Redis is
    down; MigrationRefused on a cluster)."""
    if store.clustered(client):
        raise MigrationRefused(
            "migrate runs on the one server version 1 used (a cluster cannot rename across "
            "slots): migrate there, then copy the keys with `redis-cli --cluster import`"
        )
    done = Migrated()
    async with store.available():
        old = [str(name) async for name in client.scan_iter(match=f"{schema.LEGACY_PREFIX}:*")]
        for name in sorted(old):
            found = schema.renamed(name)
            if found is None:
                done.unknown.append(name)
            else:
                kind, new = found
                await _move(client, name, new, kind.name, done)
    return done


async def _move(client: redis.Redis, name: str, new: str, kind: str, done: Migrated) -> None:
    try:
        if await client.renamenx(name, new):
            done.moved[kind] += 1
        elif await client.exists(name):  # not moved meanwhile by another run
            done.taken.append(name)
    except ResponseError as error:
        # A key that expired (a claim, a throttle) or that another run moved since the
        # SCAN: nothing is left to move.
        if "no such key" not in str(error).lower():
            raise
