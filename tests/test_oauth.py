"""One deployment, many workspaces: "Add to Slack", a token per workspace, uninstalls.

The web app runs on loopback with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET; the fake Slack
API plays Slack's side of the OAuth exchange (oauth.v2.access), and records which token
each call carried.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import redis.asyncio as aioredis
from pydantic import ValidationError

from bot.cipher import Cipher
from bot.render.blocks import ActionId, CallbackId
from bot.settings import Settings
from bot.state.store import connect
from tests.conftest import RunningBot, run_bot
from tests.fakes.slack_api import FakeSlackApi, Install
from tests.fakes.socket_mode import FakeSocketMode
from tests.installs import (
    ACME,
    ADD_TO_SLACK_ENV,
    GLOBEX,
    INITECH_ORG,
    install,
    mention,
    start_install,
)
from tests.keyspace import stored_text
from tests.slack_requests import (
    TOKEN_KEY,
    SignedRequest,
    app_mention,
    block_action,
    event_callback,
    im_message,
    slash_command,
    socket_mode_envelope,
    view_submission,
)
from tests.web_process import procfile_process, web_process


async def test_two_workspaces_install_and_each_is_answered_with_its_own_token(
    shared: RunningBot, slack_api: FakeSlackApi
) -> None:
    for workspace in (ACME, GLOBEX):
        done = await install(shared.http, slack_api, workspace)
        assert done.status_code == 200
        assert f"now in {workspace.team_name}" in done.text

    await mention(shared, ACME, "how do I add a card?")
    await mention(shared, GLOBEX, "how do I add a card?")

    posts = await slack_api.wait_for("chat.postMessage", 2)
    assert sorted(post.token or "" for post in posts) == sorted((ACME.bot_token, GLOBEX.bot_token))
    # Bolt's own authorize would call auth.test on every request: ours trusts the install.
    assert len(slack_api.calls("auth.test")) == 3  # once per install, by the OAuth flow


async def test_the_same_user_id_has_separate_progress_in_each_workspace(
    two_workspaces: RunningBot, slack_api: FakeSlackApi
) -> None:
    acme = await two_workspaces.command("done 1", team="TACME", user="U1")
    globex = await two_workspaces.command("", team="TGLOBEX", user="U1")

    assert "1 of 12 done" in acme
    assert "0 of 12 done" in globex


async def test_an_uninstalled_workspace_is_no_longer_served_and_its_data_is_deleted(
    two_workspaces: RunningBot,
    slack_api: FakeSlackApi,
    redis_client: aioredis.Redis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await two_workspaces.command("done 1", team="TACME")
    caplog.set_level(logging.INFO)

    await two_workspaces.send(event_callback({"type": "app_uninstalled"}, team="TACME"))
    await two_workspaces.drain()
    await mention(two_workspaces, ACME, "how do I add a card?")
    await mention(two_workspaces, GLOBEX, "how do I add a card?")
    await two_workspaces.drain()

    tokens = [call.token for call in slack_api.calls("chat.postMessage")]
    assert tokens == [GLOBEX.bot_token]
    assert not [name async for name in redis_client.scan_iter(match="*TACME*")]
    assert "Workspace TACME uninstalled the app" in caplog.text
    assert "progress of 1 people (1 steps)" in caplog.text


async def test_an_org_wide_install_serves_every_workspace_of_the_organisation(
    org_wide: RunningBot, slack_api: FakeSlackApi
) -> None:
    # The second after the first one's reply, as a person would: an ack no longer
    # waits for the listener to start, so two requests in a row may otherwise race.
    t1 = await org_wide.command("done 1", team="T1", org="EINITECH")
    t2 = await org_wide.command("done 1", team="T2", org="EINITECH")

    # People are keyed by the organisation: user ids are global on Enterprise Grid.
    assert "1 of 12 done" in t1
    assert "Already done" in t2


async def test_a_replayed_or_foreign_install_gets_a_page_that_says_what_to_do(
    shared: RunningBot, slack_api: FakeSlackApi
) -> None:
    state = await start_install(shared.http)
    code = slack_api.add_install(ACME)
    cookie = {"Cookie": f"slack-app-oauth-state={state}"}
    back = {"code": code, "state": state}

    first = await shared.http.get("/slack/oauth_redirect", params=back, headers=cookie)
    replayed = await shared.http.get("/slack/oauth_redirect", params=back, headers=cookie)
    other_browser = await shared.http.get("/slack/oauth_redirect", params=back)
    cancelled = await shared.http.get("/slack/oauth_redirect", params={"error": "access_denied"})

    assert first.status_code == 200
    assert (replayed.status_code, other_browser.status_code) == (401, 400)
    assert "expired or was already used" in replayed.text
    assert "not started from this site in this browser" in other_browser.text
    assert "cancelled" in cancelled.text
    for page in (replayed, other_browser, cancelled):
        assert 'href="/slack/install"' in page.text  # start again


async def test_install_pages_speak_the_browsers_language(shared: RunningBot) -> None:
    page = await shared.http.get("/slack/install", headers={"Accept-Language": "it-IT,it;q=0.9"})

    assert "Aggiungi a Slack" in page.text
    assert '<html lang="it">' in page.text


async def test_bot_tokens_are_kept_only_encrypted_once_in_the_bot_record(
    shared: RunningBot,
    slack_api: FakeSlackApi,
    redis_client: aioredis.Redis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    await install(shared.http, slack_api, ACME)
    await mention(shared, ACME, "how do I add a card?")
    await slack_api.wait_for("chat.postMessage")

    exported = await shared.services.privacy.export()
    holding = [
        name
        async for name in redis_client.scan_iter()
        if ACME.bot_token in await stored_text(shared.services.redis, str(name))
    ]

    assert ACME.bot_token not in caplog.text
    assert ACME.bot_token not in exported.model_dump_json()
    assert holding == []  # before TOKEN_ENCRYPTION_KEYS: the bot and installer records, plain
    bot = json.loads(str(await redis_client.get("mistral-setup:v2:installation:{-:TACME}:bot")))
    installer = str(await redis_client.get("mistral-setup:v2:installation:{-:TACME}:installer"))
    assert Cipher([TOKEN_KEY]).open(bot["sealed"]["bot_token"]) == ACME.bot_token
    assert "sealed" not in json.loads(installer)


async def test_the_operator_lists_installed_workspaces_without_their_tokens(
    shared: RunningBot,
    slack_api: FakeSlackApi,
    redis_url: str,
    env_without_slack: dict[str, str],
    tmp_path: Path,
) -> None:
    for workspace in (ACME, INITECH_ORG):
        await install(shared.http, slack_api, workspace)
    await shared.command("done 1", team="TACME")

    listed = run_bot(["workspaces"], {**env_without_slack, "REDIS_URL": redis_url}, tmp_path)

    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].startswith("EINITECH\tInitech\torganisation, org-wide, installed ")
    assert lines[1].startswith("TACME\tAcme\tworkspace, installed ")
    assert lines[1].endswith("1 started")
    assert "xoxb-" not in listed.stdout + listed.stderr


async def test_uninstalling_a_single_workspace_app_deletes_its_peoples_data(
    bot: RunningBot, redis_client: aioredis.Redis
) -> None:
    await bot.command("done 1")

    await bot.send(event_callback({"type": "app_uninstalled"}))
    await bot.drain()

    assert not [name async for name in redis_client.scan_iter(match="*progress*")]


def test_a_shared_deployment_end_to_end_through_the_procfiles_web_processes(
    slack_api: FakeSlackApi,
    redis_url: str,
    redis_client: aioredis.Redis,
    tmp_path: Path,
) -> None:
    """Two workspaces install through one web process; the other serves them, each with its
    own token and its own progress; an uninstall stops one and not the other."""
    env = {"SLACK_BOT_TOKEN": "", **ADD_TO_SLACK_ENV, "LOG_LEVEL": "DEBUG"}
    log = tmp_path / "web.log"
    with (
        log.open("w") as stderr,
        web_process(slack_api, redis_url, tmp_path, env, stderr) as installs_at,
        web_process(slack_api, redis_url, tmp_path, env, stderr) as serves_at,
    ):
        for workspace in (ACME, GLOBEX):
            _install_through(installs_at, slack_api, workspace)

        def send(request: tuple[str, dict[str, str]]) -> None:
            body, headers = request
            assert httpx.post(f"{serves_at}/slack/events", content=body, headers=headers).is_success

        for workspace in (ACME, GLOBEX):
            bot_user = workspace.bot_user_id
            event = app_mention(f"<@{bot_user}> how do I add a card?")
            send(event_callback(event, team=str(workspace.team_id), bot_user=bot_user))
        posts = asyncio.run(slack_api.wait_for("chat.postMessage", 2))
        assert {post.token for post in posts} == {ACME.bot_token, GLOBEX.bot_token}

        url = slack_api.response_url
        send(slash_command("done 1", team="TACME", response_url=url("acme")))
        asyncio.run(slack_api.wait_for_responses(1))
        send(slash_command("", team="TGLOBEX", response_url=url("globex")))
        replies = {post.path: post.body for post in asyncio.run(slack_api.wait_for_responses(2))}
        assert "1 of 12 done" in str(replies["/response/acme"])
        assert "0 of 12 done" in str(replies["/response/globex"])

        send(event_callback({"type": "app_uninstalled"}, team="TACME"))
        _wait_until_deleted(redis_url, "mistral-setup:v2:installation:{-:TACME}:bot")
        slack_api.clear()
        for workspace in (ACME, GLOBEX):
            bot_user = workspace.bot_user_id
            event = app_mention(f"<@{bot_user}> how do I add a card?")
            send(event_callback(event, team=str(workspace.team_id), bot_user=bot_user))
        asyncio.run(slack_api.wait_for("chat.postMessage"))
        time.sleep(0.5)
        assert [call.token for call in slack_api.calls()] == [GLOBEX.bot_token]

    written = log.read_text()
    assert "DEBUG" in written  # the processes really logged at DEBUG
    assert "Traceback" not in written
    assert ACME.bot_token not in written
    assert GLOBEX.bot_token not in written


def _install_through(url: str, slack_api: FakeSlackApi, workspace: Install) -> None:
    """A browser installing ``workspace`` from the web process at ``url``."""
    with httpx.Client(base_url=url) as browser:
        page = browser.get("/slack/install")
        state = parse_qs(urlsplit(html.unescape(_button(page.text))).query)["state"][0]
        back = browser.get(
            "/slack/oauth_redirect",
            params={"code": slack_api.add_install(workspace), "state": state},
            headers={"Cookie": f"slack-app-oauth-state={state}"},
        )
    assert back.status_code == 200, back.text


def _button(page: str) -> str:
    found = re.search(r'href="([^"]+)"', page)
    assert found, page
    return found[1]


def _wait_until_deleted(redis_url: str, key: str) -> None:
    """The uninstall is handled after its ack: wait until its effect is in Redis."""

    async def deleted() -> None:
        client, _ = connect(redis_url)
        try:
            deadline = time.monotonic() + 5
            while await client.exists(key):
                assert time.monotonic() < deadline, f"{key} was not deleted"
                await asyncio.sleep(0.02)
        finally:
            await client.aclose()

    asyncio.run(deleted())


@pytest.mark.parametrize(
    ("values", "says"),
    [
        (
            {"slack_bot_token": "xoxb-1", "slack_client_id": "1.2", "slack_client_secret": "s"},
            "not both",
        ),
        ({"slack_client_id": "1.2"}, "needs both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET"),
        ({"slack_client_id": "1.2", "slack_client_secret": "s", "redis_url": None}, "REDIS_URL"),
    ],
)
def test_settings_refuse_an_ambiguous_way_to_authorize(values: dict[str, Any], says: str) -> None:
    given = {"redis_url": "redis://127.0.0.1:6379/0", **values}

    with pytest.raises(ValidationError, match=says):
        Settings(_env_file=None, **given)


def test_the_socket_mode_worker_serves_what_the_web_process_installed(
    slack_api: FakeSlackApi,
    socket_mode: FakeSocketMode,
    redis_url: str,
    redis_client: aioredis.Redis,
    tmp_path: Path,
) -> None:
    env = {"SLACK_BOT_TOKEN": "", **ADD_TO_SLACK_ENV}
    with web_process(slack_api, redis_url, tmp_path, env) as web:
        _install_through(web, slack_api, ACME)
    worker_env = {**env, "SLACK_APP_TOKEN": "xapp-1-test"}

    with procfile_process("worker", slack_api, redis_url, tmp_path, worker_env):
        assert socket_mode.connected.wait(30)
        event = app_mention(f"<@{ACME.bot_user_id}> how do I add a card?")
        delivery = event_callback(event, team="TACME", bot_user=ACME.bot_user_id)
        socket_mode.send(socket_mode_envelope("events_api", delivery.payload))
        [post] = asyncio.run(slack_api.wait_for("chat.postMessage"))

    assert post.token == ACME.bot_token


async def test_the_bots_own_message_does_not_make_others_look_like_the_bot(
    shared: RunningBot, slack_api: FakeSlackApi
) -> None:
    """The bot's echo of its own reply is often the first event a process sees."""
    await install(shared.http, slack_api, ACME)
    echo = im_message("Here is your checklist", user=ACME.bot_user_id)
    await shared.send(event_callback(echo, team="TACME", bot_user=ACME.bot_user_id))

    await mention(shared, ACME, "how do I add a card?")

    [post] = await slack_api.wait_for("chat.postMessage")
    assert post.token == ACME.bot_token


