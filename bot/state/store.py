"""Redis in one place: the connection, its persistence, and turning outages into StoreUnavailable.

All state the bot keeps is in Redis, so any number of web processes can share one; every
kind of key it writes is declared in bot.state.schema. REDIS_URL names one server, a Redis
Cluster or Sentinels (``SCHEMES``); ``bot.state.startup`` refuses, at startup, a URL that
names the wrong kind, and health and persistence are asked of every primary of a cluster.
"""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal, cast
from urllib.parse import parse_qsl, urlencode

import redis.asyncio as redis
from redis.asyncio.client import Pipeline
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.connection import Connection, SSLConnection, parse_url
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import (
    Sentinel,
    SentinelConnectionPool,
    SentinelManagedConnection,
    SentinelManagedSSLConnection,
)
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import (
    ReadOnlyError,
    RedisClusterException,
    RedisError,
    ResponseError,
)

from bot.errors import RedisUrlError, StoreUnavailable
from bot.metrics import count_redis_error

log = logging.getLogger(__name__)

# Slack gives a request 3 seconds; a Redis that does not answer in one is treated as down
# so the bot can still say so in time.
SOCKET_TIMEOUT = 1.0
CONNECT_TIMEOUT = 0.5

# Connections per process. Each request in flight may hold one while the event loop is
# busy; redis-py's default of 100 fails at once under a burst of 200. Redis takes 10,000.
MAX_CONNECTIONS = 1000

# One immediate retry: it replaces a pooled connection that died when Redis restarted.
# redis-py's default (ten retries with backoff) would wait seconds on a Redis that is down.
RETRY = Retry(NoBackoff(), retries=1)


# The URL schemes the bot reads REDIS_URL in (the conventions of the `limits` library and
# Prefect): one server, a Redis Cluster, or a master that Sentinels name; "s" for TLS.
Topology = Literal["server", "cluster", "sentinel"]
SCHEMES: dict[str, Topology] = {
    "redis": "server",
    "rediss": "server",
    "redis+cluster": "cluster",
    "rediss+cluster": "cluster",
    "redis+sentinel": "sentinel",
    "rediss+sentinel": "sentinel",
}
SENTINEL_PORT = 26379


def topology(url: str) -> Topology:
    """What ``url`` names: one server, a cluster, or Sentinels (RedisUrlError otherwise)."""
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme not in SCHEMES:
        raise RedisUrlError(
            # Never the URL itself: without "://" its start may be a user and password.
            f"REDIS_URL: unknown scheme {scheme or 'missing'!r}: use redis:// or rediss:// (one "
            "server), redis+cluster://h:p,h:p (Redis Cluster) or "
            "redis+sentinel://h:p,h:p/MASTER (Sentinel)"
        )
    return SCHEMES[scheme]


def connect(url: str | None) -> tuple[redis.Redis, bool]:
    """A Redis client for ``url``, or an embedded in-process one; the flag says which.

    A cluster's client is redis-py's RedisCluster: it serves every command the stores send
    (each transaction and script of theirs stays within one hash tag), so they use it as
    the ``redis.Redis`` they are typed with. A Sentinel URL gives the master they name,
    found again after a failover.
    """
    if not url:
        import fakeredis  # only the embedded mode needs it

        return fakeredis.FakeAsyncRedis(decode_responses=True), True
    options: dict[str, Any] = {
        "socket_timeout": SOCKET_TIMEOUT,
        "socket_connect_timeout": CONNECT_TIMEOUT,
        "retry": RETRY,
        "max_connections": MAX_CONNECTIONS,
        "health_check_interval": 30,
        "decode_responses": True,
    }
    kind = topology(url)
    if kind == "server":
        # A managed Redis fails over by moving its name to the promoted replica; the old
        # primary, demoted, answers the pooled connections' writes with READONLY. That
        # error then drops the connection and retries on a new one, which looks the name
        # up again (redis-py does this itself behind Sentinels). Nothing was applied.
        return redis.Redis.from_url(url, retry_on_error=[ReadOnlyError], **options), False
    where = Where.of(url)
    if kind == "cluster":
        if where.path.strip("/") not in ("", "0"):
            raise RedisUrlError("REDIS_URL: a cluster has one database, 0: drop the /N")
        (host, port), *others = where.hosts
        cluster = RedisCluster.from_url(
            where.url(host, port, where.path),
            startup_nodes=[ClusterNode(*node) for node in others],
            **options,
        )
        return cast("redis.Redis", cluster), False
    master, _, db = where.path.strip("/").partition("/")
    if not master:
        raise RedisUrlError("REDIS_URL: redis+sentinel:// needs the master's name: h:p/MASTER")
    params = dict(parse_qsl(where.query))
    watchers = sentinel_options(where, params)  # takes the Sentinels' own credentials out
    host, port = where.hosts[0]
    master_options = parse_url(where.url(host, port, f"/{db or 0}", urlencode(params)))
    del master_options["host"], master_options["port"]
    ssl = master_options.pop("connection_class", None) is SSLConnection
    sentinel = _Sentinels(where.hosts, sentinel_kwargs=watchers)
    # The URL's own options (socket_timeout…) win over the defaults, as redis-py's from_url.
    client = sentinel.master_for(
        master,
        redis_class=_SentinelMaster,
        connection_class=_FollowingSSLConnection if ssl else _FollowingConnection,
        **{**options, **master_options},
    )
    return client, False


