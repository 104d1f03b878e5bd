"""Reminders: one private DM to whoever stalls, in their working hours, sent once however
many processes sweep, never to someone who finished, forgot, stopped them or left."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from bot.cipher import new_key
from bot.person import Person
from bot.render.blocks import ActionId
from bot.state import schema
from bot.state.progress import ProgressStore
from bot.state.reminders import ReminderStore
from tests.conftest import bot_settings, digest_due_now, running_bot
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.socket_mode import FakeSocketMode
from tests.installs import ACME, GLOBEX, add_to_slack_settings, shared_deployment
from tests.slack_requests import block_action, event_callback, slash_command
from tests.web_process import procfile_process, web_process

# Reminders 7.2 seconds after the last step, every day, swept every second.
NUDGING = {
    "NUDGES": "on",
    "NUDGE_AFTER_HOURS": "0.002",
    "NUDGE_DAYS": "mon-sun",
    "SWEEP_SECONDS": "1",
}
STEP_2 = "Enter company billing details"


def _zone_at(hours: range) -> str:
    """A time zone whose local hour is now within ``hours`` (Etc/GMT-3 is UTC+3)."""
    now = datetime.now(UTC).hour
    offset = next(o for o in range(-12, 15) if (now + o) % 24 in hours)
    return f"Etc/GMT{-offset:+d}" if offset else "Etc/UTC"


@pytest.fixture
def two_sweeping_processes(
    slack_api: FakeSlackApi, redis_url: str, redis_client: aioredis.Redis, tmp_path: Path
) -> Iterator[list[str]]:
    with (
        web_process(slack_api, redis_url, tmp_path, NUDGING) as first,
        web_process(slack_api, redis_url, tmp_path, NUDGING) as second,
    ):
        yield [first, second]


async def _send(url: str, request: tuple[str, dict[str, str]]) -> None:
    body, headers = request
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.post(f"{url}/slack/events", content=body, headers=headers)
    assert response.status_code == 200


def _reminders_to(slack_api: FakeSlackApi, user: str) -> list[dict[str, Any]]:
    return [
        call.args for call in slack_api.calls("chat.postMessage") if call.args["channel"] == user
    ]


async def test_a_person_who_stalls_is_reminded_once_across_processes_and_no_one_else_is(
    two_sweeping_processes: list[str], slack_api: FakeSlackApi
) -> None:
    first, second = two_sweeping_processes
    # In working hours now (9-17 there), and outside them.
    slack_api.add_user("UAWAKE", tz=_zone_at(range(10, 16)))
    slack_api.add_user("UASLEEP", tz=_zone_at(range(20, 24)))
    people = ("UAWAKE", "UASLEEP", "UFINISHED", "UFORGOT", "USTOPPED", "ULEFT")
    for n, user in enumerate(people):
        team = "TLEFT" if user == "ULEFT" else "T111"
        done = slash_command("done 1", user=user, team=team, response_url=slack_api.response_url())
        await _send((first, second)[n % 2], done)
    for step in range(2, 13):
        await _send(first, slash_command(f"done {step}", user="UFINISHED",
                                         response_url=slack_api.response_url()))  # fmt: skip
    await _send(second, slash_command("forget yes", user="UFORGOT",
                                      response_url=slack_api.response_url()))  # fmt: skip
    stop = block_action(f"{ActionId.COMMAND}:reminders off", "reminders off", user="USTOPPED",
                        response_url=slack_api.response_url())  # fmt: skip
    await _send(first, stop)
    await _send(second, event_callback({"type": "app_uninstalled"}, team="TLEFT"))

    await slack_api.wait_for("chat.postMessage", timeout=30)
    await asyncio.sleep(4)  # several more sweeps by both processes

    [reminder] = _reminders_to(slack_api, "UAWAKE")
    assert STEP_2 in str(reminder["blocks"])
    assert "Stop reminders" in str(reminder["blocks"])
    for user in ("UASLEEP", "UFINISHED", "UFORGOT", "USTOPPED", "ULEFT"):
        assert _reminders_to(slack_api, user) == [], user


async def test_a_reminder_claimed_by_a_process_that_died_is_sent_by_a_later_sweep(
    redis_client: aioredis.Redis,
) -> None:
    store = ReminderStore(redis_client)
    await redis_client.zadd(schema.NUDGE_DUE.key("T111"), {"U111": 1.0})
    await redis_client.sadd(schema.NUDGE_TEAMS.key(), "T111")
    [due] = await store.due(time.time())
    assert await store.claim(due)  # a process claims it, then dies

    assert not await store.claim(due)  # nobody else sends it meanwhile
    await redis_client.delete(schema.NUDGE_CLAIM.key("T111", "U111"))  # the lease runs out
    assert await store.due(time.time()) == [due]  # still due
    assert await store.claim(due)


async def test_a_person_who_acts_after_a_sweep_read_them_is_not_reminded_and_keeps_their_schedule(
    redis_client: aioredis.Redis,
) -> None:
    store, person = ReminderStore(redis_client), Person("T111", "U111")
    progress = ProgressStore(redis_client, remind_after=-60)  # due at once
    await progress.mark_done(person, "register")
    [due] = await store.due(time.time())
    await ProgressStore(redis_client).mark_done(person, "billing-details")  # due in 72 hours
    rescheduled = await redis_client.zscore(schema.NUDGE_DUE.key("T111"), "U111")

    assert not await store.claim(due)  # the sweep's list is stale for them: no reminder
    await store.record(due, "payment-method")  # had it gone, nothing would be written over
    await store.drop(due)
    await store.postpone(due, time.time())

    assert await redis_client.zscore(schema.NUDGE_DUE.key("T111"), "U111") == rescheduled
    assert (await store.sent("T111", "U111")).count == 0


async def test_a_reminder_sent_as_the_person_forgets_leaves_nothing_of_them(
    redis_client: aioredis.Redis,
) -> None:
    store = ReminderStore(redis_client)
    await ProgressStore(redis_client, remind_after=-60).mark_done(
        Person("T111", "U111"), "register"
    )
    [due] = await store.due(time.time())
    assert await store.claim(due)
    await redis_client.zrem(schema.NUDGE_DUE.key("T111"), "U111")  # forget yes, meanwhile

    await store.record(due, "billing-details")

    assert not await redis_client.exists(schema.NUDGE.key("T111", "U111"))


async def test_a_sweep_reads_only_the_teams_with_reminders_scheduled(
    redis_client: aioredis.Redis,
) -> None:
    store = ReminderStore(redis_client)
    await redis_client.zadd(schema.NUDGE_DUE.key("T1"), {"UDUE": 10.0, "ULATER": 99.0})
    await redis_client.sadd(schema.NUDGE_TEAMS.key(), "T1", "T2")  # T2: nothing left

    due = await store.due(50.0)

    assert [(d.team, d.user) for d in due] == [("T1", "UDUE")]
    assert await redis_client.smembers(schema.NUDGE_TEAMS.key()) == {"T1"}


async def test_reminders_on_undoes_stop_reminders(redis_client: aioredis.Redis) -> None:
    store, person = ReminderStore(redis_client), Person("T1", "U1")

    await store.stop(person, stopped=True)
    assert (await store.sent("T1", "U1")).stopped
    await store.stop(person, stopped=False)
    assert not (await store.sent("T1", "U1")).stopped


async def test_each_workspace_is_reminded_with_its_own_token_and_a_revoked_one_not_at_all(
    slack_api: FakeSlackApi,
    redis_url: str,
    redis_client: aioredis.Redis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)  # the bot's own lines (DEBUG's are redacted by its handler)
    async with shared_deployment(
        slack_api, redis_url, ACME, GLOBEX, nudges=True, nudge_after_hours=0.0003,
        nudge_hours="0-24", nudge_days="mon-sun", sweep_seconds=0.3,
    ) as bot:  # fmt: skip
        revoked = {"type": "tokens_revoked", "tokens": {"bot": [GLOBEX.bot_user_id]}}
        await bot.send(event_callback(revoked, team="TGLOBEX"))
        for workspace in (ACME, GLOBEX):
            url = slack_api.response_url(str(workspace.team_id))
            await bot.send(slash_command("done 1", team=str(workspace.team_id), response_url=url))
        await slack_api.wait_for("chat.postMessage", timeout=10)
        await asyncio.sleep(1.5)  # more sweeps

    [reminder] = slack_api.calls("chat.postMessage")
    assert reminder.token == ACME.bot_token
    assert "Reminder of step billing-details sent to U111 of TACME" in caplog.text
    assert "xoxb-" not in caplog.text


async def test_reminders_wait_when_their_workspaces_token_cannot_be_decrypted_and_say_so_once(
    slack_api: FakeSlackApi,
    redis_url: str,
    redis_client: aioredis.Redis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A misconfigured TOKEN_ENCRYPTION_KEYS is the operator's mistake, not people leaving."""
    async with shared_deployment(slack_api, redis_url, ACME):
        pass  # ACME installs the app; then the deployment stops
    progress = ProgressStore(redis_client, remind_after=-60)  # due a minute ago
    for user in ("UANNA", "UBEN"):
        await progress.mark_done(Person("TACME", user), "register")
    wrong_key = add_to_slack_settings(
        slack_api, redis_url, token_encryption_keys=new_key(), nudges=True, nudge_hours="0-24",
        nudge_days="mon-sun", sweep_seconds=0.3,
    )  # fmt: skip
    caplog.set_level(logging.INFO)

    async with running_bot(wrong_key, slack_api):
        await asyncio.sleep(1.5)  # several sweeps

    assert slack_api.calls("chat.postMessage") == []
    raw = await redis_client.zrange(schema.NUDGE_DUE.key("TACME"), 0, -1, withscores=True)
    due = {str(pair[0]): float(pair[1]) for pair in raw}
    assert sorted(due) == ["UANNA", "UBEN"]  # kept, not dropped
    assert all(at > time.time() + 3000 for at in due.values())  # tried again in an hour
    said = [r.message for r in caplog.records if "cannot be decrypted" in r.message]
    assert said == [
        "The bot token of TACME cannot be decrypted with TOKEN_ENCRYPTION_KEYS (was the key "
        "that encrypted it removed?): its reminders and digests wait"
    ]


