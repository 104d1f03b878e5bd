"""Each workspace's settings: an admin changes them in App Home; the environment's are defaults."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import redis.asyncio as aioredis

from bot.person import Workspace
from bot.render.blocks import ActionId, CallbackId
from bot.state.workspaces import WorkspaceSettings
from tests.blockkit import assert_valid_view
from tests.conftest import RunningBot
from tests.slack_requests import (
    app_home_opened,
    app_mention,
    block_action,
    event_callback,
    message_event,
    view_submission,
)


def _settings(
    *,
    channels: tuple[str, ...] = (),
    users: tuple[str, ...] = (),
    group: str = "",
    admins: tuple[str, ...] = (),
    language: str = "auto",
) -> dict[str, dict[str, Any]]:
    """What the settings dialog submits, as Slack's pickers report it."""
    return {
        "help_channels": {
            "help_channels": {
                "type": "multi_conversations_select",
                "selected_conversations": list(channels),
            }
        },
        "escalation_users": {
            "escalation_users": {"type": "multi_users_select", "selected_users": list(users)}
        },
        "escalation_group": {"escalation_group": group},
        "admin_users": {
            "admin_users": {"type": "multi_users_select", "selected_users": list(admins)}
        },
        "language": {"language": {"type": "static_select", "selected_option": {"value": language}}},
    }


def _home(bot: RunningBot) -> str:
    return json.dumps(bot.slack.last("views.publish").args["view"], ensure_ascii=False)


async def test_only_admins_see_the_workspace_settings_in_home(bot: RunningBot) -> None:
    bot.slack.add_user("UADMIN", is_admin=True)

    await bot.send(event_callback(app_home_opened(user="UADMIN")))
    await bot.slack.wait_for("views.publish")
    admin_home = _home(bot)
    await bot.send(event_callback(app_home_opened(user="U111")))
    await bot.slack.wait_for("views.publish", 2)

    assert "Workspace settings" in admin_home
    assert "<#CHELP>" in admin_home  # the environment's help channel, the default
    assert ActionId.OPEN_SETTINGS_DIALOG not in _home(bot)


async def test_the_settings_dialog_opens_with_the_current_settings(bot: RunningBot) -> None:
    bot.slack.add_user("UADMIN", is_admin=True)

    await bot.send(block_action(ActionId.OPEN_SETTINGS_DIALOG, "settings", user="UADMIN"))

    [opened] = await bot.slack.wait_for("views.open")
    view = opened.args["view"]
    assert_valid_view(view)
    blocks = {block["block_id"]: block["element"] for block in view["blocks"]}
    assert blocks["help_channels"]["initial_conversations"] == ["CHELP"]
    assert blocks["escalation_users"]["initial_users"] == ["UHELPER"]


async def test_an_admins_settings_apply_to_their_workspace_at_once(bot: RunningBot) -> None:
    bot.slack.add_user("UADMIN", is_admin=True)
    settings = _settings(channels=("CNEW",), users=("UEXPERT",), group="s0abc", language="it")

    await bot.send(view_submission(CallbackId.WORKSPACE_SETTINGS, settings, user="UADMIN"))
    await bot.slack.wait_for("views.publish")
    saved_home = _home(bot)
    await bot.send(event_callback(message_event("how do I bake bread?", channel="CNEW")))
    await bot.send(event_callback(message_event("how do I add a card?", channel="CHELP")))
    [checklist] = await bot.command_posts("")

    [unanswered] = await bot.slack.wait_for("chat.postMessage")
    await bot.drain()
    assert "Le impostazioni del workspace sono salvate" in saved_home
    assert unanswered.args["channel"] == "CNEW"  # the new help channel; CHELP no longer is one
    assert "<!subteam^S0ABC> <@UEXPERT>" in json.dumps(unanswered.args["blocks"])
    assert "Configurazione di Mistral AI Studio" in json.dumps(checklist.body, ensure_ascii=False)


async def test_someone_not_admin_cannot_change_the_settings(bot: RunningBot) -> None:
    await bot.send(view_submission(CallbackId.WORKSPACE_SETTINGS, _settings(language="it")))
    await bot.slack.wait_for("views.publish")
    await bot.send(event_callback(app_mention("<@UBOT> how do I add a card?")))

    [post] = await bot.slack.wait_for("chat.postMessage")
    assert "Only admins can change" in _home(bot)
    assert "Add a payment method" in json.dumps(post.args["blocks"])  # still English


async def test_a_mistyped_user_group_is_refused_in_the_dialog(bot: RunningBot) -> None:
    bot.slack.add_user("UADMIN", is_admin=True)

    response = await bot.send(
        view_submission(CallbackId.WORKSPACE_SETTINGS, _settings(group="@experts"), user="UADMIN")
    )

    assert response.json()["response_action"] == "errors"
    assert "starts with S" in response.json()["errors"]["escalation_group"]


async def test_settings_belong_to_one_workspace(bot: RunningBot) -> None:
    bot.slack.add_user("UADMIN", is_admin=True)

    await bot.send(
        view_submission(CallbackId.WORKSPACE_SETTINGS, _settings(language="it"), user="UADMIN")
    )
    await bot.slack.wait_for("views.publish")
    [other] = await bot.command_posts("", team="T222")

    assert "Mistral AI Studio setup" in json.dumps(other.body, ensure_ascii=False)


async def test_what_an_admin_did_not_change_still_follows_the_environment(
    redis_client: aioredis.Redis,
) -> None:
    before = Workspace(help_channels=frozenset({"CHELP"}), escalation_mention="<@UHELPER>")
    await WorkspaceSettings(redis_client, before).save("T1", replace(before, language="it"))

    # A new deploy with another help channel in HELP_CHANNELS.
    after = replace(before, help_channels=frozenset({"CNEW"}))
    read = await WorkspaceSettings(redis_client, after).get("T1")

    assert read == replace(after, language="it")
