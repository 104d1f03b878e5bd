"""The local console: the bot in a terminal, like Hubot's shell adapter.

Type ``/mistral-setup done 2`` or just a question. Replies are the Block Kit the Slack
app would send, rendered as text, so what you see here is what Slack will show.
Works with piped stdin too, so it can be scripted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any, TextIO

from bot.assistant import Assistant
from bot.blocks import ActionId, render
from bot.progress import Person
from bot.replies import Reply

SLASH_COMMAND = "/mistral-setup"

CONSOLE_HELP = """\
Type a question, or a command as you would in Slack: /mistral-setup, /mistral-setup done 2 …
Console only: /as USER (switch user), /json (toggle raw Block Kit), /quit"""

_EMOJI = {
    ":white_check_mark:": "✔",
    ":white_large_square:": "☐",
    ":arrow_right:": "➜",
    ":warning:": "⚠",
    ":tada:": "🎉",
    ":wave:": "👋",
    ":thinking_face:": "🤔",
    ":thumbsup:": "👍",
    ":thumbsdown:": "👎",
    ":key:": "🔑",
    ":lock:": "🔒",
}
_LINK = re.compile(r"<([^|>]+)\|([^>]*)>")
_BARE_LINK = re.compile(r"<(https?://[^>]+)>")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
_STRIKE = re.compile(r"(?<![\w~])~([^~\n]+)~(?![\w~])")
_ITALIC = re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])")


def mrkdwn_to_text(text: str) -> str:
    """Slack mrkdwn as a terminal shows it: links spelled out, no markup characters."""
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    text = _BARE_LINK.sub(r"\1", text)
    text = _BOLD.sub(r"\1", text)
    text = _STRIKE.sub(r"\1", text)
    text = _ITALIC.sub(r"\1", text)
    for code, symbol in _EMOJI.items():
        text = text.replace(code, symbol)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def blocks_to_text(blocks: Iterable[dict[str, Any]]) -> str:
    """Render Block Kit as plain text, block by block."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = block["text"]["text"]
            lines += [title.upper(), "=" * len(title)]
        elif kind == "section":
            lines.append(mrkdwn_to_text(block["text"]["text"]))
        elif kind == "context":
            lines += ["  " + mrkdwn_to_text(e.get("text", "")) for e in block["elements"]]
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "actions":
            lines += [_element_text(e) for e in block["elements"]]
    return "\n".join(lines)


def _element_text(element: dict[str, Any]) -> str:
    if element["type"] == "static_select":
        return "  (pick a step: /mistral-setup step N)"
    label = mrkdwn_to_text(element["text"]["text"])
    if element["action_id"].startswith(ActionId.COMMAND):
        return f"  [{label}]  → {SLASH_COMMAND} {element['value']}"
    return f"  [{label}]"


class Console:
    """A read-eval-print loop over the same domain the Slack listeners call."""

    def __init__(self, assistant: Assistant, person: Person, out: TextIO) -> None:
        self.assistant = assistant
        self.person = person
        self.out = out
        self.raw_json = False

    async def run(self, lines: TextIO) -> None:
        interactive = lines.isatty()
        self._say(CONSOLE_HELP)
        while True:
            if interactive:
                self.out.write(f"{self.person.user}> ")
                self.out.flush()
            line = lines.readline()
            if not line:
                return
            if not await self.feed(line):
                return

    async def feed(self, line: str) -> bool:
        """Handle one line; False means the user asked to quit."""
        line = line.strip()
        if not line:
            return True
        if line in ("/quit", "/exit", "\\q"):
            return False
        if line == "/json":
            self.raw_json = not self.raw_json
            self._say(f"raw Block Kit {'on' if self.raw_json else 'off'}")
        elif line.startswith("/as "):
            self.person = Person(self.person.team, line.removeprefix("/as ").strip() or "you")
            self._say(f"you are now {self.person.user}")
        elif line in ("/help", "/?"):
            self._say(CONSOLE_HELP)
        elif line == SLASH_COMMAND or line.startswith(SLASH_COMMAND + " "):
            self._show(await self.assistant.handle(self.person, line.removeprefix(SLASH_COMMAND)))
        elif line.startswith("/"):
            self._say(f"Unknown console command {line.split()[0]}. {CONSOLE_HELP}")
        else:
            # A plain line is a message in the help channel: a question.
            self._show(await self.assistant.ask(self.person, line))
        return True

    def _show(self, reply: Reply) -> None:
        blocks = render(reply)
        if self.raw_json:
            self._say(json.dumps(blocks, indent=2, ensure_ascii=False))
        self._say(blocks_to_text(blocks))

    def _say(self, text: str) -> None:
        self.out.write(text + "\n\n")
        self.out.flush()
