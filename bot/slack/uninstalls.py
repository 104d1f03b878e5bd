"""A workspace leaving: uninstalled, its token revoked, or taken away from an org install.

Its token is deleted at once (this process stops using it; others within seconds), and
when the app is uninstalled, so is everything kept about its people and its settings,
with a log line saying what went. With SLACK_BOT_TOKEN (one workspace, no install
records) only the data goes.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext

from bot.slack.context import exchange_of, installs_of, owed
from bot.slack.payloads import workspace_of

log = logging.getLogger(__name__)


def register(app: AsyncApp) -> None:
    """A workspace leaving: uninstalled, its tokens revoked, or an org removing a workspace."""
    app.event("app_uninstalled")(owed(on_app_uninstalled))
    app.event("tokens_revoked")(owed(on_tokens_revoked))
    app.event("team_access_revoked")(owed(on_team_access_revoked))


async def on_app_uninstalled(body: dict[str, Any], context: AsyncBoltContext) -> None:
    """The workspace (or organisation) uninstalled the app: forget its token, its
    settings and notes and everything kept about its people."""
    await _forget_install(context)
    workspace = workspace_of(context, body)
    deleted = await exchange_of(context).assistant.forget_workspace(workspace)
    log.info(
        "Workspace %s uninstalled the app: deleted its token, its settings and notes, the "
        "progress of %d people (%d steps), %d votes and %d logged questions",
        workspace,
        len(deleted.progress),
        sum(len(person.done) for person in deleted.progress),
        len(deleted.votes),
        len(deleted.questions),
    )


async def on_tokens_revoked(event: dict[str, Any], context: AsyncBoltContext) -> None:
    """The bot's token was revoked: it is deleted, so the workspace is no longer served
    (its people's data goes when the app is uninstalled)."""
    if (event.get("tokens") or {}).get("bot"):
        await _forget_install(context)
        enterprise, team = _install_of(context)
        log.info("The bot token of team %s enterprise %s was revoked", team, enterprise)


async def on_team_access_revoked(event: dict[str, Any], context: AsyncBoltContext) -> None:
    """An organisation took workspaces away from its org-wide install: their settings and
    notes, and who was seen in them go (what its people did stays the organisation's), and any
    install of their own."""
    assistant, installs = exchange_of(context).assistant, installs_of(context)
    enterprise = context.enterprise_id
    teams = [str(team) for team in event.get("team_ids") or []]
    for team in teams:
        if installs is not None:
            await installs.forget(enterprise, team)
        if enterprise:
            await assistant.forget_org_workspace(enterprise, team)
    log.info("Enterprise %s revoked access for teams %s", enterprise, ", ".join(teams) or "-")


def _install_of(context: AsyncBoltContext) -> tuple[str | None, str | None]:
    """The (enterprise, team) of the install a request is for; no team when org-wide."""
    enterprise, team = context.enterprise_id, context.team_id
    return enterprise, None if context.is_enterprise_install else team


async def _forget_install(context: AsyncBoltContext) -> None:
    """Delete the request's install, when installs are kept ("Add to Slack")."""
    installs = installs_of(context)
    if installs is not None:
        enterprise, team = _install_of(context)
        await installs.forget(enterprise, team)
