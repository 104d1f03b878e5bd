"""The bot on Redis over TLS: one server, a master behind Sentinels, a cluster, each speaking
TLS only (to the bot and among themselves), with a certificate a private CA signed, as
managed Redis services do.

The bot trusts the CA by ``SSL_CERT_FILE`` (the web process, started as a platform starts it)
or by the URL's ``ssl_ca_certs`` (startup's check, then the web app in the test's process);
a CA that did not sign the certificate stops startup in one line, or, once running, makes
Redis "unavailable": never a trace, never the password. So do an expired certificate, a
scheme that does not match the port (``rediss://`` to a Redis without TLS, ``redis://`` to one
with TLS only), and, against servers that require a client certificate, none in the URL
(``ssl_certfile``, ``ssl_keyfile``): with one, each topology keeps a step.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from bot.state import schema
from bot.state.startup import verify
from bot.state.store import connect
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
# The same, each server requiring a client certificate (``--tls-auth-clients yes``).
ASKING = ["tls_server_asking", "tls_sentinels_asking", "tls_cluster_asking"]
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
def expired(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A CA, and a server certificate of its that expired yesterday."""
    return Certificate.make(tmp_path_factory.mktemp("expired"), expired=True)


def _one_server(certificate: Certificate, *, client_certs: bool = False) -> Iterator[str]:
    server = RedisServer(
        "--requirepass", PASSWORD, *NO_PERSISTENCE, tls=certificate, client_certs=client_certs
    )
    server.start()
    yield f"rediss://default:{PASSWORD}@127.0.0.1:{server.port}/0"
    server.stop()


def _sentinels(certificate: Certificate, *, client_certs: bool = False) -> Iterator[str]:
    sentinels = LocalSentinels(replicas=1, tls=certificate, client_certs=client_certs)
    sentinels.start()
    yield sentinels.url
    sentinels.stop()


def _cluster(certificate: Certificate, *, client_certs: bool = False) -> Iterator[str]:
    cluster = LocalCluster(tls=certificate, client_certs=client_certs)
    cluster.start()
    yield cluster.url
    cluster.stop()


@pytest.fixture(scope="module")
def tls_server(certificate: Certificate) -> Iterator[str]:
    """One Redis speaking TLS only, with a password: its URL, with the password."""
    yield from _one_server(certificate)


@pytest.fixture(scope="module")
def tls_sentinels(certificate: Certificate) -> Iterator[str]:
    """A master, a replica and three Sentinels, all speaking TLS only: their URL."""
    yield from _sentinels(certificate)


@pytest.fixture(scope="module")
def tls_cluster(certificate: Certificate) -> Iterator[str]:
    """Three masters whose clients and cluster bus speak TLS only: their URL."""
    yield from _cluster(certificate)


@pytest.fixture(scope="module")
def tls_server_asking(certificate: Certificate) -> Iterator[str]:
    """``tls_server``, requiring a client certificate."""
    yield from _one_server(certificate, client_certs=True)


@pytest.fixture(scope="module")
def tls_sentinels_asking(certificate: Certificate) -> Iterator[str]:
    """``tls_sentinels``, each of them (master, replica, Sentinels) requiring one."""
    yield from _sentinels(certificate, client_certs=True)


@pytest.fixture(scope="module")
def tls_cluster_asking(certificate: Certificate) -> Iterator[str]:
    """``tls_cluster``, each node requiring one."""
    yield from _cluster(certificate, client_certs=True)


def _trusting(url: str, ca: Path) -> str:
    """``url`` with ``ssl_ca_certs`` naming ``ca``."""
    return f"{url}{'&' if '?' in url else '?'}ssl_ca_certs={ca}"


def _presenting(url: str, certificate: Certificate) -> str:
    """``url`` with the client certificate ``certificate``'s CA signed, and its key."""
    return f"{url}&ssl_certfile={certificate.client_cert}&ssl_keyfile={certificate.client_key}"


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


def _stopped_in_one_line(started: subprocess.CompletedProcess[str]) -> str:
    """The one line a web process that REDIS_URL stopped said, checked to name no password."""
    assert started.returncode == 2, started.stderr
    assert len(started.stderr.strip().splitlines()) == 1, started.stderr
    assert PASSWORD not in started.stdout + started.stderr
    return started.stderr.strip()


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
    await _startup_passes_and_a_step_is_kept(url, slack_api, caplog)


