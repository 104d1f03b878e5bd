"""App Home: the person's checklist and the bot's tools, republished whenever it changes."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.assistant import Assistant
from bot.domain.replies import Checklist, Notice, Reply
from bot.errors import StoreUnavailable
from bot.person import Person
from bot.render.blocks import render, render_template
from bot.strings import Phrase


async def view_for(
    assistant: Assistant, person: Person, reply: Reply | None = None
) -> dict[str, Any]:
    """The Home view: ``reply`` (what a button just did) on top, then the checklist."""
    top: list[dict[str, Any]] = []
    if isinstance(reply, Checklist):
        checklist: Checklist | None = reply
    else:
        if reply is not None:
            top = render(reply, surface="view")
        try:
            checklist = await assistant.checklist(person)
        except StoreUnavailable as error:
            top = render(Notice(Phrase.of_error(error), "warning", person.speaks), surface="view")
            checklist = None
    blocks = render(checklist, surface="view") if checklist else []
    view: dict[str, Any] = render_template(
        "home",
        checklist_blocks=top + blocks,
        workspace=person.workspace if person.admin else None,
        lang=person.speaks,
    )
    return view


async def publish(
    client: AsyncWebClient, assistant: Assistant, person: Person, reply: Reply | None = None
) -> None:
    view = await view_for(assistant, person, reply)
    await client.views_publish(user_id=person.user, view=view)