async def test_a_revoked_bot_token_is_no_longer_used_but_the_data_stays(
    two_workspaces: RunningBot, slack_api: FakeSlackApi, redis_client: aioredis.Redis
) -> None:
    await two_workspaces.command("done 1", team="TACME")

    revoked = {"type": "tokens_revoked", "tokens": {"bot": [ACME.bot_user_id]}}
    await two_workspaces.send(event_callback(revoked, team="TACME"))
    await two_workspaces.drain()
    await mention(two_workspaces, ACME, "how do I add a card?")
    await mention(two_workspaces, GLOBEX, "how do I add a card?")
    await two_workspaces.drain()

    assert [call.token for call in slack_api.calls("chat.postMessage")] == [GLOBEX.bot_token]
    assert await redis_client.exists("mistral-setup:v2:progress:{TACME}:U111")


async def test_an_organisations_workspaces_keep_settings_of_their_own(
    org_wide: RunningBot, slack_api: FakeSlackApi
) -> None:
    slack_api.add_user("UADMIN", is_admin=True)  # an admin of workspace T1

    await org_wide.send(_italian_in_initech("T1"))
    await slack_api.wait_for("views.publish")
    t1 = await org_wide.command("", team="T1", org="EINITECH")
    t2 = await org_wide.command("", team="T2", org="EINITECH")

    assert "Configurazione di Mistral AI Studio" in t1
    assert "Mistral AI Studio setup" in t2


