"""Hostile input, fuzzed: the parser, the domain and the Slack surface take anything calmly.

Whatever a person types (any Unicode, control characters, Slack markup, broadcast and
user mentions, up to 4,000 characters), the reply is valid Block Kit, nothing raises,
and no user text can ping anyone. Malformed Slack requests, signed correctly so they
get past the signature check, get an ack or a 4xx error, never a 500 or a traceback.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import typing
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot import strings
from bot.domain import commands
from bot.domain.assistant import Assistant
from bot.person import Person
from bot.render.blocks import fallback_text, render
from bot.slack.web import MAX_BODY_BYTES
from bot.strings import LANGUAGES
from tests.blockkit import assert_no_broadcast, assert_valid_blocks, assert_valid_view
from tests.conftest import RunningBot
from tests.fakes.slack_api import FakeSlackApi
from tests.slack_requests import (
    FORM,
    JSON,
    app_mention,
    block_action,
    event_callback,
    message_event,
    sign,
    slash_command,
    view_submission,
)

MAX_TEXT = 4000

# The bot fixture's ESCALATION_MENTION: the one ping a no-answer reply may carry.
ESCALATION = "<@UHELPER>"

# Slack markup a person can type, with the mentions that would notify people if echoed raw.
MARKUP = (
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!channel|@channel>",
    "<!here|here>",
    "<@U123ABC>",
    "<@U123ABC|alice>",
    "<@W0ENTERPRISE>",
    "<#C123|general>",
    "<#C123>",
    "<!subteam^S1>",
    "<!subteam^S0123|@oncall>",
    "<!date^1392734382^{date_short}|Feb 18>",
    "<https://x.io|label>",
    "<https://x.io>",
    "<mailto:a@x.io|mail me>",
    "<javascript:alert(1)|click>",
    "<<!here>>",
    "<!here",
    "!channel>",
    "@channel",
    "@here",
    "@everyone",
    "&amp;",
    "&lt;",
    "&gt;",
    "&lt;!channel&gt;",
    "&",
    "<",
    ">",
    "|",
    ":tada:",
    ":+1::skin-tone-2:",
    ":",
    "`",
    "```",
    "`<!here>`",
    "*",
    "_",
    "~",
    "> ",
    "\n",
    "\r\n",
    "\t",
    " ",
    "#",
)

# Characters that trip str methods: digits int() refuses, case folding that changes
# lengths, direction overrides, invisible and control characters, the last code point.
UNICODE = (
    "²",
    "①",
    "٣",
    "\U0001d7d9",  # MATHEMATICAL DOUBLE-STRUCK DIGIT ONE: a decimal digit int() reads
    "Ⅻ",
    "İ",
    "ß",
    "ﬀ",
    "e\u0301",
    "\u202e",
    "\u200b",
    "\ufeff",
    "\u2028",
    "\u00a0",
    "\x00",
    "\x1b[2J",
    "\x7f",
    "\x85",
    "\U0010ffff",
    "👩\u200d👩\u200d👧",
)

# What a person might type first, so the fragments after it reach every command's branch.
HEADS = (
    "",
    "done ",
    "undo ",
    "step ",
    "show ",
    "tick ",
    "DONE ",
    "done #",
    "done 1",
    "ask ",
    "key ",
    "limits ",
    "reset ",
    "reset yes",
    "help ",
    "next ",
    "steps ",
    "dne ",
    "stpe ",
    "?",
)


def _join(head: str, parts: list[str]) -> str:
    return (head + "".join(parts))[:MAX_TEXT]


def hostile_text() -> st.SearchStrategy[str]:
    """Arbitrary text, or a command word followed by a mix of text, markup and odd Unicode.

    Python strings cannot hold lone surrogates once encoded for Slack, so none are drawn.
    """
    fragment = st.one_of(
        st.text(max_size=300),
        st.sampled_from(MARKUP),
        st.sampled_from(UNICODE),
    )
    composed = st.builds(_join, st.sampled_from(HEADS), st.lists(fragment, max_size=40))
    # A long run of one token reaches the 4,000-character ceiling Slack allows.
    repeated = st.builds(
        lambda head, token, count: _join(head, [token * count]),
        st.sampled_from(HEADS),
        st.sampled_from(MARKUP + UNICODE),
        st.integers(min_value=1, max_value=MAX_TEXT),
    )
    return st.one_of(st.text(max_size=MAX_TEXT), composed, repeated)


# The parser


COMMAND_TYPES = typing.get_args(commands.Command)


@settings(max_examples=300, deadline=None)
@given(text=hostile_text())
def test_the_parser_turns_any_text_into_one_command(text: str) -> None:
    command = commands.parse(text)

    assert isinstance(command, COMMAND_TYPES)
    if isinstance(command, commands.ShowStep | commands.MarkDone | commands.Undo):
        assert command.ref
        assert command.ref == command.ref.strip()
    if isinstance(command, commands.CheckKey | commands.ShowLimits) and command.key is not None:
        assert command.key == command.key.strip()


@settings(max_examples=300, deadline=None)
@given(text=hostile_text())
@example(text="help 2")
@example(text="hepl 2")
def test_a_did_you_mean_never_suggests_what_was_typed_or_another_typo(text: str) -> None:
    command = commands.parse(text)

    if isinstance(command, commands.Unknown) and command.suggestion is not None:
        assert command.suggestion.casefold() != " ".join(text.split()).casefold(), command
        suggested = commands.parse(command.suggestion)
        # "done" alone may still ask for a step number, but not for another "did you mean".
        assert not (isinstance(suggested, commands.Unknown) and suggested.suggestion), suggested


@settings(max_examples=200, deadline=None)
@given(text=hostile_text(), before=st.sampled_from(["", " ", "\n", "\t \r\n"]))
def test_parsing_is_deterministic_and_blind_to_surrounding_whitespace(
    text: str, before: str
) -> None:
    assert commands.parse(text) == commands.parse(text)
    assert commands.parse(before + text + before) == commands.parse(text)


# The domain, without Slack


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=hostile_text())
@example(text="done ²")
@example(text="step ①")
@example(text="done <!channel>")
@example(text="undo <@U123ABC>")
@example(text="done " + "9" * 5000)
@example(text="team " + "9" * 5000)
@example(text="steps " + "9" * 5000)
async def test_the_assistant_answers_any_text_with_a_valid_reply_that_pings_nobody(
    assistant: Assistant, person: Person, text: str
) -> None:
    reply = await assistant.handle(person, text)

    blocks = render(reply, show_question=True)
    assert_valid_blocks(blocks)
    assert_no_broadcast(blocks)
    # Slack gets the fallback as the message's `text`, where mentions are parsed too.
    assert_no_broadcast(fallback_text(reply))


# Through HTTP: malformed Slack requests, correctly signed

# An exception's name or a traceback in anything the bot says means an error leaked out.
_LEAKED_ERROR = re.compile(r"Traceback|\b[A-Z]\w*(?:Error|Exception)\b")

# Long enough for a listener still running after the ack to have said what it would say.
SETTLE = 0.1

RequestFactory = Callable[[FakeSlackApi], tuple[bytes, str]]


def _form(fields: dict[str, str]) -> tuple[bytes, str]:
    return urlencode(fields).encode(), FORM


def _json(value: object) -> tuple[bytes, str]:
    return json.dumps(value).encode(), JSON


def _slash_without(field: str) -> RequestFactory:
    def build(slack: FakeSlackApi) -> tuple[bytes, str]:
        fields = slash_command("help", response_url=slack.response_url("malformed")).payload
        del fields[field]
        return _form(fields)

    return build


def _interactive(change: Callable[[dict[str, Any]], None], *, view: bool = False) -> RequestFactory:
    def build(slack: FakeSlackApi) -> tuple[bytes, str]:
        if view:
            payload = view_submission("key-check", {"key": {"key": "not a key"}}).payload
        else:
            payload = block_action(
                "command:done 1", "done 1", response_url=slack.response_url("malformed")
            ).payload
        change(payload)
        return _form({"payload": json.dumps(payload)})

    return build


def _event(change: Callable[[dict[str, Any]], None], event: dict[str, Any]) -> RequestFactory:
    def build(_: FakeSlackApi) -> tuple[bytes, str]:
        envelope = event_callback(event).payload
        change(envelope)
        return _json(envelope)

    return build


def _set(key: str, value: object) -> Callable[[dict[str, Any]], None]:
    return lambda payload: payload.__setitem__(key, value)


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda payload: payload.pop(key)


def _drop_from_event(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda envelope: envelope["event"].pop(key)


def _raw(body: bytes, content_type: str = FORM) -> RequestFactory:
    return lambda _: (body, content_type)


MENTION = app_mention("<@UBOT> how do I add a card?")
DM = message_event("how do I add a card?", channel="D111", channel_type="im")

MALFORMED: dict[str, RequestFactory] = {
    "slash command without user_id": _slash_without("user_id"),
    "slash command without team_id": _slash_without("team_id"),
    "slash command without text": _slash_without("text"),
    "slash command without response_url": _slash_without("response_url"),
    "slash command with nothing but its name": _raw(b"command=%2Fmistral-setup"),
    "payload that is not JSON": _raw(b"payload=%7Bnot+json"),
    "payload that is a JSON string": _raw(b"payload=%22hello%22"),
    "actions that are a string": _interactive(_set("actions", "done 1")),
    "actions that are an object": _interactive(_set("actions", {"value": "done 1"})),
    "actions that are an empty list": _interactive(_set("actions", [])),
    "user that is a string": _interactive(_set("user", "U111")),
    "view submission without a view": _interactive(_drop("view"), view=True),
    "view submission whose view is a string": _interactive(_set("view", "V1"), view=True),
    "mention without channel": _event(_drop_from_event("channel"), MENTION),
    "mention without text": _event(_drop_from_event("text"), MENTION),
    "DM without channel": _event(_drop_from_event("channel"), DM),
    "event that is a string": _event(_set("event", "app_mention"), MENTION),
    "event that is null": _event(_set("event", None), MENTION),
    "event of an unknown type": _event(_set("event", {"type": "no_such_event"}), MENTION),
    "event callback without event": _event(_drop("event"), MENTION),
    "authorizations that are a number": _event(_set("authorizations", 5), MENTION),
    "authorizations that are a list of strings": _event(_set("authorizations", ["T1"]), MENTION),
    "enterprise that is a list": _event(_set("enterprise", ["E1"]), MENTION),
    "JSON body that is a list": _raw(b'[{"type": "event_callback"}]', JSON),
    "JSON body that is a number": _raw(b"42", JSON),
    "JSON body that is not JSON": _raw(b'{"type": ', JSON),
    "empty body": _raw(b""),
}


async def _send_raw(bot: RunningBot, body: bytes, content_type: str) -> tuple[int, str]:
    headers = {"Content-Type": content_type, **sign(body)}
    response = await bot.http.post("/slack/events", content=body, headers=headers)
    return response.status_code, response.text


async def _responses_at(bot: RunningBot, name: str, count: int = 1) -> list[dict[str, Any]]:
    """The bodies posted to `response_url(name)`, once `count` of them have arrived."""
    async with asyncio.timeout(5):
        while True:
            posts = [p.body for p in bot.slack.responses if p.path.endswith(f"/{name}")]
            if len(posts) >= count:
                return posts
            await asyncio.sleep(0.02)


async def _assert_still_serving(bot: RunningBot) -> None:
    await bot.send(slash_command("help", response_url=bot.slack.response_url("after")))
    [reply] = await _responses_at(bot, "after")
    assert_valid_blocks(reply["blocks"])
    assert not _apology(reply)


def _apology(reply: dict[str, Any]) -> bool:
    """Whether a reply is the error handler's "something went wrong", in any language."""
    sorry = {strings.text(language, "something_went_wrong") for language in LANGUAGES}
    return any(words in json.dumps(reply, ensure_ascii=False) for words in sorry)