def sentinel_options(where: Where, params: dict[str, str]) -> dict[str, Any]:
    """How to talk to the Sentinels themselves. The credentials and options in the URL are
    the master's; the Sentinels' own are sentinel_username and sentinel_password (taken out
    of ``params``), as Prefect reads them. TLS and its options (``ssl_ca_certs``,
    ``ssl_cert_reqs``…) are both's: redis-py would give the Sentinels none of them, and
    then not trust a private CA's certificate that the master is trusted by."""
    theirs = {
        k: params.pop(f"sentinel_{k}")
        for k in ("username", "password")
        if f"sentinel_{k}" in params
    }
    host, port = where.hosts[0]
    parsed = parse_url(where.url(host, port, "", urlencode(params)))  # typed as redis-py types
    tls = {k: v for k, v in parsed.items() if k.startswith("ssl_")} if where.tls else {}
    # A Sentinel that does not answer is not asked again: the next one is (redis-py's
    # default would retry it with backoff, delaying every lookup of the master after a crash).
    return {
        "socket_timeout": SOCKET_TIMEOUT,
        "socket_connect_timeout": CONNECT_TIMEOUT,
        "retry": Retry(NoBackoff(), retries=0),
        "ssl": where.tls,
        **tls,
        **theirs,
    }


@dataclass(frozen=True)
class Where:
    """A cluster or Sentinel URL's parts: TLS or not, credentials, hosts, path, query."""

    tls: bool
    userinfo: str  # "user:pass@", or ""
    hosts: list[tuple[str, int]]
    path: str
    query: str

    @classmethod
    def of(cls, url: str) -> Where:
        scheme, _, rest = url.partition("://")
        rest, _, query = rest.partition("?")  # options may follow the hosts with no path
        netloc, slash, after = rest.partition("/")
        path = slash + after
        userinfo, at, hostlist = netloc.rpartition("@")
        default = SENTINEL_PORT if "sentinel" in scheme else 6379
        hosts = []
        for each in filter(None, hostlist.split(",")):
            host, colon, port = each.rpartition(":")
            if not colon:
                host, port = port, str(default)
            if not host or not port.isdigit():
                raise RedisUrlError("REDIS_URL: each host must be host:port")
            hosts.append((host, int(port)))
        if not hosts:
            raise RedisUrlError(f"REDIS_URL: {scheme}:// needs at least one host:port")
        return cls(scheme.lower().startswith("rediss"), userinfo + at, hosts, path, query)

    def url(self, host: str, port: int, path: str, query: str | None = None) -> str:
        """A one-server URL to ``host``, for redis-py to parse credentials and options from."""
        query = self.query if query is None else query
        scheme = "rediss" if self.tls else "redis"
        return f"{scheme}://{self.userinfo}{host}:{port}{path}" + (f"?{query}" if query else "")


# Replication is asynchronous: a write the master acknowledged and then died with is lost
# when a replica takes over. After each transaction (every step marked), the master is asked
# to WAIT until a replica has it too, for at most this long; the write stands either way.
# min-replicas-to-write on the servers (README) makes a master cut off from its replicas
# refuse writes, rather than take ones the failover would throw away.
REPLICA_WAIT_MS = 500
# When no replica acknowledged in time, the master has none to wait for (or they lag far
# behind): waiting the full REPLICA_WAIT_MS on every transaction would only slow every
# reply, so transactions stop waiting for this long, then try again.
NO_REPLICA_PAUSE_SECONDS = 30.0

Address = tuple[str, int]  # a server's host and port


class UnconfirmedWrite(RedisError):
    """The connection failed while waiting for a replica: the master may have died with a
    write no replica has. Not a ConnectionError, which redis-py's retry would answer by
    running the applied transaction again; an outage (``available``) all the same."""


