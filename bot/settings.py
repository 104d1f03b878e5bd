"""Typed settings, read once from the environment (and ``.env``); mirrors ``.env.example``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot import cipher, schedule
from bot.strings import Language

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"


_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,}")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_MENTION = re.compile(r"(?:\s*<(?:@[UW][A-Z0-9]+|!subteam\^[A-Z0-9]+)(?:\|[^>]*)?>\s*)+")


def _split_list(value: object) -> object:
    """Accept ``C1,C2`` or ``C1 C2`` from the environment as well as a real list."""
    if isinstance(value, str):
        return [part for part in value.replace(",", " ").split() if part]
    return value


class Settings(BaseSettings):
    """Everything the bot reads from its environment, checked once at startup."""

    # hide_input_in_errors: a typo in .env must not print a token in the startup error.
    model_config = SettingsConfigDict(
        env_file=".env", env_ignore_empty=True, extra="forbid", hide_input_in_errors=True
    )

    # Slack, one workspace: the bot token of your own app. Without it (and without the
    # client credentials below) the bot runs as a local console.
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None  # set it to run in Socket Mode
    slack_api_url: str = "https://slack.com/api/"
    # Slack, many workspaces: the app's client credentials turn on "Add to Slack"
    # (GET /slack/install, /slack/oauth_redirect); each workspace's token is kept in Redis.
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    # Where Slack sends people back after they approve the install (optional: Slack uses
    # the app's only redirect URL when there is one).
    slack_redirect_uri: str | None = None
    # The keys that encrypt each workspace's bot token in Redis (required with Add to
    # Slack): comma-separated, the first encrypts, all decrypt (`python -m bot keygen`).
    token_encryption_keys: SecretStr | None = None

    # Where questions are answered without a mention, and who is called when the guide is silent.
    help_channels: Annotated[list[str], NoDecode] = Field(default_factory=list)
    escalation_mention: str = ""

    # Who may see everyone's progress and the content gaps (Slack workspace admins may too).
    admin_users: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Unanswered questions and "not helpful" votes are kept this many days for the gaps report.
    gaps_retention_days: int = Field(default=90, ge=1)

    # State. Without REDIS_URL the bot keeps state in an embedded in-process store.
    redis_url: str | None = None

    # Mistral.
    mistral_api_url: str = "https://api.mistral.ai"

    # HTTP mode.
    port: int = 3000

    # The bot's language ("en" or "it") for everyone, whatever their Slack locale.
    # Answers still follow the language of each question.
    language: Language | None = None

    # On SIGTERM, how long to finish the replies already owed before exiting. Platforms
    # kill a process about 30 seconds after SIGTERM; this leaves time to close cleanly.
    shutdown_grace_seconds: float = Field(default=25.0, ge=0, le=600)

    # Reminders ("nudges"): every workspace's default; its admins can turn them on or off.
    # One DM to a person who did a step and then nothing for NUDGE_AFTER_HOURS, inside
    # NUDGE_HOURS on NUDGE_DAYS in their own time zone, at most NUDGE_MAX in all.
    nudges: bool = False
    nudge_after_hours: float = Field(default=72.0, gt=0)
    nudge_hours: str = "9-17"
    nudge_days: str = "mon-fri"
    nudge_max: int = Field(default=2, ge=0, le=20)
    # How often every process looks for reminders and digests that are due.
    sweep_seconds: float = Field(default=300.0, gt=0)
    # The weekly digest for each workspace's admins, on DIGEST_DAY at DIGEST_HOUR their time.
    digest: bool = False
    digest_day: str = "mon"
    digest_hour: int = Field(default=9, ge=0, le=23)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # "text" (one readable line per record) or "json" (one JSON object per line, with the
    # request's workspace and event id), for a log collector.
    log_format: Literal["text", "json"] = "text"

    # Prometheus metrics: the web process serves GET /metrics on PORT; the Socket Mode
    # worker has no web server and serves them on METRICS_PORT when it is set.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    # Several processes on one machine: a directory they all write their metrics to (empty
    # at startup), so that any one's /metrics reports them all (prometheus_client's
    # multiprocess mode). Unset: each process reports its own.
    prometheus_multiproc_dir: Path | None = None
    content_dir: Path = CONTENT_DIR
    # `content check` warns about a card whose `verified` date is older than this.
    content_max_age_days: int = Field(default=180, ge=1)

    _split = field_validator("help_channels", "admin_users", mode="before")(_split_list)

    @field_validator("language", mode="before")
    @classmethod
    def _language(cls, value: object) -> object:
        # LANGUAGE is also gettext's variable ("it_IT:it", "en_US:en"): read its language,
        # and ignore one we don't speak rather than refuse to start.
        if isinstance(value, str):
            prefix = value.strip()[:2].lower()
            return prefix if prefix in ("en", "it") else None
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("help_channels")
    @classmethod
    def _channel_ids(cls, channels: list[str]) -> list[str]:
        for channel in channels:
            if not _CHANNEL_ID.fullmatch(channel):
                raise ValueError(
                    f"{channel!r} is not a channel ID (C…/G…): copy it from the channel's details"
                )
        return channels

    @field_validator("admin_users")
    @classmethod
    def _user_ids(cls, users: list[str]) -> list[str]:
        for user in users:
            if not _USER_ID.fullmatch(user):
                raise ValueError(f"{user!r} is not a user ID (U…/W…): copy it from the profile")
        return users

    @model_validator(mode="after")
    def _times(self) -> Settings:
        self.nudge_window  # noqa: B018  (refuses NUDGE_HOURS or NUDGE_DAYS it cannot read)
        if len(schedule.weekdays(self.digest_day)) != 1:
            raise ValueError(f"DIGEST_DAY {self.digest_day!r}: name one day, e.g. mon")
        return self

    @property
    def nudge_window(self) -> schedule.Window:
        """When reminders may go out, in each person's own time zone."""
        return schedule.Window.parse(self.nudge_hours, self.nudge_days)

    @property
    def digest_time(self) -> schedule.Weekly:
        """When the weekly digest goes out, in each admin's own time zone."""
        [day] = schedule.weekdays(self.digest_day)
        return schedule.Weekly(day, self.digest_hour)

    @field_validator("escalation_mention")
    @classmethod
    def _mention(cls, mention: str) -> str:
        if mention and not _MENTION.fullmatch(mention):
            raise ValueError("write it as Slack markup: <@U0123ABC> or <!subteam^S0123ABC>")
        return mention

    @field_validator("token_encryption_keys")
    @classmethod
    def _encryption_keys(cls, keys: SecretStr | None) -> SecretStr | None:
        problem = (
            None if keys is None else cipher.key_problem(cipher.split_keys(keys.get_secret_value()))
        )
        if problem is not None:
            raise ValueError(problem)  # names the key by its position only
        return keys

    @model_validator(mode="after")
    def _one_way_to_authorize(self) -> Settings:
        if self.slack_bot_token is not None and self.distributed:
            raise ValueError(
                "set SLACK_BOT_TOKEN (your own app, one workspace) or SLACK_CLIENT_ID and "
                "SLACK_CLIENT_SECRET (Add to Slack, many workspaces), not both"
            )
        if (self.slack_client_id is None) != (self.slack_client_secret is None):
            raise ValueError("Add to Slack needs both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")
        if self.distributed and self.redis_url is None:
            # An embedded store would forget every install at the next restart.
            raise ValueError("Add to Slack keeps each workspace's token in Redis: set REDIS_URL")
        if self.distributed and self.token_encryption_keys is None:
            raise ValueError(
                "Add to Slack keeps each workspace's token encrypted: set TOKEN_ENCRYPTION_KEYS "
                f"({cipher.HOW_TO_MAKE_ONE})"
            )
        return self

    def token_cipher(self) -> cipher.Cipher | None:
        """What encrypts the bot tokens kept in Redis; None without TOKEN_ENCRYPTION_KEYS."""
        keys = self.token_encryption_keys
        return None if keys is None else cipher.Cipher(cipher.split_keys(keys.get_secret_value()))

    @property
    def distributed(self) -> bool:
        """Installed with "Add to Slack" in any number of workspaces, each with its token."""
        return self.slack_client_id is not None and self.slack_client_secret is not None

    @property
    def slack_enabled(self) -> bool:
        """Slack mode needs a bot token or the client credentials; the console runs without."""
        return self.slack_bot_token is not None or self.distributed
