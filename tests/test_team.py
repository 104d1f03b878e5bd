"""For team leads and content authors: team progress, content gaps, and "forget me"."""

from __future__ import annotations

import json
import re
import shutil
import time
import tomllib
from pathlib import Path

import redis.asyncio as aioredis

from bot.render.blocks import ActionId
from bot.settings import CONTENT_DIR
from tests.conftest import RunningBot, bot_settings, run_bot, running_bot
from tests.fakes.slack_api import FakeSlackApi
from tests.keyspace import every_key
from tests.slack_requests import (
    BOT_USER_ID,
    app_mention,
    block_action,
    event_callback,
)


async def test_the_team_view_shows_progress_and_where_people_are_stuck_to_admins(
    slack_api: FakeSlackApi, redis_url: str, redis_client: aioredis.Redis
) -> None:
    settings = bot_settings(slack_api, redis_url, admin_users=["ULEAD"])
    async with running_bot(settings, slack_api) as bot:
        for user, steps in (("UANNA", 3), ("UBEN", 3), ("UCARL", 1)):
            for step in range(1, steps + 1):
                await bot.command(f"done {step}", user=user)

        view = await bot.command("team", user="ULEAD")

    assert "3 people have started the setup" in view
    assert "<@UANNA> 3/12" in view
    assert "Choose a plan: Experiment or Scale: 2 people" in view  # next for Anna and Ben
    assert "Enter company billing details: 1 person" in view


async def test_the_team_view_is_paged_when_long(
    slack_api: FakeSlackApi, redis_url: str, redis_client: aioredis.Redis
) -> None:
    settings = bot_settings(slack_api, redis_url, admin_users=["ULEAD"])
    async with running_bot(settings, slack_api) as bot:
        for n in range(20):
            await bot.command("done 1", user=f"U{n:03d}")

        first = await bot.command("team", user="ULEAD")
        second = await bot.command("team 2", user="ULEAD")

    assert "Page 1 of 2" in first
    assert '"team 2"' in first  # the Next page button runs `team 2`
    assert "Page 2 of 2" in second
    assert second.count("1/12") == 5


async def test_slack_workspace_admins_see_the_team_view_and_others_get_a_polite_no(
    bot: RunningBot,
) -> None:
    bot.slack.add_user("UADMIN", is_admin=True)

    refused = await bot.command("team", user="U111")
    allowed = await bot.command("team", user="UADMIN")

    assert "for admins" in refused
    assert "Team progress" in allowed


async def test_gaps_group_similar_questions_and_list_unhelpful_answers(bot: RunningBot) -> None:
    bot.slack.add_user("UADMIN", is_admin=True)
    for text in ("how do I bake bread", "how to bake bread at home", "what is the weather"):
        await bot.send(event_callback(app_mention(f"<@{BOT_USER_ID}> {text}")))
    await bot.slack.wait_for("chat.postMessage", count=3)
    for user in ("U1", "U2"):
        await bot.send(block_action(ActionId.FEEDBACK_DOWN, "spending-limit", user=user))
    await bot.slack.wait_for("chat.postEphemeral", count=2)

    gaps = await bot.command("gaps", user="UADMIN")

    assert "*2 times:*" in gaps  # the two bread questions, in one group
    assert "how to bake bread at home" in gaps
    assert "how do I bake bread" in gaps
    assert "what is the weather" in gaps
    assert "Set a monthly spending limit (`spending-limit`): 2 not helpful, 0 helpful" in gaps


async def test_gaps_older_than_the_retention_period_are_gone(
    bot: RunningBot, redis_client: aioredis.Redis
) -> None:
    old = time.time() - 91 * 86400
    entry = json.dumps({"id": "x", "user": "U9", "question": "an old question about fax"})
    await redis_client.zadd("mistral-setup:v2:unanswered:{T111}", {entry: old})
    bot.slack.add_user("UADMIN", is_admin=True)

    gaps = await bot.command("gaps", user="UADMIN")

    assert "fax" not in gaps
    assert "No unanswered questions" in gaps


