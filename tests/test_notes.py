"""Each workspace's own notes on cards: set by its admins in App Home or from the shell,
shown under that card's answer to that workspace only, exported, deleted on uninstall."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

from bot.render.blocks import ActionId, CallbackId
from tests.blockkit import assert_no_broadcast, assert_valid_view
from tests.conftest import RunningBot, run_bot
from tests.fakes.slack_api import FakeSlackApi
from tests.installs import ACME, ADD_TO_SLACK_ENV, GLOBEX, mention
from tests.keyspace import flush
from tests.slack_requests import (
    app_mention,
    block_action,
    event_callback,
    im_message,
    message_event,
    view_submission,
)

# What an admin at ACME writes, pings and markup included: they must reach nobody.
NOTE = "At ACME, ask <!channel> & @it-helpdesk for the Admin role <https://evil.example|here>"
SHOWN = "At ACME, ask &lt;!channel&gt; &amp; @it-helpdesk for the Admin role &lt;https://evil"
MARK = "Your company's note"
QUESTION = "how do I add a card?"  # the payment-method card


def _note(topic: str, text: str) -> dict[str, dict[str, Any]]:
    """What the notes dialog submits: the card picked and the note typed."""
    picked = {"type": "static_select", "selected_option": {"value": topic}}
    return {"card": {"card": picked}, "note": {"note": text}}


def _home(slack: FakeSlackApi) -> str:
    return json.dumps(slack.last("views.publish").args["view"], ensure_ascii=False)


async def _save_note(bot: RunningBot, text: str, *, user: str = "UADMIN", **where: str) -> str:
    """Submit the notes dialog for payment-method; the Home it republishes, as text."""
    before = len(bot.slack.calls("views.publish"))
    submission = _note("payment-method", text)
    await bot.send(view_submission(CallbackId.WORKSPACE_NOTES, submission, user=user, **where))
    await bot.slack.wait_for("views.publish", before + 1)
    return _home(bot.slack)


@pytest.fixture
def acme_admin(slack_api: FakeSlackApi) -> None:
    """UACME, an admin of ACME's workspace only."""
    slack_api.add_user("UACME", is_admin=True, teams=("TACME",))


async def _answer_in(bot: RunningBot, workspace: Any) -> list[dict[str, Any]]:
    """Mention the bot with QUESTION in ``workspace``; the blocks of its answer."""
    before = len(bot.slack.calls("chat.postMessage"))
    await mention(bot, workspace, QUESTION)
    posts = await bot.slack.wait_for("chat.postMessage", before + 1)
    blocks: list[dict[str, Any]] = posts[-1].args["blocks"]
    assert posts[-1].token == workspace.bot_token
    return blocks


@pytest.mark.usefixtures("acme_admin")
async def test_a_note_set_for_one_workspace_shows_in_its_answer_and_not_in_anothers(
    two_workspaces: RunningBot,
) -> None:
    before = await _answer_in(two_workspaces, GLOBEX)  # rendered, and kept, before any note

    saved_home = await _save_note(two_workspaces, NOTE, user="UACME", team="TACME")
    acme = await _answer_in(two_workspaces, ACME)
    globex = await _answer_in(two_workspaces, GLOBEX)

    assert "is saved" in saved_home
    assert "Add a payment method" in saved_home  # Home lists the noted card
    assert MARK in json.dumps(acme)
    assert SHOWN in json.dumps(acme)
    assert_no_broadcast(acme)
    assert MARK not in json.dumps(globex)
    assert globex == before


@pytest.mark.usefixtures("acme_admin")
async def test_an_admin_of_another_workspace_cannot_set_a_note_here(
    two_workspaces: RunningBot,
) -> None:
    home = await _save_note(two_workspaces, NOTE, user="UACME", team="TGLOBEX")
    globex = await _answer_in(two_workspaces, GLOBEX)

    assert "Only admins can change the workspace's notes" in home
    assert MARK not in json.dumps(globex)


@pytest.mark.usefixtures("acme_admin")
async def test_a_workspaces_notes_are_deleted_when_it_uninstalls_and_only_its_own(
    two_workspaces: RunningBot, slack_api: FakeSlackApi, redis_client: aioredis.Redis
) -> None:
    slack_api.add_user("UGLOBEX", is_admin=True, teams=("TGLOBEX",))
    await _save_note(two_workspaces, NOTE, user="UACME", team="TACME")
    await _save_note(
        two_workspaces, "Globex pays with the company card.", user="UGLOBEX", team="TGLOBEX"
    )

    await two_workspaces.send(event_callback({"type": "app_uninstalled"}, team="TACME"))
    await two_workspaces.drain()

    assert not [name async for name in redis_client.scan_iter(match="*TACME*")]
    assert "Globex pays" in json.dumps(await _answer_in(two_workspaces, GLOBEX))


