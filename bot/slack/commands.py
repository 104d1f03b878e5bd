"""``/mistral-setup``: ack at once, then answer privately through the command's response_url."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import commands
from bot.blocks import fallback_text, render
from bot.replies import Checklist, Reply
from bot.services import Services
from bot.slack import dialogs, home, views
from bot.slack.payloads import person_of


def register(app: AsyncApp, services: Services) -> None:
    @app.command(commands.SLASH_COMMAND)
    async def handle_setup_command(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        # Slack waits 3 seconds for this ack; everything slow happens after it.
        await ack()
        command = commands.parse(str(body.get("text") or ""))
        if isinstance(command, commands.CheckKey | commands.ShowLimits) and command.key is None:
            # A trigger expires 3 seconds after Slack sent it: open the dialog before anything else.
            if await dialogs.open_for(command, client, body, services):
                return
            reply: Reply = dialogs.DIALOG_FAILED
        else:
            if isinstance(command, commands.CheckKey | commands.ShowLimits):
                # Mistral may take seconds: say so now, then replace it with the result.
                await respond(
                    blocks=render(views.CHECKING),
                    text=fallback_text(views.CHECKING),
                    response_type="ephemeral",
                )
            reply = await services.assistant.run(person_of(body), command)
        await respond(
            blocks=render(reply, show_question=True),
            text=fallback_text(reply),
            response_type="ephemeral",
            replace_original=isinstance(command, commands.CheckKey | commands.ShowLimits),
        )
        if isinstance(reply, Checklist):
            # Keep App Home in step with what the command just changed.
            await home.publish(client, services, person_of(body), reply)
