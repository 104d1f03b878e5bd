"""An Enterprise Grid organisation installs the app once for all its workspaces: people are
keyed by the organisation, yet an admin of one workspace sees only that workspace's people,
questions and votes, in the team view, the gaps, the weekly digest and the shell's report.

The web app runs with an org-wide install made through the OAuth flow (tests/installs.py),
requests are signed as Slack signs them, and the fake Slack API says who administers which
workspace.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.render.blocks import ActionId
from bot.state import feedback, schema
from tests.conftest import RunningBot, digest_due_now, run_bot
from tests.fakes.slack_api import FakeSlackApi
from tests.installs import INITECH_ORG, shared_deployment
from tests.keyspace import flush, kinds_holding
from tests.slack_requests import app_home_opened, block_action, event_callback

ORG = "EINITECH"


async def _seed(bot: RunningBot) -> None:
    """Anna works in T1; Bob and Bea in T2, where Bob asks what the guide does not cover
    and finds an answer not helpful."""
    slack = bot.slack
    for user, team in (("UANNA", "T1"), ("UBOB", "T2"), ("UBEA", "T2")):
        slack.add_user(user, teams=(team,))
    slack.add_user("UADMIN1", is_admin=True, teams=("T1",))
    slack.add_user("UADMIN2", is_admin=True, teams=("T2",))
    await bot.command("done 1", team="T1", user="UANNA", org=ORG)
    await bot.command("how do I knit a wool scarf", team="T1", user="UANNA", org=ORG)
    for user in ("UBOB", "UBEA"):
        await bot.command("done 1", team="T2", user=user, org=ORG)
    await bot.command("done 2", team="T2", user="UBOB", org=ORG)
    await bot.command("how do I bake bread", team="T2", user="UBOB", org=ORG)
    down = block_action(ActionId.FEEDBACK_DOWN, "spending-limit", user="UBOB", team="T2", org=ORG)
    await bot.send(down)
    await slack.wait_for("chat.postEphemeral")


async def test_an_admin_of_one_workspace_sees_only_its_people_in_the_team_view_and_gaps(
    slack_api: FakeSlackApi, redis_url: str, redis_client: aioredis.Redis
) -> None:
    async with shared_deployment(slack_api, redis_url, INITECH_ORG) as bot:
        await _seed(bot)

        team_1 = await bot.command("team", team="T1", user="UADMIN1", org=ORG)
        gaps_1 = await bot.command("gaps", team="T1", user="UADMIN1", org=ORG)
        team_2 = await bot.command("team", team="T2", user="UADMIN2", org=ORG)
        gaps_2 = await bot.command("gaps", team="T2", user="UADMIN2", org=ORG)
        refused = await bot.command("team", team="T2", user="UADMIN1", org=ORG)

    assert "1 person has started the setup" in team_1
    assert "<@UANNA>" in team_1
    assert "UBOB" not in team_1
    assert "UBEA" not in team_1
    # The week's counts are the workspace's own: Anna's question, no vote.
    assert "1 asked · 0% answered, 100% not covered · :thumbsup: 0 · :thumbsdown: 0" in team_1
    assert "knit a wool scarf" in gaps_1
    assert "bake bread" not in gaps_1
    assert "spending-limit" not in gaps_1  # Bob's 👎, in T2

    assert "2 people have started the setup" in team_2
    assert "<@UBOB>" in team_2
    assert "<@UBEA>" in team_2
    assert "UANNA" not in team_2
    assert ":thumbsdown: 1 · 1 person asked" in team_2
    assert "bake bread" in gaps_2
    assert "knit" not in gaps_2
    assert "`spending-limit`): 1 not helpful" in gaps_2

    assert "for admins" in refused  # T1's admin is nobody's admin in T2


async def test_each_workspace_s_admins_get_its_own_weekly_digest_and_no_other(
    slack_api: FakeSlackApi, redis_url: str, redis_client: aioredis.Redis
) -> None:
    async with shared_deployment(slack_api, redis_url, INITECH_ORG, **digest_due_now()) as bot:
        await _seed(bot)
        # Slack admins who use the bot get it; T1's admin is a member of T2 too.
        await bot.command("team", team="T1", user="UADMIN1", org=ORG)
        await bot.command("team", team="T2", user="UADMIN2", org=ORG)
        await bot.command("team", team="T2", user="UADMIN1", org=ORG)
        await slack_api.wait_for("files.completeUploadExternal", count=2, timeout=10)
        await asyncio.sleep(1.5)  # more sweeps

    digests = {
        channel: [str(c.args) for c in slack_api.calls("chat.postMessage")
                  if c.args["channel"] == channel]
        for channel in ("DADMIN1", "DADMIN2")
    }  # fmt: skip
    [to_admin_1] = digests["DADMIN1"]
    assert "Mistral setup this week: 1 started, 0 finished" in to_admin_1
    assert "knit a wool scarf" in to_admin_1
    assert "bake bread" not in to_admin_1
    [to_admin_2] = digests["DADMIN2"]
    assert "Mistral setup this week: 2 started, 0 finished" in to_admin_2
    assert "bake bread" in to_admin_2
    assert "knit" not in to_admin_2


async def test_an_admin_of_two_workspaces_sees_each_ones_own_chart_in_app_home(
    slack_api: FakeSlackApi, redis_url: str, redis_client: aioredis.Redis
) -> None:
    async with shared_deployment(slack_api, redis_url, INITECH_ORG) as bot:
        await _seed(bot)
        slack_api.add_user("UBOTH", is_admin=True, teams=("T1", "T2"))
        for team in ("T1", "T2", "T1"):
            opened = app_home_opened(user="UBOTH")
            await bot.send(event_callback(opened, team=team, enterprise=ORG, org_wide=True))
            await bot.drain()

    publishes = slack_api.calls("views.publish")
    homes = [call.args["view"]["blocks"] for call in publishes if call.args["user_id"] == "UBOTH"]
    charts = [[b["slack_file"]["id"] for b in home if b["type"] == "image"] for home in homes]
    assert len(slack_api.uploads) == 2  # one chart per workspace, each reused for a while
    assert charts[0] == charts[2]
    assert charts[0] != charts[1]


async def test_report_of_one_workspace_of_an_organisation_holds_only_its_questions(
    slack_api: FakeSlackApi,
    redis_url: str,
    redis_client: aioredis.Redis,
    env_without_slack: dict[str, str],
    tmp_path: Path,
) -> None:
    async with shared_deployment(slack_api, redis_url, INITECH_ORG) as bot:
        await _seed(bot)
    env = {**env_without_slack, "REDIS_URL": redis_url}

    report = run_bot(["report", "--workspace", "T2"], env, tmp_path)
    digest = run_bot(["digest", "--workspace", "T1"], env, tmp_path)

    assert report.returncode == 0, report.stderr
    assert "Team T2 (of organisation EINITECH)" in report.stdout
    assert "bake bread" in report.stdout
    assert "knit" not in report.stdout
    assert digest.returncode == 0, digest.stderr
    assert "In all: 1 started, 0 finished" in digest.stdout
    assert "knit a wool scarf" in digest.stdout
    assert "bake bread" not in digest.stdout


async def test_a_workspace_taken_from_the_organisation_loses_who_was_seen_there(
    slack_api: FakeSlackApi, redis_url: str, redis_client: aioredis.Redis
) -> None:
    async with shared_deployment(slack_api, redis_url, INITECH_ORG) as bot:
        await _seed(bot)
        await bot.command("team", team="T1", user="UADMIN1", org=ORG)
        revoked = {"type": "team_access_revoked", "team_ids": ["T1"]}
        await bot.send(event_callback(revoked, team="T1", enterprise=ORG, org_wide=True))
        await bot.drain()

        t1_keys = [name async for name in redis_client.scan_iter(match=f"*{{{ORG}}}:T1*")]
        assert t1_keys == []  # who was seen there, its admins, weekly counts, questions
        assert await redis_client.smembers(schema.MEMBERS.key(ORG, "T2")) == {
            "UBOB",
            "UBEA",
        }
        assert await redis_client.smembers(schema.ORG_WORKSPACES.key(ORG)) == {"T2"}
        # What Anna did stays the organisation's.
        assert await redis_client.exists(schema.PROGRESS.key(ORG, "UANNA"))


async def test_forget_removes_the_person_from_every_workspace_they_were_seen_in(
    slack_api: FakeSlackApi, redis_url: str, redis_client: aioredis.Redis
) -> None:
    async with shared_deployment(slack_api, redis_url, INITECH_ORG) as bot:
        await _seed(bot)
        await bot.command("done 3", team="T1", user="UBOB", org=ORG)  # Bob works in T1 too
        await bot.command("forget yes", team="T1", user="UBOB", org=ORG)

    assert await kinds_holding(redis_client, "UBOB") == set()
    assert await redis_client.smembers(schema.MEMBERS.key(ORG, "T2")) == {"UBEA"}


async def _export_and_import(
    redis_client: aioredis.Redis, env: dict[str, str], tmp_path: Path
) -> str:
    """The organisation exported with the shell, the store emptied, then the export imported
    again (which must succeed); the export, as written."""
    exported = run_bot(["export", "--workspace", ORG], env, tmp_path)
    (tmp_path / "export.json").write_text(exported.stdout, encoding="utf-8")
    await flush(redis_client)
    imported = run_bot(["import", str(tmp_path / "export.json")], env, tmp_path)
    assert imported.returncode == 0, imported.stderr
    return exported.stdout


async def test_who_was_seen_in_which_workspace_survives_an_export_and_import(
    slack_api: FakeSlackApi,
    redis_url: str,
    redis_client: aioredis.Redis,
    env_without_slack: dict[str, str],
    tmp_path: Path,
) -> None:
    async with shared_deployment(slack_api, redis_url, INITECH_ORG) as bot:
        await _seed(bot)
    env = {**env_without_slack, "REDIS_URL": redis_url}
    exported = await _export_and_import(redis_client, env, tmp_path)

    report = run_bot(["digest", "--workspace", "T2"], env, tmp_path)

    [team] = json.loads(exported)["teams"]
    assert team["members"] == [
        {"workspace": "T1", "users": ["UANNA"]},
        {"workspace": "T2", "users": ["UBEA", "UBOB"]},
    ]
    assert "In all: 2 started, 0 finished" in report.stdout


async def test_an_admin_of_two_workspaces_gets_each_ones_weekly_digest(
    slack_api: FakeSlackApi, redis_url: str, redis_client: aioredis.Redis
) -> None:
    async with shared_deployment(slack_api, redis_url, INITECH_ORG, **digest_due_now()) as bot:
        await _seed(bot)
        slack_api.add_user("UBOTH", is_admin=True, teams=("T1", "T2"))
        await bot.command("team", team="T1", user="UBOTH", org=ORG)
        await bot.command("team", team="T2", user="UBOTH", org=ORG)
        await slack_api.wait_for("chat.postMessage", count=2, timeout=10)
        await asyncio.sleep(1.5)  # more sweeps: neither is sent twice

    digests = [
        str(call.args) for call in slack_api.calls("chat.postMessage")
        if call.args["channel"] == "DBOTH"
    ]  # fmt: skip
    assert len(digests) == 2
    [of_t1] = [digest for digest in digests if "knit a wool scarf" in digest]
    [of_t2] = [digest for digest in digests if "bake bread" in digest]
    assert "Mistral setup this week: 1 started, 0 finished" in of_t1
    assert "Mistral setup this week: 2 started, 0 finished" in of_t2


async def _seed_anna_in_both(bot: RunningBot) -> None:
    """Anna, of T1, asks and finds an answer not helpful there, then is seen in T2 too."""
    await _seed(bot)
    down = block_action(ActionId.FEEDBACK_DOWN, "register", user="UANNA", team="T1", org=ORG)
    await bot.send(down)
    await bot.slack.wait_for("chat.postEphemeral", count=2)
    await bot.command("done 3", team="T2", user="UANNA", org=ORG)


async def test_a_question_and_a_vote_show_only_in_the_workspace_they_were_made_in(
    slack_api: FakeSlackApi,
    redis_url: str,
    redis_client: aioredis.Redis,
    env_without_slack: dict[str, str],
    tmp_path: Path,
) -> None:
    async with shared_deployment(slack_api, redis_url, INITECH_ORG) as bot:
        await _seed_anna_in_both(bot)
        gaps_1 = await bot.command("gaps", team="T1", user="UADMIN1", org=ORG)
        gaps_2 = await bot.command("gaps", team="T2", user="UADMIN2", org=ORG)
    env = {**env_without_slack, "REDIS_URL": redis_url}
    digest_2 = run_bot(["digest", "--workspace", "T2"], env, tmp_path)

    assert "knit a wool scarf" in gaps_1
    assert "`register`): 1 not helpful" in gaps_1
    assert "bake bread" in gaps_2
    assert "knit" not in gaps_2  # Anna is seen in T2, but asked in T1
    assert "`register`)" not in gaps_2
    assert digest_2.returncode == 0, digest_2.stderr
    assert "bake bread" in digest_2.stdout
    assert "knit" not in digest_2.stdout
    assert "register" not in digest_2.stdout


async def test_a_vote_changed_in_another_workspace_replaces_the_first(
    slack_api: FakeSlackApi, redis_url: str, redis_client: aioredis.Redis
) -> None:
    async with shared_deployment(slack_api, redis_url, INITECH_ORG) as bot:
        await _seed_anna_in_both(bot)
        up = block_action(ActionId.FEEDBACK_UP, "register", user="UANNA", team="T2", org=ORG)
        await bot.send(up)
        await slack_api.wait_for("chat.postEphemeral", count=3)
        gaps_1 = await bot.command("gaps", team="T1", user="UADMIN1", org=ORG)

    assert "knit a wool scarf" in gaps_1
    assert "`register`)" not in gaps_1  # her 👎 in T1 is now a 👍


async def test_questions_and_votes_logged_before_workspaces_were_kept_show_by_who_made_them(
    slack_api: FakeSlackApi, redis_url: str, redis_client: aioredis.Redis
) -> None:
    async with shared_deployment(slack_api, redis_url, INITECH_ORG) as bot:
        await _seed(bot)
        # As the bot wrote them before: the organisation's log, with no workspace.
        older = {"id": "old1", "user": "UANNA", "question": "how do I paint a fence"}
        await redis_client.zadd(schema.UNANSWERED.key(ORG), {json.dumps(older): time.time() - 60})
        await redis_client.zadd(schema.UNHELPFUL.key(ORG), {"register|UANNA": time.time() - 60})
        await redis_client.hset(schema.FEEDBACK.key(ORG, "register"), "UANNA", "down")
        gaps_1 = await bot.command("gaps", team="T1", user="UADMIN1", org=ORG)
        gaps_2 = await bot.command("gaps", team="T2", user="UADMIN2", org=ORG)

    assert "paint a fence" in gaps_1
    assert "`register`): 1 not helpful" in gaps_1
    assert "paint a fence" not in gaps_2  # Anna was never seen in T2
    assert "`register`)" not in gaps_2


async def test_a_busy_workspace_does_not_push_another_ones_questions_out(
    slack_api: FakeSlackApi,
    redis_url: str,
    redis_client: aioredis.Redis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The bound is the code's; a small one keeps the test quick.
    monkeypatch.setattr(feedback, "QUESTIONS_KEPT", 3)
    async with shared_deployment(slack_api, redis_url, INITECH_ORG) as bot:
        await _seed(bot)  # Bob asks about bread in T2
        for thing in ("a boat", "a kite", "a chair", "a lamp"):
            await bot.command(f"how do I build {thing}", team="T1", user="UANNA", org=ORG)
        gaps_1 = await bot.command("gaps", team="T1", user="UADMIN1", org=ORG)
        gaps_2 = await bot.command("gaps", team="T2", user="UADMIN2", org=ORG)

    assert "bake bread" in gaps_2
    assert "build a lamp" in gaps_1
    assert "knit a wool scarf" not in gaps_1  # T1's oldest went: it keeps its newest 3
    assert "build a boat" not in gaps_1


async def test_a_workspace_s_past_weeks_and_where_things_were_asked_survive_an_export_and_import(
    slack_api: FakeSlackApi,
    redis_url: str,
    redis_client: aioredis.Redis,
    env_without_slack: dict[str, str],
    tmp_path: Path,
) -> None:
    async with shared_deployment(slack_api, redis_url, INITECH_ORG) as bot:
        await _seed_anna_in_both(bot)
    await _export_and_import(redis_client, {**env_without_slack, "REDIS_URL": redis_url}, tmp_path)

    async with shared_deployment(slack_api, redis_url, INITECH_ORG) as bot:
        team_2 = await bot.command("team", team="T2", user="UADMIN2", org=ORG)
        gaps_2 = await bot.command("gaps", team="T2", user="UADMIN2", org=ORG)

    # T2's own week: Bob's question and his 👎, none of Anna's in T1.
    assert "1 asked · 0% answered, 100% not covered · :thumbsup: 0 · :thumbsdown: 1" in team_2
    # Where each question and vote was made came back too (Anna is seen in T2 as well).
    assert "bake bread" in gaps_2
    assert "`spending-limit`): 1 not helpful" in gaps_2
    assert "knit" not in gaps_2
    assert "`register`)" not in gaps_2