async def test_report_prints_the_gaps_from_the_shell(
    bot: RunningBot, redis_url: str, env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    await bot.send(event_callback(app_mention(f"<@{BOT_USER_ID}> how do I bake bread")))
    await bot.slack.wait_for("chat.postMessage")

    result = run_bot(["report"], {**env_without_slack, "REDIS_URL": redis_url}, tmp_path)

    assert result.returncode == 0, result.stderr
    assert "Team T111" in result.stdout
    assert "how do I bake bread" in result.stdout


# Not covered today; the workspaces card comes closest. Quotes and a backslash to escape.
UNCOVERED = 'how do I "rename" a workspace? C:\\tmp'


async def test_gaps_name_the_nearest_card_and_a_toml_line_that_adds_the_question(
    bot: RunningBot,
) -> None:
    bot.slack.add_user("UADMIN", is_admin=True)
    await bot.send(event_callback(app_mention(f"<@{BOT_USER_ID}> {UNCOVERED}")))
    await bot.slack.wait_for("chat.postMessage")

    gaps = json.loads(await bot.command("gaps", user="UADMIN"))["blocks"]

    texts = [block["text"]["text"] for block in gaps if block["type"] == "section"]
    gap = next(text for text in texts if "nearest card" in text)
    assert "What workspaces are for (`workspaces`)" in gap
    assert "`content/cards/workspaces.toml`" in gap
    code = re.findall(r"```(.*?)```", gap, flags=re.DOTALL)
    assert len(code) == 1
    assert tomllib.loads(f"questions = [\n{code[0]}\n]")["questions"] == [UNCOVERED]


async def test_the_reports_paste_line_makes_the_nearest_card_answer_the_question(
    bot: RunningBot, redis_url: str, env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    await bot.send(event_callback(app_mention(f"<@{BOT_USER_ID}> {UNCOVERED}")))
    await bot.slack.wait_for("chat.postMessage")
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    env = {**env_without_slack, "CONTENT_DIR": str(content)}

    report = run_bot(["report"], {**env, "REDIS_URL": redis_url}, tmp_path)
    lines = report.stdout.splitlines()
    hint = next(n for n, line in enumerate(lines) if "paste this line" in line)
    assert "workspaces.toml" in lines[hint]
    before = run_bot(["ask", "--jsonl"], env, tmp_path, UNCOVERED)
    card = content / "cards" / "workspaces.toml"
    text = card.read_text(encoding="utf-8")
    card.write_text(text.replace("questions = [\n", f"questions = [\n{lines[hint + 1]}\n", 1))
    check = run_bot(["content", "check"], env, tmp_path)
    after = run_bot(["ask", "--jsonl"], env, tmp_path, UNCOVERED)

    assert json.loads(before.stdout)["topic"] is None
    assert check.returncode == 0, check.stderr
    assert json.loads(after.stdout)["topic"] == "workspaces"


async def test_forget_asks_first_then_deletes_everything_about_the_caller(
    bot: RunningBot, redis_client: aioredis.Redis
) -> None:
    await bot.command("done 1")
    await bot.command("how do I bake bread")
    await bot.send(block_action(ActionId.FEEDBACK_DOWN, "register"))
    await bot.slack.wait_for("chat.postEphemeral")
    await bot.command("done 1", user="U222")  # someone else's progress stays

    asked = await bot.command("forget")
    assert await redis_client.exists("mistral-setup:v2:progress:{T111}:U111")
    done = await bot.command("forget yes")

    assert "cannot be undone" in asked
    assert "your progress (1 step), 1 vote and 1 logged question" in done
    remaining = [str(k) for k in await every_key(redis_client) if "signature" not in str(k)]
    for name in remaining:
        assert "U111" not in name
        kind = await redis_client.type(name)
        if kind == "hash":
            assert "U111" not in await redis_client.hkeys(name)
        elif kind in ("zset",):
            assert "U111" not in str(await redis_client.zrange(name, 0, -1))
    assert await redis_client.exists("mistral-setup:v2:progress:{T111}:U222")


async def test_the_team_view_shows_the_funnel_finishers_and_questions_since_counting_began(
    slack_api: FakeSlackApi, redis_url: str, redis_client: aioredis.Redis
) -> None:
    settings = bot_settings(slack_api, redis_url, admin_users=["ULEAD"])
    async with running_bot(settings, slack_api) as bot:
        before = await bot.command("team", user="ULEAD")
        steps = len(bot.services.content.steps)
        for step in range(1, steps + 1):
            await bot.command(f"done {step}", user="UANNA")
        await bot.command("done 1", user="UBEN")
        await bot.command("how do I add a card?", user="UBEN")
        await bot.command("how do I bake bread", user="UCARL")
        await bot.send(block_action(ActionId.FEEDBACK_UP, "payment-method", user="UBEN"))
        await bot.slack.wait_for("chat.postEphemeral")

        view = await bot.command("team", user="ULEAD")

    assert "No questions counted yet" in before
    assert "*Finished:* 1 of 2 · Median from the first step to the last: *0.0 days*" in view
    assert "1. Register on Mistral AI Studio: 2" in view  # Anna and Ben did step 1
    assert "2. Enter company billing details: 1" in view
    day = time.strftime("%Y-%m-%d", time.gmtime())
    assert f"*Questions since {day}* (counting began then)" in view
    figures = "2 asked · 50% answered, 50% not covered · :thumbsup: 1 · :thumbsdown: 0"
    assert f"{figures} · 2 people asked" in view
    assert "• Add a payment method: 1" in view
    assert "Languages: English 2" in view


async def test_a_question_too_long_to_paste_keeps_the_gaps_code_blocks_whole(
    bot: RunningBot,
) -> None:
    bot.slack.add_user("UADMIN", is_admin=True)
    long = "how do I rename a workspace " + "`" * 470
    await bot.send(event_callback(app_mention(f"<@{BOT_USER_ID}> {long}")))
    await bot.slack.wait_for("chat.postMessage")

    gaps = json.loads(await bot.command("gaps", user="UADMIN"))["blocks"]

    texts = [block["text"]["text"] for block in gaps if block["type"] == "section"]
    gap = next(text for text in texts if "nearest card" in text)
    assert "What workspaces are for (`workspaces`)" in gap
    assert "too long to paste" in gap
    assert gap.count("```") % 2 == 0
