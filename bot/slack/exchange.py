"""One request as a listener sees it: who is asking, and where their reply goes.

Our middleware (``bot.slack.context.Provide``) puts an ``Exchange`` on Bolt's context for
every request, so a listener states only what is particular to it: which domain call
answers the request. Everything the listeners share is here, once: taking a turn in the
backlog, finding out who the person is (``bot.slack.people``), and sending the reply
where the request expects it (``bot.slack.routing``).
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.domain.assistant import Assistant
from bot.domain.replies import Reply
from bot.person import Person, Workspace
from bot.services import Services
from bot.slack import routing
from bot.slack.payloads import person_of
from bot.slack.people import People

# How long a reply through a response_url may take; Bolt's own respond() waits 30 s.
RESPONSE_URL_TIMEOUT = 10

# Set by bot.slack.admission: whether this is the first delivery of its event (True for
# what is not an event). Absent: the request never got that far.
FIRST_DELIVERY = "first_delivery"

Work = Callable[[Person], Awaitable[Reply | None]]


class Exchange:
    """A request and the person behind it; built per request, so it may remember them."""

    __slots__ = ("_context_ref", "_people", "_person", "body", "services")

    def __init__(
        self, services: Services, people: People, body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        self.services = services
        self.body = body
        self._people = people
        # The context holds this exchange: held back weakly, the request's objects are
        # freed by their reference counts when it is done, not left for the collector
        # (whose full collections, under load, stop every ack). Whoever holds the
        # exchange got it from a context it still holds.
        self._context_ref = weakref.ref(context)
        self._person: Person | None = None

    @property
    def _context(self) -> AsyncBoltContext:
        context = self._context_ref()
        if context is None:
            raise RuntimeError("an exchange outlived its request's context")
        return context

    @property
    def assistant(self) -> Assistant:
        return self.services.assistant

    @property
    def first_delivery(self) -> bool:
        """Whether to handle this event: no other delivery of its id was claimed before."""
        return bool(self._context.get(FIRST_DELIVERY, True))

    @property
    def client(self) -> AsyncWebClient:
        """The Web API client with this request's workspace token."""
        return self._context.client

    @property
    def bot_user_id(self) -> str | None:
        return self._context.bot_user_id

    @property
    def who(self) -> Person:
        """Who is asking, as the payload says, before anything is looked up."""
        return person_of(self._context, self.body)

    async def workspace(self) -> Workspace:
        """The settings of the workspace the request came from."""
        return await self.assistant.workspace(self.who.settings_key)

    async def person(self, *, again: bool = False) -> Person:
        """The person with their language and admin rights (Slack is asked at most once a
        while); ``again`` reads their workspace's settings anew, as after a change."""
        if self._person is None or again:
            self._person = await self._people.person(self.who, self.client)
        return self._person

    async def known_person(self) -> Person:
        """The person as far as is known without asking Slack: for what must happen within
        Slack's 3 seconds (opening a dialog before its trigger expires)."""
        return self._person or await self._people.known(self.who)

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """A turn in the backlog (``bot.backlog``) for work that uses our CPU, shared
        fairly with the other workspaces."""
        async with self.services.backlog.turn(self.who.team):
            yield

    def checking(self) -> AbstractAsyncContextManager[None]:
        """One of the workspace's few places for a key check (``bot.backlog``)."""
        return self.services.backlog.check(self.who.team)

    async def answer(self, work: Work, *, replace: bool = True) -> None:
        """Take a turn, find the person and run ``work``; then deliver its reply (None:
        none) after the turn, so a 429 from Slack sleeps without holding one."""
        async with self.turn():
            reply = await work(await self.person())
        if reply is not None:
            await self.deliver(reply, replace=replace)

    async def deliver(self, reply: Reply, *, replace: bool = True) -> None:
        """Send ``reply`` where the request expects it (``bot.slack.routing``)."""
        person = await self.known_person() if self._person is None else self._person
        await routing.deliver(
            reply, self.body, person, self.client, self._response_url(), self.assistant,
            replace=replace,
        )  # fmt: skip

    def _response_url(self) -> AsyncWebhookClient | None:
        """The request's response_url, over the app's shared HTTP session: Bolt's respond()
        opens a session and a connection (a TLS handshake, in production) for each reply."""
        url = self._context.response_url
        if not url:
            return None
        return AsyncWebhookClient(
            url,
            timeout=RESPONSE_URL_TIMEOUT,
            session=self.client.session,
            logger=self.client.logger,
        )