async def test_each_workspace_of_an_organisation_has_its_own_notes_gone_with_the_org(
    org_wide: RunningBot, slack_api: FakeSlackApi, redis_client: aioredis.Redis
) -> None:
    slack_api.add_user("UINITECH", is_admin=True, teams=("T1",))  # T1's admin
    await _save_note(org_wide, NOTE, user="UINITECH", team="T1", org="EINITECH")

    t1 = await org_wide.command(QUESTION, team="T1", org="EINITECH")
    t2 = await org_wide.command(QUESTION, team="T2", org="EINITECH")
    uninstalled = event_callback(
        {"type": "app_uninstalled"}, team="T1", enterprise="EINITECH", org_wide=True
    )
    await org_wide.send(uninstalled)
    await org_wide.drain()

    assert SHOWN in t1
    assert MARK not in t2
    assert not [name async for name in redis_client.scan_iter(match="*EINITECH*")]


async def test_the_note_shows_under_the_answer_on_every_surface(bot: RunningBot) -> None:
    bot.slack.add_user("UADMIN", is_admin=True)
    await _save_note(bot, NOTE)

    [slash] = await bot.command_posts(QUESTION)
    await bot.send(event_callback(message_event(QUESTION, channel="CHELP")))
    await bot.slack.wait_for("chat.postMessage", 1)
    await bot.send(event_callback(app_mention(f"<@UBOT> {QUESTION}")))
    await bot.slack.wait_for("chat.postMessage", 2)
    await bot.send(event_callback(im_message(QUESTION, ts="40.1")))
    await bot.slack.wait_for("chat.postMessage", 3)
    home = {"id": "V1", "type": "home", "blocks": []}
    await bot.send(
        block_action(f"{ActionId.SHOW_TOPIC}:payment-method", "payment-method", view=home)
    )
    await bot.slack.wait_for("views.publish", 2)

    shown = [
        json.dumps(slash.body),
        *(json.dumps(p.args) for p in bot.slack.calls("chat.postMessage")),
    ]
    shown.append(_home(bot.slack))
    assert len(shown) == 5
    for surface in shown:
        assert MARK in surface
        assert SHOWN in surface


async def test_someone_not_admin_cannot_set_a_note(bot: RunningBot) -> None:
    home = await _save_note(bot, NOTE, user="U111")
    [answer] = await bot.command_posts(QUESTION)

    assert "Only admins can change the workspace's notes" in home
    assert MARK not in json.dumps(answer.body)


async def test_a_too_long_note_is_refused_kindly_and_changes_nothing(bot: RunningBot) -> None:
    bot.slack.add_user("UADMIN", is_admin=True)
    await _save_note(bot, "Ask Maria.")

    home = await _save_note(bot, "x" * 301)
    [answer] = await bot.command_posts(QUESTION)

    assert "The note is 301 characters long; a note may have at most 300" in home
    assert "Ask Maria." in json.dumps(answer.body)


async def test_an_empty_note_in_the_dialog_removes_the_cards_note(bot: RunningBot) -> None:
    bot.slack.add_user("UADMIN", is_admin=True)
    await _save_note(bot, "Ask Maria.")

    removed = await _save_note(bot, "")
    again = await _save_note(bot, "  ")
    [answer] = await bot.command_posts(QUESTION)

    assert "The note on “Add a payment method” is removed" in removed
    assert "has no note to remove" in again
    assert MARK not in json.dumps(answer.body)


async def test_admins_open_the_notes_dialog_with_the_notes_kept(bot: RunningBot) -> None:
    bot.slack.add_user("UADMIN", is_admin=True)
    await _save_note(bot, NOTE)

    await bot.send(block_action(ActionId.OPEN_NOTES_DIALOG, "notes", user="UADMIN"))
    await bot.send(block_action(ActionId.OPEN_NOTES_DIALOG, "notes", user="U111"))
    [opened] = await bot.slack.wait_for("views.open")
    await bot.slack.wait_for("views.publish", 2)  # the member's click: Home again, no dialog
    await bot.drain()

    view = opened.args["view"]
    assert_valid_view(view)
    assert_no_broadcast(view["blocks"])
    assert SHOWN in json.dumps(view)
    assert len(bot.slack.calls("views.open")) == 1
    cards = view["blocks"][-2]["element"]["options"]
    assert {"payment-method", "create-api-key"} <= {option["value"] for option in cards}


