"""The bot on a Redis Cluster, behind Sentinels, and on a managed Redis that fails over
behind its name, each started on loopback by the test.

The whole Redis suite also runs on the first two in CI (scripts/test sets TEST_REDIS_URL to
each); these are what only they can show: a retried event answered once when claims land in
every slot, health that asks every primary, failovers in the middle of use, and a REDIS_URL
that names the wrong kind of Redis stopping startup in one line.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
import redis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.connection import SSLConnection
from redis.asyncio.sentinel import SentinelManagedSSLConnection

from bot.errors import RedisUrlError
from bot.person import Person
from bot.state import schema
from bot.state.store import connect
from tests.conftest import bot_settings, run_bot, running_bot
from tests.fakes.mistral_api import FakeMistralAPI
from tests.fakes.slack_api import FakeSlackApi
from tests.keyspace import assert_declared, every_key, flush
from tests.redis_server import (
    NO_PERSISTENCE,
    LocalCluster,
    LocalSentinels,
    RedisServer,
    require_redis_server,
)
from tests.slack_requests import BOT_USER_ID, TEAM, app_mention, event_callback

pytestmark = pytest.mark.redis

PEOPLE = ("UANNA", "UBEN", "UCARLA")


async def test_on_a_cluster_the_web_process_keeps_steps_answers_a_retry_once_and_forgets(
    local_cluster: str, slack_api: FakeSlackApi, mistral_api: FakeMistralAPI
) -> None:
    client, _ = connect(local_cluster)
    await flush(client)
    settings = bot_settings(slack_api, local_cluster, mistral_api_url=mistral_api.url)
    async with running_bot(settings, slack_api) as bot:
        for step, user in enumerate(PEOPLE, start=1):
            for number in range(1, step + 1):
                await bot.command(f"done {number}", user=user)
        event = app_mention(f"<@{BOT_USER_ID}> how do I add a card?")
        await bot.send(event_callback(event, event_id="EvONCE"))
        await bot.send(event_callback(event, event_id="EvONCE", retry_num=1))
        await bot.drain()
        answers = bot.slack.calls("chat.postMessage")
        shown = [await bot.command("", user=user) for user in PEOPLE]
        forgotten = await bot.command("forget yes", user="UANNA")
        after = await bot.services.progress.done(Person("T111", "UANNA"))
        team = await bot.services.progress.people("T111")

    assert len(answers) == 1  # the retry was claimed on whichever primary holds its slot
    assert ["1 of 12 done" in shown[0], "2 of 12 done" in shown[1], "3 of 12 done" in shown[2]] == [
        True
    ] * 3
    assert "your progress (1 step)" in forgotten
    assert after == frozenset()
    assert sorted(user for user, _ in team) == ["UBEN", "UCARLA"]
    await assert_declared(client)
    await flush(client)
    await client.aclose()


async def test_on_a_cluster_export_then_import_and_report_work_from_the_shell(
    local_cluster: str,
    slack_api: FakeSlackApi,
    env_without_slack: dict[str, str],
    tmp_path: Path,
) -> None:
    client, _ = connect(local_cluster)
    await flush(client)
    async with running_bot(bot_settings(slack_api, local_cluster), slack_api) as bot:
        for user in PEOPLE:
            await bot.command("done 1", user=user)
        await bot.command("how do I bake bread", user="UBEN")
    env = {**env_without_slack, "REDIS_URL": local_cluster}

    exported = run_bot(["export"], env, tmp_path)
    (tmp_path / "export.json").write_text(exported.stdout, encoding="utf-8")
    await flush(client)
    imported = run_bot(["import", str(tmp_path / "export.json")], env, tmp_path)
    again = run_bot(["export"], env, tmp_path)
    report = run_bot(["report"], env, tmp_path)

    assert exported.returncode == 0, exported.stderr
    assert imported.returncode == 0, imported.stderr
    assert "progress of 3 people" in imported.stdout
    assert json.loads(again.stdout)["teams"] == json.loads(exported.stdout)["teams"]
    assert report.returncode == 0, report.stderr
    assert "how do I bake bread" in report.stdout
    await assert_declared(client)
    await flush(client)
    await client.aclose()


async def test_on_a_cluster_healthz_asks_every_primary_and_a_lost_slot_is_redis_unavailable(
    slack_api: FakeSlackApi,
) -> None:
    require_redis_server()
    cluster = LocalCluster()
    cluster.start()
    try:
        async with running_bot(bot_settings(slack_api, cluster.url), slack_api) as bot:
            before = (await bot.http.get("/healthz")).json()
            cluster.node_for(schema.PROGRESS.key("T111", "UANNA")).stop()  # T111's slot goes
            after = (await bot.http.get("/healthz")).json()
            reply = await bot.command("done 1", user="UANNA")
    finally:
        cluster.stop()

    assert before["redis"] == "ok"
    assert before["persistence"] == "none"  # none of them keeps anything on disk
    assert after["redis"] == "unavailable"
    assert "I can't reach my memory (Redis) right now" in reply  # not "something went wrong"


async def test_after_a_sentinel_failover_the_same_process_records_steps_and_lost_none(
    local_sentinels: LocalSentinels, slack_api: FakeSlackApi
) -> None:
    settings = bot_settings(slack_api, local_sentinels.url)
    async with running_bot(settings, slack_api) as bot:
        for user in PEOPLE:
            assert "1 of 12 done" in await bot.command("done 1", user=user)
        old_master = local_sentinels.master_port()
        local_sentinels.master.stop()  # killed: no shutdown, no last save

        # Until the Sentinels promote a replica, the bot says its memory is away.
        for _ in range(300):
            reply = await bot.command("done 2", user="UANNA")
            if "2 of 12 done" in reply:
                break
            await asyncio.sleep(0.1)
        shown = [await bot.command("", user=user) for user in PEOPLE]

    assert local_sentinels.master_port() != old_master
    # Every step acknowledged before the kill was on a replica (bot.state.store.REPLICA_WAIT_MS).
    assert ["2 of 12 done" in shown[0], "1 of 12 done" in shown[1], "1 of 12 done" in shown[2]] == [
        True
    ] * 3


def _replicas(sentinels: LocalSentinels) -> Iterator[redis.Redis]:
    """A client of each replica in turn: WAIT 1 asks that at least one has a write."""
    for server in sentinels.replicas:
        with server.client() as replica:
            yield replica


async def test_a_step_is_called_kept_only_once_a_replica_has_it(
    local_sentinels: LocalSentinels, slack_api: FakeSlackApi
) -> None:
    # Replication is asynchronous: a step the master alone has dies with it. With the
    # replicas stalled for less than the WAIT's 500 ms, the reply waits for them.
    settings = bot_settings(slack_api, local_sentinels.url)
    async with running_bot(settings, slack_api) as bot:
        await bot.command("done 1", user="UANNA")
        waits_before = _waits(local_sentinels.master.port)
        with local_sentinels.stalled():
            marking = asyncio.create_task(bot.command("done 2", user="UANNA"))
            await asyncio.sleep(0.25)
            answered_while_stalled = marking.done()
        reply = await marking
        steps = schema.PROGRESS.key(TEAM, "UANNA")
        on_replicas = [replica.smembers(steps) for replica in _replicas(local_sentinels)]

    assert not answered_while_stalled
    # Counted, not timed: on a slow machine the reply might come after 0.25 s anyway.
    assert _waits(local_sentinels.master.port) == waits_before + 1
    assert "2 of 12 done" in reply
    assert {"register", "billing-details"} in on_replicas


async def test_after_a_managed_redis_fails_over_behind_its_name_the_next_step_follows_it(
    slack_api: FakeSlackApi, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A managed Redis's failover (ElastiCache, Azure, Memorystore): the name in a plain
    # redis:// URL moves to the promoted replica, and the old primary goes on, demoted,
    # answering the pooled connections' writes with READONLY.
    require_redis_server()
    kept = ("--dir", str(tmp_path), *NO_PERSISTENCE)  # a full sync writes its RDB file there
    primary = RedisServer(*kept)
    replica = RedisServer("--replicaof", "127.0.0.1", str(primary.port), *kept)
    named = {"port": primary.port}  # the address the name resolves to: "DNS"
    resolve = socket.getaddrinfo

    def dns(host: object, port: object, *args: Any, **kwargs: Any) -> Any:
        if host == "redis.test":
            return resolve("127.0.0.1", named["port"], *args, **kwargs)
        return resolve(host, port, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", dns)
    primary.start()
    replica.start()
    try:
        with replica.client() as server:
            for _ in range(200):  # until the replica has synced
                if server.info("replication")["master_link_status"] == "up":
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the replica never synced")
        settings = bot_settings(slack_api, "redis://redis.test:6379/0")
        async with running_bot(settings, slack_api) as bot:
            assert "1 of 12 done" in await bot.command("done 1", user="UANNA")
            with primary.client() as server:  # the step on the replica before it is promoted
                assert server.execute_command("WAIT", 1, 5000) == 1
            with replica.client() as server:
                server.execute_command("REPLICAOF", "NO", "ONE")
            with primary.client() as server:
                server.execute_command("REPLICAOF", "127.0.0.1", str(replica.port))
            named["port"] = replica.port
            reply = await bot.command("done 2", user="UANNA")
        with replica.client() as server:
            steps = server.smembers(schema.PROGRESS.key(TEAM, "UANNA"))
    finally:
        primary.stop()
        replica.stop()

    assert "2 of 12 done" in reply  # not "I can't reach my memory", once or for good
    assert steps == {"register", "billing-details"}


async def test_a_write_outside_a_transaction_also_waits_for_a_replica(
    local_sentinels: LocalSentinels, slack_api: FakeSlackApi
) -> None:
    # "reminders off" is one HSET: lost in a failover, the bot would remind who said stop.
    settings = bot_settings(slack_api, local_sentinels.url)
    async with running_bot(settings, slack_api) as bot:
        await bot.command("done 1", user="UANNA")
        waits_before = _waits(local_sentinels.master.port)
        reply = await bot.command("reminders off", user="UANNA")

    assert "remind" in reply.lower()
    assert _waits(local_sentinels.master.port) == waits_before + 1
    nudges = schema.NUDGE.key(TEAM, "UANNA")
    assert "1" in [replica.hget(nudges, "stopped") for replica in _replicas(local_sentinels)]


@pytest.fixture
def lone_master() -> Iterator[LocalSentinels]:
    """A master with no replica, watched by Sentinels: a replica lost, or never set up."""
    require_redis_server()
    sentinels = LocalSentinels(replicas=0)
    sentinels.start()
    yield sentinels
    sentinels.stop()


def _waits(port: int) -> int:
    """How many WAITs the server at ``port`` has answered."""
    with redis.Redis(port=port) as server:
        stats = server.info("commandstats").get("cmdstat_wait") or {"calls": 0}
        return int(stats["calls"])


async def test_with_no_replica_steps_are_kept_without_waiting_for_one_each_time(
    lone_master: LocalSentinels, slack_api: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    settings = bot_settings(slack_api, lone_master.url)
    async with running_bot(settings, slack_api) as bot:
        replies = [await bot.command(f"done {step}", user="UANNA") for step in (1, 2, 3)]

    assert ["1 of 12 done" in replies[0], "3 of 12 done" in replies[2]] == [True, True]
    # The first transaction waited for a replica in vain; the next ones did not wait.
    assert _waits(lone_master.master.port) == 1
    said = [r.getMessage() for r in caplog.records if r.name == "bot.state.store"]
    assert [line for line in said if line.startswith("No replica acknowledged")] == [
        "No replica acknowledged a write within 500 ms: transactions stop waiting for one for "
        "30 s; a failover meanwhile may lose the last writes (check the replicas)"
    ]


async def test_a_step_is_kept_and_answered_when_the_master_refuses_to_wait(
    local_sentinels: LocalSentinels, slack_api: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    # WAIT refused (an ACL), after the transaction was applied: the write stands.
    with redis.Redis(port=local_sentinels.master.port) as master:
        master.execute_command("ACL", "SETUSER", "default", "-wait")
    settings = bot_settings(slack_api, local_sentinels.url)
    async with running_bot(settings, slack_api) as bot:
        done = await bot.command("done 1", user="UANNA")
        shown = await bot.command("", user="UANNA")

    assert "1 of 12 done" in done
    assert "1 of 12 done" in shown
    client, _ = connect(local_sentinels.url)
    try:
        assert await client.smembers(schema.PROGRESS.key(TEAM, "UANNA")) == {"register"}
    finally:
        await client.aclose()
    assert any(
        r.getMessage().startswith("The master refused WAIT (NoPermissionError)")
        for r in caplog.records
    )


async def test_a_write_whose_wait_was_cut_off_is_not_called_kept_nor_made_twice(
    local_sentinels: LocalSentinels, slack_api: FakeSlackApi
) -> None:
    # The replicas stall, so WAIT outlasts the socket's timeout: the master may be dying
    # with a write no replica has. redis-py retries a timed-out command once (its retry).
    settings = bot_settings(slack_api, f"{local_sentinels.url}?socket_timeout=0.2")
    async with running_bot(settings, slack_api) as bot:
        with local_sentinels.stalled():
            reply = await bot.command("done 1", user="UANNA")

    assert "can't reach my memory" in reply  # not "1 of 12 done": no replica has it
    with redis.Redis(port=local_sentinels.master.port) as master:
        made = master.info("commandstats")["cmdstat_multi"]["calls"]
    assert made == 1  # the transaction was not run again


def _role(port: int) -> str:
    with redis.Redis(port=port, decode_responses=True) as server:
        return str(server.info("replication")["role"])


async def test_after_a_planned_failover_the_next_step_goes_to_the_new_master_at_once(
    local_sentinels: LocalSentinels, slack_api: FakeSlackApi
) -> None:
    settings = bot_settings(slack_api, local_sentinels.url)
    async with running_bot(settings, slack_api) as bot:
        assert "1 of 12 done" in await bot.command("done 1", user="UANNA")
        old_master, new_master = local_sentinels.fail_over()
        # The old master, left without replicas, refuses writes (NOREPLICAS) until the
        # Sentinels demote it: the bot asks them at that refusal and writes to the new one.
        reply = await bot.command("done 2", user="UANNA")
        old_role = _role(old_master)
    if old_role != "master":  # redis-py follows a demoted master on its own: nothing shown
        pytest.skip("this machine took longer than the Sentinels' ~8 s to demote the old master")

    assert "2 of 12 done" in reply
    with redis.Redis(port=new_master, decode_responses=True) as server:
        steps = server.smembers(schema.PROGRESS.key(TEAM, "UANNA"))
    assert steps == {"register", "billing-details"}


@pytest.mark.parametrize(
    "flags", ["master,failover_in_progress,force_failover", {"master", "failover_in_progress"}]
)
def test_a_sentinel_naming_a_master_it_is_failing_over_is_passed_over(flags: object) -> None:
    # The Sentinel that leads a planned failover names the old master until it ends; the
    # flags come as text over RESP2 and as a set over RESP3.
    sentinels = cast("Any", connect("redis+sentinel://127.0.0.1:26379/mymaster")[0])
    manager = sentinels.connection_pool.sentinel_manager
    state = {"is_master": True, "is_sdown": False, "is_odown": False, "num-other-sentinels": 2}

    assert manager.check_master_state({**state, "flags": "master"}, "mymaster")
    assert not manager.check_master_state({**state, "flags": flags}, "mymaster")


async def test_after_a_failover_steps_wait_for_the_new_masters_replica_at_once(
    local_sentinels: LocalSentinels, slack_api: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.state.store")
    settings = bot_settings(slack_api, local_sentinels.url)
    async with running_bot(settings, slack_api) as bot:
        # The replicas stall: the first step waits for them in vain and the waits pause.
        with local_sentinels.stalled():
            assert "1 of 12 done" in await bot.command("done 1", user="UANNA")
        _, new_master = local_sentinels.fail_over()
        reply = await bot.command("done 2", user="UANNA")

    assert "2 of 12 done" in reply
    # Well within the 30 s pause, the new master's first transaction waited for its replica.
    assert _waits(new_master) == 1
    assert "The master changed: transactions wait for a replica again" in caplog.messages


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("memcached://127.0.0.1:11211", "REDIS_URL: unknown scheme 'memcached'"),
        ("redis://{cluster}/0", "REDIS_URL points at a Redis Cluster node: use redis+cluster://"),
        ("redis://{sentinel}/0", "REDIS_URL points at a Sentinel: use redis+sentinel://"),
        ("redis+cluster://{server}", "REDIS_URL is a redis+cluster:// URL but its nodes are not"),
        ("redis+sentinel://{server}/mymaster", "REDIS_URL is a redis+sentinel:// URL but"),
        ("redis+sentinel://{sentinel}/mymaster", "REDIS_URL names the master 'mymaster', which"),
    ],
    ids=["unknown-scheme", "plain-url-to-a-cluster-node", "plain-url-to-a-sentinel",
         "cluster-url-to-one-server", "sentinel-url-to-one-server", "master-no-sentinel-watches"],
)  # fmt: skip
def test_a_redis_url_naming_the_wrong_kind_of_redis_stops_startup_in_one_line(
    url: str,
    says: str,
    local_cluster: str,
    own_redis: RedisServer,
    env_without_slack: dict[str, str],
    tmp_path: Path,
) -> None:
    sentinel = RedisServer("--dir", str(tmp_path))
    (tmp_path / "sentinel.conf").write_text("")  # a Sentinel watching nothing yet
    sentinel.start(str(tmp_path / "sentinel.conf"), "--sentinel")
    where = {
        "cluster": local_cluster.removeprefix("redis+cluster://").split(",")[0],
        "sentinel": f"127.0.0.1:{sentinel.port}",
        "server": f"127.0.0.1:{own_redis.port}",
    }
    env = {
        **env_without_slack,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": "secret",
        "PORT": "0",
        "REDIS_URL": url.format(**where),
    }
    try:
        started = run_bot(["web"], env, tmp_path)
    finally:
        sentinel.stop()

    assert started.returncode == 2
    assert len(started.stderr.strip().splitlines()) == 1, started.stderr
    assert started.stderr.startswith(says)


def test_startup_asks_sentinels_with_their_own_password_for_the_master_named(
    env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    require_redis_server()
    sentinel = RedisServer("--dir", str(tmp_path), "--requirepass", "watch-word")
    (tmp_path / "sentinel.conf").write_text("")  # watching nothing: no master by any name
    sentinel.start(str(tmp_path / "sentinel.conf"), "--sentinel")
    url = f"redis+sentinel://127.0.0.1:{sentinel.port}/mymaster?sentinel_password=watch-word"
    env = {
        **env_without_slack,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": "secret",
        "PORT": "0",
        "REDIS_URL": url,
    }
    try:
        started = run_bot(["web"], env, tmp_path)
    finally:
        sentinel.stop()

    assert started.returncode == 2
    assert started.stderr.startswith("REDIS_URL names the master 'mymaster', which no Sentinel")
    assert "watch-word" not in started.stderr


async def test_every_key_is_found_on_every_primary(local_cluster: str) -> None:
    client, _ = connect(local_cluster)
    await flush(client)
    names = [f"mistral-setup:v2:event:Ev{n}" for n in range(30)]  # no tag: every slot
    for name in names:
        await client.set(name, "1")

    assert await every_key(client) == sorted(names)
    assert len(await client.keys("*")) < len(names)  # KEYS asks one node of three
    await flush(client)
    assert await every_key(client) == []
    await client.aclose()


async def test_a_sentinel_url_gives_the_master_its_credentials_and_the_sentinels_theirs() -> None:
    client, _ = connect(
        "rediss+sentinel://bot:s3cret@10.0.0.1:5000,10.0.0.2/setup/3?sentinel_password=watch"
    )
    pool = client.connection_pool
    master = pool.connection_kwargs
    watchers = [w.connection_pool for w in pool.sentinel_manager.sentinels]  # type: ignore[attr-defined]

    assert pool.service_name == "setup"  # type: ignore[attr-defined]
    assert (master["db"], master["username"], master["password"]) == (3, "bot", "s3cret")
    assert issubclass(pool.connection_class, SentinelManagedSSLConnection)  # TLS to the master
    where = [(w.connection_kwargs["host"], w.connection_kwargs["port"]) for w in watchers]
    assert where == [("10.0.0.1", 5000), ("10.0.0.2", 26379)]  # 26379: the Sentinels' port
    assert [w.connection_kwargs.get("password") for w in watchers] == ["watch", "watch"]
    assert all(w.connection_class is SSLConnection for w in watchers)
    await client.aclose()


async def test_a_cluster_url_starts_from_every_node_it_lists() -> None:
    client, _ = connect("redis+cluster://bot:s3cret@10.0.0.1:7000,10.0.0.2:7001,10.0.0.3:7002")
    cluster = cast("RedisCluster", client)

    assert sorted(cluster.nodes_manager.startup_nodes) == [
        "10.0.0.1:7000",
        "10.0.0.2:7001",
        "10.0.0.3:7002",
    ]
    assert cluster.get_connection_kwargs()["password"] == "s3cret"
    await client.aclose()


def test_a_url_with_no_scheme_is_refused_without_echoing_its_password() -> None:
    with pytest.raises(RedisUrlError) as refused:
        connect("default:s3cretpassword@127.0.0.1:6379")

    assert "unknown scheme 'missing'" in str(refused.value)
    assert "s3cret" not in str(refused.value)


async def test_a_sentinel_urls_own_options_win_over_the_bots_defaults() -> None:
    client, _ = connect("redis+sentinel://10.0.0.1:5000/setup?socket_timeout=7")

    assert client.connection_pool.connection_kwargs["socket_timeout"] == 7
    await client.aclose()


async def test_a_cluster_url_takes_options_after_its_hosts() -> None:
    client, _ = connect("redis+cluster://10.0.0.1:7000,10.0.0.2:7001?socket_timeout=7")
    cluster = cast("RedisCluster", client)

    assert sorted(cluster.nodes_manager.startup_nodes) == ["10.0.0.1:7000", "10.0.0.2:7001"]
    assert cluster.get_connection_kwargs()["socket_timeout"] == 7
    await client.aclose()
