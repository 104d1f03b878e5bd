"""Bot tokens at rest ("Add to Slack"): encrypted with TOKEN_ENCRYPTION_KEYS, kept once.

Workspaces install through the OAuth flow against the fake Slack API; then Redis, the logs
(at DEBUG, as the bot's handler writes them) and an export are searched for a token, and
the workspaces must still be served after a restart, after a key rotation, and when their
records were written in plain text before tokens were encrypted.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from pydantic import ValidationError
from slack_sdk.oauth.installation_store import Installation

from bot.cipher import Cipher, new_key
from bot.logs import FORMAT, SLACK_LOGGERS, RedactSecrets
from bot.settings import Settings
from tests.conftest import RunningBot, run_bot, running_bot
from tests.fakes.slack_api import FakeSlackApi, Install
from tests.installs import ACME, GLOBEX, add_to_slack_settings, install, mention
from tests.keyspace import stored_text
from tests.slack_requests import TOKEN_KEY

NEW_KEY = "TPetpfIatneVrCPsAGf8tJuRDR8iDW0G092koOv9J4I="

# A Slack token as written, not the redacted "xoxb-[redacted]" the log handler leaves.
_TOKEN = re.compile(r"xox[abposre]-(?!\[redacted\])")


@pytest.fixture
def bot_log() -> Iterator[io.StringIO]:
    """Everything logged at DEBUG, through the bot's redacting handler (as LOG_LEVEL=DEBUG)."""
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", *SLACK_LOGGERS)}
    root.addHandler(handler)
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield written
    finally:
        root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


async def _tokens_in_redis(client: aioredis.Redis) -> list[str]:
    return [
        str(name)
        async for name in client.scan_iter()
        if "xoxb-" in await stored_text(client, str(name))
    ]


async def _served_with_their_own_tokens(bot: RunningBot, slack_api: FakeSlackApi) -> None:
    slack_api.clear()
    for workspace in (ACME, GLOBEX):
        await mention(bot, workspace, "how do I add a card?")
    posts = await slack_api.wait_for("chat.postMessage", 2)
    assert sorted(post.token or "" for post in posts) == sorted((ACME.bot_token, GLOBEX.bot_token))


def _rotate(env: dict[str, str], redis_url: str, keys: str, cwd: Path) -> str:
    done = run_bot(
        ["rotate-tokens"], {**env, "REDIS_URL": redis_url, "TOKEN_ENCRYPTION_KEYS": keys}, cwd
    )
    assert done.returncode == 0, done.stderr
    assert "xoxb-" not in done.stdout + done.stderr
    return done.stdout


async def test_installs_leave_no_token_in_redis_logs_or_export_and_survive_restart_and_rotation(
    slack_api: FakeSlackApi,
    redis_url: str,
    redis_client: aioredis.Redis,
    bot_log: io.StringIO,
    env_without_slack: dict[str, str],
    tmp_path: Path,
) -> None:
    async with running_bot(add_to_slack_settings(slack_api, redis_url), slack_api) as bot:
        for workspace in (ACME, GLOBEX):
            assert (await install(bot.http, slack_api, workspace)).status_code == 200
        await _served_with_their_own_tokens(bot, slack_api)
        exported = (await bot.services.privacy.export()).model_dump_json()

    assert await _tokens_in_redis(redis_client) == []
    assert "oauth.v2.access" in bot_log.getvalue()  # the log really holds the install, at DEBUG
    assert _TOKEN.findall(bot_log.getvalue()) == []
    assert "xoxb-" not in exported

    async with running_bot(add_to_slack_settings(slack_api, redis_url), slack_api) as bot:
        await _served_with_their_own_tokens(bot, slack_api)  # a restart reads them back

    rotated = _rotate(env_without_slack, redis_url, f"{NEW_KEY},{TOKEN_KEY}", tmp_path)
    assert "re-encrypted 2 bot token(s)" in rotated
    new_key_only = add_to_slack_settings(slack_api, redis_url, token_encryption_keys=NEW_KEY)
    async with running_bot(new_key_only, slack_api) as bot:
        await _served_with_their_own_tokens(bot, slack_api)  # the old key is gone
    assert await _tokens_in_redis(redis_client) == []


async def test_with_old_and_new_keys_every_token_is_read_before_and_after_rotation(
    slack_api: FakeSlackApi, redis_url: str, redis_client: aioredis.Redis
) -> None:
    async with running_bot(add_to_slack_settings(slack_api, redis_url), slack_api) as bot:
        await install(bot.http, slack_api, ACME)
    both = add_to_slack_settings(
        slack_api, redis_url, token_encryption_keys=f"{NEW_KEY},{TOKEN_KEY}"
    )
    async with running_bot(both, slack_api) as bot:
        await install(bot.http, slack_api, GLOBEX)  # encrypted with the new key already
        await _served_with_their_own_tokens(bot, slack_api)