def _notes(
    args: list[str], env: dict[str, str], tmp_path: Path, **more: str
) -> tuple[int, str, str]:
    done = run_bot(["notes", *args], {**env, **more}, tmp_path)
    return done.returncode, done.stdout, done.stderr


async def test_the_cli_sets_lists_and_clears_a_workspaces_notes(
    redis_url: str, redis_client: aioredis.Redis, env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    env = {**env_without_slack, "REDIS_URL": redis_url}
    on_acme = ["--workspace", "TACME"]

    kept = _notes(["set", "payment-method", "Ask <!here> Maria", *on_acme], env, tmp_path)
    other = _notes(
        ["set", "create-api-key", "Use aisuru-prod", "--workspace", "E1:T2"], env, tmp_path
    )
    listed = _notes(["list", *on_acme], env, tmp_path)
    cleared = _notes(["clear", "payment-method", *on_acme], env, tmp_path)
    cleared_again = _notes(["clear", "payment-method", *on_acme], env, tmp_path)
    empty = _notes(["list", *on_acme], env, tmp_path)

    assert kept[0] == 0
    assert "The note on “Add a payment method” is saved" in kept[1]
    assert other[0] == 0
    assert listed == (0, "payment-method\tAsk <!here> Maria\n", "")
    assert cleared[0] == 0
    assert "is removed" in cleared[1]
    assert cleared_again[0] == 1
    assert "has no note to remove" in cleared_again[2]
    assert empty[1] == "TACME: no notes\n"


async def test_the_cli_refuses_an_empty_too_long_or_unknown_note_kindly(
    redis_url: str, redis_client: aioredis.Redis, env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    env = {**env_without_slack, "REDIS_URL": redis_url}
    on_acme = ["--workspace", "TACME"]

    empty = _notes(["set", "payment-method", "  ", *on_acme], env, tmp_path)
    long = _notes(["set", "payment-method", "x" * 301, *on_acme], env, tmp_path)
    unknown = _notes(["set", "bake-bread", "Ask Maria", *on_acme], env, tmp_path)
    bad_workspace = _notes(["list", "--workspace", "T1:T2:T3"], env, tmp_path)
    listed = _notes(["list", *on_acme], env, tmp_path)

    assert empty[0] == 1
    assert "The note is empty, so nothing was changed" in empty[2]
    assert long[0] == 1
    assert "at most 300" in long[2]
    assert unknown[0] == 1
    assert "No card has the id “bake-bread”" in unknown[2]
    assert bad_workspace[0] == 2
    assert listed[1] == "TACME: no notes\n"


async def test_the_cli_finds_the_one_workspace_when_none_is_named(
    slack_api: FakeSlackApi,
    redis_url: str,
    redis_client: aioredis.Redis,
    env_without_slack: dict[str, str],
    tmp_path: Path,
) -> None:
    env = {**env_without_slack, "REDIS_URL": redis_url}
    own_app = {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_API_URL": slack_api.url}

    _notes(["set", "payment-method", "Ask Maria"], env, tmp_path, **own_app)
    on_t111 = _notes(["list", "--workspace", "T111"], env, tmp_path)
    _notes(["set", "payment-method", "Ask the console"], env, tmp_path)
    console = run_bot(["console"], env, tmp_path, stdin=f"{QUESTION}\n")
    shared = {**ADD_TO_SLACK_ENV, "SLACK_SIGNING_SECRET": "s"}
    unnamed = _notes(["list"], env, tmp_path, **shared)

    assert on_t111[1] == "payment-method\tAsk Maria\n"  # auth.test: SLACK_BOT_TOKEN's workspace
    assert "Ask the console" in console.stdout  # no Slack: the console's workspace
    assert unnamed[0] == 2
    assert "--workspace" in unnamed[2]


async def test_notes_are_exported_and_imported_back(
    redis_url: str,
    redis_client: aioredis.Redis,
    env_without_slack: dict[str, str],
    tmp_path: Path,
) -> None:
    env = {**env_without_slack, "REDIS_URL": redis_url}
    _notes(["set", "payment-method", "Ask Maria & Co", "--workspace", "TACME"], env, tmp_path)
    _notes(["set", "workspaces", "Use aisuru-prod", "--workspace", "EINITECH:T2"], env, tmp_path)

    exported = run_bot(["export"], env, tmp_path)
    await flush(redis_client)
    (tmp_path / "backup.json").write_text(exported.stdout, encoding="utf-8")
    imported = run_bot(["import", str(tmp_path / "backup.json")], env, tmp_path)
    again = run_bot(["import", str(tmp_path / "backup.json")], env, tmp_path)

    data = json.loads(exported.stdout)
    assert data["version"] == 3
    notes = {team["team"]: team["notes"] for team in data["teams"]}
    assert notes["TACME"] == [
        {"workspace": None, "topic": "payment-method", "text": "Ask Maria & Co"}
    ]
    assert notes["EINITECH"] == [
        {"workspace": "T2", "topic": "workspaces", "text": "Use aisuru-prod"}
    ]
    assert (imported.returncode, again.returncode) == (0, 0), imported.stderr
    assert "2 note(s)" in imported.stdout
    assert _notes(["list", "--workspace", "TACME"], env, tmp_path)[1] == (
        "payment-method\tAsk Maria & Co\n"
    )
    assert _notes(["list", "--workspace", "EINITECH:T2"], env, tmp_path)[1] == (
        "workspaces\tUse aisuru-prod\n"
    )


# A Mistral key pasted into a note: only its last four characters may ever be shown.
KEY = "Zq8mT2vLx9Rb4Nc7Wd1Kp6Hs3Jf5Gy0A"
KEY_BODY = KEY[:-4]


async def _everything_in(redis_client: aioredis.Redis) -> str:
    """Every name and value kept in the test's Redis, as one text."""
    kept = []
    async for name in redis_client.scan_iter():
        kind = await redis_client.type(name)
        kind = kind.decode() if isinstance(kind, bytes) else str(kind)
        value: object
        if kind == "hash":
            value = await redis_client.hgetall(name)
        elif kind == "set":
            value = await redis_client.smembers(name)
        elif kind == "zset":
            value = await redis_client.zrange(name, 0, -1)
        elif kind == "list":
            value = await redis_client.lrange(name, 0, -1)
        else:
            value = await redis_client.get(name)
        kept.append(f"{name!r} {value!r}")
    return "\n".join(kept)


async def test_a_note_holding_a_mistral_key_is_refused_from_the_cli_without_echoing_it(
    redis_url: str, redis_client: aioredis.Redis, env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    env = {**env_without_slack, "REDIS_URL": redis_url}

    code, out, err = _notes(
        ["set", "payment-method", f"Use our key {KEY}", "--workspace", "TACME"], env, tmp_path
    )
    listed = _notes(["list", "--workspace", "TACME"], env, tmp_path)

    assert code == 1
    assert "looks like a Mistral API key (…Gy0A)" in err
    assert KEY_BODY not in out + err
    assert listed[1] == "TACME: no notes\n"
    assert KEY_BODY not in await _everything_in(redis_client)


async def test_a_note_holding_a_mistral_key_is_refused_in_the_dialog_and_kept_nowhere(
    bot: RunningBot, redis_client: aioredis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bot.slack.add_user("UADMIN", is_admin=True)

    home = await _save_note(bot, f"Mistral key: {KEY}")
    [answer] = await bot.command_posts(QUESTION)

    assert "looks like a Mistral API key (…Gy0A)" in home
    assert KEY_BODY not in home
    assert MARK not in json.dumps(answer.body)
    assert KEY_BODY not in await _everything_in(redis_client)
    assert KEY_BODY not in caplog.text


def _export_with_note(tmp_path: Path, topic: str, text: str) -> Path:
    backup = tmp_path / "backup.json"
    team = {"team": "TACME", "notes": [{"workspace": None, "topic": topic, "text": text}]}
    backup.write_text(
        json.dumps(
            {"format": "mistral-setup-export", "version": 3, "exported_at": 0, "teams": [team]}
        ),
        encoding="utf-8",
    )
    return backup


@pytest.mark.parametrize(
    ("topic", "text", "said"),
    [
        ("payment-method", f"key {KEY}", "looks like a Mistral API key (…Gy0A)"),
        ("bake-bread", "Ask Maria", "No card has the id “bake-bread”"),
        ("payment-method", "   ", "The note is empty"),
    ],
)
async def test_an_import_with_a_note_the_cli_would_refuse_fails_and_changes_nothing(
    redis_url: str,
    redis_client: aioredis.Redis,
    env_without_slack: dict[str, str],
    tmp_path: Path,
    topic: str,
    text: str,
    said: str,
) -> None:
    env = {**env_without_slack, "REDIS_URL": redis_url}
    backup = _export_with_note(tmp_path, topic, text)

    imported = run_bot(["import", str(backup)], env, tmp_path)

    assert imported.returncode == 2
    assert "import failed, nothing was changed" in imported.stderr
    assert said in imported.stderr
    assert KEY_BODY not in imported.stdout + imported.stderr
    assert await _everything_in(redis_client) == ""


async def test_notes_for_an_organisation_alone_are_refused_asking_for_its_workspace(
    redis_url: str, redis_client: aioredis.Redis, env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    env = {**env_without_slack, "REDIS_URL": redis_url}

    code, _, err = _notes(
        ["set", "payment-method", "Ask Maria", "--workspace", "EINITECH"], env, tmp_path
    )

    assert code == 2
    assert "EINITECH:T…" in err
    assert await _everything_in(redis_client) == ""


async def test_notes_list_keeps_one_line_per_note_whatever_the_note_holds(
    redis_url: str, redis_client: aioredis.Redis, env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    env = {**env_without_slack, "REDIS_URL": redis_url}
    on_acme = ["--workspace", "TACME"]
    _notes(["set", "payment-method", "Ask Maria\nor\tC:\\Bob", *on_acme], env, tmp_path)
    _notes(["set", "register", "Use your work email", *on_acme], env, tmp_path)

    listed = _notes(["list", *on_acme], env, tmp_path)[1]

    assert sorted(listed.splitlines()) == [
        "payment-method\tAsk Maria\\nor\\tC:\\\\Bob",
        "register\tUse your work email",
    ]


async def test_clearing_the_note_of_no_card_says_the_card_is_unknown(
    redis_url: str, redis_client: aioredis.Redis, env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    env = {**env_without_slack, "REDIS_URL": redis_url}

    code, _, err = _notes(["clear", "nosuch", "--workspace", "TACME"], env, tmp_path)

    assert code == 1
    assert "No card has the id “nosuch”" in err


async def test_the_cli_says_in_one_line_when_slack_cannot_be_reached(
    redis_url: str, redis_client: aioredis.Redis, env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    env = {**env_without_slack, "REDIS_URL": redis_url}
    away = {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_API_URL": "http://127.0.0.1:9/api/"}

    code, _, err = _notes(["list"], env, tmp_path, **away)

    assert code == 2
    assert "Traceback" not in err
    said = err.strip().splitlines()[-1]  # after slack_sdk's own log lines, if any
    assert said.startswith("Slack did not say whose SLACK_BOT_TOKEN is")
    assert "--workspace" in said


async def test_the_checklist_shows_the_note_on_the_opened_step_to_its_workspace_only(
    org_wide: RunningBot, slack_api: FakeSlackApi
) -> None:
    slack_api.add_user("UINITECH", is_admin=True, teams=("T1",))
    await _save_note(org_wide, NOTE, user="UINITECH", team="T1", org="EINITECH")

    # T1 first: its checklist is rendered and kept before T2 asks for the same one.
    t1_step_3 = await org_wide.command("step 3", team="T1", org="EINITECH")
    t2_step_3 = await org_wide.command("step 3", team="T2", org="EINITECH")
    t1_step_1 = await org_wide.command("step 1", team="T1", org="EINITECH")

    assert SHOWN in t1_step_3
    assert "Add a payment method" in t2_step_3
    assert MARK not in t2_step_3
    assert MARK not in t1_step_1  # step 1 has no note


async def test_the_checklist_shows_the_note_in_a_dm_and_on_app_home(bot: RunningBot) -> None:
    bot.slack.add_user("UADMIN", is_admin=True)
    await _save_note(bot, NOTE)
    for done in ("done 1", "done 2"):
        await bot.command(done)
    await bot.drain()  # each tick republishes Home after its reply: not the Home looked at

    await bot.send(event_callback(im_message("next", ts="41.1")))
    [dm] = await bot.slack.wait_for("chat.postMessage", 1)
    home = {"id": "V1", "type": "home", "blocks": []}
    before = len(bot.slack.calls("views.publish"))
    await bot.send(block_action(f"{ActionId.COMMAND}:step 3", "step 3", view=home))
    await bot.slack.wait_for("views.publish", before + 1)

    assert SHOWN in json.dumps(dm.args)
    assert SHOWN in _home(bot.slack)
