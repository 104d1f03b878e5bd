"""``python -m bot doctor``, run as an operator runs it, against the fake Slack and Mistral."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.cipher import new_key
from bot.person import Person, Workspace
from bot.slack.oauth import BOT_SCOPES
from bot.state import schema
from bot.state.members import write_seen
from bot.state.workspaces import WorkspaceSettings
from tests.conftest import run_bot
from tests.fakes.mistral_api import FakeMistralAPI
from tests.fakes.slack_api import FakeSlackApi, Install
from tests.installs import ADD_TO_SLACK_ENV, save_installs
from tests.slack_requests import SIGNING_SECRET


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


def _add_to_slack_env(
    base: dict[str, str],
    slack_api: FakeSlackApi,
    mistral_api: FakeMistralAPI,
    redis_url: str,
    **more: str,
) -> dict[str, str]:
    """``_env`` for one shared deployment ("Add to Slack"): no bot token of its own."""
    env = {**_env(base, slack_api, mistral_api, redis_url), **ADD_TO_SLACK_ENV, **more}
    del env["SLACK_BOT_TOKEN"]
    return env


@pytest.fixture
async def two_installs(slack_api: FakeSlackApi, redis_client: aioredis.Redis) -> None:
    """TONE and TTWO installed the app (Add to Slack), their tokens encrypted with TOKEN_KEY."""
    await save_installs(redis_client, slack_api, Install("TONE", "One"), Install("TTWO", "Two"))


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
    assert "ok      help channel CHELP: exists and the bot is in it" in done.stdout
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
    # The fake refuses what real Slack refuses: conversations.info without channels:read,
    # which manifest.yml does not ask for.
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
    assert "the bot is not in it: it cannot read or answer there" in member
    assert "/invite @mistral-setup in that channel" in lines[lines.index(member) + 1]
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


@pytest.mark.usefixtures("two_installs")
async def test_doctor_checks_each_installed_workspace_with_its_own_token(
    env_without_slack: dict[str, str],
    slack_api: FakeSlackApi,
    mistral_api: FakeMistralAPI,
    redis_url: str,
    redis_client: aioredis.Redis,
    tmp_path: Path,
) -> None:
    slack_api.add_channel("CHELP", "mistral-help")
    env = _add_to_slack_env(env_without_slack, slack_api, mistral_api, redis_url)

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


class _NotSlack:
    """Something that is not Slack's Web API at SLACK_API_URL: every POST gets ``status``
    with ``body`` in ``content_type`` (a web server's HTML 404, a proxy's plain text)."""

    def __init__(self, status: int, content_type: str, body: bytes) -> None:
        answer = (status, content_type, body)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, content_type, body = answer
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/api/"

    def __enter__(self) -> _NotSlack:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.mark.parametrize(
    ("status", "content_type", "body"),
    [
        (404, "text/html", b"<html><body>Not Found</body></html>"),
        (404, "text/plain", b"404 page not found"),
        (200, "text/plain", b"Welcome to nginx"),
    ],
)
def test_doctor_says_slack_api_url_is_not_slacks_api_when_something_else_answers(
    env_without_slack: dict[str, str],
    mistral_api: FakeMistralAPI,
    redis_url: str,
    redis_client: aioredis.Redis,
    tmp_path: Path,
    status: int,
    content_type: str,
    body: bytes,
) -> None:
    with _NotSlack(status, content_type, body) as other:
        env = {
            **env_without_slack,
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_APP_TOKEN": "xapp-1",
            "SLACK_API_URL": other.url,
            "MISTRAL_API_URL": mistral_api.url,
            "REDIS_URL": redis_url,
        }
        done = run_bot(["doctor"], env, tmp_path)

    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stdout.splitlines()
    for check in ("app token", "token"):
        line = next(line for line in lines if line.startswith(f"broken  {check}:"))
        assert f"not Slack's API (HTTP {status})" in line, line
        assert "check SLACK_API_URL" in lines[lines.index(line) + 1]
    assert "refused" not in done.stdout
    assert "(None)" not in done.stdout


def test_doctor_warns_when_mistral_api_url_answers_without_asking_for_a_key(
    env_without_slack: dict[str, str],
    slack_api: FakeSlackApi,
    mistral_api: FakeMistralAPI,
    redis_url: str,
    redis_client: aioredis.Redis,
    tmp_path: Path,
) -> None:
    slack_api.add_channel("CHELP", "mistral-help")
    # Slack's fake answers GET /v1/models with 200: not what Mistral's API says without a key.
    env = {
        **_env(env_without_slack, slack_api, mistral_api, redis_url),
        "MISTRAL_API_URL": slack_api.url,
    }

    done = run_bot(["doctor"], env, tmp_path)

    assert done.returncode == 0, done.stdout + done.stderr  # a warning, not broken
    lines = done.stdout.splitlines()
    line = next(line for line in lines if " mistral:" in line)
    assert line.startswith("warning"), line
    assert "HTTP 200 without a key" in line
    assert "not Mistral's API?" in line
    assert "check MISTRAL_API_URL" in lines[lines.index(line) + 1]


@pytest.mark.usefixtures("two_installs")
async def test_doctor_tells_an_install_no_key_decrypts_from_one_whose_token_is_gone(
    env_without_slack: dict[str, str],
    slack_api: FakeSlackApi,
    mistral_api: FakeMistralAPI,
    redis_url: str,
    redis_client: aioredis.Redis,
    tmp_path: Path,
) -> None:
    await redis_client.delete(schema.INSTALLATION.key("-:TTWO", "bot"))
    env = _add_to_slack_env(
        env_without_slack, slack_api, mistral_api, redis_url,
        TOKEN_ENCRYPTION_KEYS=new_key(),  # not the key that encrypted TONE's token
    )  # fmt: skip

    done = run_bot(["doctor"], env, tmp_path)

    assert done.returncode == 1
    lines = done.stdout.splitlines()
    unreadable = next(line for line in lines if " TONE token:" in line)
    assert unreadable.startswith("broken")
    assert "no key of TOKEN_ENCRYPTION_KEYS decrypts its bot token" in unreadable
    gone = next(line for line in lines if " TTWO token:" in line)
    assert gone.startswith("broken")
    assert "no bot token is kept for it" in gone
    assert "install the app again" in lines[lines.index(gone) + 1]
    # The doctor says it once, in its own words: no log line of the bot's joins in.
    assert "ERROR" not in done.stderr, done.stderr
    assert "cannot be read" not in done.stdout + done.stderr


async def test_doctor_checks_each_workspace_of_an_org_wide_install_with_its_own_settings(
    env_without_slack: dict[str, str],
    slack_api: FakeSlackApi,
    mistral_api: FakeMistralAPI,
    redis_url: str,
    redis_client: aioredis.Redis,
    tmp_path: Path,
) -> None:
    await save_installs(redis_client, slack_api, Install(None, None, "EORG", "Org", org_wide=True))
    # People were seen in T2 and T3, whose admins set their own help channels.
    settings = WorkspaceSettings(redis_client, defaults=Workspace(help_channels=frozenset()))
    for workspace, channel in (("T2", "CTWO"), ("T3", "CTHREE")):
        async with redis_client.pipeline(transaction=True) as pipe:
            write_seen(pipe, Person("EORG", "UANNA", workspace_id=workspace))
            await pipe.execute()
        await settings.save(f"EORG:{workspace}", Workspace(help_channels=frozenset({channel})))
    slack_api.add_channel("CTWO", "help-two")
    slack_api.add_channel("CTHREE", "help-three", bot_is_member=False)
    env = _add_to_slack_env(env_without_slack, slack_api, mistral_api, redis_url)

    everyone = run_bot(["doctor"], env, tmp_path)
    two = run_bot(["doctor", "--workspace", "T2"], env, tmp_path)

    assert everyone.returncode == 1, everyone.stdout
    assert "ok      EORG token: valid" in everyone.stdout
    assert "ok      EORG:T2 help channel CTWO: exists and the bot is in it" in everyone.stdout
    assert "broken  EORG:T3 help channel CTHREE: the bot is not in it" in everyone.stdout
    assert "CHELP" not in everyone.stdout  # HELP_CHANNELS: no workspace uses the default
    assert two.returncode == 0, two.stdout + two.stderr
    assert "ok      EORG:T2 help channel CTWO" in two.stdout
    assert "CTHREE" not in two.stdout
