"""What Mistral's API answers, as typed schemas: the model list and the Admin API's limits.

Checked on arrival (pydantic): an answer of another shape is ``MistralBroken``, never a
half-read dictionary deep in the bot.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from bot.mistral.models import ModelCard
from bot.mistral.probes import LimitStatus, ModelLimits
from bot.mistral.ratelimits import Quota, RateLimitReading, RequestWindow


class ModelList(BaseModel):
    """``GET /v1/models``: ``{"object": "list", "data": [...]}``."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    data: list[ModelCard]


class TokenLimits(BaseModel):
    """One model's token caps as the Admin API lists them."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    tokens_per_minute: int | None = None
    tokens_per_month: int | None = None


class AdminRateLimits(BaseModel):
    """``GET /v1/admin/rate-limit``: one request rate for the organisation, tokens per model."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    requests_per_second: int
    # The spec has an object keyed by model; the docs' example (an array) is wrong.
    tokens_limits_by_model: dict[str, TokenLimits]

    def model_limits(self) -> list[ModelLimits]:
        """One ``ModelLimits`` per model, sorted by id, in the same shape probes produce."""
        requests = (RequestWindow(self.requests_per_second, None, window_seconds=1),)
        return [
            ModelLimits(
                model,
                LimitStatus.OK,
                RateLimitReading(
                    tokens_per_minute=Quota(limit=tokens.tokens_per_minute),
                    tokens_per_month=Quota(limit=tokens.tokens_per_month),
                    request_windows=requests,
                ),
            )
            for model, tokens in sorted(self.tokens_limits_by_model.items())
        ]
