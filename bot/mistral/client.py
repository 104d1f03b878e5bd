"""Mistral's API at the edge: one shared httpx client, a user's key per call, errors mapped once.

The bot has no Mistral key of its own: it checks keys people give it. So every method
takes the key, sends it only in headers, and logs it only as ``key_hint(key)``. Callers
never see an httpx exception, only the ``MistralError`` tree from ``bot.errors``, whose
messages never contain the key.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from bot.apikeys import key_hint
from bot.errors import (
    MistralBroken,
    MistralForbidden,
    MistralRateLimited,
    MistralRejectedKey,
    MistralUnreachable,
)
from bot.metrics import Metrics
from bot.mistral.models import ModelCard
from bot.mistral.ratelimits import RateLimitReading, parse_rate_limit_headers
from bot.mistral.schemas import AdminRateLimits, ModelList
from bot.strings import Phrase

logger = logging.getLogger(__name__)

# Connect fails fast: a healthy API accepts a connection in well under a second, and a
# person waiting in Slack should hear "Mistral is unreachable" rather than watch a spinner.
# Reads get longer: /v1/models answers in about 50 ms, but a loaded API can take seconds to
# start a one-token chat answer, and giving up too early would report a working key as down.
MISTRAL_TIMEOUT = httpx.Timeout(8.0, connect=3.0)

# A key must be a visible-ASCII token to go into a header. Anything else (a line break,
# "é") would make httpx or h11 raise an error whose message quotes the header, key and all.
_SENDABLE_KEY = re.compile(r"[\x21-\x7e]{1,200}")
_DELAY_SECONDS = re.compile(r"\d+(?:\.\d+)?")

# What Mistral's refusals mean, as catalog phrases (said in the reader's language).
REJECTED = Phrase.of("mistral_rejected")
ADMIN_ONLY = Phrase.of("mistral_admin_only")
FORBIDDEN = Phrase.of("mistral_forbidden")

_Body = TypeVar("_Body", bound=BaseModel)


def build_http_client(
    base_url: str, *, timeout: httpx.Timeout = MISTRAL_TIMEOUT
) -> httpx.AsyncClient:
    """The one client the composition root shares; ``base_url`` is ``MISTRAL_API_URL``."""
    return httpx.AsyncClient(
        base_url=base_url, timeout=timeout, headers={"Accept": "application/json"}
    )


class MistralClient:
    """Calls Mistral on behalf of whoever owns the key passed to each method."""

    def __init__(self, http: httpx.AsyncClient, metrics: Metrics) -> None:
        self._http = http
        self._metrics = metrics

    async def list_models(self, key: str) -> list[ModelCard]:
        """Check a key the cheap way: list its models (no tokens spent, no side effects)."""
        response = await self._send("GET", "/v1/models", key)
        return _parse(ModelList, response).data

    async def probe_chat(self, key: str, model: str) -> RateLimitReading:
        """Spend one token on ``model`` to read the rate-limit headers only inference sends."""
        payload = {"model": model, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 1}
        response = await self._send(
            "POST",
            "/v1/chat/completions",
            key,
            json=payload,
            forbidden=Phrase.of("mistral_forbidden_model", model=model),
        )
        # The body (one token of answer) says nothing we need; the headers are the reading.
        return parse_rate_limit_headers(response.headers)

    async def admin_rate_limits(self, key: str) -> AdminRateLimits:
        """Read every model's limits with an Admin API key (Enterprise only)."""
        response = await self._send("GET", "/v1/admin/rate-limit", key, admin=True)
        return _parse(AdminRateLimits, response)

    async def answers(self) -> int:
        """Whether the API answers at all, with no key (``python -m bot doctor``): the status
        of an unauthenticated ``GET /v1/models``, 401 from a working API; MistralUnreachable
        when nothing answers."""
        response = await self._request("GET", "/v1/models", "keyless")
        return response.status_code

    async def _send(
        self,
        method: str,
        path: str,
        key: str,
        *,
        json: Any = None,
        admin: bool = False,
        forbidden: Phrase = FORBIDDEN,
    ) -> httpx.Response:
        token = key.strip()
        if not _SENDABLE_KEY.fullmatch(token):
            raise MistralRejectedKey("mistral_not_a_key")
        headers = {"Authorization": f"Bearer {token}"}
        if admin:
            # The Admin API spec says bearer token, its docs say x-api-key; send both so
            # the check works whichever Mistral enforces.
            headers["x-api-key"] = token
        whose = f"key {key_hint(token)}"
        response = await self._request(method, path, whose, headers=headers, json=json)
        logger.info("Mistral %s %s answered %s (%s)", method, path, response.status_code, whose)
        rejected, forbidden = (ADMIN_ONLY, ADMIN_ONLY) if admin else (REJECTED, forbidden)
        _raise_for_status(response, rejected=rejected, forbidden=forbidden)
        return response

    async def _request(
        self,
        method: str,
        path: str,
        whose: str,
        *,
        headers: dict[str, str] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        """One timed call; failing to get an answer becomes MistralUnreachable, logged with
        ``whose`` ("key …abcd": never the key itself)."""
        try:
            with self._metrics.timing_mistral(path):
                return await self._http.request(method, path, headers=headers, json=json)
        except httpx.TimeoutException as exc:
            logger.warning("Mistral %s %s timed out (%s)", method, path, whose)
            raise MistralUnreachable("mistral_timed_out") from exc
        except httpx.TransportError as exc:
            logger.warning(
                "Mistral %s %s unreachable: %s (%s)", method, path, type(exc).__name__, whose
            )
            raise MistralUnreachable("mistral_unreachable") from exc
        except httpx.DecodingError as exc:
            raise MistralBroken("mistral_unreadable") from exc


def _raise_for_status(response: httpx.Response, *, rejected: Phrase, forbidden: Phrase) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    # Bodies are ignored on purpose: 401 and 429 each come in two shapes, 403 often has none.
    if status == 401:
        raise MistralRejectedKey(rejected.key, **rejected.values)
    if status == 403:
        raise MistralForbidden(forbidden.key, **forbidden.values)
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        seconds = None if retry_after is None else max(1, round(retry_after))
        wait = (
            Phrase.of("a_minute") if seconds is None else Phrase.of("seconds_count", count=seconds)
        )
        raise MistralRateLimited("mistral_rate_limited", retry_after, wait=wait)
    if status >= 500:
        raise MistralBroken("mistral_server_error", status=status)
    raise MistralBroken("mistral_unexpected", status=status)


def _parse(model: type[_Body], response: httpx.Response) -> _Body:
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        raise MistralBroken("mistral_unreadable") from exc


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delay-seconds or an HTTP date (RFC 9110)."""
    text = (value or "").strip()
    if _DELAY_SECONDS.fullmatch(text):
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" means UTC with no claim about local time
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
