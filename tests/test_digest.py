"""The weekly digest, the chart, and the weekly counts behind them, through the real seams:
signed requests to the web process, the fake Slack API, real Redis, and `python -m bot`."""

from __future__ import annotations

import json
import struct
import time
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.render.blocks import ActionId
from bot.state import activity, archive, schema
from tests.blockkit import assert_valid_blocks
from tests.conftest import RunningBot, bot_settings, run_bot, running_bot
from tests.fakes.slack_api import FakeSlackApi
from tests.keyspace import every_key, flush
from tests.slack_requests import app_home_opened, block_action, event_callback


async def _seed(bot: RunningBot) -> None:
    """Anna finished, Ben did two steps, Carl one; a question the guide does not cover."""
    for step in range(1, len(bot.services.content.steps) + 1):
        await bot.command(f"done {step}", user="UANNA")
    for step in (1, 2):
        await bot.command(f"done {step}", user="UBEN")
    await bot.command("done 1", user="UCARL")
    await bot.command("how do I bake bread", user="UCARL")


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def test_digest_prints_who_started_finished_stalled_and_the_funnel(
    slack_api: FakeSlackApi,
    redis_url: str,
    redis_client: aioredis.Redis,
    env_without_slack: dict[str, str],
    tmp_path: Path,
) -> None:
    # Stalled after a fraction of a second, so Ben and Carl count as stalled by then.
    settings = bot_settings(slack_api, redis_url, nudge_after_hours=0.0001)
    async with running_bot(settings, slack_api) as bot:
        await _seed(bot)
    env = {**env_without_slack, "REDIS_URL": redis_url, "NUDGE_AFTER_HOURS": "0.0001"}

    result = run_bot(["digest", "--workspace", "T111"], env, tmp_path)

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Last 7 days: 3 started, 1 finished" in out
    assert "In all: 3 started, 1 finished" in out
    assert "1. Register on Mistral AI Studio: 3" in out
    assert "2. Enter company billing details: 2" in out
    assert "@UBEN: step 3, Add a payment method · 0 days" in out
    assert "@UCARL: step 2, Enter company billing details · 0 days" in out
    assert "@UANNA" not in out  # finished: not stalled
    assert "“how do I bake bread”" in out


async def test_digest_send_dms_each_admin_once_with_the_chart(
    slack_api: FakeSlackApi,
    redis_url: str,
    redis_client: aioredis.Redis,
    env_without_slack: dict[str, str],
    tmp_path: Path,
) -> None:
    settings = bot_settings(slack_api, redis_url, admin_users=["ULEAD"])
    slack_api.add_user("UOWNER", is_admin=True, locale="it-IT")
    slack_api.add_user("ULEAD", is_admin=True)  # both an ADMIN_USERS and a Slack admin
    async with running_bot(settings, slack_api) as bot:
        await _seed(bot)
        await bot.command("team", user="UOWNER")  # Slack admins who use the bot are kept
        await bot.command("team", user="ULEAD")
    posts_before = len(slack_api.calls("chat.postMessage"))
    env = {
        **env_without_slack,
        "REDIS_URL": redis_url,
        "ADMIN_USERS": "ULEAD",
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_API_URL": slack_api.url,
    }

    result = run_bot(["digest", "--send"], env, tmp_path)

    assert result.returncode == 0, result.stderr
    assert "T111: digest sent to 2 admin(s): ULEAD, UOWNER" in result.stdout
    posts = slack_api.calls("chat.postMessage")[posts_before:]
    assert sorted(post.args["channel"] for post in posts) == ["DLEAD", "DOWNER"]
    for post in posts:
        blocks = post.args["blocks"]
        blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
        assert_valid_blocks(blocks)
        assert post.args["text"]
    charts = [u for u in slack_api.uploads if u.filename == "mistral-setup-team.png"]
    assert sorted(u.channel or "" for u in charts) == ["DLEAD", "DOWNER"]
    assert all(u.content[:8] == b"\x89PNG\r\n\x1a\n" for u in charts)


