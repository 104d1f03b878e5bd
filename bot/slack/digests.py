"""The weekly digest and the team chart, DMed to a workspace's admin.

The chart goes up with ``files_upload_v2`` into the admin's DM with the bot (opened with
``conversations.open``): a file shared there is one the admin can open, which an image
block in App Home needs too. Slack's errors are raised: whoever sends (the sweep, the
command line) decides whether to try again.
"""

from __future__ import annotations

import logging

import aiohttp
from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot import strings
from bot.domain.assistant import Assistant
from bot.services import Services
from bot.slack.installations import RedisInstallationStore
from bot.slack.sending import post
from bot.strings import Language

log = logging.getLogger(__name__)

CHART_FILENAME = "mistral-setup-team.png"


async def send_digest(
    client: AsyncWebClient,
    assistant: Assistant,
    team: str,
    workspace: str,
    user: str,
    language: Language | None,
) -> None:
    """DM ``user`` the digest of ``workspace`` (``team`` itself, or one workspace of the
    organisation ``team``) in ``language`` (or the workspace's), the chart with it."""
    digest = await assistant.digest(team, workspace, language)
    channel = await dm_channel(client, user)
    await post(client, digest, channel=channel)
    try:
        png = await assistant.chart(team, digest.language, workspace)
        await upload_chart(client, channel, png, digest.language)
    except (SlackClientError, aiohttp.ClientError, TimeoutError) as error:
        # The digest went: without its chart it must not go again (files:write missing,
        # say, would otherwise repeat it all day).
        log.warning("Digest for %s of %s sent without its chart (%s)", user, team,
                    type(error).__name__)  # fmt: skip


async def dm_channel(client: AsyncWebClient, user: str) -> str:
    """The bot's DM with ``user``."""
    opened = await client.conversations_open(users=user)
    return str(opened["channel"]["id"])


async def upload_chart(client: AsyncWebClient, channel: str, png: bytes, language: Language) -> str:
    """Upload the chart into ``channel``; its file id."""
    uploaded = await client.files_upload_v2(
        channel=channel,
        content=png,
        filename=CHART_FILENAME,
        title=strings.text(language, "chart_heading"),
    )
    return str(uploaded["file"]["id"])


async def client_for(
    services: Services, team: str, like: AsyncWebClient | None = None
) -> AsyncWebClient | None:
    """A Web API client with ``team``'s token: SLACK_BOT_TOKEN, or the token its "Add to
    Slack" install keeps (``E…``: an organisation's org-wide install); None without one
    (the workspace uninstalled the app, or its token was revoked); TokenUnreadable when no
    key of TOKEN_ENCRYPTION_KEYS decrypts its token. ``like``, the app's own client, lends
    its HTTP session, timeout and retries."""
    settings = services.settings
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    if token is None:
        org_wide = team.startswith("E")
        installs = RedisInstallationStore(services.redis, settings.token_cipher())
        bot = await installs.readable_bot(
            enterprise_id=team if org_wide else None,
            team_id=None if org_wide else team,
            is_enterprise_install=org_wide,
        )
        token = bot.bot_token if bot else None
    if token is None:
        return None
    if like is None:
        return AsyncWebClient(token=token, base_url=settings.slack_api_url)
    return AsyncWebClient(
        token=token,
        base_url=like.base_url,
        session=like.session,
        timeout=like.timeout,
        retry_handlers=like.retry_handlers,
        logger=like.logger,
    )
