"""Logging: one format to stderr (text, or JSON lines), and secrets redacted before anything
is written.

Whatever a library logs (Bolt at DEBUG logs whole request bodies, Socket Mode its frames
with their newlines escaped), a Slack token or any run of 32 or more letters and digits is
replaced before the line reaches a handler. A key keeps its last four characters, as
everywhere else in the bot.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from datetime import UTC, datetime
from typing import Literal, NamedTuple

from bot.apikeys import mask_logged_secrets

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class Request(NamedTuple):
    """What a JSON log line says of the Slack request it was logged for."""

    workspace: str | None
    event_id: str | None


# The request being handled, set by the Slack middleware (bot.slack.context) for the
# request's task and the listener tasks it starts; None outside a request.
REQUEST: contextvars.ContextVar[Request | None] = contextvars.ContextVar(
    "bot_request", default=None
)

# Slack's SDK builds a debug line (headers, whole bodies) on every request and API call
# unless the logger's own level, not the level it inherits, is above DEBUG: these are the
# loggers of the bot's busy paths (Bolt and its API clients get "slack_bolt" from
# bot.slack.app; response_url replies use the webhook client's own).
SLACK_LOGGERS = ("slack_bolt", "slack_sdk.webhook.async_client")


def redact(text: str) -> str:
    """``text`` with Slack tokens and key-shaped strings masked."""
    return mask_logged_secrets(text)


class RedactSecrets(logging.Filter):
    """A handler filter: the message, its arguments and any traceback, redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class JsonLines(logging.Formatter):
    """One JSON object per record, on one line: time, level, logger, message, the request's
    workspace and event id when known, and the traceback (all after redaction)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request = REQUEST.get()
        if request is not None:
            if request.workspace:
                line["workspace"] = request.workspace
            if request.event_id:
                line["event_id"] = request.event_id
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(self.formatException(record.exc_info))
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


def configure(level: str, log_format: Literal["text", "json"] = "text") -> None:
    """Log to stderr through the redacting filter; call once, from the entry point."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines() if log_format == "json" else logging.Formatter(FORMAT))
    handler.addFilter(RedactSecrets())
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    # The level they would inherit anyway, set on each; before Bolt copies it to its own.
    for name in SLACK_LOGGERS:
        logging.getLogger(name).setLevel(level.upper())
    # One line per request would drown everything else (and slow a busy process).
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