async def test_report_chart_writes_a_png_of_at_least_800_by_400(
    bot: RunningBot, redis_url: str, env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    await bot.command("done 1", user="UANNA")
    chart = tmp_path / "team.png"

    result = run_bot(
        ["report", "--chart", str(chart)], {**env_without_slack, "REDIS_URL": redis_url}, tmp_path
    )

    assert result.returncode == 0, result.stderr
    width, height = _png_size(chart)
    assert width >= 800
    assert height >= 400


async def test_app_home_shows_an_admin_the_chart_uploaded_to_their_dm(bot: RunningBot) -> None:
    bot.slack.add_user("UADMIN", is_admin=True)
    await bot.send(event_callback(app_home_opened(user="UADMIN")))
    published = (await bot.slack.wait_for("views.publish"))[0]
    await bot.send(event_callback(app_home_opened(user="UADMIN")))
    again = (await bot.slack.wait_for("views.publish", count=2))[1]

    images = [b for b in published.args["view"]["blocks"] if b["type"] == "image"]
    assert len(images) == 1
    file_id = images[0]["slack_file"]["id"]
    upload = next(u for u in bot.slack.uploads if u.file_id == file_id)
    assert upload.channel == "DADMIN"
    assert len(bot.slack.uploads) == 1  # drawn once: the second Home reuses it
    assert [b for b in again.args["view"]["blocks"] if b["type"] == "image"] == images


async def test_app_home_shows_no_chart_to_people_who_are_not_admins(bot: RunningBot) -> None:
    await bot.send(event_callback(app_home_opened(user="U111")))
    published = (await bot.slack.wait_for("views.publish"))[0]

    assert not [b for b in published.args["view"]["blocks"] if b["type"] == "image"]
    assert bot.slack.uploads == []


async def test_questions_and_votes_are_counted_by_week_without_their_words(
    bot: RunningBot, redis_client: aioredis.Redis
) -> None:
    await bot.command("how do I add a card?", user="UANNA")
    await bot.command("how do I bake bread", user="UBEN")
    await bot.command("come aggiungo una carta?", user="UBEN")
    await bot.send(block_action(ActionId.FEEDBACK_DOWN, "payment-method", user="UANNA"))
    await bot.slack.wait_for("chat.postEphemeral")
    await bot.drain()

    week = activity.week_of(time.time())
    counts = await redis_client.hgetall(schema.WEEK_COUNTS.key("T111", week))
    askers = await redis_client.smembers(schema.WEEK_ASKERS.key("T111", week))

    assert counts == {
        "asked": "3",
        "answered": "2",
        "not_covered": "1",
        "down": "1",
        "lang:en": "2",
        "lang:it": "1",
        "topic:payment-method": "2",
    }
    assert askers == {"UANNA", "UBEN"}
    assert "bread" not in json.dumps(counts)


async def test_forget_removes_the_person_from_every_weeks_askers(
    bot: RunningBot, redis_client: aioredis.Redis
) -> None:
    old_week = schema.WEEK_ASKERS.key("T111", "2020-W01")
    await redis_client.sadd(old_week, "U111", "U222")
    await bot.command("how do I add a card?", user="U111")

    await bot.command("forget yes", user="U111")

    assert await redis_client.smembers(old_week) == {"U222"}
    for name in await every_key(redis_client, schema.WEEK_ASKERS.glob(team="T111")):
        assert "U111" not in await redis_client.smembers(name)
    counts = await every_key(redis_client, schema.WEEK_COUNTS.glob(team="T111"))
    assert counts  # the team's counts are nobody's: they stay


async def test_export_and_import_round_trip_the_weekly_counts(
    bot: RunningBot, redis_client: aioredis.Redis
) -> None:
    await bot.command("how do I add a card?", user="UANNA")
    await bot.command("how do I bake bread", user="UBEN")
    exported = await bot.services.privacy.export("T111")
    team = exported.teams[0]
    assert [w.askers for w in team.weeks] == [("UANNA", "UBEN")]
    assert team.weeks[0].counts["asked"] == 2
    assert len(team.counting) == 1

    await flush(redis_client)
    text = archive.dumps(exported)
    await bot.services.privacy.restore(archive.loads(text))
    await bot.services.privacy.restore(archive.loads(text))  # twice is the same as once

    again = await bot.services.privacy.export("T111")
    assert again.teams[0].weeks == team.weeks
    assert again.teams[0].counting == team.counting


@pytest.mark.parametrize("version", [1, 2])
async def test_an_export_without_weekly_counts_still_imports(bot: RunningBot, version: int) -> None:
    text = json.dumps(
        {
            "format": "mistral-setup-export",
            "version": version,
            "exported_at": 1,
            "teams": [{"team": "T9", "progress": [{"user": "U9", "done": ["register"],
                                                   "changed_at": 1}]}],
        }
    )  # fmt: skip

    restored = await bot.services.privacy.restore(archive.loads(text))

    assert restored.people == 1
    assert (await bot.services.privacy.export("T9")).teams[0].weeks == ()


async def test_the_digest_reads_well_in_both_languages(bot: RunningBot) -> None:
    await _seed(bot)
    for language in ("en", "it"):
        digest = await bot.services.assistant.digest("T111", "T111", language)
        from bot.render.blocks import render

        assert_valid_blocks(render(digest))
