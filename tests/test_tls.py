"""The bot on Redis over TLS: one server, a master behind Sentinels, a cluster, each speaking
TLS only (to the bot and among themselves), with a certificate a private CA signed, as
managed Redis services do.

The bot trusts the CA by ``SSL_CERT_FILE`` (the web process, started as a platform starts it)
or by the URL's ``ssl_ca_certs`` (startup's check, then the web app in the test's process);
a CA that did not sign the certificate stops startup in one line, or, once running, makes
Redis "unavailable": never a trace, never the password.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.state import schema
from bot.state.store import connect, verify
from tests.conftest import bot_settings, run_bot, running_bot
from tests.fakes.certificate import Certificate
from tests.fakes.slack_api import FakeSlackApi
from tests.keyspace import assert_declared, flush
from tests.redis_server import (
    NO_PERSISTENCE,
    LocalCluster,
    LocalSentinels,
    RedisServer,
    require_tls_redis_server,
)
from tests.slack_requests import TEAM, USER, slash_command
from tests.web_process import web_process

pytestmark = pytest.mark.redis

PASSWORD = "tls-s3cret-word"
TOPOLOGIES = ["tls_server", "tls_sentinels", "tls_cluster"]
NOT_TRUSTED = "(its TLS certificate is not trusted: self-signed certificate in certificate chain)"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """The servers' certificate, and the CA that signed it."""
    require_tls_redis_server()
    return Certificate.make(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def stranger(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """Another CA: the servers' certificate is not of its signing."""
    return Certificate.make(tmp_path_factory.mktemp("stranger"))


@pytest.fixture(scope="module")
def tls_server(certificate: Certificate) -> Iterator[str]:
    """One Redis speaking TLS only, with a password: its URL, with the password."""
    server = RedisServer("--requirepass", PASSWORD, *NO_PERSISTENCE, tls=certificate)
    server.start()
    yield f"rediss://default:{PASSWORD}@127.0.0.1:{server.port}/0"
    server.stop()


@pytest.fixture(scope="module")
def tls_sentinels(certificate: Certificate) -> Iterator[str]:
    """A master, a replica and three Sentinels, all speaking TLS only: their URL."""
    sentinels = LocalSentinels(replicas=1, tls=certificate)
    sentinels.start()
    yield sentinels.url
    sentinels.stop()


@pytest.fixture(scope="module")
def tls_cluster(certificate: Certificate) -> Iterator[str]:
    """Three masters whose clients and cluster bus speak TLS only: their URL."""
    cluster = LocalCluster(tls=certificate)
    cluster.start()
    yield cluster.url
    cluster.stop()


def _trusting(url: str, ca: Path) -> str:
    """``url`` with ``ssl_ca_certs`` naming ``ca``."""
    return f"{url}{'&' if '?' in url else '?'}ssl_ca_certs={ca}"


def _start_web(url: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`python -m bot web` with REDIS_URL=`url`, run until it exits (a wrong URL stops it)."""
    web = {
        **env,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": "secret",
        "PORT": "0",
        "REDIS_URL": url,
    }
    return run_bot(["web"], web, tmp_path)


def _with_password(url: str) -> str:
    """``url`` with credentials (the master's, for Sentinels), when it has none."""
    if "@" in url:
        return url
    scheme, _, rest = url.partition("://")
    return f"{scheme}://default:{PASSWORD}@{rest}"


@pytest.mark.parametrize("topology", TOPOLOGIES)
async def test_trusting_the_ca_by_ssl_cert_file_the_web_process_starts_and_keeps_a_step(
    topology: str,
    request: pytest.FixtureRequest,
    certificate: Certificate,
    slack_api: FakeSlackApi,
    tmp_path: Path,
) -> None:
    url = request.getfixturevalue(topology)
    ours, _ = connect(_trusting(url, certificate.ca))
    await flush(ours)
    env = {"SSL_CERT_FILE": str(certificate.ca)}  # the CA file of every context the bot builds
    stderr = tmp_path / "stderr.log"
    try:
        with (
            stderr.open("w", encoding="utf-8") as log,
            web_process(slack_api, url, tmp_path, env, stderr=log) as web,
        ):
            async with httpx.AsyncClient(base_url=web, timeout=10) as http:
                health = (await http.get("/healthz")).json()
                body, headers = slash_command("done 1", response_url=slack_api.response_url())
                acked = await http.post("/slack/events", content=body, headers=headers)
            reply = (await slack_api.wait_for_responses(1))[0]
        kept = await ours.smembers(schema.PROGRESS.key(TEAM, USER))
        await assert_declared(ours)
    finally:
        await flush(ours)
        await ours.aclose()
    said = stderr.read_text(encoding="utf-8")

    assert health == {"ok": True, "redis": "ok", "persistence": "none"}
    assert acked.status_code == 200
    assert "1 of 12 done" in json.dumps(reply.body)
    assert kept == {"register"}
    # Startup's check (verify) and every call after it got through: nothing was unreachable.
    assert "unreachable" not in said
    assert "unavailable" not in said
    assert PASSWORD not in said


@pytest.mark.parametrize("topology", TOPOLOGIES)
async def test_trusting_the_ca_by_the_urls_ssl_ca_certs_startup_passes_and_a_step_is_kept(
    topology: str,
    request: pytest.FixtureRequest,
    certificate: Certificate,
    slack_api: FakeSlackApi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = _trusting(request.getfixturevalue(topology), certificate.ca)
    ours, _ = connect(url)
    await flush(ours)
    try:
        await verify(url)  # what the web process, Socket Mode and the data commands run first
        async with running_bot(bot_settings(slack_api, url), slack_api) as bot:
            health = (await bot.http.get("/healthz")).json()
            await bot.send(slash_command("done 1", response_url=slack_api.response_url()))
            reply = json.dumps((await slack_api.wait_for_responses(1))[0].body)
        kept = await ours.smembers(schema.PROGRESS.key(TEAM, USER))
        await assert_declared(ours)
    finally:
        await flush(ours)
        await ours.aclose()

    assert health == {"ok": True, "redis": "ok", "persistence": "none"}
    assert "1 of 12 done" in reply
    assert kept == {"register"}
    said = [record.getMessage() for record in caplog.records]
    assert [line for line in said if "unreachable" in line or "unavailable" in line] == []


@pytest.mark.parametrize("topology", TOPOLOGIES)
def test_a_certificate_of_a_ca_not_trusted_stops_startup_in_one_line_without_the_password(
    topology: str,
    request: pytest.FixtureRequest,
    stranger: Certificate,
    env_without_slack: dict[str, str],
    tmp_path: Path,
) -> None:
    url = _trusting(_with_password(request.getfixturevalue(topology)), stranger.ca)
    started = _start_web(url, env_without_slack, tmp_path)

    assert started.returncode == 2
    assert len(started.stderr.strip().splitlines()) == 1, started.stderr
    assert started.stderr.startswith("REDIS_URL: the TLS certificate of ")
    assert "is not trusted (self-signed certificate in certificate chain): trust the CA" in (
        started.stderr
    )
    assert PASSWORD not in started.stdout + started.stderr


def test_a_host_its_certificate_does_not_name_stops_startup_saying_to_use_one_it_does(
    tls_server: str, certificate: Certificate, env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    # 0.0.0.0 reaches the loopback server, but its certificate names 127.0.0.1 and localhost.
    url = _trusting(tls_server.replace("@127.0.0.1:", "@0.0.0.0:"), certificate.ca)
    started = _start_web(url, env_without_slack, tmp_path)

    assert started.returncode == 2
    assert started.stderr.splitlines() == [
        "REDIS_URL: the TLS certificate of Redis is not trusted (IP address mismatch, "
        "certificate is not valid for '0.0.0.0'.): connect by a host name or address its "
        "certificate names (the URL's host)"
    ]


@pytest.mark.parametrize(
    ("topology", "logged"),
    [
        ("tls_server", f"ConnectionError {NOT_TRUSTED}"),
        ("tls_cluster", f"RedisClusterUnreachableError {NOT_TRUSTED}"),
        # redis-py keeps the Sentinels' errors only as text: the cause is not the bot's to name.
        ("tls_sentinels", "MasterNotFoundError"),
    ],
    ids=["tls_server", "tls_cluster", "tls_sentinels"],
)
async def test_a_certificate_not_trusted_at_runtime_is_redis_unavailable_without_a_trace(
    topology: str,
    logged: str,
    request: pytest.FixtureRequest,
    stranger: Certificate,
    slack_api: FakeSlackApi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = _trusting(_with_password(request.getfixturevalue(topology)), stranger.ca)
    # Startup's check is not run in-process: as if the certificate changed once running.
    settings = bot_settings(slack_api, url)
    async with running_bot(settings, slack_api) as bot:
        health = (await bot.http.get("/healthz")).json()
        await bot.send(slash_command("done 1", response_url=slack_api.response_url()))
        reply = json.dumps((await slack_api.wait_for_responses(1))[0].body)

    said = [record.getMessage() for record in caplog.records]
    assert health["redis"] == "unavailable"
    assert "I can't reach my memory (Redis) right now" in reply
    assert "Traceback" not in reply
    assert f"Redis unavailable: {logged}" in said
    assert not [record for record in caplog.records if record.exc_info]
    assert not [line for line in said if PASSWORD in line]
    assert PASSWORD not in reply


async def test_a_sentinel_urls_tls_options_reach_the_sentinels_too() -> None:
    client, _ = connect(
        "rediss+sentinel://10.0.0.1:5000/setup?ssl_ca_certs=/etc/ca.pem&ssl_cert_reqs=none"
        "&ssl_check_hostname=false&sentinel_password=watch"
    )
    master = client.connection_pool.connection_kwargs
    watchers = [w.connection_pool for w in client.connection_pool.sentinel_manager.sentinels]  # type: ignore[attr-defined]

    tls = ("ssl_ca_certs", "ssl_cert_reqs", "ssl_check_hostname")
    assert [master[option] for option in tls] == ["/etc/ca.pem", "none", False]
    assert [watchers[0].connection_kwargs[option] for option in tls] == [
        "/etc/ca.pem",
        "none",
        False,
    ]
    assert watchers[0].connection_kwargs["password"] == "watch"
    await client.aclose()
