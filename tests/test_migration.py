"""``python -m bot migrate``: a database written by version 1 (untagged key names) is moved
to version 2's names, and the bot serves it: its install, settings and progress."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.state import migration, schema
from bot.state.migration import Migrated
from bot.state.reminders import ReminderStore
from bot.state.store import connect
from tests.conftest import run_bot, running_bot
from tests.fakes.slack_api import FakeSlackApi
from tests.installs import ACME, add_to_slack_settings
from tests.keyspace import assert_declared, every_key
from tests.redis_server import RedisServer

pytestmark = pytest.mark.redis

V1 = "mistral-setup:v1"


async def _write_version_1(url: str) -> None:
    """ACME's install (its bot token, kept in plain text as early version 1 kept it), its
    settings (Italian), a person's progress, and a cached profile with a time to live."""
    client, _ = connect(url)
    installation = ACME.installation(installed_at=1_700_000_000.0)
    try:
        await client.set(f"{V1}:installation:-:TACME:installer", json.dumps(installation.__dict__))
        bot = json.dumps(installation.to_bot().__dict__)
        await client.set(f"{V1}:installation:-:TACME:bot", bot)
        await client.zadd(f"{V1}:installations", {"-:TACME": installation.installed_at})
        await client.set(f"{V1}:workspace:TACME", json.dumps({"language": "it"}))
        await client.sadd(f"{V1}:progress:TACME:U111", "register")
        await client.zadd(f"{V1}:people:TACME", {"U111": 1_700_000_100.0})
        await client.set(f"{V1}:profile:TACME:U111:TACME", "{}", ex=300)
    finally:
        await client.aclose()


async def test_migrate_moves_a_version_1_database_and_the_bot_serves_it(
    own_redis: RedisServer,
    slack_api: FakeSlackApi,
    env_without_slack: dict[str, str],
    tmp_path: Path,
) -> None:
    await _write_version_1(own_redis.url)
    env = {**env_without_slack, "REDIS_URL": own_redis.url}

    first = run_bot(["migrate"], env, tmp_path)
    again = run_bot(["migrate"], env, tmp_path)

    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        "moved 7 key(s) to mistral-setup:v2: installation 2, installations 1, people 1, "
        "profile 1, progress 1, workspace 1"
    ]
    assert again.stdout.splitlines() == ["moved 0 key(s) to mistral-setup:v2"]
    client, _ = connect(own_redis.url)
    try:
        assert await every_key(client, f"{V1}:*") == []
        assert 0 < await client.ttl(schema.PROFILE.key("TACME", "U111", "TACME")) <= 300
        await assert_declared(client)
    finally:
        await client.aclose()
    slack_api.add_install(ACME)  # Slack knows the token the install kept
    async with running_bot(add_to_slack_settings(slack_api, own_redis.url), slack_api) as bot:
        [reply] = await bot.command_posts("", team="TACME", user="U111")

    assert "1 di 12 completati" in json.dumps(reply.body, ensure_ascii=False)


async def test_migrate_leaves_a_key_whose_new_name_is_taken_and_says_so(
    own_redis: RedisServer, env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    client, _ = connect(own_redis.url)
    await client.sadd(f"{V1}:progress:T1:U1", "register")
    await client.sadd(schema.PROGRESS.key("T1", "U1"), "payment-method")  # written since by v2
    await client.aclose()

    done = run_bot(["migrate"], {**env_without_slack, "REDIS_URL": own_redis.url}, tmp_path)

    assert done.stdout.splitlines() == [
        "moved 0 key(s) to mistral-setup:v2",
        f"left, its new name is taken: {V1}:progress:T1:U1",
    ]


async def test_a_digest_sent_before_the_upgrade_is_not_sent_again_the_same_week(
    own_redis: RedisServer, env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    # Version 1 first named a digest's claim, the chart and a cached profile without a
    # workspace (it was their team's); later, with it, as an organisation's digest here.
    client, _ = connect(own_redis.url)
    await client.set(f"{V1}:digest-sent:T1:U1:2026-W49", "sent", ex=8 * 86_400)
    await client.set(f"{V1}:digest-sent:E1:T2:U2:2026-W49", "sent", ex=8 * 86_400)
    await client.set(f"{V1}:chart:T1:D1", "F123", ex=300)
    await client.set(f"{V1}:profile:T1:U1", "{}", ex=300)

    done = run_bot(["migrate"], {**env_without_slack, "REDIS_URL": own_redis.url}, tmp_path)

    assert done.stdout.splitlines() == [
        "moved 4 key(s) to mistral-setup:v2: chart 1, digest-sent 2, profile 1"
    ]
    store = ReminderStore(client)
    # The sweep claims this week's digest of a workspace for an admin under these names.
    assert not await store.claim_digest("T1", "T1", "U1", "2026-W49")
    assert not await store.claim_digest("E1", "T2", "U2", "2026-W49")
    assert 0 < await client.ttl(schema.DIGEST_CLAIM.key("T1", "T1", "U1", "2026-W49")) <= 8 * 86_400
    assert await client.get(schema.CHART.key("T1", "T1", "D1")) == "F123"
    assert await client.exists(schema.PROFILE.key("T1", "U1", "T1"))
    await assert_declared(client)
    await client.aclose()


def test_migrate_refuses_a_cluster_and_says_what_to_do_instead(
    local_cluster: str, env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    done = run_bot(["migrate"], {**env_without_slack, "REDIS_URL": local_cluster}, tmp_path)

    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "migrate: migrate runs on the one server version 1 used (a cluster cannot rename "
        "across slots): migrate there, then copy the keys with `redis-cli --cluster import`"
    ]


async def test_a_key_gone_between_the_scan_and_its_move_is_skipped(
    own_redis: RedisServer,
) -> None:
    # A claim or a throttle of version 1 that expires while migrate runs: nothing to move,
    # and the run goes on rather than stopping as if Redis had not answered. (On the one
    # server version 1 used: migrate refuses a cluster.)
    client, _ = connect(own_redis.url)
    done = Migrated()
    gone = f"{V1}:progress:TACME:UGONE"
    try:
        await migration._move(client, gone, schema.PROGRESS.key("TACME", "UGONE"), "x", done)
    finally:
        await client.aclose()

    assert done.lines() == ["moved 0 key(s) to mistral-setup:v2"]
