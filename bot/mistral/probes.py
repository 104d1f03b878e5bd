"""Reading a model's rate limits: one tiny chat request, whose response headers carry them.

Mistral sends rate-limit headers only on inference, and a normal key can read its limits
nowhere else: so the bot asks each model for one token and keeps the headers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from bot.errors import MistralBroken, MistralForbidden, MistralRateLimited
from bot.mistral.ratelimits import RateLimitReading
from bot.strings import Phrase


class LimitStatus(StrEnum):
    """How asking about one model went."""

    OK = "ok"
    RATE_LIMITED = "rate_limited"
    FORBIDDEN = "forbidden"
    ERROR = "error"


@dataclass(frozen=True)
class ModelLimits:
    """One model's limits, or why they could not be read (``message``, from the catalog)."""

    model: str
    status: LimitStatus
    reading: RateLimitReading = field(default_factory=RateLimitReading)
    message: Phrase | None = None


class ChatProbe(Protocol):
    """What ``probe_limits`` needs from a client: ``MistralClient`` is one."""

    async def probe_chat(self, key: str, model: str) -> RateLimitReading: ...


async def probe_limits(
    client: ChatProbe,
    key: str,
    models: Sequence[str],
    *,
    pace: float = 0.0,
    before: Callable[[str, int], Awaitable[None]] | None = None,
) -> list[ModelLimits]:
    """Ask Mistral about each model with one tiny chat request, one model after another.

    Sequential on purpose, ``pace`` seconds apart: a Free-mode key may send about one
    request a second, and probing faster would turn the check itself into the rate limit
    it reports. ``before(model, number)`` runs before each probe (progress for the user).
    A rejected key or an unreachable API ends the check (``MistralRejectedKey``,
    ``MistralUnreachable`` propagate): every other model would fail the same way.
    """
    results: list[ModelLimits] = []
    for number, model in enumerate(models, start=1):
        if before is not None:
            await before(model, number)
        await asyncio.sleep(pace)
        try:
            reading = await client.probe_chat(key, model)
        except MistralRateLimited as exc:
            results.append(
                ModelLimits(model, LimitStatus.RATE_LIMITED, message=Phrase.of_error(exc))
            )
        except MistralForbidden as exc:
            results.append(ModelLimits(model, LimitStatus.FORBIDDEN, message=Phrase.of_error(exc)))
        except MistralBroken as exc:
            results.append(ModelLimits(model, LimitStatus.ERROR, message=Phrase.of_error(exc)))
        else:
            results.append(ModelLimits(model, LimitStatus.OK, reading))
    return results