class _Replicas:
    """Whether a master's transactions wait for a replica now. After a wait in vain (or
    refused) they stop for NO_REPLICA_PAUSE_SECONDS, or until the Sentinels name another
    master; then one transaction tries again while the others go on without. Each change is
    logged once."""

    def __init__(self) -> None:
        self._paused_until = 0.0  # 0: waiting
        self._paused_on: Address | None = None  # the master that had no replica
        self._probing = False

    def should_wait(self, master: Address) -> bool:
        """Whether a transaction on ``master`` waits; one that does must then say how it went."""
        if not self._paused_until:
            return True
        if master != self._paused_on:
            # A failover: the new master has its own replicas, and the writes that matter
            # most are the ones just after it. Wait for them now, not at the pause's end.
            log.info("The master changed: transactions wait for a replica again")
            self._paused_until = 0.0
            self._probing = False
            return True
        if self._probing or time.monotonic() < self._paused_until:
            return False
        self._probing = True  # the one that tries again
        return True

    def acknowledged(self, master: Address, replicas: int) -> None:
        """What WAIT on ``master`` answered: how many replicas have the transaction."""
        self._probing = False
        if replicas:
            if self._paused_until:
                log.info("A replica acknowledges writes again: transactions wait for it")
            self._paused_until = 0.0
            return
        self._pause(
            master,
            "No replica acknowledged a write within %d ms: transactions stop waiting for one "
            "for %.0f s; a failover meanwhile may lose the last writes (check the replicas)",
            REPLICA_WAIT_MS,
            NO_REPLICA_PAUSE_SECONDS,
        )

    def refused(self, master: Address, error: ResponseError) -> None:
        """``master`` refused WAIT (an ACL, say), after applying the transaction."""
        self._probing = False
        self._pause(
            master,
            "The master refused WAIT (%s): the write stands; transactions stop waiting for "
            "a replica for %.0f s",
            type(error).__name__,
            NO_REPLICA_PAUSE_SECONDS,
        )

    def abandoned(self) -> None:
        """The wait ended with no answer (the connection failed, the task was cancelled)."""
        self._probing = False

    def _pause(self, master: Address, message: str, *values: object) -> None:
        if not self._paused_until:  # a change: say it once, not once per transaction
            log.warning(message, *values)
        self._paused_until = time.monotonic() + NO_REPLICA_PAUSE_SECONDS
        self._paused_on = master


class _Sentinels(Sentinel):
    """Sentinels asked for the master, skipping one whose answer is a master being failed
    over. The Sentinel leading a failover that ``SENTINEL FAILOVER`` asked for goes on
    naming the old master (flagged ``failover_in_progress``) until the Sentinels demote it,
    some 10 s on; its replicas have left it by then, so writes there are refused or lost.
    The next Sentinel names the new one."""

    def check_master_state(self, state: dict[str, Any], service_name: str) -> bool:
        flags = state["flags"]  # text over RESP2, a set over RESP3
        moving = "failover_in_progress" in (flags.split(",") if isinstance(flags, str) else flags)
        return not moving and bool(super().check_master_state(state, service_name))