def _legacy_install(workspace: Install) -> Installation:
    return workspace.installation(installed_at=1_700_000_000.0)


async def _write_as_before(client: aioredis.Redis, workspace: Install) -> None:
    """An install as the bot kept it before TOKEN_ENCRYPTION_KEYS: two plain JSON records."""
    record = _legacy_install(workspace)
    name = f"-:{workspace.team_id}"
    await client.set(
        f"mistral-setup:v2:installation:{{{name}}}:installer", json.dumps(record.__dict__)
    )
    await client.set(
        f"mistral-setup:v2:installation:{{{name}}}:bot", json.dumps(record.to_bot().__dict__)
    )
    await client.zadd("mistral-setup:v2:installations", {name: record.installed_at})


async def test_a_plain_record_from_before_is_encrypted_on_first_read_and_nothing_is_lost(
    slack_api: FakeSlackApi, redis_url: str, redis_client: aioredis.Redis
) -> None:
    for workspace in (ACME, GLOBEX):
        slack_api.add_install(workspace)  # Slack knows their tokens
        await _write_as_before(redis_client, workspace)

    async with running_bot(add_to_slack_settings(slack_api, redis_url), slack_api) as bot:
        await mention(bot, ACME, "how do I add a card?")
        [post] = await slack_api.wait_for("chat.postMessage")
        listed = await bot.services.redis.zrange("mistral-setup:v2:installations", 0, -1)

    assert post.token == ACME.bot_token
    assert sorted(await _tokens_in_redis(redis_client)) == [
        "mistral-setup:v2:installation:{-:TGLOBEX}:bot",  # not read yet: rotate-tokens does it
        "mistral-setup:v2:installation:{-:TGLOBEX}:installer",
    ]
    acme = json.loads(str(await redis_client.get("mistral-setup:v2:installation:{-:TACME}:bot")))
    assert Cipher([TOKEN_KEY]).open(acme["sealed"]["bot_token"]) == ACME.bot_token
    assert (acme["bot_user_id"], acme["team_name"]) == (ACME.bot_user_id, "Acme")
    assert sorted(listed) == ["-:TACME", "-:TGLOBEX"]


async def test_rotate_tokens_encrypts_plain_records_from_before_too(
    slack_api: FakeSlackApi,
    redis_url: str,
    redis_client: aioredis.Redis,
    env_without_slack: dict[str, str],
    tmp_path: Path,
) -> None:
    for workspace in (ACME, GLOBEX):
        slack_api.add_install(workspace)
        await _write_as_before(redis_client, workspace)

    rotated = _rotate(env_without_slack, redis_url, TOKEN_KEY, tmp_path)

    assert "re-encrypted 2 bot token(s)" in rotated
    assert await _tokens_in_redis(redis_client) == []
    async with running_bot(add_to_slack_settings(slack_api, redis_url), slack_api) as bot:
        await _served_with_their_own_tokens(bot, slack_api)


def test_add_to_slack_refuses_to_start_without_a_key_and_says_how_to_make_one(
    env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    env = {
        **env_without_slack,
        "SLACK_CLIENT_ID": "1111.2222",
        "SLACK_CLIENT_SECRET": "client-secret",
        "SLACK_SIGNING_SECRET": "s",
        "REDIS_URL": "redis://127.0.0.1:9/0",
    }

    started = run_bot(["web"], env, tmp_path)
    made = run_bot(["keygen"], env, tmp_path)  # works where the settings are incomplete

    assert started.returncode == 2
    assert "TOKEN_ENCRYPTION_KEYS" in started.stderr
    assert "python -m bot keygen" in started.stderr
    assert made.returncode == 0, made.stderr
    assert Cipher([made.stdout.strip()]).open(Cipher([made.stdout.strip()]).seal("x")) == "x"


def test_a_malformed_key_is_named_by_its_position_and_never_printed(
    env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    wrong = "not-a-key-" + new_key()[:20]
    env = {**env_without_slack, "TOKEN_ENCRYPTION_KEYS": f"{new_key()}, {wrong}"}

    started = run_bot(["ask", "hello"], env, tmp_path)

    assert started.returncode == 2
    assert "TOKEN_ENCRYPTION_KEYS" in started.stderr
    assert "key 2 of 2" in started.stderr
    assert wrong not in started.stderr
    assert wrong[:12] not in started.stderr


@pytest.mark.parametrize("keys", ["", " , ", "short", f"{TOKEN_KEY[:-2]}"])
def test_settings_refuse_keys_that_are_not_fernet_keys(keys: str) -> None:
    with pytest.raises(ValidationError, match=r"no key given|key 1 of 1"):
        Settings(_env_file=None, token_encryption_keys=keys)