async def test_each_admin_gets_the_weekly_digest_once_on_its_day_in_their_time_zone(
    slack_api: FakeSlackApi, redis_url: str, redis_client: aioredis.Redis
) -> None:
    settings = bot_settings(slack_api, redis_url, admin_users=["UADMIN"], **digest_due_now())
    async with running_bot(settings, slack_api) as bot:
        await bot.command("done 1")
        await slack_api.wait_for("files.completeUploadExternal", timeout=10)
        await asyncio.sleep(1.5)  # more sweeps

    [digest] = [c for c in slack_api.calls("chat.postMessage") if c.args["channel"] == "DADMIN"]
    assert digest.args["text"] == "Mistral setup this week: 1 started, 0 finished"
    [chart] = slack_api.uploads
    assert (chart.channel, chart.content[:8]) == ("DADMIN", b"\x89PNG\r\n\x1a\n")


async def test_the_socket_mode_worker_sweeps_and_reminds_too(
    slack_api: FakeSlackApi,
    socket_mode: FakeSocketMode,
    redis_url: str,
    redis_client: aioredis.Redis,
    tmp_path: Path,
) -> None:
    # Someone who did step 1 and whose reminder is due now, in a workspace with reminders on.
    await ProgressStore(redis_client, remind_after=-60).mark_done(
        Person("T111", "U111"), "register"
    )
    env = {**NUDGING, "NUDGE_HOURS": "0-24", "SLACK_APP_TOKEN": "xapp-1-test"}

    with procfile_process("worker", slack_api, redis_url, tmp_path, env):
        assert await asyncio.to_thread(socket_mode.connected.wait, 30)
        [reminder] = await slack_api.wait_for("chat.postMessage", timeout=30)

    assert reminder.args["channel"] == "U111"
    assert STEP_2 in str(reminder.args["blocks"])