async def test_uninstalling_an_org_wide_install_forgets_the_organisation(
    org_wide: RunningBot, slack_api: FakeSlackApi, redis_client: aioredis.Redis
) -> None:
    slack_api.add_user("UADMIN", is_admin=True)
    await org_wide.send(_italian_in_initech("T1"))
    await slack_api.wait_for("views.publish")
    await org_wide.command("done 1", team="T1", org="EINITECH")

    uninstalled = event_callback(
        {"type": "app_uninstalled"}, team="T1", enterprise="EINITECH", org_wide=True
    )
    await org_wide.send(uninstalled)
    await org_wide.drain()

    assert not [name async for name in redis_client.scan_iter(match="*EINITECH*")]


async def test_a_workspace_taken_from_an_org_install_loses_its_settings_only(
    org_wide: RunningBot, slack_api: FakeSlackApi, redis_client: aioredis.Redis
) -> None:
    slack_api.add_user("UADMIN", is_admin=True)
    for team in ("T1", "T2"):
        await org_wide.send(_italian_in_initech(team))
    await slack_api.wait_for("views.publish", 2)

    revoked = {"type": "team_access_revoked", "team_ids": ["T1"]}
    await org_wide.send(event_callback(revoked, team="T1", enterprise="EINITECH", org_wide=True))
    await org_wide.drain()

    assert not await redis_client.exists("mistral-setup:v2:workspace:{EINITECH}:T1")
    assert await redis_client.exists("mistral-setup:v2:workspace:{EINITECH}:T2")
    assert await redis_client.exists("mistral-setup:v2:installation:{EINITECH:-}:bot")


