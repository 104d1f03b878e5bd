"""A fake of Mistral's API on loopback: real HTTP, with the behaviour chosen per API key.

Each key maps to a ``Scenario``, so tests sharing one server never see each other's
behaviour. Shapes (bodies, status codes, header families, model cards) follow
``shared/research/mistral-api.md``. The fake records every request it receives.

In a test::

    key = mistral_api.add_key(Scenario(reply=rate_limited("2026", retry_after="7")))

From another process (a benchmark), ``python -m tests.fakes.mistral_api --port 0`` prints
one JSON line ``{"url": ..., "keys": {preset name: key}}`` and serves until stopped.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import json
import secrets
import string
import sys
import threading
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import pytest

_ALPHABET = string.ascii_letters + string.digits
JSON = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Reply:
    """One HTTP answer: status, raw body and headers."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


def json_reply(status: int, payload: object, headers: Mapping[str, str] | None = None) -> Reply:
    """A JSON answer with Mistral's content type."""
    return Reply(status, json.dumps(payload).encode(), {"content-type": JSON, **(headers or {})})


UNAUTHORIZED = json_reply(401, {"detail": "Unauthorized"})  # since 2025-06
UNAUTHORIZED_2025 = json_reply(  # Kong's shape, 2025-02 to 2025-05
    401, {"message": "Unauthorized", "request_id": "c61f2f15feca71626a990e3740f99245"}
)
FORBIDDEN = Reply(403)  # seen with no body at all
MALFORMED_JSON = Reply(200, b'{"object": "list", "data": [{"id": ', {"content-type": JSON})
# The docs' example of a model list: a bare array, not {"object": "list", "data": [...]}.
WRONG_SHAPE = json_reply(200, [{"id": "mistral-small-latest", "TYPE": "fine-tuned"}])
NOT_FOUND = json_reply(404, {"detail": "Not Found"})


def rate_limited(shape: Literal["2025", "2026"] = "2026", retry_after: str | None = None) -> Reply:
    """A 429 in one of the two body shapes seen, with ``Retry-After`` if given."""
    headers = {} if retry_after is None else {"retry-after": retry_after}
    if shape == "2025":
        return json_reply(429, {"message": "Requests rate limit exceeded"}, headers)
    body = {
        "object": "error",
        "message": "Rate limit exceeded",
        "type": "rate_limited",
        "param": None,
        "code": "1300",
    }
    return json_reply(429, body, headers)


def server_error(status: int = 500) -> Reply:
    """A 5xx: a JSON error from the API, or the gateway's HTML page for 502."""
    if status == 502:
        return Reply(
            502, b"<html><body>502 Bad Gateway</body></html>", {"content-type": "text/html"}
        )
    return json_reply(
        status, {"object": "error", "message": "Internal server error", "code": "3000"}
    )


def invalid_model(model: str) -> Reply:
    """What chat completions answers for a model id it does not serve."""
    message = f"Invalid model: {model}"
    body = {"object": "error", "message": message, "type": "invalid_model", "code": "1500"}
    return json_reply(400, body)


@dataclass(frozen=True)
class Scenario:
    """How the fake treats one key."""

    reply: Reply | None = None  # every endpoint answers this
    delay: float = 0.0  # seconds to wait before answering, to trip client timeouts
    admin: bool = False  # an Admin API key: may read /v1/admin/rate-limit
    admin_reply: Reply | None = None  # what /v1/admin/rate-limit answers an ordinary key
    admin_delay: float = 0.0  # seconds before that answer
    chat: Mapping[str, Reply] = field(default_factory=dict)  # model id -> chat answer
    chat_headers: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # replace defaults


VALID = Scenario()
PRESETS: dict[str, Scenario] = {
    "valid": VALID,
    "admin": Scenario(admin=True),
    "revoked": Scenario(reply=UNAUTHORIZED),
    "revoked-2025": Scenario(reply=UNAUTHORIZED_2025),
    "forbidden": Scenario(reply=FORBIDDEN),
    "rate-limited": Scenario(reply=rate_limited("2026", retry_after="30")),
    "rate-limited-2025": Scenario(reply=rate_limited("2025")),
    "broken": Scenario(reply=server_error(500)),
    "bad-gateway": Scenario(reply=server_error(502)),
    "unavailable": Scenario(reply=server_error(503)),
    "malformed": Scenario(reply=MALFORMED_JSON),
    "slow": Scenario(delay=10.0),
}


