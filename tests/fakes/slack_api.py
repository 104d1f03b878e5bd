"""A fake Slack Web API on loopback HTTP (or HTTPS) that records calls and answers like Slack."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import ssl
import sys
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

import pytest
from slack_sdk.oauth.installation_store import Installation

from bot.slack.oauth import BOT_SCOPES  # what installing the app from manifest.yml grants

AUTH_TEST: dict[str, Any] = {
    "ok": True,
    "url": "https://test.slack.com/",
    "team": "Test",
    "user": "mistral-setup",
    "team_id": "T111",
    "user_id": "UBOT",
    "bot_id": "BBOT",
    "bot_user_id": "UBOT",
    "is_enterprise_install": False,
}
TEAM_ID = AUTH_TEST["team_id"]
BOT_USER_ID = AUTH_TEST["user_id"]
BOT_ID = AUTH_TEST["bot_id"]
APP_ID = "A111"

# Form-encoded calls carry these as JSON strings; tests want the objects the bot built.
_JSON_ARGUMENTS = frozenset({"blocks", "view", "attachments", "metadata"})
# Slack authenticates these with client credentials rather than a bearer token.
_TOKENLESS_PREFIXES = ("oauth.", "openid.")
_RESPONSE_PREFIX = "/response/"
# What Slack wants a token to have been granted for a method (any one of these; Slack
# names the first as "needed"), for the methods where the fake must refuse as Slack does:
# the bot may call nothing that manifest.yml's scopes do not allow.
_NEEDED_SCOPES = {
    "conversations.info": ("channels:read", "groups:read", "im:read", "mpim:read"),
    "conversations.history": ("channels:history", "groups:history", "im:history", "mpim:history"),
}
# Where files.getUploadURLExternal tells a client to POST a file's bytes.
_UPLOAD_PREFIX = "/upload/"
# What ``fail_next`` calls that POST of a file's bytes (it is no Web API method).
UPLOAD = "file upload"
# serve_forever() checks for shutdown once per interval; short keeps per-test teardown fast.
_POLL_INTERVAL = 0.02


@dataclass(frozen=True)
class Call:
    """One Web API request as the fake received it."""

    method: str
    args: dict[str, Any]
    token: str | None
    timestamp: float


@dataclass(frozen=True)
class ResponseUrlPost:
    """One POST to a `response_url`, which is how Bolt's `respond()` talks to Slack."""

    path: str
    body: dict[str, Any]
    timestamp: float


@dataclass(frozen=True)
class Failure:
    """A canned error for the next call to one method."""

    status: int
    error: str
    retry_after: int | None


@dataclass
class UserRecord:
    """What `users.info` reports about one user."""

    is_admin: bool = False
    is_owner: bool = False
    locale: str = "en-US"
    name: str | None = None
    tz: str = "Europe/Rome"
    # An Enterprise Grid user's workspaces; none: a member of whichever workspace asks.
    teams: tuple[str, ...] = ()


@dataclass(frozen=True)
class Upload:
    """A file uploaded as files_upload_v2 does: its bytes, then where it was shared."""

    file_id: str
    filename: str
    content: bytes
    channel: str | None
    title: str | None
    token: str | None


