"""Typed settings, read once from the environment (and ``.env``); mirrors ``.env.example``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.content import Language

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"


def _split_list(value: object) -> object:
    """Accept ``C1,C2`` or ``C1 C2`` from the environment as well as a real list."""
    if isinstance(value, str):
        return [part for part in value.replace(",", " ").split() if part]
    return value


class Settings(BaseSettings):
    """Everything the bot reads from its environment, checked once at startup."""

    model_config = SettingsConfigDict(env_file=".env", env_ignore_empty=True, extra="forbid")

    # Slack. Without a bot token the bot runs as a local console.
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None  # set it to run in Socket Mode
    slack_api_url: str = "https://slack.com/api/"

    # Where questions are answered without a mention, and who is called when the guide is silent.
    help_channels: Annotated[list[str], NoDecode] = Field(default_factory=list)
    escalation_mention: str = ""

    # State. Without REDIS_URL the bot keeps state in an embedded in-process store.
    redis_url: str | None = None

    # Mistral.
    mistral_api_url: str = "https://api.mistral.ai"

    # HTTP mode.
    port: int = 3000

    # Always speak this language ("en" or "it"), whatever people's Slack locale says.
    language: Language | None = None

    log_level: str = "INFO"
    content_dir: Path = CONTENT_DIR

    _split = field_validator("help_channels", mode="before")(_split_list)

    @property
    def slack_enabled(self) -> bool:
        """Slack mode needs at least the bot token; the console runs without it."""
        return self.slack_bot_token is not None
