"""Logging: one format to stderr, and secrets redacted before anything is written.

Whatever a library logs (Bolt at DEBUG logs whole request bodies, Socket Mode its frames
with their newlines escaped), a Slack token or any run of 32 or more letters and digits is
replaced before the line reaches a handler. A key keeps its last four characters, as
everywhere else in the bot.
"""

from __future__ import annotations

import logging
import sys

from bot.apikeys import mask_logged_secrets

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

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


def configure(level: str) -> None:
    """Log to stderr through the redacting filter; call once, from the entry point."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactSecrets())
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    # The level they would inherit anyway, set on each; before Bolt copies it to its own.
    for name in SLACK_LOGGERS:
        logging.getLogger(name).setLevel(level.upper())
    # One line per request would drown everything else (and slow a busy process).
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
