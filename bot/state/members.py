"""Who of an organisation's people was seen in which of its workspaces (org-wide installs).

An Enterprise Grid org-wide install keys people by the organisation, since their user ids
are the same in every workspace of it; an admin of one workspace must still see only that
workspace's people. So whenever someone of an org-wide install acts (a step, a question, a
vote), they are added to their workspace's set in the same round trip as the rest
(``write_seen``), and the admins' views keep only the people of the admin's workspace
(``Seen``). Someone seen in two workspaces shows in both. A workspace's own install (not
org-wide) keeps no such sets: its team is its people.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis.asyncio as redis

from bot.person import Person
from bot.state import schema, store


@dataclass(frozen=True)
class Seen:
    """The people an admin's view shows: everyone of the team (``users`` None), or those
    seen in one workspace of an organisation."""

    users: frozenset[str] | None = None

    def __contains__(self, user: object) -> bool:
        return self.users is None or user in self.users


EVERYONE = Seen()


def write_seen(pipe: redis.client.Pipeline, person: Person) -> None:
    """Add to ``pipe`` the command that keeps the person's workspace within their
    organisation (nothing when their team is the workspace)."""
    workspace = person.org_workspace
    if workspace:
        pipe.sadd(schema.MEMBERS.key(person.team, workspace), person.user)
        pipe.sadd(schema.ORG_WORKSPACES.key(person.team), workspace)


class Members:
    """Reads and deletes who was seen in each workspace of an organisation."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    async def seen(self, team: str, workspace: str) -> Seen:
        """The people of ``workspace`` within the organisation ``team``; everyone when
        ``workspace`` is "" (the team is the workspace)."""
        if not workspace:
            return EVERYONE
        async with store.available():
            users = await self._redis.smembers(schema.MEMBERS.key(team, workspace))
        return Seen(frozenset(map(str, users)))

    async def workspaces(self, team: str) -> list[str]:
        """The workspaces of the organisation ``team`` where anyone was seen."""
        async with store.available():
            return sorted(map(str, await self._redis.smembers(schema.ORG_WORKSPACES.key(team))))

    async def organisation_of(self, workspace: str) -> str | None:
        """The organisation whose org-wide install serves ``workspace``, when anyone was
        seen there; None otherwise (the workspace is a team of its own)."""
        async with store.available():
            names = await schema.scan(self._redis, schema.MEMBERS.glob(workspace=workspace))
        found = sorted(
            {parts["team"] for name in names if (parts := schema.MEMBERS.parts_of(name))}
        )
        return found[0] if found else None

    async def forget_workspace(self, team: str, workspace: str) -> None:
        """The organisation took ``workspace`` away from its install: who was seen there,
        its Slack admins and its own weekly counts go (what its people did stays the
        organisation's)."""
        async with store.available():
            names = await schema.scan(
                self._redis, schema.WORKSPACE_WEEK_COUNTS.glob(team=team, workspace=workspace)
            )
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.delete(
                    schema.MEMBERS.key(team, workspace),
                    schema.WORKSPACE_ADMINS.key(team, workspace),
                    *names,
                )
                pipe.srem(schema.ORG_WORKSPACES.key(team), workspace)
                await pipe.execute()
