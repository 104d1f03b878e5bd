"""The models a key can use: Mistral's model cards, their kinds, and a summary for a key check.

``GET /v1/models`` lists every alias as its own card (``mistral-small-latest`` and
``mistral-small-2603`` are two cards with the same ``name``), so a count of models dedupes
on ``name``. There is no "embedding" flag: an embedding model has every capability false.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator


class ModelCapabilities(BaseModel):
    """Capability flags; cards from 2025 carry only some, and a missing one means false."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    completion_chat: bool = False
    function_calling: bool = False
    reasoning: bool = False
    completion_fim: bool = False
    fine_tuning: bool = False
    vision: bool = False
    ocr: bool = False
    classification: bool = False
    moderation: bool = False
    audio: bool = False
    audio_transcription: bool = False
    audio_transcription_realtime: bool = False
    audio_speech: bool = False


class ModelCard(BaseModel):
    """One entry of ``GET /v1/models`` (base or fine-tuned); unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(min_length=1)
    name: str | None = None
    type: str = "base"
    capabilities: ModelCapabilities
    aliases: tuple[str, ...] = ()
    max_context_length: int | None = None
    deprecation: datetime | None = None
    deprecation_replacement_model: str | None = None

    @field_validator("aliases", mode="before")
    @classmethod
    def _no_aliases_when_null(cls, value: object) -> object:
        return () if value is None else value

    @property
    def model_name(self) -> str:
        """The name shared by all aliases of one model; fine-tuned cards may have none."""
        return self.name or self.id


class ModelKind(StrEnum):
    """What a model is for, as a key check reports it."""

    CHAT = "chat"
    EMBEDDING = "embedding"
    OCR = "ocr"
    AUDIO = "audio"
    OTHER = "other"


@dataclass(frozen=True)
class DeprecatedModel:
    """A model Mistral will retire, and what it suggests instead."""

    name: str
    retires: datetime
    replacement: str | None


@dataclass(frozen=True)
class ModelSummary:
    """Distinct models a key can see, counted by kind, and the chat models to pick from."""

    total: int
    counts: Mapping[ModelKind, int]
    chat_models: tuple[str, ...]
    deprecated: tuple[DeprecatedModel, ...]


def model_kind(card: ModelCard) -> ModelKind:
    """Classify a card by its capabilities (the order matters: OCR cards also have vision)."""
    caps = card.capabilities
    if "embed" in card.id or not any(caps.model_dump().values()):
        return ModelKind.EMBEDDING
    if caps.ocr:
        return ModelKind.OCR
    # Voxtral Small is a chat model that also hears audio: chat is what AIsuru uses.
    if caps.completion_chat:
        return ModelKind.CHAT
    hearing = caps.audio or caps.audio_transcription or caps.audio_transcription_realtime
    if hearing or caps.audio_speech:
        return ModelKind.AUDIO
    return ModelKind.OTHER


def summarize_models(cards: Iterable[ModelCard]) -> ModelSummary:
    """Dedupe cards by ``name``, count each kind, and pick one id per chat model."""
    groups: dict[str, list[ModelCard]] = {}
    for card in cards:
        groups.setdefault(card.model_name, []).append(card)
    counts = dict.fromkeys(ModelKind, 0)
    chat_models: list[str] = []
    deprecated: list[DeprecatedModel] = []
    for name, group in groups.items():
        kind = model_kind(group[0])
        counts[kind] += 1
        if kind is ModelKind.CHAT:
            chat_models.append(preferred_id(name, [card.id for card in group]))
        for card in group:
            if card.deprecation is not None:
                replacement = card.deprecation_replacement_model
                deprecated.append(DeprecatedModel(name, card.deprecation, replacement))
                break
    return ModelSummary(
        total=len(groups),
        counts=counts,
        chat_models=tuple(sorted(chat_models)),
        deprecated=tuple(deprecated),
    )


def preferred_id(name: str, ids: Sequence[str]) -> str:
    """The id people would pick for a model: its ``-latest`` alias closest to its name.

    ``-latest`` follows new versions, which is what AIsuru users want; when several
    ``-latest`` aliases point at one model (``mistral-small-latest`` and
    ``magistral-small-latest``), the one sharing the longest prefix with the name wins.
    """
    latest = [i for i in ids if i.endswith("-latest")]
    if latest:
        return max(latest, key=lambda i: _shared_prefix(i, name))
    return name if name in ids else ids[0]


def _shared_prefix(a: str, b: str) -> int:
    return next(
        (n for n, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
