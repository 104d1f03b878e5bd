"""Read-only modals: a reply shown in a dialog, and what the key dialogs show while Mistral
is asked."""

from __future__ import annotations

from typing import Any

from bot import strings
from bot.domain import commands
from bot.domain.replies import Notice, Reply
from bot.render.blocks import CallbackId, render, render_template
from bot.strings import Language, Phrase

# What each dialog says while Mistral is asked, and the title of its result.
CHECKING = {CallbackId.KEY_CHECK: Phrase.of("key_checking"),
            CallbackId.LIMITS: Phrase.of("limits_reading")}  # fmt: skip
TITLES = {CallbackId.KEY_CHECK: "key_result_title", CallbackId.LIMITS: "limits_result_title"}


def checking_note(command: commands.CheckKey | commands.ShowLimits, language: Language) -> Notice:
    """What to say while Mistral is asked about a key."""
    dialog = CallbackId.LIMITS if isinstance(command, commands.ShowLimits) else CallbackId.KEY_CHECK
    return Notice(CHECKING[dialog], language=language)


def modal(title: str, reply: Reply, language: Language) -> dict[str, Any]:
    """A read-only modal showing ``reply``."""
    view: dict[str, Any] = render_template(
        "modal", title=title, blocks=render(reply, surface="view"), lang=language
    )
    return view


def result(dialog: CallbackId, reply: Reply, language: Language) -> dict[str, Any]:
    """The modal a dialog becomes once submitted, titled for it."""
    return modal(strings.text(language, TITLES[dialog]), reply, language)
