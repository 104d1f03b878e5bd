"""``python -m bot doctor``, run as an operator runs it, against the fake Slack and Mistral."""

from __future__ import annotations

from pathlib import Path

import redis.asyncio as aioredis

from bot.cipher import Cipher
from bot.slack.installations import RedisInstallationStore
from bot.slack.oauth import BOT_SCOPES
from tests.conftest import run_bot
from tests.fakes.mistral_api import FakeMistralAPI
from tests.fakes.slack_api import FakeSlackApi, Install
from tests.slack_requests import SIGNING_SECRET, TOKEN_KEY


def _env(
    base: dict[str, str], slack_api: FakeSlackApi, mistral_api: FakeMistralAPI, redis_url: str
) -> dict[str, str]:
    return {
        **base,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api.url,
        "MISTRAL_API_URL": mistral_api.url,
        "REDIS_URL": redis_url,
        "HELP_CHANNELS": "CHELP",
    }


def _states(output: str) -> list[str]:
    """The state of each check, from the first word of each line that is not a fix."""
    return [line.split()[0] for line in output.splitlines() if line and not line[0].isspace()]


def test_doctor_passes_a_correct_setup_with_exit_status_zero(
    env_without_slack: dict[str, str],
    slack_api: FakeSlackApi,
    mistral_api: FakeMistralAPI,
    redis_url: str,
    redis_client: aioredis.Redis,
    tmp_path: Path,
) -> None:
    slack_api.add_channel("CHELP", "mistral-help")
    env = _env(env_without_slack, slack_api, mistral_api, redis_url)

    done = run_bot(["doctor"], env, tmp_path)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "broken" not in _states(done.stdout)
    for check in ("mode", "redis", "mistral", "token", "scopes", "help channel CHELP"):
        assert any(line.startswith(("ok", "warning")) and f" {check}:" in line
                   for line in done.stdout.splitlines()), (check, done.stdout)  # fmt: skip
    assert "#mistral-help exists and the bot is in it" in done.stdout
    assert f"all {len(BOT_SCOPES)} of manifest.yml granted" in done.stdout
    # Mistral answered without a key: its 401 proves it is there.
    assert "HTTP 401 without a key" in done.stdout
    assert "xoxb-test-token" not in done.stdout + done.stderr


def test_doctor_names_a_missing_scope_and_a_help_channel_the_bot_is_not_in(
    env_without_slack: dict[str, str],
    slack_api: FakeSlackApi,
    mistral_api: FakeMistralAPI,
    redis_url: str,
    redis_client: aioredis.Redis,
    tmp_path: Path,
) -> None:
    slack_api.scopes = tuple(scope for scope in BOT_SCOPES if scope != "users:read")
    slack_api.add_channel("CHELP", "mistral-help", bot_is_member=False)
    slack_api.add_channel("COTHER", "general")
    env = {
        **_env(env_without_slack, slack_api, mistral_api, redis_url),
        "HELP_CHANNELS": "CHELP,COTHER,CGONE",
    }

    done = run_bot(["doctor"], env, tmp_path)

    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    scopes = next(line for line in lines if " scopes:" in line)
    assert scopes.startswith("broken")
    assert "missing users:read: reinstall the app" in scopes
    assert "chat:write" not in scopes
    member = next(line for line in lines if "help channel CHELP:" in line)
    assert member.startswith("broken")
    assert "the bot is not in #mistral-help" in member
    assert "/invite @mistral-setup in #mistral-help" in lines[lines.index(member) + 1]
    assert next(line for line in lines if "help channel COTHER:" in line).startswith("ok")
    gone = next(line for line in lines if "help channel CGONE:" in line)
    assert gone.startswith("broken")
    assert "no such channel" in gone


