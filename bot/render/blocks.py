"""Block Kit from jinja2 templates: one environment, strict, and JSON that cannot break.

Every template in ``bot/render/templates`` renders JSON. Values go in through ``tojson`` so
quotes and newlines stay valid, and any text a user typed goes through ``mrkdwn``
first, which escapes ``&``, ``<`` and ``>`` as Slack asks: nobody can ping ``@channel``
or forge a link through the bot. ``render`` parses the result, so a broken template
fails here, not inside Slack.

Words come from the catalog: ``t("key", ...)`` and ``phrase | said`` in the language being
rendered (``lang``). Templates import the macros ``with context``, or the macros' words
would all be English.
"""

from __future__ import annotations

import json
import typing
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from typing import Any, Literal

import jinja2

from bot import strings
from bot.domain import commands
from bot.domain.replies import Reply
from bot.guide.content import Link, Tool
from bot.strings import Language

# Slack truncates longer fallback texts; ours stay far below it anyway.
FALLBACK_TEXT_LIMIT = 3000


class ActionId(StrEnum):
    """Every interactive element's id. Listeners match on these, templates emit them."""

    # A button whose value is a command of the command language ("done create-api-key").
    COMMAND = "command"
    # Slack's own feedback buttons; the value is "up:TOPIC" or "down:TOPIC".
    FEEDBACK = "feedback"
    # Our own 👍/👎, where Slack's do not go (App Home, modals); the value is the topic.
    FEEDBACK_UP = "feedback-up"
    FEEDBACK_DOWN = "feedback-down"
    SHOW_TOPIC = "show-topic"
    OPEN_KEY_DIALOG = "open-key-dialog"
    OPEN_LIMITS_DIALOG = "open-limits-dialog"
    OPEN_SETTINGS_DIALOG = "open-settings-dialog"


# The button that opens each of the bot's tools; its value is the tool's name.
TOOL_ACTIONS: dict[Tool, ActionId] = {
    "key": ActionId.OPEN_KEY_DIALOG,
    "limits": ActionId.OPEN_LIMITS_DIALOG,
}


class CallbackId(StrEnum):
    """Every modal's callback id."""

    KEY_CHECK = "key-check"
    LIMITS = "limits-check"
    WORKSPACE_SETTINGS = "workspace-settings"


def escape_mrkdwn(text: str) -> str:
    """Escape Slack's three control characters, and only those (Slack's formatting rules)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _day(timestamp: float) -> str:
    """A date people read at a glance: 2026-11-29 (UTC)."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@cache
def environment() -> jinja2.Environment:
    """The one template environment (built on first use, not at import)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bot.render", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701  (these templates emit JSON, not HTML)
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        extensions=["jinja2.ext.do"],
    )
    env.filters["mrkdwn"] = escape_mrkdwn
    env.filters["truncate_text"] = _truncate
    env.filters["link"] = _link
    env.filters["day"] = _day
    # Ids Slack renders as names; in a private view they notify no one.
    env.filters["channel"] = lambda channel: f"<#{channel}>"
    env.filters["user"] = lambda user: f"<@{user}>"
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False}
    env.globals["ACTION"] = ActionId
    env.globals["TOOL_ACTIONS"] = TOOL_ACTIONS
    env.globals["t"] = _translate
    env.filters["said"] = _said
    env.globals["phrase"] = strings.Phrase.of
    env.globals["CALLBACK"] = CallbackId
    # Buttons run commands built here and typed by the domain: COMMAND.MarkDone(topic).
    env.globals["COMMAND"] = {kind.__name__: kind for kind in typing.get_args(commands.Command)}
    env.filters["command_text"] = commands.command_text
    return env


@jinja2.pass_context
def _translate(context: jinja2.runtime.Context, key: str, /, **values: object) -> str:
    """``t("key", name=value)`` in a template: the string in the language being rendered."""
    return strings.text(context.get("lang", "en"), key, **values)


@jinja2.pass_context
def _link(context: jinja2.runtime.Context, link: Link) -> str:
    """A content link as Slack mrkdwn, labelled in the language being rendered."""
    return f"<{link.url}|{link.label_in(context.get('lang', 'en'))}>"


@jinja2.pass_context
def _said(context: jinja2.runtime.Context, value: strings.Sayable | str) -> str:
    """``phrase | said``: a Phrase (or anything Sayable) from the domain, in the language
    being rendered."""
    return strings.said(value, context.get("lang", "en"))


def render_template(name: str, *, lang: Language = "en", **context: Any) -> Any:
    """Render ``templates/<name>.json.j2`` in ``lang`` and parse it."""
    text = environment().get_template(f"{name}.json.j2").render(lang=lang, **context)
    return json.loads(text)


# Where blocks are shown: a message (channel, thread, DM) or a view (App Home, modal).
Surface = Literal["message", "view"]


def render(reply: Reply, *, surface: Surface = "message", **context: Any) -> list[dict[str, Any]]:
    """The Block Kit blocks of a reply, in the reply's language, for ``surface``."""
    lang: Language = getattr(reply, "language", "en")
    blocks: list[dict[str, Any]] = render_template(
        reply.template, reply=reply, lang=lang, surface=surface, **context
    )
    return blocks


def fallback_text(reply: Reply) -> str:
    """The plain text Slack shows in notifications and screen readers (escaped: Slack parses it)."""
    return escape_mrkdwn(_truncate(reply.summary, FALLBACK_TEXT_LIMIT))
