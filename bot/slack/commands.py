"""``/mistral-setup``: ack at once, then answer privately through the command's response_url."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext

from bot.domain import commands
from bot.slack import dialogs, modals
from bot.slack.context import ACK_FIRST, exchange_of, owed


def register(app: AsyncApp) -> None:
    """The one slash command."""
    app.command(commands.SLASH_COMMAND, middleware=[ACK_FIRST])(owed(on_setup_command))


async def on_setup_command(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """``/mistral-setup TEXT``: a subcommand or a question, answered privately."""
    await ack()  # Slack waits 3 seconds for this; everything slow happens after it.
    exchange = exchange_of(context)
    command = commands.parse(str(body.get("text") or ""))
    match command:
        case commands.CheckKey(key=None) | commands.ShowLimits(key=None):
            # A trigger expires 3 seconds after Slack sent it: open the dialog first of all.
            await dialogs.open_for(command, exchange)
        case commands.CheckKey() | commands.ShowLimits():
            # Mistral may take seconds: say so at once, then replace it with the result. This
            # waits on Mistral, not on our CPU, so it takes one of its workspace's checks
            # (bot.backlog) rather than a turn from the others.
            person = await exchange.person()
            await exchange.deliver(modals.checking_note(command, person.speaks), replace=False)
            async with exchange.checking():
                reply = await exchange.assistant.run(person, command)
            await exchange.deliver(reply)
        case _:
            await exchange.answer(lambda person: exchange.assistant.run(person, command))