def test_doctor_says_what_is_broken_when_nothing_answers(
    env_without_slack: dict[str, str], slack_api: FakeSlackApi, tmp_path: Path
) -> None:
    env = {
        **env_without_slack,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_API_URL": slack_api.url,
        "MISTRAL_API_URL": "http://127.0.0.1:9",
        "REDIS_URL": "redis://127.0.0.1:9/0",
    }
    slack_api.fail_next("auth.test", error="invalid_auth")

    done = run_bot(["doctor"], env, tmp_path)

    assert done.returncode == 1
    broken = {line.split()[1] for line in done.stdout.splitlines() if line.startswith("broken")}
    # No signing secret in HTTP mode, no Redis, no Mistral, a token Slack refuses.
    assert broken == {"mode:", "redis:", "mistral:", "token:"}
    assert "SLACK_SIGNING_SECRET" in done.stdout
    assert "invalid_auth" in done.stdout
    assert all(line.startswith(" ") or line.split()[0] in ("ok", "warning", "broken")
               for line in done.stdout.splitlines())  # fmt: skip


def test_doctor_names_settings_that_do_not_load_as_broken(
    env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    env = {**env_without_slack, "SLACK_CLIENT_ID": "1111.2222", "REDIS_URL": "redis://x"}

    done = run_bot(["doctor"], env, tmp_path)

    assert done.returncode == 1
    assert done.stdout.startswith("broken  settings:")
    assert "SLACK_CLIENT_SECRET" in done.stdout


async def test_doctor_checks_each_installed_workspace_with_its_own_token(
    env_without_slack: dict[str, str],
    slack_api: FakeSlackApi,
    mistral_api: FakeMistralAPI,
    redis_url: str,
    redis_client: aioredis.Redis,
    tmp_path: Path,
) -> None:
    installs = RedisInstallationStore(redis_client, Cipher([TOKEN_KEY]))
    for workspace in (Install("TONE", "One"), Install("TTWO", "Two")):
        slack_api.add_install(workspace)
        await installs.async_save(workspace.installation())
    slack_api.add_channel("CHELP", "mistral-help")
    env = {
        **_env(env_without_slack, slack_api, mistral_api, redis_url),
        "SLACK_CLIENT_ID": "1111.2222",
        "SLACK_CLIENT_SECRET": "client-secret",
        "TOKEN_ENCRYPTION_KEYS": TOKEN_KEY,
    }
    del env["SLACK_BOT_TOKEN"]

    everyone = run_bot(["doctor"], env, tmp_path)
    one = run_bot(["doctor", "--workspace", "TTWO"], env, tmp_path)
    absent = run_bot(["doctor", "--workspace", "TNONE"], env, tmp_path)

    assert everyone.returncode == 0, everyone.stdout + everyone.stderr
    assert "ok      add to slack:" in everyone.stdout
    for team in ("TONE", "TTWO"):
        assert f"ok      {team} token: valid: @" in everyone.stdout
        assert f"ok      {team} help channel CHELP:" in everyone.stdout
    tokens = {call.token for call in slack_api.calls("auth.test")}
    assert {"xoxb-TONE-bot-token", "xoxb-TTWO-bot-token"} <= tokens
    assert one.returncode == 0, one.stdout
    assert "TTWO token" in one.stdout
    assert "TONE" not in one.stdout
    assert absent.returncode == 1
    assert "broken  TNONE: has not installed the app" in absent.stdout


def test_doctor_in_socket_mode_says_when_slack_refuses_the_app_token(
    env_without_slack: dict[str, str],
    slack_api: FakeSlackApi,
    mistral_api: FakeMistralAPI,
    redis_url: str,
    redis_client: aioredis.Redis,
    tmp_path: Path,
) -> None:
    slack_api.add_channel("CHELP", "mistral-help")
    env = {
        **_env(env_without_slack, slack_api, mistral_api, redis_url),
        "SLACK_APP_TOKEN": "xapp-1",
    }
    del env["SLACK_SIGNING_SECRET"]  # Socket Mode needs none

    accepted = run_bot(["doctor"], env, tmp_path)
    slack_api.fail_next("apps.connections.open", error="invalid_auth")
    refused = run_bot(["doctor"], env, tmp_path)

    assert accepted.returncode == 0, accepted.stdout
    assert "ok      mode: Socket Mode" in accepted.stdout
    assert "ok      app token: valid" in accepted.stdout
    assert refused.returncode == 1
    assert "broken  app token: Slack refused SLACK_APP_TOKEN (invalid_auth)" in refused.stdout
    assert "xapp-1" not in refused.stdout + refused.stderr
