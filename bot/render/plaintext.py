"""Block Kit as plain text, for the console and `ask`: what Slack would show, in a terminal."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bot.render.blocks import ActionId

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
    ":hourglass:": "⌛",
    ":hourglass_flowing_sand:": "⏳",
    ":no_entry:": "⛔",
    ":rotating_light:": "🚨",
    ":bar_chart:": "📊",
}
_LINK = re.compile(r"<([^|>]+)\|([^>]*)>")
_BARE_LINK = re.compile(r"<(https?://[^>]+)>")
_USER = re.compile(r"<@([A-Za-z0-9_]+)>")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
_STRIKE = re.compile(r"(?<![\w~])~([^~\n]+)~(?![\w~])")
_ITALIC = re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])")


def mrkdwn_to_text(text: str) -> str:
    """Slack mrkdwn as a terminal shows it: links spelled out, no markup characters, and a
    code block's text as it is (Slack formats nothing inside one: a line to paste stays
    exact)."""
    parts = text.split("```")
    # Even parts are prose, odd ones code; an unclosed block is prose, as in Slack.
    if len(parts) % 2 == 0:
        parts[-2:] = ["```".join(parts[-2:])]
    return "".join(
        _entities(part if n % 2 else _prose_to_text(part)) for n, part in enumerate(parts)
    )


def _entities(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _prose_to_text(text: str) -> str:
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    text = _BARE_LINK.sub(r"\1", text)
    text = _USER.sub(r"@\1", text)
    text = _BOLD.sub(r"\1", text)
    text = _STRIKE.sub(r"\1", text)
    text = _ITALIC.sub(r"\1", text)
    for code, symbol in _EMOJI.items():
        text = text.replace(code, symbol)
    return text


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
        elif kind == "context_actions":
            lines += [_feedback_text(e) for e in block["elements"]]
    return "\n".join(lines)


def _element_text(element: dict[str, Any]) -> str:
    if element["type"] == "static_select":
        # The console cannot show a menu: it names the command that does what picking does.
        return f"  ({element['placeholder']['text']} /mistral-setup step N)"
    label = mrkdwn_to_text(element["text"]["text"])
    if element["action_id"].startswith(ActionId.COMMAND):
        return f"  [{label}]  → {'/mistral-setup'} {element['value']}"
    return f"  [{label}]"


def _feedback_text(element: dict[str, Any]) -> str:
    """Slack's feedback buttons, side by side as Slack shows them."""
    buttons = (element.get("positive_button", {}), element.get("negative_button", {}))
    return "  " + "  ".join(f"[{mrkdwn_to_text(b['text']['text'])}]" for b in buttons if b)
