"""Block Kit from jinja2 templates: one environment, strict, and JSON that cannot break.

Every template in ``bot/render/templates`` renders JSON. Values go in through ``tojson`` so
quotes and newlines stay valid, and any text a user typed goes through ``mrkdwn``
first, which escapes ``&``, ``<`` and ``>`` as Slack asks: nobody can ping ``@channel``
or forge a link through the bot. ``render`` parses the result, so a broken template
fails here, not inside Slack.

Words come from the catalog: ``t("key", ...)`` and ``phrase | said`` in the language being
rendered (``lang``). Templates import the macros ``with context``, or the macros' words
would all be English.

Rendering a template costs about 100 µs (a checklist 250 µs); a reply that reads the same
for everyone who could be sent it (an answer without the asker's question, help, a tool
offer) is rendered once per language and surface and kept, as JSON text, in a bounded
cache. A checklist shows someone's progress, but nothing that says whose it is: everyone
at the same point of it is shown the same blocks, kept by the checklist's value.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from collections import OrderedDict
from collections.abc import Hashable
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache, lru_cache
from typing import Any, Literal

import jinja2

from bot import strings
from bot.domain import commands
from bot.domain.replies import Answer, Checklist, ConfirmForget, Help, Reply, ToolOffer
from bot.guide.content import Link, Tool
from bot.strings import Language

# Slack truncates longer fallback texts; ours stay far below it anyway.
FALLBACK_TEXT_LIMIT = 3000

# Renders kept for replies that read the same for everyone: 21 cards, in two languages, on
# two surfaces, ticked or not, fill 168; a few hundred JSON texts of 1-3 kB, under 1 MB.
SHARED_RENDERS = 512
# Checklists kept, by their value: 13 points of progress (people mostly go in order), a
# notice or none, two languages and surfaces fill a few hundred; 3-5 kB each, a few MB.
CHECKLIST_RENDERS = 1024


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
    OPEN_NOTES_DIALOG = "open-notes-dialog"


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
    WORKSPACE_NOTES = "workspace-notes"


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
    if shared is not None:
        text = shared_json(shared, surface, bool(context.get("show_question")))
    elif isinstance(reply, Checklist) and (key := checklist_key(reply, surface, context)):
        text = CHECKLISTS.get(key) or CHECKLISTS.keep(key, reply_json(reply, surface, **context))
    else:
        text = reply_json(reply, surface, **context)
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


class Renders:
    """JSON texts kept by a key, the least recently used dropped past ``size``; texts,
    so that no caller can change what the next one gets."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._kept: OrderedDict[Hashable, str] = OrderedDict()
        self.hits = 0

    def get(self, key: Hashable) -> str | None:
        text = self._kept.get(key)
        if text is not None:
            self._kept.move_to_end(key)
            self.hits += 1
        return text

    def keep(self, key: Hashable, text: str) -> str:
        self._kept[key] = text
        if len(self._kept) > self._size:
            self._kept.popitem(last=False)
        return text

    def clear(self) -> None:
        self._kept.clear()


CHECKLISTS = Renders(CHECKLIST_RENDERS)


class _Same:
    """A part of a cache key that is equal only to itself: a card is kept in the key as
    the object, so an equal copy is a miss, never the wrong hit, and hashing it costs
    nothing (a pydantic model hashes every field on each call)."""

    __slots__ = ("thing",)

    def __init__(self, thing: object) -> None:
        self.thing = thing

    def __hash__(self) -> int:
        return id(self.thing)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.thing is self.thing


def checklist_key(
    reply: Checklist, surface: Surface, context: dict[str, Any]
) -> tuple[Hashable, ...] | None:
    """Everything a checklist's template reads, as a key; None (not kept) for a notice
    with values a key cannot hold. Nobody's name or id is in a checklist: the key is the
    progress it shows, and who was shown it is not kept."""
    notice = None if reply.notice is None else _phrase_key(reply.notice)
    if (reply.notice is not None and notice is None) or context.keys() - {"show_question"}:
        return None
    steps = tuple((step.number, _Same(step.card), step.done) for step in reply.steps)
    focus = reply.focus
    opened = None if focus is None else (focus.number, _Same(focus.card), focus.done)
    shown = bool(context.get("show_question"))
    return (steps, opened, notice, reply.language, reply.changed, surface, shown)


def _phrase_key(phrase: strings.Phrase) -> tuple[Hashable, ...] | None:
    """A phrase as a key, None when a value is of a kind a key cannot tell apart: the
    value's type is part of it, since 1, 1.0 and True are equal but not written alike."""
    values: list[tuple[str, Hashable]] = []
    for name, value in sorted(phrase.values.items()):
        said: Hashable
        if isinstance(value, strings.Phrase):
            said = _phrase_key(value)
        elif type(value) in (str, int, float, bool):
            said = (type(value), value)
        else:
            return None
        if said is None:
            return None
        values.append((name, said))
    return (phrase.key, tuple(values))


def _first_paragraph(text: str) -> str:
    """A card's answer up to its first blank line: what a step involves, in brief."""
    return text.strip().split("\n\n", 1)[0]


def fallback_text(reply: Reply) -> str:
    """The plain text Slack shows in notifications and screen readers (escaped: Slack parses it)."""
    return escape_mrkdwn(_truncate(reply.summary, FALLBACK_TEXT_LIMIT))