@pytest.mark.parametrize("topology", ASKING)
async def test_redis_requiring_client_certificates_takes_the_urls_and_a_step_is_kept(
    topology: str,
    request: pytest.FixtureRequest,
    certificate: Certificate,
    slack_api: FakeSlackApi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Behind Sentinels, startup's check asks the Sentinels and the bot the master: both
    # require the certificate.
    url = _presenting(_trusting(request.getfixturevalue(topology), certificate.ca), certificate)
    await _startup_passes_and_a_step_is_kept(url, slack_api, caplog)


async def _startup_passes_and_a_step_is_kept(
    url: str, slack_api: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    """Startup's check passes on ``url``; then the bot keeps a step there, and logs no outage."""
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
    said = _stopped_in_one_line(_start_web(url, env_without_slack, tmp_path))

    assert said.startswith("REDIS_URL: the TLS certificate of ")
    assert "is not trusted (self-signed certificate in certificate chain): trust the CA" in said


def _startup_against(server: RedisServer, url: str, env: dict[str, str], tmp_path: Path) -> str:
    """The one line the web process stops with at startup on ``url``, to ``server`` (a
    server of the test's own, started and stopped here)."""
    server.start()
    try:
        return _stopped_in_one_line(_start_web(url, env, tmp_path))
    finally:
        server.stop()


def test_an_expired_certificate_stops_startup_saying_to_renew_it(
    expired: Certificate, env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    server = RedisServer("--requirepass", PASSWORD, *NO_PERSISTENCE, tls=expired)
    url = f"rediss://default:{PASSWORD}@127.0.0.1:{server.port}/0"
    said = _startup_against(server, _trusting(url, expired.ca), env_without_slack, tmp_path)

    assert said == (
        "REDIS_URL: the TLS certificate of Redis is not trusted (certificate has expired): "
        "its certificate has expired: renew the server's certificate"
    )


@pytest.mark.parametrize(
    ("topology", "who"),
    [
        ("tls_server_asking", "Redis"),
        ("tls_sentinels_asking", "the Sentinel"),
        ("tls_cluster_asking", "Redis"),
    ],
    ids=ASKING,
)
def test_no_client_certificate_for_a_redis_requiring_one_stops_startup_saying_to_give_one(
    topology: str,
    who: str,
    request: pytest.FixtureRequest,
    certificate: Certificate,
    env_without_slack: dict[str, str],
    tmp_path: Path,
) -> None:
    url = _trusting(_with_password(request.getfixturevalue(topology)), certificate.ca)
    said = _stopped_in_one_line(_start_web(url, env_without_slack, tmp_path))

    assert said.startswith(f"REDIS_URL: {who} at 127.0.0.1:")
    assert said.endswith(
        " requires a TLS client certificate: give one that its CA signed with "
        "?ssl_certfile=/path/client.pem&ssl_keyfile=/path/client.key"
    )


def test_no_client_certificate_for_a_tls_1_2_redis_requiring_one_names_it_as_the_likely_cause(
    certificate: Certificate, env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    # TLS 1.2 has no "certificate required" alert: the server fails the handshake.
    server = RedisServer(
        "--tls-protocols", "TLSv1.2", *NO_PERSISTENCE, tls=certificate, client_certs=True
    )
    url = _trusting(f"rediss://127.0.0.1:{server.port}/0", certificate.ca)
    said = _startup_against(server, url, env_without_slack, tmp_path)

    assert said == (
        f"REDIS_URL: Redis at 127.0.0.1:{server.port} failed the TLS handshake: it likely "
        "requires a client certificate (?ssl_certfile=/path/client.pem&ssl_keyfile=/path/"
        "client.key), or shares no TLS version or cipher with the bot"
    )


@pytest.mark.parametrize(
    ("client", "refusal"),
    [
        ("stranger", "refused the TLS client certificate (tlsv1 alert unknown ca): give one"),
        ("missing", "the TLS client certificate (ssl_certfile, ssl_keyfile) cannot be loaded"),
    ],
)
def test_a_client_certificate_not_taken_stops_startup_saying_why(
    client: str,
    refusal: str,
    tls_server_asking: str,
    certificate: Certificate,
    stranger: Certificate,
    env_without_slack: dict[str, str],
    tmp_path: Path,
) -> None:
    gone = replace(certificate, client_cert=tmp_path / "gone.pem")  # its key is there
    url = _presenting(
        _trusting(tls_server_asking, certificate.ca), {"stranger": stranger}.get(client, gone)
    )
    said = _stopped_in_one_line(_start_web(url, env_without_slack, tmp_path))

    assert said.startswith("REDIS_URL: ")
    assert refusal in said


@pytest.mark.parametrize("topology", TOPOLOGIES)
def test_a_plain_url_to_a_redis_speaking_tls_only_stops_startup_saying_to_use_rediss(
    topology: str,
    request: pytest.FixtureRequest,
    env_without_slack: dict[str, str],
    tmp_path: Path,
) -> None:
    tls = _with_password(request.getfixturevalue(topology))
    plain = tls.replace("rediss", "redis", 1)
    said = _stopped_in_one_line(_start_web(plain, env_without_slack, tmp_path))

    schemes = (tls.partition("://")[0], plain.partition("://")[0])  # rediss…, redis…
    assert said.endswith(" speaks TLS only: use {}:// (not {}://)".format(*schemes))


def test_a_tls_url_to_a_redis_without_tls_stops_startup_saying_to_use_redis(
    env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    server = RedisServer("--requirepass", PASSWORD, *NO_PERSISTENCE)
    server.start()
    try:
        url = f"rediss://default:{PASSWORD}@127.0.0.1:{server.port}/0"
        said = _stopped_in_one_line(_start_web(url, env_without_slack, tmp_path))
    finally:
        server.stop()

    assert said == (
        f"REDIS_URL: Redis at 127.0.0.1:{server.port} does not speak TLS: use redis:// "
        "(not rediss://)"
    )


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
        "&ssl_check_hostname=false&ssl_certfile=/etc/bot.pem&ssl_keyfile=/etc/bot.key"
        "&sentinel_password=watch"
    )
    master = client.connection_pool.connection_kwargs
    watchers = [w.connection_pool for w in client.connection_pool.sentinel_manager.sentinels]  # type: ignore[attr-defined]

    tls = ("ssl_ca_certs", "ssl_cert_reqs", "ssl_check_hostname", "ssl_certfile", "ssl_keyfile")
    given = ["/etc/ca.pem", "none", False, "/etc/bot.pem", "/etc/bot.key"]
    assert [master[option] for option in tls] == given
    assert [watchers[0].connection_kwargs[option] for option in tls] == given
    assert watchers[0].connection_kwargs["password"] == "watch"
    await client.aclose()