def _posted(bot: RunningBot) -> list[str]:
    """The Web API methods the bot called to say something (look-ups aside)."""
    lookups = {"auth.test", "users.info"}
    return [call.method for call in bot.slack.calls() if call.method not in lookups]


def _assert_no_leaked_errors(bot: RunningBot) -> None:
    said = [call.args for call in bot.slack.calls()] + [post.body for post in bot.slack.responses]
    leaked = _LEAKED_ERROR.search(json.dumps(said, ensure_ascii=False))
    assert leaked is None, f"the bot told Slack about an exception: {leaked.group(0)!r}"


@pytest.mark.parametrize("name", list(MALFORMED))
async def test_a_malformed_request_gets_an_ack_or_an_error_not_a_traceback(
    bot: RunningBot, name: str
) -> None:
    body, content_type = MALFORMED[name](bot.slack)

    status, text = await _send_raw(bot, body, content_type)

    assert 200 <= status < 300 or 400 <= status < 500, f"HTTP {status}: {text[:200]!r}"
    assert _LEAKED_ERROR.search(text) is None, text[:500]
    await _assert_still_serving(bot)
    await asyncio.sleep(SETTLE)
    _assert_no_leaked_errors(bot)


@pytest.mark.parametrize(
    ("name", "body", "status"),
    [
        ("600 KB", b"payload=" + b"x" * (600 * 1024), 413),
        ("one byte over the limit", b"x" * (MAX_BODY_BYTES + 1), 413),
        ("not UTF-8", b"text=\xff\xfe\xc3\x28&command=%2Fmistral-setup", 400),
        ("a lone surrogate in UTF-8", "text=\ud800".encode(errors="surrogatepass"), 400),
    ],
)
async def test_a_huge_or_undecodable_body_is_refused_with_a_status(
    bot: RunningBot, name: str, body: bytes, status: int
) -> None:
    code, text = await _send_raw(bot, body, FORM)

    assert code == status, name
    assert _LEAKED_ERROR.search(text) is None, text[:500]
    await _assert_still_serving(bot)
    assert _posted(bot) == []


