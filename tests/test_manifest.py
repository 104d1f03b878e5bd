"""The app manifest declares everything the listeners rely on."""

from __future__ import annotations

import json

import yaml

from bot.domain.commands import Ask, Subcommand, parse
from bot.guide.search import Index
from bot.slack.oauth import BOT_SCOPES
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


def test_the_docker_image_runs_the_procfile_web_line_from_the_locked_packages() -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    procfile = (REPO / "Procfile").read_text(encoding="utf-8")
    web = next(line for line in procfile.splitlines() if line.startswith("web:"))

    assert f"CMD {json.dumps(web.removeprefix('web:').split())}" in dockerfile
    assert "--require-hashes -r requirements/runtime.lock" in dockerfile
    for line in dockerfile.splitlines():
        if line.startswith("COPY "):
            assert (REPO / line.split()[1]).exists(), line


def test_compose_runs_the_bot_beside_a_redis_that_keeps_its_data() -> None:
    compose = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    redis, bot = compose["services"]["redis"], compose["services"]["bot"]

    assert redis["command"][1:] == ["--appendonly", "yes", "--appendfsync", "everysec"]
    volume = redis["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]  # a named volume: it outlives the container
    assert bot["environment"]["REDIS_URL"].startswith("redis://redis:")


def test_the_lock_files_pin_every_package_with_a_hash_and_no_lua() -> None:
    for name in ("runtime.lock", "dev.lock"):
        lock = (REPO / "requirements" / name).read_text(encoding="utf-8")
        pins = [line for line in lock.splitlines() if line and line[0].isalpha()]
        assert pins
        assert all("==" in pin for pin in pins), name
        assert lock.count("--hash=sha256:") >= len(pins), name
        assert "lupa==" not in lock  # the embedded store claims events without Lua


def test_add_to_slack_asks_for_exactly_the_manifests_bot_scopes() -> None:
    manifest = yaml.safe_load(MANIFEST)

    assert sorted(BOT_SCOPES) == sorted(manifest["oauth_config"]["scopes"]["bot"])
    assert manifest["settings"]["org_deploy_enabled"] is True
    assert manifest["settings"]["token_rotation_enabled"] is False
    assert {"app_uninstalled", "tokens_revoked"} <= set(
        manifest["settings"]["event_subscriptions"]["bot_events"]
    )


def test_the_slash_commands_usage_hint_shows_subcommands_as_help_does() -> None:
    """Slack shows the hint as people type: each subcommand in it is one the parser declares,
    written as help writes it, for everyone (not an admin's), then "a question"."""
    (command,) = yaml.safe_load(MANIFEST)["features"]["slash_commands"]
    *hinted, question = command["usage_hint"].removeprefix("[").removesuffix("]").split(" | ")
    declared = {s.usage(beside=True).said("en"): s for s in Subcommand if not s.implied}

    assert question == "a question"
    assert len(set(hinted)) == len(hinted)
    for usage in hinted:
        assert usage in declared, f"{usage!r} is no subcommand of bot/domain/commands.py"
        assert not declared[usage].admins_only, usage


def test_the_tools_the_scripts_install_are_pinned_with_hashes() -> None:
    for script, lock in (("lock", "uv.lock"), ("everyday-words", "wordfreq.lock")):
        # The script's lines as the shell reads them: continuations joined.
        text = " ".join((REPO / "scripts" / script).read_text(encoding="utf-8").split("\\\n"))
        pinned = (REPO / "requirements" / lock).read_text(encoding="utf-8")
        pins = [line for line in pinned.splitlines() if line and line[0].isalpha()]
        assert f"--require-hashes -r requirements/{lock}" in " ".join(text.split()), script
        assert pins
        assert all("==" in pin for pin in pins), lock
        assert pinned.count("--hash=sha256:") >= len(pins), lock
