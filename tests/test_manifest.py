"""The app manifest declares everything the listeners rely on."""

from __future__ import annotations

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
