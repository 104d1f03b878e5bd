"""Block Kit checks for tests: Slack's limits via slack_sdk.models, and no stray mentions."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache
from typing import Any, Literal

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot import strings
from bot.guide.words import words

Surface = Literal["message", "modal", "home"]

# Slack's documented ceilings (slack-ecosystem.md section 4); the SDK only knows the view one.
MAX_BLOCKS: dict[Surface, int] = {"message": 50, "modal": 100, "home": 100}

# <!here>, <!channel>, <!everyone>, <!subteam^S…>, <@U…>/<@W…>, each with an optional |label.
_MENTION = re.compile(
    r"<(?:!(?:here|channel|everyone|subteam\^[A-Z0-9]+)|@[UW][A-Z0-9]+)(?:\|[^>]*)?>"
)
# Rich text blocks mention by element type instead of by markup.
_RICH_TEXT_MENTIONS = {
    "broadcast": lambda element: f"<!{element.get('range', '')}>",
    "user": lambda element: f"<@{element.get('user_id', '')}>",
    "usergroup": lambda element: f"<!subteam^{element.get('usergroup_id', '')}>",
}


def assert_valid_blocks(
    blocks: Sequence[Mapping[str, Any]], *, surface: Surface = "message"
) -> None:
    """Fail unless Slack would accept `blocks` on `surface`.

    Each block must parse to a known slack_sdk type, pass its validators (text
    lengths, element counts, nested elements included) and keep every field it was
    given: the SDK drops fields it does not know, which catches misspelt keys.
    """
    limit = MAX_BLOCKS[surface]
    assert len(blocks) <= limit, f"{len(blocks)} blocks; a {surface} takes at most {limit}"
    for index, given in enumerate(blocks):
        parsed = Block.parse(dict(given))
        assert parsed is not None, f"block {index} has unknown type {given.get('type')!r}: {given}"
        try:
            parsed.validate_json()
            serialized = parsed.to_dict()
        except SlackObjectFormationError as error:
            raise AssertionError(f"block {index} ({given.get('type')}): {error}") from error
        dropped = list(_dropped_keys(given, serialized, f"blocks[{index}]"))
        assert not dropped, f"unknown fields, which Slack rejects: {dropped}"


def assert_valid_view(view: Mapping[str, Any]) -> None:
    """Fail unless Slack would accept `view` in views.open/update/push/publish."""
    surface = view.get("type")
    assert surface in ("modal", "home"), f"view type must be modal or home, not {surface!r}"
    try:
        View(**view).validate_json()
    except SlackObjectFormationError as error:
        raise AssertionError(f"view: {error}") from error
    blocks = view.get("blocks", [])
    if surface == "modal":
        # Slack requires these although the SDK lets them pass.
        assert view.get("title"), "a modal needs a title"
        has_input = any(block.get("type") == "input" for block in blocks)
        assert view.get("submit") or not has_input, "a modal with input blocks needs submit"
    assert_valid_blocks(blocks, surface=surface)


def assert_no_broadcast(content: object, *, allow: Iterable[str] = ()) -> None:
    """Fail if `content` would notify anyone other than those in `allow`.

    `content` is a string, blocks, a view or a whole API call's arguments; every
    `text` field inside is checked, plus rich-text mention elements. `allow` takes
    IDs or tokens: "U0ESCAL", "<@U0ESCAL>", "<!subteam^S0ONCALL>", "here". Escaped
    text (`&lt;!here&gt;`) does not notify, so it passes.
    """
    allowed = {_mention_key(item) for item in allow}
    found = [mention for mention in _mentions(content) if _mention_key(mention) not in allowed]
    assert not found, f"unescaped mentions would notify people: {found}"


def _mentions(content: object) -> Iterator[str]:
    if isinstance(content, str):
        yield from (match.group(0) for match in _MENTION.finditer(content))
    elif isinstance(content, Mapping):
        element_mention = _RICH_TEXT_MENTIONS.get(str(content.get("type")))
        if element_mention is not None:
            yield element_mention(content)
        for key, value in content.items():
            # Only text fields render mrkdwn; ids, values and URLs never notify.
            if key == "text" or not isinstance(value, str):
                yield from _mentions(value)
    elif isinstance(content, Sequence):
        for item in content:
            yield from _mentions(item)


def _mention_key(mention: str) -> str:
    """Reduce a mention token or bare ID to the ID or broadcast name it targets."""
    target = mention.strip().strip("<>").split("|")[0]
    return target.lstrip("@!").removeprefix("subteam^")


def _dropped_keys(given: object, serialized: object, path: str) -> Iterator[str]:
    if isinstance(given, Mapping) and isinstance(serialized, Mapping):
        for key, value in given.items():
            if key not in serialized:
                if value is not None:
                    yield f"{path}.{key}"
            else:
                yield from _dropped_keys(value, serialized[key], f"{path}.{key}")
    elif isinstance(given, list) and isinstance(serialized, list):
        for index, (item, item_serialized) in enumerate(zip(given, serialized, strict=False)):
            yield from _dropped_keys(item, item_serialized, f"{path}[{index}]")


def visible_text(payload: object) -> str:
    """The words a person sees in Block Kit, less what no language changes: links (their
    labels are the names of Mistral's pages, in English), code, model ids, and what is
    quoted verbatim (“a section of the English guide”, what someone asked)."""
    return " ".join(_visible(payload))


def _visible(payload: object) -> Iterator[str]:
    if isinstance(payload, dict):
        for name, value in payload.items():
            if name == "text" and isinstance(value, str):
                yield re.sub(r"<[^>]*>|`[^`]*`|“[^”]*”|\S+-\S+", " ", value)
            elif name not in {"value", "action_id", "block_id", "callback_id", "url"}:
                yield from _visible(value)
    elif isinstance(payload, list):
        for item in payload:
            yield from _visible(item)


def english_words(payload: object, *, content: str = "") -> list[str]:
    """Words shown in ``payload`` that only the English catalog uses ("the", "your", "key"):
    none should appear in a reply meant to be Italian. Words of the Italian ``content`` it
    shows are the authors' (Mistral's English button names, say), not the catalog's."""
    return sorted(set(words(visible_text(payload))) - set(words(content)) & _english_only())


@cache
def _english_only() -> frozenset[str]:
    english, italian = (
        set(words(json.dumps(strings.catalog()[language], ensure_ascii=False)))
        for language in ("en", "it")
    )
    return frozenset(english - italian)
