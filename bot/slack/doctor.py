"""``python -m bot doctor``: is this deployment set up right? Each check says ok, warning or
broken, and what to do about it in one line.

It asks the services the bot runs on, as the bot does: Slack with each workspace's token
(``auth.test`` and the scopes Slack says it granted, ``conversations.info`` for the help
channels), Redis (answers, keeps data on disk), Mistral's API (answers, no key needed). With
"Add to Slack" it checks every installed workspace, or the one named.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import MistralUnreachable, StoreUnavailable
from bot.services import Services
from bot.slack.app import configure_client
from bot.slack.installations import RedisInstallationStore
from bot.slack.oauth import BOT_SCOPES
from bot.state import store

State = Literal["ok", "warning", "broken"]

# What a failure to reach Slack at all looks like from slack_sdk's aiohttp client.
_UNREACHABLE = (aiohttp.ClientError, OSError, TimeoutError)

REINSTALL = (
    "add them under OAuth & Permissions (manifest.yml lists every scope) and reinstall the app"
)


@dataclass(frozen=True)
class Finding:
    """One check's outcome: what was found and, unless it is ok, the fix."""

    state: State
    check: str
    found: str
    fix: str = ""

    def __str__(self) -> str:
        line = f"{self.state:<8}{self.check}: {self.found}"
        return f"{line}\n{'':<8}fix: {self.fix}" if self.fix else line


def broken(findings: Sequence[Finding]) -> bool:
    return any(finding.state == "broken" for finding in findings)


