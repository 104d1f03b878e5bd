"""Installs of the app ("Add to Slack"), set up one way for every test.

- The workspaces tests install: ``DEFAULT`` (the workspace test requests default to), ``ACME``,
  ``GLOBEX``, and Initech's Enterprise Grid organisation installed org-wide, ``INITECH_ORG``.
- A running shared deployment with some installed through the OAuth flow, as a browser installs
  them: the fixtures ``shared`` (``DEFAULT`` only), ``two_workspaces`` (and ACME and Globex) and
  ``org_wide`` (and Initech org-wide); ``shared_deployment(..., *installed)`` when the test
  stops the deployment itself (to run the shell after it, or start it again).
- Its settings: ``add_to_slack_settings`` for the web app in the test, ``ADD_TO_SLACK_ENV`` for
  a subprocess of the bot.
- ``save_installs``: installs written straight into the store, for a test of what reads them.
"""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import redis.asyncio as aioredis

from bot.cipher import Cipher
from bot.settings import Settings
from bot.slack.installations import RedisInstallationStore
from bot.slack.oauth import BOT_SCOPES
from tests.conftest import RunningBot, bot_settings, running_bot
from tests.fakes.slack_api import FakeSlackApi, Install
from tests.slack_requests import TEAM, TOKEN_KEY, app_mention, event_callback

DEFAULT = Install(TEAM, "Test")
ACME = Install("TACME", "Acme")
GLOBEX = Install("TGLOBEX", "Globex")
INITECH_ORG = Install(None, None, "EINITECH", "Initech", org_wide=True)

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "client-secret"

# A subprocess of the bot as one shared deployment ("Add to Slack"); SLACK_BOT_TOKEN stays unset.
ADD_TO_SLACK_ENV = {
    "SLACK_CLIENT_ID": CLIENT_ID,
    "SLACK_CLIENT_SECRET": CLIENT_SECRET,
    "TOKEN_ENCRYPTION_KEYS": TOKEN_KEY,
}


def add_to_slack_settings(slack_api: FakeSlackApi, redis_url: str, **overrides: Any) -> Settings:
    """The settings of one shared deployment: no bot token, a client id and secret, and
    TOKEN_KEY to encrypt the tokens; ``overrides`` replace any of them."""
    values: dict[str, Any] = {
        "slack_bot_token": None,
        "slack_client_id": CLIENT_ID,
        "slack_client_secret": CLIENT_SECRET,
        "token_encryption_keys": TOKEN_KEY,
    }
    values.update(overrides)
    return bot_settings(slack_api, redis_url, **values)


@contextlib.asynccontextmanager
async def shared_deployment(
    slack_api: FakeSlackApi, redis_url: str, *installed: Install, **overrides: Any
) -> AsyncIterator[RunningBot]:
    """The web app as one shared deployment, with ``DEFAULT`` and then each of ``installed``
    installed through the OAuth flow; ``overrides`` change its settings."""
    async with running_bot(
        add_to_slack_settings(slack_api, redis_url, **overrides), slack_api
    ) as bot:
        # The workspace the test requests default to (bot.drain() uses it) is installed too.
        for workspace in (DEFAULT, *installed):
            await install(bot.http, slack_api, workspace)
        yield bot


@pytest.fixture
async def shared(
    slack_api: FakeSlackApi, redis_url: str, redis_client: aioredis.Redis
) -> AsyncIterator[RunningBot]:
    """A shared deployment that only ``DEFAULT`` has installed."""
    async with shared_deployment(slack_api, redis_url) as bot:
        yield bot


@pytest.fixture
async def two_workspaces(
    slack_api: FakeSlackApi, redis_url: str, redis_client: aioredis.Redis
) -> AsyncIterator[RunningBot]:
    """A shared deployment that ACME and Globex installed, each with its own token."""
    async with shared_deployment(slack_api, redis_url, ACME, GLOBEX) as bot:
        yield bot


@pytest.fixture
async def org_wide(
    slack_api: FakeSlackApi, redis_url: str, redis_client: aioredis.Redis
) -> AsyncIterator[RunningBot]:
    """A shared deployment that Initech's organisation installed org-wide (its workspaces
    T1, T2… in requests signed with ``enterprise="EINITECH", org_wide=True``)."""
    async with shared_deployment(slack_api, redis_url, INITECH_ORG) as bot:
        yield bot


async def install(
    http: httpx.AsyncClient, slack_api: FakeSlackApi, workspace: Install
) -> httpx.Response:
    """What a browser does: open Add to Slack, approve in Slack, come back with the code."""
    state = await start_install(http)
    code = slack_api.add_install(workspace)
    return await http.get(
        "/slack/oauth_redirect",
        params={"code": code, "state": state},
        headers={"Cookie": f"slack-app-oauth-state={state}"},
    )


async def start_install(http: httpx.AsyncClient) -> str:
    """Open the Add to Slack page; the state its button carries to Slack."""
    page = await http.get("/slack/install")
    assert page.status_code == 200
    authorize = urlsplit(html.unescape(re.search(r'href="([^"]+)"', page.text)[1]))  # type: ignore[index]
    assert (authorize.netloc, authorize.path) == ("slack.com", "/oauth/v2/authorize")
    query = parse_qs(authorize.query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"] == [",".join(BOT_SCOPES)]
    assert f"slack-app-oauth-state={query['state'][0]}" in page.headers["set-cookie"]
    return query["state"][0]


async def save_installs(
    redis_client: aioredis.Redis, slack_api: FakeSlackApi, *workspaces: Install
) -> None:
    """``workspaces`` installed without the OAuth flow: saved straight into the store as the
    flow saves them (tokens encrypted with TOKEN_KEY), and their tokens known to Slack."""
    store = RedisInstallationStore(redis_client, Cipher([TOKEN_KEY]))
    for workspace in workspaces:
        slack_api.add_install(workspace)
        await store.async_save(workspace.installation())


async def mention(bot: RunningBot, workspace: Install, text: str) -> None:
    """Mention ``workspace``'s bot user with ``text`` in one of its channels."""
    event = app_mention(f"<@{workspace.bot_user_id}> {text}")
    await bot.send(
        event_callback(event, team=str(workspace.team_id), bot_user=workspace.bot_user_id)
    )
