"""Key checks and rate-limit summaries: the domain behind ``key`` and ``limits``.

A key is checked for shape before anything is sent, counted against the person's
throttle, then shown to Mistral. It is held only for the duration of the call: it is
never stored, logged, put in an error or echoed back; replies name it by its last four
characters.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

from bot.apikeys import key_hint, looks_like_key
from bot.domain.limits import LimitsDescription, describe_limits
from bot.domain.replies import KeyReport, LimitsReport, Outcome
from bot.errors import (
    MistralError,
    MistralForbidden,
    MistralRateLimited,
    MistralRejectedKey,
    StoreUnavailable,
    Throttled,
)
from bot.guide.content import Link
from bot.mistral.client import MistralClient
from bot.mistral.models import ModelKind, model_kind, summarize_models
from bot.mistral.probes import probe_limits
from bot.person import Person
from bot.state.throttle import Budget, Throttle
from bot.strings import Phrase

# Mistral's Free mode allows about one request a second per key: the limits check keeps
# to that pace so that checking limits does not itself hit them.
PACE_SECONDS = 1.0

# Offered in the limits dialog, the first three ticked. When the person picks none, the
# key's own chat models are checked, these first.
COMMON_CHAT_MODELS = (
    "mistral-small-latest",
    "mistral-medium-latest",
    "mistral-large-latest",
    "ministral-8b-latest",
    "ministral-3b-latest",
    "codestral-latest",
    "magistral-medium-latest",
    "open-mistral-nemo",
)
DEFAULT_COUNT = 3

NOT_A_KEY = Phrase.of("mistral_not_a_key")

log = logging.getLogger(__name__)


LimitsProgress = Callable[[LimitsReport], Awaitable[None]]


class KeyChecker:
    """Checks keys against Mistral on behalf of a person, within their throttle."""

    def __init__(
        self,
        mistral: MistralClient,
        throttle: Throttle,
        budget: Budget,
        *,
        links: tuple[Link, ...] = (),
        pace: float = PACE_SECONDS,
    ) -> None:
        self.mistral = mistral
        self.throttle = throttle
        self.budget = budget
        self.links = links  # where to see limits and ask for more, shown with every summary
        self.pace = pace

    async def check(self, person: Person, key: str) -> KeyReport:
        """Is this key valid, and what can it reach?"""
        key = key.strip()
        hint, language = key_hint(key), person.speaks
        refusal = await self._refusal(person, key)
        if refusal is not None:
            return KeyReport(hint, *refusal, language=language)
        try:
            cards = await self.mistral.list_models(key)
        except MistralError as error:
            return KeyReport(hint, _outcome(error), Phrase.of_error(error), language=language)
        return KeyReport(hint, Outcome.VALID, models=summarize_models(cards), language=language)

    async def limits(
        self,
        person: Person,
        key: str,
        wanted: Sequence[str],
        progress: LimitsProgress | None = None,
    ) -> LimitsReport:
        """Rate limits per model: all at once for an Admin key, else one probe per model."""
        key = key.strip()
        report = LimitsReport(
            key_hint(key), Outcome.VALID, links=self.links, language=person.speaks
        )
        refusal = await self._refusal(person, key)
        if refusal is not None:
            return replace(report, outcome=refusal[0], message=refusal[1])
        every_model = await self._admin_limits(key)
        if every_model is not None:
            return replace(report, admin=True, models=every_model)
        try:
            available = await self._chat_models(key)
            chosen = [m for m in wanted if m in available] if wanted else _defaults(available)

            async def tell(model: str, number: int) -> None:
                if progress is not None:
                    doing = Phrase.of("limits_checking", model=model, number=number,
                                      total=len(chosen))  # fmt: skip
                    await progress(replace(report, checking=doing))

            results = await probe_limits(self.mistral, key, chosen, pace=self.pace, before=tell)
        except MistralError as error:
            return replace(report, outcome=_outcome(error), message=Phrase.of_error(error))
        skipped = tuple(m for m in wanted if m not in available)
        return replace(report, models=tuple(map(describe_limits, results)), skipped=skipped)

    async def _admin_limits(self, key: str) -> tuple[LimitsDescription, ...] | None:
        """Every model's limits from the Admin API, or None when it will not say."""
        try:
            admin = await self.mistral.admin_rate_limits(key)
        except MistralError as error:
            # The Admin API is only a faster path, and Mistral does not document what it
            # answers an ordinary key: whatever it says (401, 403, 404, 405, 5xx, a timeout,
            # a malformed body), the limits are read from one tiny request per model.
            log.info("Admin API unavailable for this key (%s): probing", type(error).__name__)
            return None
        return tuple(map(describe_limits, admin.model_limits()))

    async def _chat_models(self, key: str) -> frozenset[str]:
        """Every id of the chat models this key can use (each alias is a card of its own)."""
        cards = await self.mistral.list_models(key)
        return frozenset(card.id for card in cards if model_kind(card) is ModelKind.CHAT)

    async def _refusal(self, person: Person, key: str) -> tuple[Outcome, Phrase] | None:
        """Why the key is not sent at all: not a key, too many checks (the person's or the
        workspace's), or no Redis."""
        if not looks_like_key(key):
            return Outcome.NOT_A_KEY, NOT_A_KEY
        try:
            await self.throttle.spend(person)
            await self.budget.spend(person)
        except Throttled as error:
            return Outcome.THROTTLED, Phrase.of_error(error)
        except StoreUnavailable:
            # Without Redis the throttle can't count, and unthrottled checks are a key oracle.
            return Outcome.PAUSED, Phrase.of("key_checks_paused")
        return None


def _defaults(available: frozenset[str]) -> list[str]:
    """A few of the key's chat models: the common aliases it has, else its first ones."""
    common = [m for m in COMMON_CHAT_MODELS if m in available]
    return (common or sorted(available))[:DEFAULT_COUNT]


def _outcome(error: MistralError) -> Outcome:
    if isinstance(error, MistralRejectedKey):
        return Outcome.REJECTED
    if isinstance(error, MistralForbidden):
        return Outcome.FORBIDDEN
    if isinstance(error, MistralRateLimited):
        return Outcome.RATE_LIMITED
    return Outcome.UNAVAILABLE