async def test_an_admin_of_one_workspace_of_the_organisation_is_no_admin_of_another(
    org_wide: RunningBot, slack_api: FakeSlackApi, redis_client: aioredis.Redis
) -> None:
    slack_api.add_user("UADMIN", is_admin=True, teams=("T1",))  # T1's admin, not T2's
    # T1's admin, known as such, sees T1's team.
    t1 = await org_wide.command("team", team="T1", user="UADMIN", org="EINITECH")

    t2 = await org_wide.command("team", team="T2", user="UADMIN", org="EINITECH")
    opening = block_action(
        ActionId.OPEN_SETTINGS_DIALOG, "settings", user="UADMIN", team="T2", org="EINITECH",
        view={"id": "VHOME", "type": "home"},
    )  # fmt: skip
    await org_wide.send(opening)
    await org_wide.send(_italian_in_initech("T2"))
    await slack_api.wait_for("views.publish", 2)
    await org_wide.drain()

    assert "Team progress" in t1
    assert "for admins" in t2
    assert not slack_api.calls("views.open")
    assert not await redis_client.exists("mistral-setup:v2:workspace:{EINITECH}:T2")
    # A demoted admin keeps their rights for five minutes at most.
    assert 0 < await redis_client.ttl("mistral-setup:v2:profile:{EINITECH}:UADMIN:T1") <= 300


def _italian_in_initech(team: str) -> SignedRequest:
    """UADMIN saves the settings dialog of one of Initech's workspaces, Italian chosen."""
    chosen = {"type": "static_select", "selected_option": {"value": "it"}}
    values: dict[str, dict[str, Any]] = {"language": {"language": chosen}}
    return view_submission(
        CallbackId.WORKSPACE_SETTINGS, values, user="UADMIN", team=team, org="EINITECH"
    )
