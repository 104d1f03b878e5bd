"""REDIS_URL checked at startup: a mistake no wait would mend stops the process in one line.

The wrong kind of Redis (a plain URL to a cluster node or a Sentinel, a cluster URL to one
server, a Sentinel URL to something else, a master no Sentinel watches); a scheme the port
does not speak (TLS or not); a TLS client certificate missing or refused; a server
certificate not trusted, with the fix for OpenSSL's reason. A Redis that does not answer
passes: the bot starts without it, says so, and recovers when it comes.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import redis.asyncio as redis
from redis.asyncio.connection import parse_url
from redis.exceptions import AuthenticationError, RedisClusterException, ResponseError

from bot.errors import RedisUrlError
from bot.state.store import (
    CONNECT_TIMEOUT,
    OUTAGES,
    Address,
    Where,
    certificate_refusal,
    connect,
    sentinel_options,
    topology,
)

log = logging.getLogger(__name__)

_NAME_ITS_HOST = "connect by a host name or address its certificate names (the URL's host)"
# OpenSSL's verify codes (X509_V_ERR_*) that a fix other than trusting a CA answers.
_CERTIFICATE_FIXES = {
    9: "its certificate is not valid yet: check the server's clock and certificate",
    10: "its certificate has expired: renew the server's certificate",
    62: _NAME_ITS_HOST,  # a host name it does not hold
    64: _NAME_ITS_HOST,  # an IP address it does not hold
}
_TRUST_THE_CA = (
    "trust the CA that signed it with SSL_CERT_FILE=/path/ca.pem or ?ssl_ca_certs=/path/ca.pem"
)


async def verify(url: str | None) -> None:
    """At startup: RedisUrlError when ``url`` names the wrong kind of Redis (a plain URL to
    a cluster node or a Sentinel, a cluster URL to one server, a Sentinel URL to something
    else), or speaks to it in a way it does not (TLS or not, without the client certificate
    it requires), or when Redis's TLS certificate is not trusted: no wait would mend those.
    A Redis that does not answer passes: the bot starts without it, says so, and recovers
    when it comes."""
    if not url:
        return
    kind = topology(url)
    if kind == "sentinel":
        await _verify_sentinels(Where.of(url))
        return
    try:
        client, _ = connect(url)
        if kind == "server":
            options = parse_url(url)
            hosts = [(options["host"], options["port"])] if "host" in options else []
        else:
            where = Where.of(url)
            options = parse_url(where.url(*where.hosts[0], ""))
            hosts = where.hosts
        speech = _Speech.of(url.partition("://")[0].lower(), options, "Redis", hosts)
        mode = await _mode(client, speech)
    except RedisClusterException as exc:
        if "not enabled" in str(exc):  # a node said so
            raise RedisUrlError(
                "REDIS_URL is a redis+cluster:// URL but its nodes are not in cluster mode: "
                "use redis://host:port for one server"
            ) from None
        log.warning("Redis is unreachable at startup: %s", type(exc).__name__)
        return
    if kind == "server" and mode == "cluster":
        raise RedisUrlError(
            "REDIS_URL points at a Redis Cluster node: use redis+cluster://host:port[,host:port…]"
        )
    if kind == "server" and mode == "sentinel":
        raise RedisUrlError(
            "REDIS_URL points at a Sentinel: use redis+sentinel://host:port[,host:port…]/MASTER"
        )


async def _verify_sentinels(where: Where) -> None:
    """Each host answering is a Sentinel, and the Sentinels watch the master named."""
    options = sentinel_options(where, dict(parse_qsl(where.query)))
    master = where.path.strip("/").partition("/")[0]
    scheme = "rediss+sentinel" if where.tls else "redis+sentinel"
    answers = []
    for host, port in where.hosts:
        speech = _Speech.of(scheme, options, "the Sentinel", [(host, port)])
        mode = await _mode(
            redis.Redis(host=host, port=port, **options), speech, f"the Sentinel at {host}:{port}"
        )
        if mode not in (None, "sentinel"):
            raise RedisUrlError(
                f"REDIS_URL is a redis+sentinel:// URL but {host}:{port} is not a Sentinel "
                f"(it is a {mode} Redis): list the Sentinels' host:port"
            )
        if mode == "sentinel":
            answers.append(await _watched(redis.Redis(host=host, port=port, **options), master))
    if answers and not any(answers):
        raise RedisUrlError(
            f"REDIS_URL names the master {master!r}, which no Sentinel watches: use the name "
            "from their `sentinel monitor` line (redis-cli -p PORT SENTINEL MASTERS lists them)"
        )


async def _watched(sentinel: redis.Redis, master: str) -> bool:
    """Whether ``sentinel`` knows where ``master`` is (True if it stopped answering: only a
    clear no counts against the URL). Closes ``sentinel``."""
    try:
        return await sentinel.sentinel_get_master_addr_by_name(master) is not None
    except OUTAGES:
        return True
    finally:
        await sentinel.aclose()


async def _mode(client: redis.Redis, speech: _Speech, who: str = "Redis") -> str | None:
    """``INFO server``'s ``redis_mode`` (standalone, cluster, sentinel); None when it does not
    answer. Closes ``client``. A cluster's client raises RedisClusterException when its
    nodes are not in cluster mode; RedisUrlError when ``who``'s certificate is not trusted,
    or it did not answer because it speaks otherwise than ``speech`` (``_Speech.mismatch``)."""
    try:
        return str((await client.info("server")).get("redis_mode", "standalone"))
    except OUTAGES as exc:
        refusal = certificate_refusal(exc)
        if refusal is not None:
            why = refusal.verify_message or refusal.reason or "certificate verify failed"
            fix = _CERTIFICATE_FIXES.get(refusal.verify_code, _TRUST_THE_CA)
            raise RedisUrlError(
                f"REDIS_URL: the TLS certificate of {who} is not trusted ({why}): {fix}"
            ) from None
        if not _answered(exc):
            mismatch = await speech.mismatch()
            if mismatch:
                raise RedisUrlError(mismatch) from None
        if isinstance(exc, RedisClusterException):
            raise
        log.warning("Redis is unreachable at startup: %s", type(exc).__name__)
        return None
    finally:
        await client.aclose()


def _answered(error: BaseException) -> bool:
    """Whether Redis answered before ``error`` (a refusal, a wrong password): then it speaks
    as the URL does."""
    seen: BaseException | None = error
    for _ in range(8):  # a chain of causes, not a cycle
        if seen is None:
            return False
        if isinstance(seen, (ResponseError, AuthenticationError)):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


# What a server that checks client certificates answers a TLS handshake with (OpenSSL's
# reasons for the alert): none given (TLS 1.3 says so; TLS 1.2 only fails the handshake, as
# it would for no shared cipher, so that one is named as a likely cause), or one it does not take.
_NO_CLIENT_CERTIFICATE = "TLSV13_ALERT_CERTIFICATE_REQUIRED"
_HANDSHAKE_FAILED = "SSLV3_ALERT_HANDSHAKE_FAILURE"
_CLIENT_CERTIFICATE_REFUSED = frozenset(
    {
        "TLSV1_ALERT_UNKNOWN_CA",
        "SSLV3_ALERT_BAD_CERTIFICATE",
        "SSLV3_ALERT_CERTIFICATE_EXPIRED",
        "SSLV3_ALERT_CERTIFICATE_REVOKED",
        "SSLV3_ALERT_CERTIFICATE_UNKNOWN",
        "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE",
    }
)
_GIVE_A_CLIENT_CERTIFICATE = "?ssl_certfile=/path/client.pem&ssl_keyfile=/path/client.key"


@dataclass(frozen=True)
class _Speech:
    """How a URL speaks to servers (TLS or not, with which client certificate), to tell, when
    none answered, whether they speak otherwise. redis-py cannot tell: a server without TLS
    reads the bot's TLS greeting as the start of a command and waits for the rest of it, so
    the bot times out; a server that speaks TLS only resets a plain connection; one that
    wants a client certificate resets it too, or sends an alert, by how the race between
    its alert and the bot's first command goes."""

    scheme: str  # the URL's, as "rediss+sentinel"
    tls: bool
    # certfile, keyfile, the key's password: never shown (a repr in a traceback or a log)
    certificate: tuple[str, str | None, str | None] | None = field(repr=False)
    what: str  # "Redis", "the Sentinel": named with each host's address
    hosts: list[Address]

    @classmethod
    def of(
        cls, scheme: str, options: Mapping[str, Any], what: str, hosts: list[Address]
    ) -> _Speech:
        """From redis-py's options of the URL (``parse_url``'s, or the Sentinels')."""
        tls = scheme.startswith("rediss")
        certfile = options.get("ssl_certfile")
        keyfile, password = options.get("ssl_keyfile"), options.get("ssl_password")
        return cls(scheme, tls, (certfile, keyfile, password) if certfile else None, what, hosts)

    async def mismatch(self) -> str | None:
        """What to change in the URL, when a server of it speaks otherwise; None when none
        answers in time (a Redis down or far off: no mismatch)."""
        plain = self.scheme.replace("rediss", "redis", 1)
        tls = plain.replace("redis", "rediss", 1)
        for host, port in self.hosts:
            who = f"{self.what} at {host}:{port}"
            if not self.tls:
                if await self._handshake(host, port, certificate=None, alert=False) is not None:
                    return f"REDIS_URL: {who} speaks TLS only: use {tls}:// (not {plain}://)"
                continue
            answer = await _answers_plain(host, port)
            if answer:
                return f"REDIS_URL: {who} does not speak TLS: use {plain}:// (not {tls}://)"
            if answer is None:  # not a word, not even a reset: no sign of TLS either
                continue
            refused = await self._handshake(host, port, self.certificate, alert=True)
            if isinstance(refused, str):
                return f"REDIS_URL: {refused}"
            if isinstance(refused, ssl.SSLError):
                if refused.reason == _NO_CLIENT_CERTIFICATE and self.certificate is None:
                    return (
                        f"REDIS_URL: {who} requires a TLS client certificate: give one that "
                        f"its CA signed with {_GIVE_A_CLIENT_CERTIFICATE}"
                    )
                if refused.reason == _HANDSHAKE_FAILED and self.certificate is None:
                    return (
                        f"REDIS_URL: {who} failed the TLS handshake: it likely requires a "
                        f"client certificate ({_GIVE_A_CLIENT_CERTIFICATE}), or shares no TLS "
                        "version or cipher with the bot"
                    )
                if refused.reason in _CLIENT_CERTIFICATE_REFUSED:
                    alert = str(refused.reason).lower().replace("_", " ")
                    return (
                        f"REDIS_URL: {who} refused the TLS client certificate ({alert}): give "
                        "one, still valid, that a CA it trusts signed (ssl_certfile, ssl_keyfile)"
                    )
        return None

    @staticmethod
    async def _handshake(
        host: str,
        port: int,
        certificate: tuple[str, str | None, str | None] | None,
        *,
        alert: bool,
    ) -> ssl.SSLError | str | bool | None:
        """A TLS handshake with ``host:port`` that trusts any certificate (the URL's own
        attempt checked the server's): None when it does not speak TLS, or not in time; else
        the alert it sends, in the handshake or (with ``alert``) just after, when it rejects
        ``certificate`` (which TLS 1.3 tells only then); True when none. A text when
        ``certificate`` cannot be loaded."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        if certificate is not None:
            try:
                context.load_cert_chain(*certificate)
            except (OSError, ValueError) as error:
                # OpenSSL's reason or the OS's only: never the files' paths nor the key's
                # password.
                why = error.reason if isinstance(error, ssl.SSLError) else None
                why = str(why).lower().replace("_", " ") if why else getattr(error, "strerror", "")
                return (
                    f"the TLS client certificate (ssl_certfile, ssl_keyfile) cannot be "
                    f"loaded ({why or type(error).__name__}): check those files"
                )
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                reader, writer = await asyncio.open_connection(host, port, ssl=context)
        except ssl.SSLError as error:
            return error if error.reason and "ALERT" in error.reason else None
        except (OSError, TimeoutError):
            return None
        try:
            if alert:
                async with asyncio.timeout(CONNECT_TIMEOUT):
                    await reader.read(1)  # the server speaks first only to refuse
        except ssl.SSLError as error:
            return error
        except (OSError, TimeoutError):
            pass
        finally:
            await _close(writer)
        return True


async def _answers_plain(host: str, port: int) -> bool | None:
    """Whether ``host:port`` answers an inline PING as a Redis without TLS does; None when it
    says nothing in time (a TLS server closes at once: False)."""
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT):
            reader, writer = await asyncio.open_connection(host, port)
            try:
                writer.write(b"PING\r\n")
                line = await reader.readline()
            finally:
                await _close(writer)
    except TimeoutError:
        return None
    except OSError:
        return False
    return line[:1] in (b"+", b"-")  # PONG, or NOAUTH: Redis's words either way


async def _close(writer: asyncio.StreamWriter) -> None:
    """Close a probe's connection and wait, briefly, for it to be closed: startup's event
    loop ends right after, and a TLS close left pending would be cut off with a warning."""
    writer.close()
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT):
            await writer.wait_closed()
    except (OSError, TimeoutError):
        pass  # closed, or as good as: nothing more to say to it