class Doctor:
    """The checks, over the services the composition root built for the command."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._settings = services.settings

    async def examine(self, workspace: str | None = None) -> list[Finding]:
        """Every check, in the order an operator fixes things; ``workspace``: only that one."""
        findings = [self._mode(), *self._add_to_slack()]
        findings += await self._redis()
        findings.append(await self._mistral())
        if self._settings.slack_enabled:
            findings += await self._app_token()
            findings += await self._workspaces(workspace)
        return findings

    def _mode(self) -> Finding:
        settings = self._settings
        if not settings.slack_enabled:
            return Finding(
                "broken",
                "slack",
                "no SLACK_BOT_TOKEN and no SLACK_CLIENT_ID/SLACK_CLIENT_SECRET: "
                "the bot runs as a local console",
                "set SLACK_BOT_TOKEN (one workspace) or the client credentials (Add to Slack)",
            )
        if settings.slack_app_token is not None:
            return Finding("ok", "mode", "Socket Mode (SLACK_APP_TOKEN is set)")
        if settings.slack_signing_secret is None:
            return Finding(
                "broken",
                "mode",
                "HTTP mode without SLACK_SIGNING_SECRET: every request would be refused",
                "copy the Signing Secret from Basic Information into SLACK_SIGNING_SECRET",
            )
        return Finding("ok", "mode", "HTTP mode (SLACK_SIGNING_SECRET is set)")

    def _add_to_slack(self) -> list[Finding]:
        settings = self._settings
        if not settings.distributed:
            return []
        # Settings refuse to load without the client secret, REDIS_URL or valid
        # TOKEN_ENCRYPTION_KEYS; the install pages also need the signing secret.
        if settings.slack_signing_secret is None:
            return [
                Finding(
                    "broken",
                    "add to slack",
                    "SLACK_SIGNING_SECRET is not set: the install pages run in the web "
                    "process, which needs it",
                    "copy the Signing Secret from Basic Information into SLACK_SIGNING_SECRET",
                )
            ]
        return [
            Finding(
                "ok",
                "add to slack",
                "client id and secret, signing secret, REDIS_URL and valid "
                "TOKEN_ENCRYPTION_KEYS are set",
            )
        ]

    async def _redis(self) -> list[Finding]:
        services = self._services
        if services.embedded_store:
            return [
                Finding(
                    "warning",
                    "redis",
                    "REDIS_URL is not set: progress is kept in this process and lost when it stops",
                    "set REDIS_URL to a Redis that keeps its data (AOF)",
                )
            ]
        if not await store.ping(services.redis):
            return [
                Finding(
                    "broken",
                    "redis",
                    "REDIS_URL does not answer",
                    "check REDIS_URL (host, port, password, TLS with rediss://) and the network",
                )
            ]
        kept = await store.persistence(services.redis)
        if kept == "none":
            return [
                Finding(
                    "warning",
                    "redis",
                    "answers, but keeps nothing on disk: a restart loses everyone's progress",
                    "turn on AOF (appendonly yes, appendfsync everysec), or use a managed Redis "
                    "with persistence",
                )
            ]
        if kept in ("unknown", "unreachable"):
            return [
                Finding(
                    "warning",
                    "redis",
                    "answers; whether it keeps data on disk is not known (CONFIG is refused)",
                    "check in your provider's settings that persistence is on",
                )
            ]
        return [Finding("ok", "redis", f"answers, keeps data on disk ({kept})")]

    async def _mistral(self) -> Finding:
        url = self._settings.mistral_api_url
        try:
            status = await self._services.mistral.answers()
        except MistralUnreachable:
            return Finding(
                "broken",
                "mistral",
                f"{url} does not answer",
                "check MISTRAL_API_URL and that this host may reach it (proxy, firewall)",
            )
        if status >= 500:
            return Finding(
                "warning",
                "mistral",
                f"{url} answers with HTTP {status}: key checks fail until it recovers",
                "wait, or look at Mistral's status page",
            )
        return Finding("ok", "mistral", f"{url} answers (HTTP {status} without a key)")

    async def _app_token(self) -> list[Finding]:
        """Socket Mode's token works: apps.connections.open gives a WebSocket URL (and
        opens nothing)."""
        token = self._settings.slack_app_token
        if token is None:
            return []
        client = self._client(token.get_secret_value())
        try:
            await client.apps_connections_open(app_token=token.get_secret_value())
        except SlackApiError as error:
            return [
                Finding(
                    "broken",
                    "app token",
                    f"Slack refused SLACK_APP_TOKEN ({error.response.get('error')})",
                    "make an app-level token with connections:write under Basic Information",
                )
            ]
        except _UNREACHABLE:
            return [self._slack_unreachable("app token")]
        return [Finding("ok", "app token", "valid (Socket Mode can connect)")]

    async def _workspaces(self, only: str | None) -> list[Finding]:
        settings = self._settings
        if settings.slack_bot_token is not None:
            return await self._workspace(settings.slack_bot_token.get_secret_value(), only, "")
        installs = RedisInstallationStore(self._services.redis, settings.token_cipher())
        try:
            installed = await installs.installed()
        except StoreUnavailable:
            return []  # the Redis check said so already
        chosen = [i for i in installed if only is None or only in (i.team_id, i.enterprise_id)]
        if not chosen:
            if only is not None:
                return [
                    Finding(
                        "broken",
                        only,
                        "has not installed the app",
                        "install it from https://YOUR-HOST/slack/install",
                    )
                ]
            return [
                Finding(
                    "warning",
                    "installs",
                    "no workspace has installed the app yet",
                    "open https://YOUR-HOST/slack/install and press Add to Slack",
                )
            ]
        findings = []
        for install in chosen:
            name = str(install.enterprise_id if install.org_wide else install.team_id)
            bot = await installs.async_find_bot(
                enterprise_id=install.enterprise_id,
                team_id=install.team_id,
                is_enterprise_install=install.org_wide,
            )
            if bot is None:
                findings.append(
                    Finding(
                        "broken",
                        f"{name} token",
                        "no key of TOKEN_ENCRYPTION_KEYS decrypts its bot token",
                        "add back the key that encrypted it, or have the workspace reinstall",
                    )
                )
                continue
            findings += await self._workspace(bot.bot_token, None, f"{name} ")
        return findings

    async def _workspace(self, token: str, only: str | None, prefix: str) -> list[Finding]:
        """One token: valid, granted every scope, in every help channel."""
        client = self._client(token)
        try:
            auth = await client.auth_test()
        except SlackApiError as error:
            return [
                Finding(
                    "broken",
                    f"{prefix}token",
                    f"Slack refused the bot token ({error.response.get('error')})",
                    "copy the Bot User OAuth Token again (OAuth & Permissions), or reinstall",
                )
            ]
        except _UNREACHABLE:
            return [self._slack_unreachable(f"{prefix}token")]
        team, enterprise = auth.get("team_id"), auth.get("enterprise_id")
        if only is not None and only not in (team, enterprise):
            return [
                Finding(
                    "broken",
                    "token",
                    f"SLACK_BOT_TOKEN belongs to {team}, not {only}",
                    "name the token's workspace, or set the token of the one you meant",
                )
            ]
        found = f"valid: @{auth.get('user')} in {auth.get('team')} ({team})"
        findings = [Finding("ok", f"{prefix}token", found), self._scopes(prefix, auth.headers)]
        settings_key = enterprise if enterprise and auth.get("is_enterprise_install") else team
        bot = f"@{auth.get('user')}"
        findings += await self._help_channels(client, prefix, str(settings_key), bot)
        return findings

    def _scopes(self, prefix: str, headers: Mapping[str, str]) -> Finding:
        # aiohttp's headers, which Slack's response keeps: names match in any case.
        given = headers.get("x-oauth-scopes")
        if given is None:
            return Finding(
                "warning",
                f"{prefix}scopes",
                "Slack did not say which scopes it granted (no x-oauth-scopes header)",
                "compare OAuth & Permissions with manifest.yml by hand",
            )
        granted = {scope.strip() for scope in str(given).split(",")}
        missing = [scope for scope in BOT_SCOPES if scope not in granted]
        if missing:
            return Finding(
                "broken",
                f"{prefix}scopes",
                f"missing {', '.join(missing)}: reinstall the app",
                REINSTALL,
            )
        return Finding("ok", f"{prefix}scopes", f"all {len(BOT_SCOPES)} of manifest.yml granted")

    async def _help_channels(
        self, client: AsyncWebClient, prefix: str, settings_key: str, bot: str
    ) -> list[Finding]:
        try:
            channels = (await self._services.workspaces.get(settings_key)).help_channels
        except StoreUnavailable:
            channels = self._services.workspaces.defaults.help_channels
        findings = []
        for channel in sorted(channels):
            check = f"{prefix}help channel {channel}"
            try:
                info = await client.conversations_info(channel=channel)
            except SlackApiError as error:
                findings.append(_channel_refused(check, str(error.response.get("error"))))
                continue
            except _UNREACHABLE:
                findings.append(self._slack_unreachable(check))
                continue
            about = info.get("channel") or {}
            name = f"#{about.get('name', channel)}"
            if about.get("is_member"):
                findings.append(Finding("ok", check, f"{name} exists and the bot is in it"))
            else:
                findings.append(
                    Finding(
                        "broken",
                        check,
                        f"the bot is not in {name}: it cannot read or answer there",
                        f"type /invite {bot} in {name}",
                    )
                )
        return findings

    def _client(self, token: str) -> AsyncWebClient:
        client = AsyncWebClient(token=token)
        configure_client(client, self._services)
        return client

    def _slack_unreachable(self, check: str) -> Finding:
        return Finding(
            "broken",
            check,
            f"Slack's Web API does not answer at {self._settings.slack_api_url}",
            "check SLACK_API_URL (or leave it unset) and that this host may reach Slack",
        )


def _channel_refused(check: str, error: str) -> Finding:
    if error == "missing_scope":
        # The manifest does not ask for channels:read: membership cannot be seen.
        return Finding(
            "warning",
            check,
            "Slack does not let the bot look at channels (conversations.info needs "
            "channels:read, groups:read for a private one)",
            "check by hand that the bot is in it, or add those scopes and reinstall",
        )
    if error == "channel_not_found":
        return Finding(
            "broken",
            check,
            "no such channel, or a private one the bot is not in",
            "copy the channel ID from its details into HELP_CHANNELS (or the workspace's "
            "settings in App Home), and /invite the bot",
        )
    return Finding(
        "broken", check, f"Slack refused conversations.info ({error})", "see Slack's docs"
    )
