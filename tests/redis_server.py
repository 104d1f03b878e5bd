"""Redis servers of a test's own: one to stop and restart at will, or configured differently;
a 3-master Redis Cluster; a master with two replicas watched by three Sentinels. Each of them
speaks TLS only when given a certificate (``tls``), as managed Redis services do, and with
``client_certs`` requires its clients to present one the CA signed too.

``python -m tests.redis_server cluster`` (or ``sentinel``) starts one of the last two on
loopback, prints its REDIS_URL, and stops it all at SIGTERM or SIGINT: scripts/test runs the
Redis tests on each that way.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache, partial
from pathlib import Path

import pytest
import redis

from tests.fakes.certificate import Certificate

# As the machine's Redis runs: nothing kept on disk.
NO_PERSISTENCE = ("--save", "", "--appendonly", "no")


class RedisServer:
    """A Redis server of the test's own, started with ``options`` (redis-server flags).

    With ``tls`` it listens for TLS on its port and for nothing else, presents that
    certificate, and trusts its CA; clients need not present one (the bot does not) unless
    ``client_certs``.
    """

    def __init__(
        self,
        *options: str,
        port: int | None = None,
        tls: Certificate | None = None,
        client_certs: bool = False,
    ) -> None:
        self.port = port or free_port()
        self.tls = tls
        self.client_certs = client_certs
        self.url = f"{'rediss' if tls else 'redis'}://127.0.0.1:{self.port}/0"
        self.options = options or NO_PERSISTENCE
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *command: str) -> None:
        """Start it (``command``: redis-server's first arguments, e.g. a Sentinel's config)."""
        listen: tuple[str, ...] = ("--port", str(self.port))
        if self.tls:
            tls = tls_options(self.tls, client_certs=self.client_certs)
            listen = ("--port", "0", "--tls-port", str(self.port), *tls)
        self.process = subprocess.Popen(
            ["redis-server", *command, *listen, "--bind", "127.0.0.1", *self.options],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                if self.process.poll() is not None:  # e.g. a build without TLS
                    raise RuntimeError(f"redis-server exited ({self.process.returncode})") from None
                if time.monotonic() > deadline:
                    self.stop()  # not left running, nor its port held, past its test
                    raise
                time.sleep(0.05)

    def client(self) -> redis.Redis:
        """A client of this server's (over TLS, trusting its CA, when it speaks TLS)."""
        return _client(self.port, self.tls)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None
        _HANDED_OUT.discard(self.port)  # free again once stopped


def require_redis_server() -> None:
    """Skip on a laptop without redis-server; fail under CI, which must have it."""
    if shutil.which("redis-server") is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs redis-server on PATH for tests that run their own Redis")
        pytest.skip("redis-server is not installed")


def tls_options(certificate: Certificate, *, client_certs: bool = False) -> tuple[str, ...]:
    """redis-server's flags for ``certificate``: the one it presents, to clients and to the
    other servers, and the CA it trusts theirs by; with ``client_certs``, every client must
    present one of the CA's."""
    return ("--tls-cert-file", str(certificate.cert), "--tls-key-file", str(certificate.key),
            "--tls-ca-cert-file", str(certificate.ca),
            # Replicas, Sentinels and cluster nodes present theirs; other clients only if asked.
            "--tls-auth-clients", "yes" if client_certs else "optional")  # fmt: skip


def require_tls_redis_server() -> None:
    """Like ``require_redis_server``, for a redis-server built with TLS (``BUILD_TLS=yes``)."""
    require_redis_server()
    if not _speaks_tls():
        if os.environ.get("CI"):
            pytest.fail("CI needs a redis-server built with TLS for the TLS tests")
        pytest.skip("this redis-server is built without TLS")


@cache  # one answer per run: starting a server costs a moment
def _speaks_tls() -> bool:
    """Whether a redis-server started with a certificate answers over TLS."""
    with tempfile.TemporaryDirectory(prefix="redis-tls-") as folder:
        server = RedisServer(tls=Certificate.make(Path(folder)))
        try:
            server.start()
            with server.client() as client:
                return bool(client.ping())
        except (RuntimeError, OSError, redis.RedisError):
            return False
        finally:
            server.stop()


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A Redis of the test's own that keeps nothing on disk."""
    require_redis_server()
    server = RedisServer()
    server.start()
    yield server
    server.stop()


MASTER = "mymaster"


@pytest.fixture(scope="session")
def local_cluster() -> Iterator[str]:
    """A 3-master Redis Cluster of the tests' own, on loopback: its REDIS_URL."""
    require_redis_server()
    cluster = LocalCluster()
    cluster.start()
    yield cluster.url
    cluster.stop()


@pytest.fixture
def local_sentinels() -> Iterator[LocalSentinels]:
    """A master, two replicas and three Sentinels of the test's own, on loopback."""
    require_redis_server()
    sentinels = LocalSentinels()
    sentinels.start()
    yield sentinels
    sentinels.stop()