@dataclass(frozen=True)
class Install:
    """A workspace (or, org-wide, an organisation) that can install the app with "Add to Slack"."""

    team_id: str | None
    team_name: str | None
    enterprise_id: str | None = None
    enterprise_name: str | None = None
    org_wide: bool = False
    installer: str = "UINSTALLER"

    @property
    def key(self) -> str:
        return self.enterprise_id if self.org_wide and self.enterprise_id else str(self.team_id)

    @property
    def bot_token(self) -> str:
        return f"xoxb-{self.key}-bot-token"

    @property
    def bot_user_id(self) -> str:
        return f"UBOT{self.key}"

    @property
    def bot_id(self) -> str:
        return f"BBOT{self.key}"

    def installation(self, installed_at: float | None = None) -> Installation:
        """The install as Bolt's OAuth flow saves it: for seeding a store directly."""
        return Installation(
            app_id=APP_ID,
            enterprise_id=self.enterprise_id,
            enterprise_name=self.enterprise_name,
            team_id=self.team_id,
            team_name=self.team_name,
            bot_token=self.bot_token,
            bot_id=self.bot_id,
            bot_user_id=self.bot_user_id,
            bot_scopes="commands,chat:write,app_mentions:read",
            user_id=self.installer,
            is_enterprise_install=self.org_wide,
            installed_at=installed_at,
        )


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlackApi:
    """Slack's Web API and `response_url` endpoint on 127.0.0.1, served from a thread.

    Point `AsyncWebClient(base_url=fake.url)` at it, and give payloads a
    `response_url` from `fake.response_url()`. The fake answers every method; the
    ones the bot uses answer with the fields Slack returns, the rest with `{"ok": true}`.

    Connections are kept alive (HTTP/1.1), as Slack's are, so a client that pools them
    pays for a connection once, not per call. With `tls` (a server-side SSLContext) it
    speaks HTTPS, as Slack does; the client must then trust that context's certificate.
    """

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self._tls = tls
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._responses: list[ResponseUrlPost] = []
        self._failures: defaultdict[str, deque[Failure]] = defaultdict(deque)
        self._users: dict[str, UserRecord] = {}
        self._wakers: list[Callable[[], None]] = []
        self._serial = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        # Where apps.connections.open sends a Socket Mode app (tests.fakes.socket_mode).
        self.socket_mode_url = ""
        # "Add to Slack": the codes Slack would give an installer, once each, by code.
        self._codes: dict[str, Install] = {}
        self._installs: dict[str, Install] = {}  # by bot token
        # Files by id: announced (files.getUploadURLExternal), then their bytes, then shared.
        self._pending: dict[str, dict[str, Any]] = {}
        self._uploads: list[Upload] = []
        # The scopes every token was granted (Slack's x-oauth-scopes header), and the
        # channels conversations.info and .history know, by id: name and whether the bot
        # is a member.
        self.scopes: tuple[str, ...] = BOT_SCOPES
        self._channels: dict[str, tuple[str, bool]] = {}

    # Lifecycle

    def start(self) -> Self:
        """Bind an ephemeral port on loopback and serve in a daemon thread."""
        handler = partial(_Handler, fake=self)
        self._server = _Server(("127.0.0.1", 0), handler)
        if self._tls is not None:
            # Each handshake happens in its connection's thread (_Handler.setup), not in
            # the one thread that accepts every connection.
            self._server.socket = self._tls.wrap_socket(
                self._server.socket, server_side=True, do_handshake_on_connect=False
            )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": _POLL_INTERVAL},
            name="fake-slack-api",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is None:
            return
        self._server.shutdown()
        # A kept-alive connection must not be served by a fake that was stopped.
        self._server.close_connections()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL with a trailing slash, as `AsyncWebClient(base_url=...)` expects."""
        if self._server is None:
            raise RuntimeError("FakeSlackApi is not running; call start() first")
        host, port = self._server.server_address[:2]
        scheme = "http" if self._tls is None else "https"
        return f"{scheme}://{host!s}:{port}/"

    def response_url(self, name: str = "1") -> str:
        """A `response_url` on this fake; posts to it land in `responses`."""
        return f"{self.url}{_RESPONSE_PREFIX.strip('/')}/{name}"

    # Programming

    def add_user(
        self,
        user_id: str,
        *,
        is_admin: bool = False,
        is_owner: bool = False,
        locale: str = "en-US",
        name: str | None = None,
        tz: str = "Europe/Rome",
        teams: tuple[str, ...] = (),
    ) -> None:
        """Describe a user for `users.info`; unknown users are regular members in Rome.
        ``teams``: an Enterprise Grid user's workspaces (admin, if so, of those)."""
        with self._lock:
            self._users[user_id] = UserRecord(is_admin, is_owner, locale, name, tz, teams)

    def add_install(self, install: Install) -> str:
        """A one-time OAuth ``code`` that oauth.v2.access exchanges for ``install``'s token."""
        code = f"code-{install.key}-{self._next_serial()}"
        with self._lock:
            self._codes[code] = install
            self._installs[install.bot_token] = install
        return code

    def add_channel(self, channel_id: str, name: str, *, bot_is_member: bool = True) -> None:
        """A channel for conversations.info and conversations.history; unknown ones are
        ``channel_not_found``."""
        with self._lock:
            self._channels[channel_id] = (name, bot_is_member)

    def fail_next(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls to `method` fail, then answer normally again.

        A 200 failure is Slack's usual `{"ok": false, "error": ...}`. A 429 sends
        `Retry-After` (1 second unless given) and error `ratelimited`, as Slack does.
        `method` UPLOAD fails the POST of a file's bytes to its upload URL.
        """
        if status == 200 and error is None:
            raise ValueError("a 200 failure needs an error code, e.g. error='channel_not_found'")
        if status == 429 and retry_after is None:
            retry_after = 1
        code = error or ("ratelimited" if status == 429 else "internal_error")
        with self._lock:
            self._failures[method].extend([Failure(status, code, retry_after)] * times)

    def fail_views_open_with(self, error: str) -> None:
        """Make the next `views.open` fail, e.g. with `expired_trigger_id`."""
        self.fail_next("views.open", error=error)

    def clear(self) -> None:
        """Forget recorded calls and posts, queued failures and added users."""
        with self._lock:
            self._calls.clear()
            self._responses.clear()
            self._failures.clear()
            self._users.clear()

    # Queries

    def calls(self, method: str | None = None) -> list[Call]:
        """Calls to `method` in arrival order, or every call when `method` is None."""
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def last(self, method: str) -> Call:
        """The latest call to `method`; fails the test when there was none."""
        matching = self.calls(method)
        if not matching:
            raise AssertionError(f"no {method} call; recorded: {self._methods()}")
        return matching[-1]

    @property
    def uploads(self) -> list[Upload]:
        """Files whose upload was completed (files.completeUploadExternal), in order."""
        with self._lock:
            return list(self._uploads)

    @property
    def responses(self) -> list[ResponseUrlPost]:
        """Posts to `response_url`s in arrival order."""
        with self._lock:
            return list(self._responses)

    # A `timeout` argument rather than asyncio.timeout() around the call, so that a
    # failed wait can report what did arrive.
    async def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[Call]:
        """Wait until `method` was called `count` times and return those calls.

        Bolt's AsyncApp acks first and runs listeners in background tasks, so a test
        must wait for the effect rather than assert right after dispatch.
        """
        await self._wait(lambda: len(self.calls(method)) >= count, timeout)
        matching = self.calls(method)
        if len(matching) < count:
            raise AssertionError(
                f"expected {count} {method} call(s) within {timeout}s, got {len(matching)};"
                f" recorded: {self._methods()}"
            )
        return matching

    async def wait_for_responses(
        self,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[ResponseUrlPost]:
        """Wait until `count` posts reached `response_url`s and return them."""
        await self._wait(lambda: len(self.responses) >= count, timeout)
        posts = self.responses
        if len(posts) < count:
            raise AssertionError(
                f"expected {count} response_url post(s) within {timeout}s, got {len(posts)}"
            )
        return posts

    async def _wait(self, done: Callable[[], bool], timeout: float) -> None:  # noqa: ASYNC109
        loop = asyncio.get_running_loop()
        arrived = asyncio.Event()

        def wake() -> None:
            # Called from a server thread; an Event may only be set on its own loop.
            with contextlib.suppress(RuntimeError):  # the loop closed after a timeout
                loop.call_soon_threadsafe(arrived.set)

        with self._lock:
            self._wakers.append(wake)
        try:
            async with asyncio.timeout(timeout):
                while not done():
                    await arrived.wait()
                    arrived.clear()
        except TimeoutError:
            pass  # the caller reports what did arrive
        finally:
            with self._lock:
                self._wakers.remove(wake)

    def _methods(self) -> list[str]:
        return [c.method for c in self.calls()]

    # Serving (called from handler threads)

    def _api_reply(self, method: str, args: dict[str, Any], token: str | None) -> _Reply:
        with self._lock:
            self._calls.append(Call(method, args, token, time.time()))
            failures = self._failures.get(method)
            failure = failures.popleft() if failures else None
        self._wake()
        if failure is not None:
            headers = (
                {} if failure.retry_after is None else {"Retry-After": str(failure.retry_after)}
            )
            return _json_reply({"ok": False, "error": failure.error}, failure.status, headers)
        if token is None and not method.startswith(_TOKENLESS_PREFIXES):
            return _json_reply({"ok": False, "error": "not_authed"})
        # Slack says on every call with a token which scopes that token was granted.
        granted = {} if token is None else {"x-oauth-scopes": ",".join(self.scopes)}
        needed = _NEEDED_SCOPES.get(method, ())
        if needed and not set(needed) & set(self.scopes):
            refusal = {
                "ok": False,
                "error": "missing_scope",
                "needed": needed[0],
                "provided": ",".join(self.scopes),
            }
            return _json_reply(refusal, headers=granted)
        return _json_reply(self._answer(method, args, token), headers=granted)

    def _response_url_reply(self, path: str, body: dict[str, Any]) -> _Reply:
        with self._lock:
            self._responses.append(ResponseUrlPost(path, body, time.time()))
        self._wake()
        # Slack answers response_url posts with a bare "ok", not JSON.
        return _Reply(200, b"ok", "text/html")

    def _upload_reply(self, path: str, content: bytes) -> _Reply:
        file_id = path.removeprefix(_UPLOAD_PREFIX)
        with self._lock:
            failures = self._failures.get(UPLOAD)
            failure = failures.popleft() if failures else None
        if failure is not None:  # files.slack.com answers in plain text, success or not
            return _Reply(failure.status, failure.error.encode(), "text/plain")
        with self._lock:
            pending = self._pending.get(file_id)
            if pending is not None:
                pending["content"] = content
        status = 200 if pending is not None else 404
        return _Reply(status, b"OK - " + str(len(content)).encode(), "text/plain")

    def _announce_upload(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        file_id = f"F{self._next_serial():08d}"
        with self._lock:
            self._pending[file_id] = {"filename": str(args.get("filename", "")), "token": token}
        return {"ok": True, "upload_url": f"{self.url}upload/{file_id}", "file_id": file_id}

    def _complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files")
        given = json.loads(files) if isinstance(files, str) else files or []
        done = []
        with self._lock:
            for each in given:
                pending = self._pending.pop(str(each.get("id")), None)
                if pending is None or "content" not in pending:
                    return {"ok": False, "error": "file_not_found"}
                upload = Upload(
                    file_id=str(each["id"]),
                    filename=pending["filename"],
                    content=pending["content"],
                    channel=args.get("channel_id"),
                    title=each.get("title"),
                    token=pending["token"],
                )
                self._uploads.append(upload)
                done.append({"id": upload.file_id, "name": upload.filename, "title": upload.title})
        return {"ok": True, "files": done}

    def _wake(self) -> None:
        with self._lock:
            wakers = list(self._wakers)
        for wake in wakers:
            wake()

    def _next_serial(self) -> int:
        with self._lock:
            self._serial += 1
            return self._serial

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{self._next_serial():06d}"

    # Answers, one per method that has a Slack-specific shape

    def _answer(self, method: str, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        match method:
            case "auth.test":
                return self._auth_test(token)
            case "oauth.v2.access":
                return self._oauth_access(str(args.get("code", "")))
            case "chat.postMessage":
                ts = self._next_ts()
                channel = _channel_for(str(args.get("channel", "")))
                return {"ok": True, "channel": channel, "ts": ts, "message": _message(args, ts)}
            case "chat.postEphemeral":
                return {"ok": True, "message_ts": self._next_ts()}
            case "chat.update":
                ts = str(args.get("ts", ""))
                return {
                    "ok": True,
                    "channel": args.get("channel"),
                    "ts": ts,
                    "text": args.get("text", ""),
                    "message": _message(args, ts),
                }
            case "views.open" | "views.push" | "views.update" | "views.publish":
                return {"ok": True, "view": self._view(args)}
            case "conversations.open":
                first_user = str(args.get("users", "")).split(",")[0]
                channel = str(args.get("channel") or _channel_for(first_user))
                return {"ok": True, "channel": {"id": channel}}
            case "conversations.info":
                return self._conversation(str(args.get("channel", "")))
            case "conversations.history":
                return self._history(str(args.get("channel", "")))
            case "users.info":
                return {"ok": True, "user": self._user(str(args.get("user", "")), args, token)}
            case "files.getUploadURLExternal":
                return self._announce_upload(args, token)
            case "files.completeUploadExternal":
                return self._complete_upload(args)
            case "apps.connections.open":
                return {"ok": True, "url": self.socket_mode_url}
            case _:
                return {"ok": True}

    def _auth_test(self, token: str | None) -> dict[str, Any]:
        install = self._installs.get(token or "")
        if install is None:
            return dict(AUTH_TEST)
        return {
            **AUTH_TEST,
            "team": install.team_name,
            "team_id": install.team_id,
            "enterprise_id": install.enterprise_id,
            "user_id": install.bot_user_id,
            "bot_id": install.bot_id,
            "bot_user_id": install.bot_user_id,
            "is_enterprise_install": install.org_wide,
        }

    def _conversation(self, channel_id: str) -> dict[str, Any]:
        with self._lock:
            known = self._channels.get(channel_id)
        if known is None:
            return {"ok": False, "error": "channel_not_found"}
        name, member = known
        channel = {"id": channel_id, "name": name, "is_channel": True, "is_member": member}
        return {"ok": True, "channel": channel}

    def _history(self, channel_id: str) -> dict[str, Any]:
        """A channel's latest messages: the bot reads only those of channels it is in."""
        with self._lock:
            known = self._channels.get(channel_id)
        if known is None:
            return {"ok": False, "error": "channel_not_found"}
        if not known[1]:
            return {"ok": False, "error": "not_in_channel"}
        return {"ok": True, "messages": [], "has_more": False}

    def _oauth_access(self, code: str) -> dict[str, Any]:
        """Slack's answer to oauth.v2.access for a bot-only install; a code works once."""
        with self._lock:
            install = self._codes.pop(code, None)
        if install is None:
            return {"ok": False, "error": "invalid_code"}
        team = {"id": install.team_id, "name": install.team_name} if install.team_id else None
        enterprise = (
            {"id": install.enterprise_id, "name": install.enterprise_name}
            if install.enterprise_id
            else None
        )
        return {
            "ok": True,
            "app_id": APP_ID,
            "authed_user": {"id": install.installer},
            "scope": "commands,chat:write,app_mentions:read",
            "token_type": "bot",
            "access_token": install.bot_token,
            "bot_user_id": install.bot_user_id,
            "team": None if install.org_wide else team,
            "enterprise": enterprise,
            "is_enterprise_install": install.org_wide,
        }

    def _view(self, args: dict[str, Any]) -> dict[str, Any]:
        given = args.get("view")
        view = dict(given) if isinstance(given, dict) else {}
        view_id = str(args.get("view_id") or f"V{self._next_serial():010d}")
        return {
            **view,
            "id": view_id,
            "team_id": TEAM_ID,
            "app_id": APP_ID,
            "bot_id": BOT_ID,
            "root_view_id": view_id,
            "previous_view_id": None,
            "hash": f"{self._next_ts()}.hash",
            "state": {"values": {}},
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
        }

    def _user(self, user_id: str, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        with self._lock:
            record = self._users.get(user_id, UserRecord())
            install = self._installs.get(token or "")
        name = record.name or user_id.lower()
        # Slack answers for the workspace asked about (an org-wide token's team_id), or the
        # token's own; a Grid user outside it is described as in their first workspace.
        asked = str(args.get("team_id") or (install and install.team_id) or TEAM_ID)
        home = asked if not record.teams or asked in record.teams else record.teams[0]
        user: dict[str, Any] = {
            "id": user_id,
            "team_id": home,
            "name": name,
            "real_name": name,
            "deleted": False,
            "is_bot": False,
            "is_admin": record.is_admin,
            "is_owner": record.is_owner,
            "tz": record.tz,
            "profile": {"real_name": name},
        }
        if record.teams:
            user["enterprise_user"] = {"id": user_id, "teams": list(record.teams)}
        # Slack adds the locale only when asked, so a bot that forgets to ask sees none here too.
        if str(args.get("include_locale", "")).lower() in {"1", "true"}:
            user["locale"] = record.locale
        return user


def _channel_for(target: str) -> str:
    """Slack opens a DM when given a user ID; derive a stable D-channel for it."""
    if target[:1] in {"U", "W"}:
        return "D" + target[1:]
    return target


def _message(args: dict[str, Any], ts: str) -> dict[str, Any]:
    message = {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "team": TEAM_ID,
        "ts": ts,
        "text": args.get("text", ""),
    }
    for key in ("blocks", "thread_ts", "metadata"):
        if key in args:
            message[key] = args[key]
    return message


def _json_reply(
    payload: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> _Reply:
    return _Reply(status, json.dumps(payload).encode(), headers=headers or {})


def _arguments(query: str, body: bytes, content_type: str) -> dict[str, Any]:
    """Merge query-string and body arguments the way Slack reads them.

    slack_sdk sends JSON bodies for some methods and form or query parameters for
    others; JSON-valued form fields such as `blocks` come back as Python objects.
    """
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    if body and content_type.startswith("application/json"):
        args.update(json.loads(body))
    elif body and content_type.startswith("application/x-www-form-urlencoded"):
        args.update(parse_qsl(body.decode(), keep_blank_values=True))
    for key in _JSON_ARGUMENTS & args.keys():
        if isinstance(args[key], str):
            # Malformed JSON stays a string, so a test can see what the client sent.
            with contextlib.suppress(json.JSONDecodeError):
                args[key] = json.loads(args[key])
    return args


class _Server(ThreadingHTTPServer):
    """Serves each connection in a thread and knows the open ones, to close them on stop."""

    def __init__(self, address: tuple[str, int], handler: Callable[..., _Handler]) -> None:
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End every open connection: its thread, waiting for a next request, sees EOF."""
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):
                # The plain socket's shutdown: an SSLSocket's would drop its TLS state
                # under the thread still reading from it.
                socket.socket.shutdown(connection, socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that closes its connection, or gives up on a handshake, is no fault.
        if not isinstance(sys.exc_info()[1], ConnectionError | ssl.SSLError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """Route the requests of one connection to the fake."""

    # Keep-alive, as Slack's servers: every reply has a Content-Length.
    protocol_version = "HTTP/1.1"

    def __init__(self, *args: Any, fake: FakeSlackApi, **kwargs: Any) -> None:
        # BaseHTTPRequestHandler serves inside __init__, so the fake must be set first.
        self.fake = fake
        super().__init__(*args, **kwargs)

    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()
        super().setup()

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet; the recorded calls are the log."""

    def _serve(self) -> None:
        url = urlsplit(self.path)
        body = self._body()
        content_type = self.headers.get("Content-Type", "")
        if url.path.startswith(_RESPONSE_PREFIX):
            reply = self.fake._response_url_reply(url.path, json.loads(body or b"{}"))
        elif url.path.startswith(_UPLOAD_PREFIX):
            reply = self.fake._upload_reply(url.path, body)
        else:
            # Accept both base URLs people configure: ".../" and ".../api/".
            method = url.path.removeprefix("/").removeprefix("api/")
            args = _arguments(url.query, body, content_type)
            reply = self.fake._api_reply(method, args, self._token(args))
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def _body(self) -> bytes:
        """The request's body, all of it: on a kept-alive connection, bytes left unread
        would be taken for the next request."""
        if "chunked" not in self.headers.get("Transfer-Encoding", "").lower():
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""
        chunks = []
        while size := int(self.rfile.readline().split(b";")[0], 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()  # the CRLF after each chunk
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass  # trailers
        return b"".join(chunks)

    def _token(self, args: dict[str, Any]) -> str | None:
        authorization = self.headers.get("Authorization", "")
        if authorization.startswith("Bearer "):
            return authorization.removeprefix("Bearer ")
        # Legacy clients send the token as an argument; it is a credential, not an argument.
        token = args.pop("token", None)
        return str(token) if token else None


@pytest.fixture
def slack_api() -> Iterator[FakeSlackApi]:
    """A running FakeSlackApi for one test; start and stop take about 20 ms together."""
    with FakeSlackApi() as fake:
        yield fake