class _FollowingConnection(SentinelManagedConnection):
    """A connection to the master the Sentinels name, that follows a failover the moment a
    write is refused for want of replicas. redis-py follows one at READONLY, which a
    master answers once it is demoted; but after ``SENTINEL FAILOVER`` the old master stays
    a master, its replicas gone to the new one, for the 10 s or so until the Sentinels
    demote it, and with ``min-replicas-to-write`` it refuses every write meanwhile."""

    async def read_response(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().read_response(*args, **kwargs)
        except ResponseError as error:
            if error.status_code != "NOREPLICAS":
                raise
            # Ask the Sentinels (this also drops the pool's idle connections to an old
            # master). A master that simply lost its replicas is still theirs: refused.
            try:
                master = await self.connection_pool.get_master_address()
            except BaseException:
                # No answer (or cancelled): a transaction's other replies are still unread
                # on this connection, so it cannot go back to the pool as it is.
                await self.disconnect(nowait=True)
                raise
            if master == (self.host, self.port):
                raise
            await self.disconnect()
            # A ConnectionError, which redis-py's retry answers on a new connection: the
            # refused write was not applied (a transaction with it is aborted).
            raise RedisConnectionError("The master was failed over") from error


class _FollowingSSLConnection(_FollowingConnection, SentinelManagedSSLConnection):
    """The same, over TLS."""


# The writes the stores make on their own, outside a transaction: a workspace's settings or
# a note, reminders stopped, a digest marked sent, a workspace's keys deleted at uninstall.
# Behind Sentinels each runs as a transaction of one, so that it too waits for a replica: a
# "reminders off" lost in a failover would have the bot remind someone who said stop. Not
# the once-only claims' script (EVALSHA), before every ack: a claim lost costs a retried
# event answered twice at worst, where a wait would cost every request.
_STANDALONE_WRITES = frozenset(
    {"SET", "HSET", "HDEL", "HINCRBY", "SADD", "SREM", "ZADD", "ZREM", "DEL", "UNLINK", "EXPIRE"}
)


class _SentinelMaster(redis.Redis):
    """The master the Sentinels name: its writes wait for a replica, and closing it closes
    the connections to the Sentinels too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._replicas = _Replicas()

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        if str(args[0]).upper() not in _STANDALONE_WRITES:
            return await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]
        async with self.pipeline(transaction=True) as pipe:
            pipe.execute_command(*args, **options)
            [result] = await pipe.execute()
        return result

    def pipeline(self, transaction: bool = True, shard_hint: str | None = None) -> Pipeline:
        return _Replicated(
            self.connection_pool, self.response_callbacks, transaction, shard_hint, self._replicas
        )

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        await super().aclose(close_connection_pool)
        if isinstance(self.connection_pool, SentinelConnectionPool):
            for sentinel in self.connection_pool.sentinel_manager.sentinels:
                await sentinel.aclose()


class _Replicated(Pipeline):
    """A pipeline whose transactions return once a replica has them (or REPLICA_WAIT_MS
    passed). WAIT counts the writes of its own connection, so it goes on the transaction's,
    from redis-py's step that runs a transaction on the connection it holds."""

    def __init__(
        self,
        connection_pool: redis.ConnectionPool,
        response_callbacks: Any,
        transaction: bool,
        shard_hint: str | None,
        replicas: _Replicas,
    ) -> None:
        super().__init__(connection_pool, response_callbacks, transaction, shard_hint)
        self._replicas = replicas

    async def _execute_transaction(
        self, connection: Connection, commands: Any, raise_on_error: bool
    ) -> Any:
        results = await super()._execute_transaction(connection, commands, raise_on_error)
        master = (connection.host, connection.port)  # where the Sentinels sent this connection
        if not self._replicas.should_wait(master):
            return results
        try:
            await connection.send_command("WAIT", 1, REPLICA_WAIT_MS)
            replicas = await connection.read_response()
        except ResponseError as error:
            self._replicas.refused(master, error)  # the reply was read: the connection is sound
            return results
        except BaseException as error:
            # read_response has dropped the connection. The transaction is applied, but
            # perhaps only on a master that just died: no "done" for it, and no retry.
            self._replicas.abandoned()
            if isinstance(error, OUTAGES):
                raise UnconfirmedWrite(type(error).__name__) from error
            raise
        self._replicas.acknowledged(master, int(replicas))
        return results


# What an outage looks like: a connection or a command failing, or, on a cluster, a slot
# map that cannot be had or a slot no node serves (RedisClusterException is not a RedisError).
OUTAGES = (RedisError, RedisClusterException, OSError)
# Refusals that say Redis is not serving for now, as a failover, a restart or a cluster's
# reconfiguration goes: outages, which pass, not mistakes to look into. NOREPLICAS is
# min-replicas-to-write refusing a master cut off from its replicas (README).
NOT_SERVING = frozenset(
    {"READONLY", "NOREPLICAS", "MASTERDOWN", "LOADING", "CLUSTERDOWN", "TRYAGAIN", "BUSY"}
)


def _refused_certificate(error: BaseException) -> str | None:
    """Why Redis's TLS certificate was not trusted, when that is what ``error`` comes from
    (redis-py wraps the check's error in its own, a cluster's in one more): OpenSSL's words,
    which name neither the URL nor its password."""
    refusal = certificate_refusal(error)
    return None if refusal is None else str(refusal.verify_message or refusal.reason or "")


def certificate_refusal(error: BaseException) -> ssl.SSLCertVerificationError | None:
    seen: BaseException | None = error
    for _ in range(8):  # a chain of causes, not a cycle
        if seen is None:
            return None
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


@asynccontextmanager
async def available() -> AsyncIterator[None]:
    """Run Redis calls; an outage becomes StoreUnavailable, logged once with its cause."""
    try:
        yield
    except ResponseError as exc:
        # Its code only: the rest of an error message can quote a command's arguments.
        # redis-py keeps the code apart (status_code) for the errors it has a class for;
        # for the others it is the message's first word, after the failing command that a
        # pipeline puts before it ("Command # 1 (SADD …) of pipeline caused error: …").
        code = exc.status_code or str(exc).rpartition("caused error: ")[2].split(" ", 1)[0]
        if code in NOT_SERVING:
            log.warning("Redis unavailable: %s %s", type(exc).__name__, code)
        else:
            # Redis answered, and refused: out of memory, a permission, or a bug of ours
            # (a key of the wrong type, keys across slots). Someone needs to look.
            log.error("Redis refused a command: %s %s", type(exc).__name__, code)
        count_redis_error()
        raise StoreUnavailable from exc
    except OUTAGES as exc:
        refused = _refused_certificate(exc)
        # A certificate refused is no outage that passes: say so, whoever reads the log.
        why = f" (its TLS certificate is not trusted: {refused})" if refused else ""
        log.warning("Redis unavailable: %s%s", type(exc).__name__, why)
        count_redis_error()
        raise StoreUnavailable from exc


async def ping(client: redis.Redis) -> bool:
    """True when Redis answers, every primary of a cluster; never raises (health checks)."""
    try:
        return all(await on_every_primary(client, "PING"))
    except OUTAGES:
        return False


def clustered(client: redis.Redis | RedisCluster) -> bool:
    """Whether ``client`` is a Redis Cluster's: a transaction or a script there must keep
    to one hash tag (``bot.state.schema``)."""
    return isinstance(client, RedisCluster)


async def on_every_primary(client: redis.Redis | RedisCluster, *command: str) -> list[Any]:
    """``command``'s answer from each primary: every one of a cluster's, or the one server.

    A cluster client sends PING, INFO or CONFIG GET to one node unless told otherwise.
    """
    if isinstance(client, RedisCluster):
        await client.initialize()
        return [
            await client.execute_command(*command, target_nodes=node)
            for node in client.get_primaries()
        ]
    return [await client.execute_command(*command)]  # type: ignore[no-untyped-call]


# How Redis keeps its data across a restart: an append-only file, snapshots, both, nothing,
# or unknown (a managed Redis may refuse CONFIG; the bot's own embedded store keeps nothing).
Persistence = Literal["aof", "rdb", "aof+rdb", "none", "unknown", "unreachable", "embedded"]

NO_PERSISTENCE_WARNING = (
    "Redis keeps nothing on disk (no AOF, no RDB snapshots): everyone's checklist progress, "
    "votes and logged questions are lost the next time it restarts. Turn on AOF "
    "(appendonly yes, appendfsync everysec) or use a managed Redis with persistence; "
    "meanwhile `python -m bot export` saves a copy."
)


async def persistence(client: redis.Redis) -> Persistence:
    """Whether Redis keeps its data across a restart, from CONFIG GET appendonly and save:
    of a cluster, the weakest of its primaries (a restart of that one loses its slots)."""
    try:
        appendonly = await on_every_primary(client, "CONFIG GET", "appendonly")
        save = await on_every_primary(client, "CONFIG GET", "save")
    except ResponseError:
        return "unknown"  # CONFIG refused or renamed, as managed Redis services do
    except OUTAGES:
        return "unreachable"
    states = [_kept(aof, rdb) for aof, rdb in zip(appendonly, save, strict=True)]
    return min(states, key=_STRENGTH.index)


_STRENGTH: list[Persistence] = ["none", "rdb", "aof", "aof+rdb"]


def _kept(appendonly: dict[str, Any], save: dict[str, Any]) -> Persistence:
    aof = str(appendonly.get("appendonly", "")).lower() == "yes"
    rdb = bool(str(save.get("save", "")).strip())
    if aof and rdb:
        return "aof+rdb"
    return "aof" if aof else "rdb" if rdb else "none"


async def warn_if_forgetful(client: redis.Redis) -> Persistence:
    """At startup: log once what Redis keeps on disk, and a warning when it keeps nothing."""
    state = await persistence(client)
    if state == "none":
        log.warning(NO_PERSISTENCE_WARNING)
    elif state == "unknown":
        log.info("Redis persistence is unknown (CONFIG is not allowed): check your provider's")
    elif state == "unreachable":
        log.warning("Redis is unreachable at startup: its persistence is not known yet")
    else:
        log.info("Redis persistence: %s", state)
    return state


class PersistenceCheck:
    """The persistence state for /healthz, asked of Redis at most once a minute."""

    def __init__(self, client: redis.Redis, *, seconds: float = 60.0) -> None:
        self._client = client
        self._seconds = seconds
        self._state: Persistence | None = None
        self._checked = 0.0

    async def state(self) -> Persistence:
        if self._state is None or time.monotonic() - self._checked > self._seconds:
            self._state = await persistence(self._client)
            self._checked = time.monotonic()
        return self._state