def free_port(*, bus: bool = False) -> int:
    """A free loopback port; with ``bus``, one whose cluster bus port (port + 10000) is free
    too, as a cluster node needs. TEST_REDIS_PORTS ("30001-30006,31001-31003") keeps them to
    those ranges, on a machine shared with others."""
    ranges = [
        range(int(first), int(last) + 1)
        for first, _, last in (part.partition("-") for part in _PORTS.split(",") if part)
    ]
    candidates = [port for each in ranges for port in each] if ranges else None
    while True:
        if candidates is not None:
            if not candidates:
                raise RuntimeError(f"no free port left in TEST_REDIS_PORTS={_PORTS}")
            port = candidates.pop(0)
        else:
            port = random.randrange(20000, 45000) if bus else 0
        if port in _HANDED_OUT:  # free, but a server not started yet will take it
            continue
        try:
            with socket.socket() as probe, socket.socket() as bus_probe:
                for each in (probe, bus_probe):  # as redis-server binds: TIME_WAIT is free
                    each.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind(("127.0.0.1", port))
                if bus:
                    bus_probe.bind(("127.0.0.1", port + 10000))
                port = int(probe.getsockname()[1])
        except OSError:
            continue
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


_PORTS = os.environ.get("TEST_REDIS_PORTS", "")
_HANDED_OUT: set[int] = set()


