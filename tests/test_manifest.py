"""The app manifest declares everything the listeners rely on."""

from __future__ import annotations

import yaml

from bot.commands import Ask, parse
from bot.search import Index
from tests.conftest import REPO

MANIFEST = (REPO / "manifest.yml").read_text(encoding="utf-8")


def test_manifest_declares_the_command_events_scopes_home_and_socket_mode() -> None:
    for needed in (
        "command: /mistral-setup",
        "home_tab_enabled: true",
        "messages_tab_enabled: true",
        "is_enabled: true",
        "socket_mode_enabled: true",
        "- app_home_opened",
        "- app_mention",
        "- message.im",
        "- message.channels",
        "- commands",
        "- chat:write",
        "- app_mentions:read",
        "- im:history",
        "- channels:history",
        "- users:read",
    ):
        assert needed in MANIFEST, needed


def test_env_example_documents_every_setting() -> None:
    from bot.settings import Settings

    documented = {
        line.split("=", 1)[0]
        for line in (REPO / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }

    assert documented == {name.upper() for name in Settings.model_fields}


def test_manifest_enables_the_agent_experience_with_prompts_the_bot_understands(
    index: Index,
) -> None:
    manifest = yaml.safe_load(MANIFEST)
    features = manifest["features"]
    agent = features["agent_view"]
    prompts = agent["suggested_prompts"]

    assert features["app_home"]["messages_tab_enabled"] is True
    assert features["app_home"]["messages_tab_read_only_enabled"] is False
    assert 0 < len(agent["agent_description"]) <= 300
    assert 1 <= len(prompts) <= 4
    for prompt in prompts:
        understood = not isinstance(parse(prompt["message"]), Ask)
        answered = index.rank(prompt["message"]).best is not None
        assert prompt["title"], prompt
        assert understood or answered, prompt
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert {"assistant:write", "chat:write", "im:history"} <= set(scopes)
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert {"app_home_opened", "message.im"} <= set(events)