def preset_key(name: str) -> str:
    """A stable, realistic key for a preset, so another process can name it."""
    digest = hashlib.sha256(f"fake-mistral:{name}".encode()).digest()
    return "".join(_ALPHABET[byte % len(_ALPHABET)] for byte in digest)


def random_key() -> str:
    """32 letters and digits with every character class, like a real key."""
    while True:
        key = "".join(secrets.choice(_ALPHABET) for _ in range(32))
        if not (key.isdigit() or key.isalpha() or key.islower() or key.isupper()):
            return key


@dataclass(frozen=True)
class RecordedRequest:
    """What the fake received: the key apart, the other headers, the JSON body."""

    method: str
    path: str
    key: str | None
    key_headers: frozenset[str]  # which of "authorization", "x-api-key" carried the key
    headers: Mapping[str, str]  # every other header, names in lower case
    body: Any

    @property
    def model(self) -> str | None:
        return self.body.get("model") if isinstance(self.body, dict) else None


class FakeMistralAPI:
    """Mistral's API on ``127.0.0.1`` and an ephemeral port, in a background thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port), _Handler)
        self._server.api = self
        # A short poll so that stopping the server (once per test) takes milliseconds.
        serve = functools.partial(self._server.serve_forever, poll_interval=0.02)
        self._thread = threading.Thread(target=serve, daemon=True)
        self._lock = threading.Lock()
        self._keys: dict[str, Scenario] = {preset_key(name): s for name, s in PRESETS.items()}
        self._requests: list[RecordedRequest] = []
        self.stopping = threading.Event()
        host_, port_ = self._server.server_address[:2]
        self.url = f"http://{host_!s}:{port_}"

    def __enter__(self) -> FakeMistralAPI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()  # wakes handlers sleeping in a slow scenario
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def add_key(self, scenario: Scenario = VALID, key: str | None = None) -> str:
        """Register a key (a fresh random one by default) and return it."""
        key = key or random_key()
        with self._lock:
            self._keys[key] = scenario
        return key

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_for(self, key: str) -> list[RecordedRequest]:
        """Requests that carried ``key``, in the order they arrived."""
        return [r for r in self.requests if r.key == key]

    def scenario(self, key: str | None) -> Scenario | None:
        with self._lock:
            return self._keys.get(key) if key is not None else None

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)


def answer(api: FakeMistralAPI, request: RecordedRequest) -> Reply:
    """Choose the reply the real API would give to this request with this key."""
    scenario = api.scenario(request.key)
    if scenario is None:
        return UNAUTHORIZED
    if scenario.delay:
        api.stopping.wait(scenario.delay)
    if scenario.reply is not None:
        return scenario.reply
    route = (request.method, request.path)
    if route == ("GET", "/v1/models"):
        return json_reply(200, {"object": "list", "data": MODEL_CARDS})
    if route == ("GET", "/v1/admin/rate-limit"):
        if scenario.admin_delay:
            api.stopping.wait(scenario.admin_delay)
        if scenario.admin:
            return json_reply(200, ADMIN_LIMITS)
        # The spec says ordinary keys "are rejected" without saying how; 401 is our guess.
        return scenario.admin_reply or UNAUTHORIZED
    if route == ("POST", "/v1/chat/completions"):
        return _chat(scenario, request.model or "")
    return NOT_FOUND


def _chat(scenario: Scenario, model: str) -> Reply:
    if model in scenario.chat:
        return scenario.chat[model]
    group = model_group(model)
    if group not in CHAT_HEADERS:
        return invalid_model(model)
    headers = scenario.chat_headers.get(model, CHAT_HEADERS[group])
    body = {
        "id": uuid.uuid4().hex,
        "object": "chat.completion",
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Hello"},
                "finish_reason": "length",
            }
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
    }
    return json_reply(200, body, headers)


class _Server(ThreadingHTTPServer):
    api: FakeMistralAPI

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up on a slow answer closes its socket; that is the point.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx's pool expects
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests assert on recorded requests, not on stderr."""

    def _serve(self) -> None:
        api = self.server.api
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        request = _recorded(self.command, self.path, dict(self.headers.items()), raw)
        api.record(request)
        reply = answer(api, request)
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("mistral-correlation-id", str(uuid.uuid4()))
            self.send_header("content-length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except ConnectionError:
            self.close_connection = True


def _recorded(method: str, path: str, headers: Mapping[str, str], raw: bytes) -> RecordedRequest:
    lower = {name.lower(): value for name, value in headers.items()}
    carried: dict[str, str] = {}
    if (auth := lower.pop("authorization", "")).startswith("Bearer "):
        carried["authorization"] = auth.removeprefix("Bearer ")
    if api_key := lower.pop("x-api-key", ""):
        carried["x-api-key"] = api_key
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = None
    key = carried.get("authorization") or carried.get("x-api-key")
    return RecordedRequest(method, path.split("?")[0], key, frozenset(carried), lower, body)


# What the fake serves: shapes from shared/research/mistral-api.md, sections 1.2, 2.2, 3.
# The model list of 2026-08, cut down: every alias is its own card sharing ``name``.
# (name, ids, true capability flags, fields that differ from a base card)
_CHAT = ("completion_chat", "function_calling")
_CAPS_2025 = dict.fromkeys(
    (
        "completion_chat",
        "completion_fim",
        "function_calling",
        "fine_tuning",
        "vision",
        "classification",
    ),
    False,
)
_FINE_TUNED = "ft:ministral-8b-latest:7c1d2e3f:20260812:a1b2c3d4"
_GROUPS: list[tuple[str, tuple[str, ...], tuple[str, ...], dict[str, Any]]] = [
    ("mistral-large-2512", ("mistral-large-2512", "mistral-large-latest"), (*_CHAT, "vision"), {}),
    (
        "mistral-medium-latest",  # a name can itself be an alias
        ("mistral-medium-latest", "mistral-medium-3-5", "mistral-medium"),
        (*_CHAT, "reasoning", "vision"),
        {},
    ),
    (
        "mistral-small-2603",
        (
            "mistral-small-2603",
            "mistral-small-latest",
            "magistral-small-latest",
            "mistral-vibe-cli-fast",
        ),
        (*_CHAT, "reasoning", "vision"),
        {},
    ),
    ("ministral-8b-2512", ("ministral-8b-2512", "ministral-8b-latest"), (*_CHAT, "vision"), {}),
    ("codestral-2508", ("codestral-2508", "codestral-latest"), (*_CHAT, "completion_fim"), {}),
    (
        "devstral-2512",
        ("devstral-2512", "devstral-latest"),
        _CHAT,
        {
            "deprecation": "2026-08-31T12:00:00Z",
            "deprecation_replacement_model": "mistral-medium-3-5",
        },
    ),
    ("voxtral-small-2507", ("voxtral-small-2507", "voxtral-small-latest"), (*_CHAT, "audio"), {}),
    # A 2025-era card: only six capability keys, all false.
    (
        "mistral-embed-2312",
        ("mistral-embed-2312", "mistral-embed"),
        (),
        {"capabilities": _CAPS_2025},
    ),
    ("codestral-embed-2505", ("codestral-embed-2505", "codestral-embed"), (), {}),
    ("mistral-ocr-2512", ("mistral-ocr-2512", "mistral-ocr-latest"), ("ocr", "vision"), {}),
    ("mistral-moderation-2603", ("mistral-moderation-2603",), ("moderation", "classification"), {}),
    (
        "voxtral-mini-2602",
        ("voxtral-mini-2602", "voxtral-mini-latest"),
        ("audio_transcription",),
        {},
    ),
    ("voxtral-mini-tts-2603", ("voxtral-mini-tts-2603",), ("audio_speech",), {}),
    (
        _FINE_TUNED,
        (_FINE_TUNED,),
        (*_CHAT, "fine_tuning"),
        {
            "name": None,
            "type": "fine-tuned",
            "owned_by": "7c1d2e3f-0000-4000-8000-000000000000",
            "job": "0f3e7a52-1c55-4f0e-9b8e-2d6f4f1c9a10",
            "root": "ministral-8b-2512",
            "archived": False,
        },
    ),
]
_FLAGS = (
    "completion_chat", "function_calling", "reasoning", "completion_fim", "fine_tuning", "vision",
    "ocr", "classification", "moderation", "audio", "audio_transcription",
    "audio_transcription_realtime", "audio_speech", "unified_resources",
)  # fmt: skip
MODEL_CARDS: list[dict[str, Any]] = [
    {
        "id": model_id,
        "object": "model",
        "created": 1786983164,  # the response time, the same on every card
        "owned_by": "mistralai",
        "capabilities": {flag: flag in flags for flag in _FLAGS},
        "name": name,
        "description": f"{name} (fake)",
        "max_context_length": 131072,
        "aliases": [other for other in ids if other != model_id],
        "deprecation": None,
        "deprecation_replacement_model": None,
        "default_model_temperature": 0.3,
        "type": "base",
        **extra,
    }
    for name, ids, flags, extra in _GROUPS
    for model_id in ids
]
_GROUP_OF = {model_id: name for name, ids, _, _ in _GROUPS for model_id in ids}


def model_group(model_id: str) -> str:
    """The ``name`` shared by a model id and its aliases ("" if the API has no such model)."""
    return _GROUP_OF.get(model_id, "")


def _window(suffix: str, limit: int, used: int = 6, prefix: str = "x-ratelimit") -> dict[str, str]:
    return {
        f"{prefix}-limit-{suffix}": str(limit),
        f"{prefix}-remaining-{suffix}": str(limit - used),
    }


def _headers(
    tokens: tuple[str, int], requests: tuple[str, int], month: int | None = 10_000_000_000
) -> dict[str, str]:
    """The x-ratelimit family: a token window, a request window, the month, the query cost."""
    headers = _window(f"tokens-{tokens[0]}", tokens[1]) | _window(
        f"req-{requests[0]}", requests[1], 1
    )
    if month is not None:
        headers |= _window("tokens-month", month)
    return headers | {"x-ratelimit-tokens-query-cost": "6"}


# Rate-limit headers per model (aliases share their model's pool), one family or another.
CHAT_HEADERS: dict[str, dict[str, str]] = {
    "mistral-small-2603": _headers(("minute", 2_000_000), ("minute", 720)),  # 2026
    "mistral-large-2512": _headers(("minute", 2_000_000), ("10-second", 60)),  # 2025-06
    "ministral-8b-2512": _headers(("minute", 50_000), ("second", 1), 4_000_000),  # Free mode
    "devstral-2512": _headers(("minute", 1_000_000), ("minute", 720)),
    "voxtral-small-2507": _headers(("minute", 1_000_000), ("minute", 720)),
    _FINE_TUNED: _headers(("minute", 200_000), ("minute", 60), month=None),
    # 2025-12, in the Title-Case of the recordings: a 5-minute token window.
    "mistral-medium-latest": {
        name.title(): value
        for name, value in _headers(("5-minute", 600_000), ("60-second", 360)).items()
    },
    # 2025-02: the ratelimitbysize family, counted in tokens.
    "codestral-2508": {
        **_window("minute", 500_000, used=32_000, prefix="x-ratelimitbysize"),
        **_window("month", 1_000_000_000, used=32_000, prefix="x-ratelimitbysize"),
        "ratelimitbysize-limit": "500000",
        "ratelimitbysize-remaining": "468000",
        "ratelimitbysize-reset": "3",
        "ratelimitbysize-query-cost": "32000",
    },
}
ADMIN_LIMITS = {
    "requests_per_second": 5,
    "tokens_limits_by_model": {
        "codestral-2508": {"tokens_per_minute": 500_000, "tokens_per_month": 1_000_000_000},
        "mistral-large-2512": {"tokens_per_minute": 2_000_000, "tokens_per_month": 10_000_000_000},
        "mistral-small-2603": {"tokens_per_minute": 2_000_000, "tokens_per_month": 10_000_000_000},
    },
}


@pytest.fixture
def mistral_api() -> Iterator[FakeMistralAPI]:
    """A fake Mistral API on an ephemeral loopback port; ``add_key`` picks behaviours."""
    with FakeMistralAPI() as api:
        yield api


def main() -> None:
    """Serve until interrupted, for benchmarks that run the fake in its own process."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    api = FakeMistralAPI(args.host, args.port)
    with api:
        keys = {name: preset_key(name) for name in PRESETS}
        print(json.dumps({"url": api.url, "keys": keys}), flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
