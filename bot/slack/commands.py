"""``/mistral-setup``: ack at once, then answer privately through the command's response_url."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain import commands
from bot.slack import dialogs, views
from bot.slack.context import owed, services_of
from bot.slack.people import known_person, person_for
from bot.slack.routing import deliver


def register(app: AsyncApp) -> None:
    """The one slash command."""
    app.command(commands.SLASH_COMMAND)(owed(on_setup_command))


async def on_setup_command(
    ack: AsyncAck,
    body: dict[str, Any],
    respond: AsyncRespond,
    client: AsyncWebClient,
    context: dict[str, Any],
) -> None:
    """``/mistral-setup TEXT``: a subcommand or a question, answered privately."""
    await ack()  # Slack waits 3 seconds for this; everything slow happens after it.
    services = services_of(context)
    command = commands.parse(str(body.get("text") or ""))
    match command:
        case commands.CheckKey(key=None) | commands.ShowLimits(key=None):
            # A trigger expires 3 seconds after Slack sent it: open the dialog first of all.
            if not await dialogs.open_for(command, client, body, services):
                person = await known_person(body, services)
                await deliver(dialogs.failed(person), body, person, respond, client, services)
            return
    if isinstance(command, commands.CheckKey | commands.ShowLimits):
        # Mistral may take seconds: say so at once, then replace it with the result. This
        # waits on Mistral, not on our CPU, so it does not take a turn from the others.
        person = await person_for(body, client, services)
        note = views.checking_note(command, person.speaks)
        await deliver(note, body, person, respond, client, services, replace=False)
        reply = await services.assistant.run(person, command)
        await deliver(reply, body, person, respond, client, services, replace=True)
        return
    async with services.backlog.turn():
        person = await person_for(body, client, services)
        reply = await services.assistant.run(person, command)
        await deliver(reply, body, person, respond, client, services)
