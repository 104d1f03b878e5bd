"""Block Kit from jinja2 templates: one environment, strict, and JSON that cannot break.

Every template in ``bot/render/templates`` renders JSON. Values go in through ``tojson`` so
quotes and newlines stay valid, and any text a user typed goes through ``mrkdwn``
first, which escapes ``&``, ``<`` and ``>`` as Slack asks: nobody can ping ``@channel``
or forge a link through the bot. ``render`` parses the result, so a broken template
fails here, not inside Slack.

Words come from the catalog: ``t("key", ...)`` and ``phrase | said`` in the language being
rendered (``lang``). Templates import the macros ``with context``, or the macros' words
would all be English.

Rendering a template costs about 100 µs; a reply that reads the same for everyone who could
be sent it (an answer without the asker's question, help, a tool offer) is rendered once
per language and surface and kept, as JSON text, in a bounded cache.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache, lru_cache
from typing import Any, Literal

import jinja2

from bot import strings
from bot.domain import commands
from bot.domain.replies import Answer, ConfirmForget, Help, Reply, ToolOffer
from bot.guide.content import Link, Tool
from bot.strings import Language

# Slack truncates longer fallback texts; ours stay far below it anyway.
FALLBACK_TEXT_LIMIT = 3000

# Renders kept for replies that read the same for everyone: 21 cards, in two languages, on
# two surfaces, ticked or not, fill 168; a few hundred JSON texts of 1-3 kB, under 1 MB.
SHARED_RENDERS = 512


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
        # Templates ship with the package and change only with a deploy: without this,
        # every render stats each template file (and the macros it imports) for changes.
        auto_reload=False,
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
    env.filters["tojson"] = _tojson
    env.globals["ACTION"] = ActionId
    env.globals["TOOL_ACTIONS"] = TOOL_ACTIONS
    env.globals["t"] = _translate
    env.filters["said"] = _said
    env.globals["phrase"] = strings.Phrase.of
    env.globals["CALLBACK"] = CallbackId
    # Buttons run commands built here and typed by the domain: COMMAND.MarkDone(topic).
    env.globals["COMMAND"] = {kind.__name__: kind for kind in typing.get_args(commands.Command)}
    env.filters["command_text"] = commands.command_text
    env.filters["first_paragraph"] = _first_paragraph
    return env


# One encoder for every value: json.dumps builds a new one per call when given options.
_JSON = json.JSONEncoder(ensure_ascii=False)


@jinja2.pass_eval_context
def _tojson(_: jinja2.nodes.EvalContext, value: object) -> str:
    """``value | tojson``, for JSON that is parsed, never put in a web page: jinja2's own
    filter also writes <, >, & and ' as \\u escapes for HTML (a quarter of a checklist's
    render), which parse back to the same characters."""
    return _JSON.encode(value)


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
    return json.loads(_template_text(name, lang=lang, **context))


def _template_text(name: str, *, lang: Language, **context: Any) -> str:
    """``templates/<name>.json.j2`` in ``lang``, as JSON text."""
    return environment().get_template(f"{name}.json.j2").render(lang=lang, **context)


# Where blocks are shown: a message (channel, thread, DM) or a view (App Home, modal).
Surface = Literal["message", "view"]


def render(reply: Reply, *, surface: Surface = "message", **context: Any) -> list[dict[str, Any]]:
    """The Block Kit blocks of a reply, in the reply's language, for ``surface``.

    The blocks are new objects on every call, cached or not: a caller may change them.
    """
    shared = _shared_form(reply, context)
    if shared is None:
        text = reply_json(reply, surface, **context)
    else:
        text = shared_json(shared, surface, bool(context.get("show_question")))
    blocks: list[dict[str, Any]] = json.loads(text)
    return blocks


def render_uncached(
    reply: Reply, *, surface: Surface = "message", **context: Any
) -> list[dict[str, Any]]:
    """``render`` from the template every time: what the cache must give back."""
    blocks: list[dict[str, Any]] = json.loads(reply_json(reply, surface, **context))
    return blocks


def reply_json(reply: Reply, surface: Surface, **context: Any) -> str:
    """A reply's blocks as its template writes them: JSON text."""
    lang: Language = getattr(reply, "language", "en")
    return _template_text(reply.template, reply=reply, lang=lang, surface=surface, **context)


def _shared_form(reply: Reply, context: dict[str, Any]) -> Reply | None:
    """The reply as its template reads it, when its blocks can be shared, else None.

    Shared: what shows nobody's words, progress, key or data, so two people may be sent
    the same blocks (what is left of the person, a private answer's tick and whether help
    lists the admin commands, are flags of the reply and so of the cache's key). An
    answer's score is never shown, and its question only when quoted back, which is the
    asker's words and not cached: answers from one card share a render however worded.
    """
    if context.keys() - {"show_question"}:
        return None  # an input the cache's key does not know
    if isinstance(reply, Answer) and not context.get("show_question"):
        return dataclasses.replace(reply, question="", score=0.0)
    if isinstance(reply, Help) and reply.problem is None and not reply.suggestion:
        return reply
    if isinstance(reply, ToolOffer | ConfirmForget):
        return reply
    return None


@lru_cache(maxsize=SHARED_RENDERS)
def shared_json(reply: Reply, surface: Surface, show_question: bool) -> str:
    """A shared reply's JSON text, kept: a string, so no caller can change what the next
    one gets."""
    return reply_json(reply, surface, show_question=show_question)


def _first_paragraph(text: str) -> str:
    """A card's answer up to its first blank line: what a step involves, in brief."""
    return text.strip().split("\n\n", 1)[0]


def fallback_text(reply: Reply) -> str:
    """The plain text Slack shows in notifications and screen readers (escaped: Slack parses it)."""
    return escape_mrkdwn(_truncate(reply.summary, FALLBACK_TEXT_LIMIT))
