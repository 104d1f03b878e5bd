"""The sweep: what the bot does unasked, in every process, once across all of them: the
reminders, and each admin's weekly digest on ``DIGEST_DAY`` at ``DIGEST_HOUR`` their time.

Every web process and the Socket Mode worker look every ``SWEEP_SECONDS`` for reminders
that are due (``bot.state.reminders``: only those, not everyone). Each is claimed in
Redis before it is sent, so however many processes sweep, a reminder goes once; one that
a process claimed and could not send stays due and goes with a later sweep. A reminder
goes out only in its recipient's working hours (``NUDGE_HOURS`` on ``NUDGE_DAYS`` in their
Slack time zone): outside them it waits for the next opening. Each workspace's people are
reminded with that workspace's token; a workspace that uninstalled the app, or whose
token was revoked, gets nothing. A token no key of TOKEN_ENCRYPTION_KEYS decrypts is the
operator's mistake, not a workspace gone: its reminders wait an hour, as a failed send's
do, and each sweep says so once per workspace.
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
from bot.cipher import TokenUnreadable
from bot.errors import StoreUnavailable
from bot.guide.language import from_locale
from bot.person import Person, org_workspace, settings_key
from bot.services import Services
from bot.slack.digests import client_for, send_digest
from bot.slack.people import profile_from
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
# A reminder Slack would not take (a missing scope, an outage) is tried again this much later,
# so it neither floods the log nor holds up its team's other reminders.
RETRY_SECONDS = 3600.0

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
        self._settings = services.settings
        self._stopping = asyncio.Event()
        # The workspaces whose token could not be decrypted in the sweep under way: each is
        # logged once a sweep, however many of its reminders wait.
        self._unreadable: set[str] = set()

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
        self._unreadable.clear()
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
        with contextlib.suppress(StoreUnavailable):  # logged; the next sweep tries again
            await self._digests(now)
        return tally

    async def _remind(self, due: Due, now: float) -> Outcome:
        store = self._services.reminders
        try:
            if not await store.claim(due):
                return "skipped"  # another process is on it, or the person acted since
            outcome = await self._claimed(due)
            if outcome == "dropped":
                await store.drop(due)
            elif outcome == "failed":
                await store.postpone(due, now + RETRY_SECONDS)
        except StoreUnavailable:
            return "failed"  # it stays due as it was
        return outcome

    async def _claimed(self, due: Due) -> Outcome:
        """Send the reminder claimed for ``due``, put it off, or find none is owed; a
        failure is logged, and the reminder tried again an hour later."""
        try:
            return await self._send(due)
        except TokenUnreadable:
            self._cannot_decrypt(due.team)
            return "failed"
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as error:
            code = _code(error)
            if code in GONE:
                log.info("No reminder for %s of %s: Slack says %s", due.user, due.team, code)
                return "dropped"
            log.warning("Reminder for %s of %s not sent (%s): tried again in an hour",
                        due.user, due.team, code)  # fmt: skip
            return "failed"
        except StoreUnavailable:
            raise
        except Exception:
            log.exception("Reminder for %s of %s failed: tried again in an hour",
                          due.user, due.team)  # fmt: skip
            return "failed"

    async def _send(self, due: Due) -> Outcome:
        """Send the reminder owed for ``due`` now, put it off to the person's working
        hours, or find none is owed."""
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
        now = time.time()  # a sweep may be long: each reminder is judged at its own moment
        last_change = await services.reminders.last_change(due.team, due.user) or due.at
        owed = await services.nudging.owed(person, sent, last_change, now)
        if owed is None:
            return "dropped"
        moment = datetime.fromtimestamp(now, UTC)
        window = self._settings.nudge_window
        if not window.contains(moment, recipient.zone):
            opening = window.next_opening(moment, recipient.zone)
            await services.reminders.postpone(due, opening.timestamp())
            return "later"
        # A DM: Slack opens the app's conversation with the person (the Messages tab).
        await post(client, owed.nudge, channel=due.user)
        await services.reminders.record(due, owed.step)
        log.info("Reminder of step %s sent to %s of %s", owed.step, due.user, due.team)
        return "sent"

    async def _client(self, team: str) -> AsyncWebClient | None:
        """A Web API client with ``team``'s token; None when it has none any more
        (TokenUnreadable when it has one no configured key decrypts)."""
        return await client_for(self._services, team, like=self._app.client)

    def _cannot_decrypt(self, team: str) -> None:
        """Say once a sweep that ``team``'s token cannot be decrypted: what waits, and why."""
        if team not in self._unreadable:
            self._unreadable.add(team)
            log.error(
                "The bot token of %s cannot be decrypted with TOKEN_ENCRYPTION_KEYS (was the "
                "key that encrypted it removed?): its reminders and digests wait",
                team,
            )

    async def _digests(self, now: float) -> int:
        """Send each admin whose local digest time has come this week's digest, once: of
        their workspace (each workspace of an organisation's org-wide install has its own)."""
        sent = 0
        for team in await self._services.reminders.teams():
            for workspace in await self._workspaces(team):
                if self._stopping.is_set():
                    return sent
                sent += await self._workspace_digests(team, workspace)
        return sent

    async def _workspaces(self, team: str) -> list[str]:
        """``team`` itself, or for an organisation (``E…``) its workspaces where anyone was
        seen."""
        if team.startswith("E"):
            return await self._services.members.workspaces(team)
        return [team]

    async def _workspace_digests(self, team: str, workspace: str) -> int:
        assistant = self._services.assistant
        settings = await assistant.workspace(settings_key(team, workspace))
        try:
            client = await self._client(team) if settings.digest else None
        except TokenUnreadable:
            self._cannot_decrypt(team)
            return 0
        if client is None:
            return 0  # digests are off there, or the app is gone from it
        sent = 0
        for user in await assistant.digest_recipients(team, workspace):
            sent += await self._digest(client, team, workspace, user, settings.admin_users)
        return sent

    async def _digest(
        self,
        client: AsyncWebClient,
        team: str,
        workspace: str,
        user: str,
        admins: frozenset[str],
    ) -> int:
        """This week's digest of ``workspace`` for ``user`` when it is time where they are:
        1 if sent."""
        store, when = self._services.reminders, self._settings.digest_time
        moment = datetime.now(UTC)
        if not when.may_be_due(moment):
            return 0  # its day is nowhere on Earth now: nobody to ask about
        try:
            # An org-wide token answers for any workspace of the organisation: name this one.
            asked = {"team_id": workspace} if org_workspace(team, workspace) else {}
            response = await client.users_info(user=user, include_locale=True, **asked)
            profile = response.get("user") or {}
            # A Slack admin of another workspace of the organisation is no admin of this one.
            still_admin = user in admins or profile_from(profile, workspace)["admin"]
            week = when.week_due(moment, schedule.zone(profile.get("tz")))
            if profile.get("deleted") or not still_admin or week is None:
                return 0
            if not await store.claim_digest(team, user, week):
                return 0
            await send_digest(client, self._services.assistant, team, workspace, user, None)
            await store.digest_sent(team, user, week)
        except (SlackClientError, aiohttp.ClientError, TimeoutError, StoreUnavailable) as error:
            # A claim while sending expires in minutes: a later sweep tries again.
            log.warning("Digest for %s of %s not sent (%s)", user, workspace, _code(error))
            return 0
        except Exception:
            log.exception("Digest for %s of %s failed", user, workspace)
            return 0
        log.info("Weekly digest %s sent to %s of %s", week, user, workspace)
        return 1

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
