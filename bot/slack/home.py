"""App Home: the person's checklist and the bot's tools, republished whenever it changes;
for admins, the workspace's settings and the team chart."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.assistant import Assistant
from bot.domain.replies import Checklist, Notice, Reply
from bot.errors import StoreUnavailable
from bot.person import Person
from bot.render.blocks import render, render_template
from bot.slack.digests import dm_channel, upload_chart
from bot.strings import Phrase

log = logging.getLogger(__name__)


async def view_for(
    assistant: Assistant, person: Person, reply: Reply | None = None, chart_file: str | None = None
) -> dict[str, Any]:
    """The Home view: ``reply`` (what a button just did) on top, then the checklist; for an
    admin, the settings and the chart uploaded as ``chart_file``."""
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
        notes=assistant.noted_cards(person.workspace) if person.admin else (),
        chart_file=chart_file if person.admin else None,
        lang=person.speaks,
    )
    return view


async def publish(
    client: AsyncWebClient, assistant: Assistant, person: Person, reply: Reply | None = None
) -> None:
    chart = await _chart_file(client, assistant, person) if person.admin else None
    view = await view_for(assistant, person, reply, chart)
    await client.views_publish(user_id=person.user, view=view)


async def _chart_file(client: AsyncWebClient, assistant: Assistant, person: Person) -> str | None:
    """The chart for an admin's Home: the one uploaded in the last few minutes, or a new one
    drawn and uploaded into their DM with the bot (so they may see it). None when Slack or
    Redis refuses: Home goes on without it."""
    try:
        channel = await dm_channel(client, person.user)
        cached = await assistant.home_chart(person.team, person.workspace_id, channel)
        if cached:
            return cached
        png = await assistant.chart(person.team, person.speaks, person.workspace_id)
        file_id = await upload_chart(client, channel, png, person.speaks)
        await assistant.keep_home_chart(person.team, person.workspace_id, channel, file_id)
    except (SlackClientError, aiohttp.ClientError, TimeoutError, StoreUnavailable) as error:
        log.info("App Home without the chart: %s", type(error).__name__)
        return None
    return file_id