def _until(ready: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if ready():
                return
        except redis.RedisError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not come up in {seconds:.0f} s")
        time.sleep(0.1)


def _client(port: int, tls: Certificate | None = None) -> redis.Redis:
    if tls is None:
        return redis.Redis(port=port, socket_timeout=1, decode_responses=True)
    # The client certificate, for a server that requires one (any other takes it too).
    return redis.Redis(
        port=port,
        socket_timeout=1,
        decode_responses=True,
        ssl=True,
        ssl_ca_certs=str(tls.ca),
        ssl_certfile=str(tls.client_cert),
        ssl_keyfile=str(tls.client_key),
    )


def _online_replicas(master: redis.Redis) -> int:
    """How many replicas have synced with ``master`` and follow it."""
    replication = master.info("replication")
    return sum(
        isinstance(value, dict) and value.get("state") == "online"
        for name, value in replication.items()
        if name.startswith("slave")
    )


def _cluster_ok(node: RedisServer) -> bool:
    with node.client() as client:
        return bool(client.cluster("info")["cluster_state"] == "ok")


def _watching(sentinel: RedisServer, replicas: int) -> bool:
    """Whether ``sentinel`` knows the other two and the master's replicas."""
    with sentinel.client() as watcher:
        others = watcher.sentinel_sentinels(MASTER)
        known = watcher.sentinel_slaves(MASTER)
    return len(others) == 2 and len(known) == replicas


class _ServerSet:
    """Servers started together: when starting fails, those started are stopped (no server
    outlives the test that wanted it)."""

    def start(self) -> None:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError


class LocalCluster(_ServerSet):
    """Three masters on loopback, no replicas, made one cluster by ``redis-cli --cluster``;
    with ``tls``, its clients and its nodes among themselves speak TLS only (and with
    ``client_certs`` its clients must present a certificate)."""

    def __init__(self, tls: Certificate | None = None, *, client_certs: bool = False) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="redis-cluster-"))
        self.tls = tls
        self.nodes: list[RedisServer] = []
        for _ in range(3):
            port = free_port(bus=True)
            config = str(self.directory / f"nodes-{port}.conf")
            options = ("--cluster-enabled", "yes", "--cluster-config-file", config,
                       "--cluster-node-timeout", "2000", "--dir", str(self.directory),
                       *(("--tls-cluster", "yes") if tls else ()), *NO_PERSISTENCE)  # fmt: skip
            self.nodes.append(RedisServer(*options, port=port, tls=tls, client_certs=client_certs))
        scheme = "rediss+cluster" if tls else "redis+cluster"
        self.url = f"{scheme}://" + ",".join(f"127.0.0.1:{n.port}" for n in self.nodes)

    def _start(self) -> None:
        for node in self.nodes:
            node.start()
        tls = (
            ("--tls", "--cacert", str(self.tls.ca),
             "--cert", str(self.tls.client_cert), "--key", str(self.tls.client_key))
            if self.tls else ()
        )  # fmt: skip
        subprocess.run(
            ["redis-cli", *tls, "--cluster", "create",
             *(f"127.0.0.1:{node.port}" for node in self.nodes),
             "--cluster-replicas", "0", "--cluster-yes"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        for node in self.nodes:
            _until(partial(_cluster_ok, node), "the cluster")

    def node_for(self, key: str) -> RedisServer:
        """The node that serves ``key``'s slot."""
        with self.nodes[0].client() as client:
            slot = int(client.cluster("keyslot", key))
            ranges = client.cluster("slots")
        # CLUSTER SLOTS: [first slot, last slot, [host, port, id] of the primary, replicas…]
        ports = [int(primary[1]) for first, last, primary, *_ in ranges if first <= slot <= last]
        return next(node for node in self.nodes if node.port in ports)

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


class LocalSentinels(_ServerSet):
    """A master and two replicas on loopback, watched by three Sentinels (quorum two); with
    ``tls``, every one of them speaks TLS only, to clients and among themselves (and with
    ``client_certs``, every one requires its clients to present a certificate).

    Every server refuses writes unless a replica is connected and at most 10 s behind
    (``min-replicas-to-write``): a master cut off from its replicas stops taking writes
    that the failover would throw away.
    """

    def __init__(
        self, replicas: int = 2, tls: Certificate | None = None, *, client_certs: bool = False
    ) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="redis-sentinel-"))
        # With no replica (a master running alone), refusing writes would refuse them all.
        guard = ("--min-replicas-to-write", "1", "--min-replicas-max-lag", "10") if replicas else ()
        among = ("--tls-replication", "yes") if tls else ()  # replicas and Sentinels: TLS too
        durable = (*guard, "--repl-diskless-sync-delay", "0",  # a replica syncs at once
                   "--dir", str(self.directory), *among, *NO_PERSISTENCE)  # fmt: skip
        server = partial(RedisServer, tls=tls, client_certs=client_certs)
        self.master = server(*durable)
        replica_of = ("--replicaof", "127.0.0.1", str(self.master.port))
        self.replicas = [server(*durable, *replica_of) for _ in range(replicas)]
        self.sentinels = [server("--dir", str(self.directory), *among) for _ in range(3)]
        hosts = ",".join(f"127.0.0.1:{sentinel.port}" for sentinel in self.sentinels)
        self.url = f"{'rediss' if tls else 'redis'}+sentinel://{hosts}/{MASTER}/0"

    @property
    def servers(self) -> list[RedisServer]:
        return [self.master, *self.replicas]

    def _start(self) -> None:
        for server in self.servers:
            server.start()
        with self.master.client() as master:
            _until(lambda: _online_replicas(master) == len(self.replicas), "replicas")
        for sentinel in self.sentinels:
            config = self.directory / f"sentinel-{sentinel.port}.conf"
            config.write_text(
                f"sentinel monitor {MASTER} 127.0.0.1 {self.master.port} 2\n"
                f"sentinel down-after-milliseconds {MASTER} 1000\n"
                f"sentinel failover-timeout {MASTER} 5000\n"
            )
            sentinel.start(str(config), "--sentinel")
        for sentinel in self.sentinels:
            _until(partial(_watching, sentinel, len(self.replicas)), "the Sentinels")

    def master_port(self, sentinel: RedisServer | None = None) -> int:
        """The port of the master the Sentinels (or ``sentinel``) name now."""
        with (sentinel or self.sentinels[0]).client() as watcher:
            return int(watcher.sentinel_get_master_addr_by_name(MASTER)[1])

    @contextmanager
    def stalled(self) -> Iterator[None]:
        """The replicas stopped (SIGSTOP) meanwhile: connected, but neither reading nor
        acknowledging, as replicas on a congested link are."""
        for replica in self.replicas:
            assert replica.process is not None
            replica.process.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            for replica in self.replicas:
                assert replica.process is not None
                replica.process.send_signal(signal.SIGCONT)

    def fail_over(self) -> tuple[int, int]:
        """A planned failover (``SENTINEL FAILOVER``): the old master's port and the new one's,
        once the other replicas follow the new master. The old master stays a master, with no
        replica, until the Sentinels demote it some 10 s later."""
        old = self.master_port()
        with self.sentinels[0].client() as sentinel:
            sentinel.execute_command("SENTINEL", "FAILOVER", MASTER)
        _until(lambda: self.master_port() != old, "a new master")
        new = self.master_port()
        _until(lambda: {self.master_port(watcher) for watcher in self.sentinels} == {new}, "all")
        with _client(new, self.master.tls) as master, _client(old, self.master.tls) as previous:
            moved = len(self.replicas) - 1
            _until(lambda: _online_replicas(master) == moved, "the replicas to move")
            _until(lambda: previous.info("replication")["connected_slaves"] == 0, "the old master")
        return old, new

    def stop(self) -> None:
        for server in [*self.sentinels, *self.servers]:
            server.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def main(topology: str) -> None:
    """Start ``topology`` (cluster or sentinel), print its URL, stop it at SIGTERM/SIGINT."""
    setup = LocalCluster() if topology == "cluster" else LocalSentinels()
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        setup.start()
        print(setup.url, flush=True)
        while not stopping:
            time.sleep(0.2)
    finally:
        setup.stop()


if __name__ == "__main__":
    main(sys.argv[1])
