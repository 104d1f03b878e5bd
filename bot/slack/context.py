"""What our middleware adds to Bolt's context for every listener, and what wraps every listener.

Bolt passes each listener a ``context`` (an ``AsyncBoltContext``); adding to it from
middleware is how Bolt shares things with listeners. Ours adds an ``Exchange`` (the
request, the person behind it and where the reply goes) and, with "Add to Slack", the
installation store.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot import logs
from bot.services import Services
from bot.slack.admission import event_id
from bot.slack.exchange import Exchange
from bot.slack.installations import Installs
from bot.slack.payloads import describe, workspace_of
from bot.slack.people import People

Listener = Callable[..., Awaitable[None]]

EXCHANGE = "exchange"
# The installation store and its authorize, when many workspaces install the app.
INSTALLS = "installs"


def exchange_of(context: AsyncBoltContext) -> Exchange:
    """The request as the middleware described it."""
    exchange: Exchange = context[EXCHANGE]
    return exchange


def installs_of(context: AsyncBoltContext) -> Installs | None:
    """The installation store ("Add to Slack"); None with SLACK_BOT_TOKEN's one workspace."""
    installs: Installs | None = context.get(INSTALLS)
    return installs


class Provide(AsyncMiddleware):
    """Puts an ``Exchange`` (and the installation store, if any) on every request's context,
    and names its workspace and event for the log lines written while it is handled
    (``bot.logs.REQUEST``).

    A class rather than a function middleware: for a function, Bolt rebuilds some thirty
    keyword arguments on every request.
    """

    def __init__(self, services: Services, installs: Installs | None = None) -> None:
        self._services = services
        self._people = People(services.assistant, services.redis)
        self._installs = installs

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse | None:
        body = req.body
        req.context[EXCHANGE] = Exchange(self._services, self._people, body, req.context)
        if self._installs is not None:
            req.context[INSTALLS] = self._installs
        # Set for the rest of the request's task (uvicorn's, or Socket Mode's, one per
        # request), whose copy the listener tasks Bolt starts after the middleware take.
        logs.REQUEST.set(logs.Request(workspace_of(req.context, body), event_id(body) or None))
        return await next()


class AckFirst(AsyncMiddleware):
    """Acks with an empty answer before the listener runs: for listeners whose first
    step is ``await ack()``, which then sets the same answer again.

    Bolt runs a listener in a task of its own and looks for its ack every 10 ms, so an
    ack the listener makes goes out 10 ms after the request at the soonest (more under
    load, while 50 requests wait their turn). Acked here, inside Bolt's own dispatch,
    the answer goes out at once.
    """

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse | None:
        await req.context.ack()
        return await next()


ACK_FIRST = AckFirst()


def owed(listener: Listener) -> Listener:
    """``listener``'s work is owed once acked: a shutdown waits for it (``bot.owed``).

    Bolt passes listeners their arguments by name, reading the names through the wrapper
    (``functools.wraps``); every listener takes ``context``.
    """

    @functools.wraps(listener)
    async def run_owed(**kwargs: Any) -> None:
        exchange = exchange_of(kwargs["context"])
        with exchange.services.owed.owing(describe(kwargs["context"], exchange.body)):
            await listener(**kwargs)

    return run_owed
