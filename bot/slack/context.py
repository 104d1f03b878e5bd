"""What our middleware adds to Bolt's context, for every listener to read, and what wraps
every listener.

Bolt passes each listener a ``context`` dict; adding to it from middleware is how Bolt
shares things with listeners. Ours adds the services (``app.py``, for every request) and
whether an event is the first delivery of its id (``admission.py``).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.services import Services
from bot.slack.installations import Installs
from bot.slack.payloads import describe

Listener = Callable[..., Awaitable[None]]

SERVICES = "services"
# The installation store and its authorize, when many workspaces install the app.
INSTALLS = "installs"
# Whether to handle this event: no other delivery of its id was claimed before.
FIRST_DELIVERY = "first_delivery"


def services_of(context: dict[str, Any]) -> Services:
    """The services, as the middleware put them in the context."""
    services: Services = context[SERVICES]
    return services


def installs_of(context: dict[str, Any]) -> Installs | None:
    """The installation store ("Add to Slack"); None with SLACK_BOT_TOKEN's one workspace."""
    installs: Installs | None = context.get(INSTALLS)
    return installs


def first_delivery(context: dict[str, Any]) -> bool:
    """Whether to handle this event: no other delivery of it was claimed before."""
    return bool(context.get(FIRST_DELIVERY, True))


def provide(
    services: Services, installs: Installs | None = None
) -> Callable[..., Awaitable[BoltResponse | None]]:
    """A middleware that hands ``services`` (and ``installs``) to every listener through
    the context."""

    async def provide_services(
        req: AsyncBoltRequest, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse | None:
        req.context[SERVICES] = services
        if installs is not None:
            req.context[INSTALLS] = installs
        return await next()

    return provide_services


def owed(listener: Listener) -> Listener:
    """``listener``'s work is owed once acked: a shutdown waits for it (``bot.owed``).

    Bolt passes listeners their arguments by name, reading the names through the wrapper
    (``functools.wraps``); every listener takes ``body`` and ``context``.
    """

    @functools.wraps(listener)
    async def run_owed(**kwargs: Any) -> None:
        with services_of(kwargs["context"]).owed.owing(describe(kwargs["body"])):
            await listener(**kwargs)

    return run_owed
