"""``/mistral-setup``: answered in its ack when the reply comes from Redis and the content
alone and is ready in time; otherwise acked at once and answered privately through the
command's response_url."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.domain import commands
from bot.slack import dialogs, modals
from bot.slack.context import exchange_of, owed
from bot.slack.exchange import Exchange
from bot.slack.payloads import describe

# Acked at once and answered after: what waits on Mistral (a key check, a limits reading;
# without a key, the dialog that must open within its trigger's 3 seconds), and the admin
# views, which read the records of a whole team: work for a turn in the backlog.
_ACKED_FIRST = (commands.CheckKey, commands.ShowLimits, commands.ShowTeam, commands.ShowGaps)


def register(app: AsyncApp) -> None:
    """The one slash command."""
    app.command(commands.SLASH_COMMAND, middleware=[ANSWER_IN_ACK])(owed(on_setup_command))


class AnswerInAck(AsyncMiddleware):
    """Answers a command from Redis and the content in its ack, without Bolt's listener.

    Bolt would run the listener in a task and look for its ack every 10 ms; here the reply
    is worked out in an owed task (``bot.owed``) while the ack waits for it, at most
    ``bot.slack.acks.DEADLINE``; whatever the reply leaves to do (App Home republished
    after ``done N``) goes on in that task after the ack. Not calling ``next`` makes Bolt
    send this middleware's response and run no listener. The other commands are acked
    with an empty answer at once and go to the listener.
    """

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse | None:
        command = commands.parse(str(req.body.get("text") or ""))
        if isinstance(command, _ACKED_FIRST):
            await req.context.ack()
            return await next()
        exchange = exchange_of(req.context)
        held = exchange.hold_ack()
        exchange.services.owed.start(
            _answer(req, exchange, command), describe(req.context, req.body)
        )
        return await held


ANSWER_IN_ACK = AnswerInAck()


async def _answer(req: AsyncBoltRequest, exchange: Exchange, command: commands.Command) -> None:
    try:
        await exchange.answer(lambda person: exchange.assistant.run(person, command))
    except Exception as error:  # noqa: BLE001  (handled as Bolt handles a listener's)
        exchange.release_ack()  # the apology goes through the response_url
        runner = req.context.listener_runner
        await runner.listener_error_handler.handle(error=error, request=req, response=None)
    finally:
        exchange.release_ack()


async def on_setup_command(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """``/mistral-setup TEXT`` that waits on Mistral or Slack: a dialog, a key check, limits."""
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