async def test_a_huge_body_sent_without_a_content_length_is_refused_too(bot: RunningBot) -> None:
    body = b"payload=" + b"x" * (600 * 1024)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    headers = {"Content-Type": FORM, **sign(body)}
    response = await bot.http.post("/slack/events", content=chunks(), headers=headers)

    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    await _assert_still_serving(bot)


# Through HTTP: hostile text in the slash command

_serials = itertools.count()


class QuietBot(RunningBot):
    """The running bot, shown as one word when Hypothesis prints the arguments of a failure."""

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text("bot")


@pytest.fixture
def quiet_bot(bot: RunningBot) -> QuietBot:
    return QuietBot(bot.http, bot.services, bot.slack)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=hostile_text())
@example(text="done <!channel>")
async def test_a_slash_command_with_hostile_text_gets_a_valid_reply_that_pings_nobody(
    quiet_bot: QuietBot, text: str
) -> None:
    bot = quiet_bot
    name = f"fuzz-{next(_serials)}"
    command = commands.parse(text)
    dialogs_before = len(bot.slack.calls("views.open"))

    response = await bot.send(slash_command(text, response_url=bot.slack.response_url(name)))

    assert response.status_code == 200
    if isinstance(command, commands.CheckKey | commands.ShowLimits) and command.key is None:
        [*_, dialog] = await bot.slack.wait_for("views.open", dialogs_before + 1)
        assert_valid_view(dialog.args["view"])
        return
    # A key check first says "checking", then replaces it with the result.
    expected = 2 if isinstance(command, commands.CheckKey | commands.ShowLimits) else 1
    for reply in await _responses_at(bot, name, expected):
        assert not _apology(reply), f"the listener failed on {text!r}"
        assert_valid_blocks(reply["blocks"])
        assert_no_broadcast(reply, allow=(ESCALATION,))
    for call in bot.slack.calls("views.publish"):
        assert_valid_view(call.args["view"])
        assert_no_broadcast(call.args["view"])
