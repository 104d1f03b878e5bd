"""The sweep: what the bot does unasked, in every process, once across all of them.

Every web process and the Socket Mode worker look every ``SWEEP_SECONDS`` for reminders
that are due (``bot.state.reminders``: only those, not everyone). Each is claimed in
Redis before it is sent, so however many processes sweep, a reminder goes once; one that
a process claimed and could not send stays due and goes with a later sweep. A reminder
goes out only in its recipient's working hours (``NUDGE_HOURS`` on ``NUDGE_DAYS`` in their
Slack time zone): outside them it waits for the next opening. Each workspace's people are
reminded with that workspace's token; a workspace that uninstalled the app, or whose
token was revoked, gets nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Literal

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot import schedule
from bot.errors import StoreUnavailable
from bot.guide.language import from_locale
from bot.person import Person, settings_key
from bot.services import Services
from bot.slack.installations import RedisInstallationStore
from bot.slack.sending import post
from bot.state.reminders import Due

log = logging.getLogger(__name__)

# Slack's answers that no retry will change: the person or the workspace is gone.
GONE = frozenset(
    {
        "user_not_found",
        "account_inactive",
        "channel_not_found",
        "not_authed",
        "invalid_auth",
        "token_revoked",
        "cannot_dm_bot",
        "user_disabled",
    }
)

# How long a shutdown waits for the sweep under way to finish its reminder.
STOP_SECONDS = 10.0

Outcome = Literal["sent", "later", "dropped", "skipped", "failed"]


@dataclass(frozen=True)
class Recipient:
    """Who a reminder is for, as Slack describes them now."""

    person: Person
    zone: tzinfo


class Sweep:
    """Looks for unasked work that is due and does it, once across every process."""

    def __init__(self, app: AsyncApp, services: Services) -> None:
        self._app = app
        self._services = services
        # With "Add to Slack", each workspace's token is in the installation store.
        distributed = services.settings.distributed
        self._installs = (
            RedisInstallationStore(services.redis, services.settings.token_cipher())
            if distributed
            else None
        )
        self._settings = services.settings
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Sweep every SWEEP_SECONDS until ``stop``; the first sweep comes at a random point
        of the first period, so processes started together do not sweep in step."""
        period = self._settings.sweep_seconds
        wait = random.uniform(0, period)
        while not await self._stopped_within(wait):
            try:
                await self.once()
            except Exception:  # a sweep that failed must not end the next ones
                log.exception("The sweep failed; the next one tries again")
            wait = period

    def stop(self) -> None:
        """End the sweeps: the one under way stops after the reminder it is sending."""
        self._stopping.set()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Sweep in the background while the block runs; on leaving, let the sweep under
        way finish the reminder it is sending (a few seconds at most)."""
        task = asyncio.create_task(self.run(), name="sweep")
        try:
            yield
        finally:
            self.stop()
            try:
                await asyncio.wait_for(task, timeout=STOP_SECONDS)
            except TimeoutError:
                log.warning("The sweep did not stop in time; what it claimed goes out later")

    async def once(self, now: float | None = None) -> dict[Outcome, int]:
        """One sweep: every reminder due by ``now``; how each went."""
        now = time.time() if now is None else now
        tally: dict[Outcome, int] = {}
        try:
            due = await self._services.reminders.due(now)
        except StoreUnavailable:
            return tally  # store.available() logged it; the next sweep tries again
        for each in due:
            if self._stopping.is_set():
                break
            outcome = await self._remind(each, now)
            tally[outcome] = tally.get(outcome, 0) + 1
        if due:
            log.info("Sweep: %d reminders due: %s", len(due), tally)
        return tally

    async def _remind(self, due: Due, now: float) -> Outcome:
        store = self._services.reminders
        try:
            if not await store.claim(due.team, due.user):
                return "skipped"  # another process is on it
            outcome = await self._claimed(due, now)
        except StoreUnavailable:
            return "failed"
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as error:
            return await self._slack_failed(due, error)
        except Exception:
            log.exception("Reminder for %s of %s failed: a later sweep tries again",
                          due.user, due.team)  # fmt: skip
            return "failed"
        if outcome == "dropped":
            await store.drop(due.team, due.user)
        return outcome

    async def _slack_failed(self, due: Due, error: Exception) -> Outcome:
        """Slack refused or failed: drop the reminder when the person or workspace is gone,
        else leave it due for a later sweep (the claim expires)."""
        store = self._services.reminders
        code = _code(error)
        if code in GONE:
            await store.drop(due.team, due.user)
            log.info("No reminder for %s of %s: Slack says %s", due.user, due.team, code)
            return "dropped"
        log.warning(
            "Reminder for %s of %s not sent (%s): a later sweep tries again",
            due.user,
            due.team,
            code,
        )
        return "failed"

    async def _claimed(self, due: Due, now: float) -> Outcome:
        """Send the reminder claimed for ``due``, put it off, or find none is owed."""
        services = self._services
        sent = await services.reminders.sent(due.team, due.user)
        workspace = await services.assistant.workspace(
            settings_key(due.team, sent.workspace or due.team)
        )
        client = await self._client(due.team)
        if not workspace.nudges or client is None:
            return "dropped"  # reminders are off there, or the app is gone from it
        recipient = await _recipient(client, due, sent.workspace)
        if recipient is None:
            return "dropped"
        person = dataclasses.replace(
            recipient.person,
            workspace=workspace,
            language=workspace.language or recipient.person.language,
        )
        last_change = due.at - self._settings.nudge_after_hours * 3600
        owed = await services.nudging.owed(person, sent, last_change, now)
        if owed is None:
            return "dropped"
        moment = datetime.fromtimestamp(now, UTC)
        window = self._settings.nudge_window
        if not window.contains(moment, recipient.zone):
            opening = window.next_opening(moment, recipient.zone)
            await services.reminders.postpone(due.team, due.user, opening.timestamp())
            return "later"
        # A DM: Slack opens the app's conversation with the person (the Messages tab).
        await post(client, owed.nudge, channel=due.user)
        await services.reminders.record(due.team, due.user, owed.step)
        log.info("Reminder of step %s sent to %s of %s", owed.step, due.user, due.team)
        return "sent"

    async def _client(self, team: str) -> AsyncWebClient | None:
        """A Web API client with ``team``'s token; None when it has none any more."""
        if self._installs is None:
            return self._app.client  # one workspace: SLACK_BOT_TOKEN
        org_wide = team.startswith("E")
        bot = await self._installs.async_find_bot(
            enterprise_id=team if org_wide else None,
            team_id=None if org_wide else team,
            is_enterprise_install=org_wide,
        )
        if bot is None or not bot.bot_token:
            return None
        app_client = self._app.client
        return AsyncWebClient(
            token=bot.bot_token,
            base_url=app_client.base_url,
            session=app_client.session,
            timeout=app_client.timeout,
            retry_handlers=app_client.retry_handlers,
            logger=app_client.logger,
        )

    async def _stopped_within(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        except TimeoutError:
            return False
        return True


async def _recipient(client: AsyncWebClient, due: Due, workspace_id: str) -> Recipient | None:
    """Who the reminder is for, with their time zone and language; None when their account
    is gone (deactivated, or a bot)."""
    response = await client.users_info(user=due.user, include_locale=True)
    user = response.get("user") or {}
    if user.get("deleted") or user.get("is_bot"):
        return None
    person = Person(
        due.team,
        due.user,
        language=from_locale(user.get("locale")),
        workspace_id=workspace_id or due.team,
    )
    return Recipient(person, schedule.zone(user.get("tz")))


def _code(error: Exception) -> str:
    """Slack's error code ("user_not_found"), else the error's kind."""
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or "slack_error")
    return type(error).__name__
