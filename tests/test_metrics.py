"""Prometheus metrics: GET /metrics on the web process, METRICS_PORT on the Socket Mode worker,
counted from signed requests and envelopes into the real app."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterable
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bot.render.blocks import ActionId, CallbackId
from tests.conftest import RunningBot, bot_settings, run_bot, running_bot
from tests.fakes.mistral_api import FakeMistralAPI
from tests.fakes.slack_api import UPLOAD, FakeSlackApi
from tests.fakes.socket_mode import FakeSocketMode
from tests.redis_server import RedisServer
from tests.slack_requests import (
    BOT_USER_ID,
    SIGNING_SECRET,
    USER,
    app_home_opened,
    app_mention,
    block_action,
    event_callback,
    slash_command,
    socket_mode_envelope,
    view_submission,
)
from tests.web_process import free_port, procfile_process, web_process

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _samples(text: str) -> Samples:
    """Every sample of Prometheus text, by name and labels; the parser refuses bad text."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((f"mistral_setup_{name}", frozenset(labels.items())), 0.0)


async def _scrape(bot: RunningBot) -> Samples:
    response = await bot.http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return _samples(response.text)


def _label_values(samples: Samples) -> Iterable[str]:
    return (value for _, labels in samples for _, value in labels)


async def test_metrics_count_a_signed_question_as_answered_in_valid_prometheus_text(
    bot: RunningBot,
) -> None:
    before = await _scrape(bot)

    for question in ("how do I add a card", "what is the capital of peru"):
        await bot.command(question)
    await bot.drain()
    after = await _scrape(bot)

    assert _value(after, "questions_total", outcome="answered") == (
        _value(before, "questions_total", outcome="answered") + 1
    )
    assert _value(after, "questions_total", outcome="not_covered") == (
        _value(before, "questions_total", outcome="not_covered") + 1
    )
    assert _value(after, "requests_total", surface="http", kind="command") == 2
    assert _value(after, "requests_total", surface="http", kind="app_home_opened") == 1
    assert _value(after, "ack_seconds_count") == 3
    assert _value(after, "owed_tasks") == 0  # every reply was finished
    # Nothing people wrote or who they are ends up in a label.
    assert not any(
        USER in value or "card" in value or "peru" in value for value in _label_values(after)
    )


async def test_metrics_count_votes_mistral_latency_and_slack_api_errors(
    bot: RunningBot, mistral_api: FakeMistralAPI
) -> None:
    await bot.send(block_action(ActionId.FEEDBACK_UP, "payment-method"))
    await bot.send(block_action(ActionId.FEEDBACK_DOWN, "payment-method", user="U222"))
    await bot.slack.wait_for("chat.postEphemeral", count=2)
    await bot.send(view_submission(CallbackId.KEY_CHECK, {"key": {"key": mistral_api.add_key()}}))
    await bot.slack.wait_for("views.update")
    bot.slack.fail_next("chat.postMessage", error="not_in_channel")
    await bot.send(event_callback(app_mention(f"<@{BOT_USER_ID}> how do I add a card")))
    await bot.drain()

    samples = await _scrape(bot)

    assert _value(samples, "feedback_total", vote="helpful") == 1
    assert _value(samples, "feedback_total", vote="not_helpful") == 1
    assert _value(samples, "mistral_request_seconds_count", endpoint="/v1/models") == 1
    errors = _value(
        samples, "slack_api_errors_total", method="chat.postMessage", error="not_in_channel"
    )
    assert errors == 1


async def test_slack_api_error_labels_hold_no_upload_url_token_nor_unexpected_error_text(
    bot: RunningBot,
) -> None:
    # The chart an admin's App Home shows is uploaded to a one-off URL whose last part is
    # a per-upload secret (files.slack.com/upload/v1/<token>).
    bot.slack.add_user("UADMIN", is_admin=True)
    bot.slack.fail_next(UPLOAD, status=403, error="forbidden")
    await bot.send(event_callback(app_home_opened(user="UADMIN")))
    await bot.slack.wait_for("views.publish")
    bot.slack.fail_next("chat.postMessage", error="Not A Code: <@U123> said hello")
    await bot.send(event_callback(app_mention(f"<@{BOT_USER_ID}> how do I add a card")))
    await bot.drain()

    samples = await _scrape(bot)

    uploads = [call.args for call in bot.slack.calls("files.getUploadURLExternal")]
    assert uploads  # the upload was tried
    assert _value(samples, "slack_api_errors_total", method="file_upload", error="http_403") == 1
    assert _value(samples, "slack_api_errors_total", method="chat.postMessage", error="other") == 1
    labels = set(_label_values(samples))
    assert not any(value.startswith("F") and value[1:].isdigit() for value in labels), labels
    assert not any("U123" in value or "hello" in value for value in labels)


async def test_metrics_count_redis_errors_while_redis_is_down(
    own_redis: RedisServer, slack_api: FakeSlackApi
) -> None:
    async with running_bot(bot_settings(slack_api, own_redis.url), slack_api) as bot:
        await bot.command("done 1")
        assert _value(await _scrape(bot), "redis_errors_total") == 0

        own_redis.stop()
        await bot.command("done 2")

        assert _value(await _scrape(bot), "redis_errors_total") >= 1


def test_the_socket_mode_worker_serves_metrics_on_metrics_port(
    slack_api: FakeSlackApi,
    socket_mode: FakeSocketMode,
    redis_url: str,
    redis_client: object,
    tmp_path: Path,
) -> None:
    port = free_port()
    command = slash_command("how do I add a card", response_url=slack_api.response_url())
    extra = {"SLACK_APP_TOKEN": "xapp-1-test", "METRICS_PORT": str(port)}

    with procfile_process("worker", slack_api, redis_url, tmp_path, extra):
        assert socket_mode.connected.wait(30)
        socket_mode.send(socket_mode_envelope("slash_commands", command.payload))
        asyncio.run(slack_api.wait_for_responses(1))
        samples = _samples(httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text)

    assert _value(samples, "requests_total", surface="socket", kind="command") == 1
    assert _value(samples, "questions_total", outcome="answered") == 1


def test_a_missing_prometheus_multiproc_dir_stops_startup_with_one_line(
    env_without_slack: dict[str, str], slack_api: FakeSlackApi, redis_url: str, tmp_path: Path
) -> None:
    env = {
        **env_without_slack,
        "PORT": str(free_port()),
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api.url,
        "REDIS_URL": redis_url,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "no-such-dir"),
    }

    done = run_bot(["web"], env, tmp_path)

    assert done.returncode == 2
    assert "Traceback" not in done.stderr, done.stderr
    [line] = done.stderr.splitlines()
    assert "PROMETHEUS_MULTIPROC_DIR" in line
    assert "is not a directory" in line


def test_the_socket_mode_worker_says_so_in_one_line_when_metrics_port_is_taken(
    env_without_slack: dict[str, str],
    slack_api: FakeSlackApi,
    redis_url: str,
    redis_client: object,
    tmp_path: Path,
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {
            **env_without_slack,
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_APP_TOKEN": "xapp-1-test",
            "SLACK_API_URL": slack_api.url,
            "REDIS_URL": redis_url,
            "METRICS_PORT": str(port),
        }

        done = run_bot(["socket"], env, tmp_path)

    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
    last = done.stderr.splitlines()[-1]
    assert last.startswith(f"METRICS_PORT {port} cannot be served (")
    assert "choose a free port" in last


def test_web_processes_sharing_a_multiprocess_dir_each_report_them_all(
    slack_api: FakeSlackApi, redis_url: str, redis_client: object, tmp_path: Path
) -> None:
    shared = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    (tmp_path / "metrics").mkdir()

    with (
        web_process(slack_api, redis_url, tmp_path, shared) as first,
        web_process(slack_api, redis_url, tmp_path, shared) as second,
    ):
        for n, url in enumerate((first, second)):
            body, headers = slash_command(
                "how do I add a card", response_url=slack_api.response_url(str(n))
            )
            assert httpx.post(f"{url}/slack/events", content=body, headers=headers).is_success
        asyncio.run(slack_api.wait_for_responses(2))
        seen = [_samples(httpx.get(f"{url}/metrics", timeout=5).text) for url in (first, second)]

    for samples in seen:
        assert _value(samples, "questions_total", outcome="answered") == 2
        assert _value(samples, "requests_total", surface="http", kind="command") == 2


def test_a_command_run_beside_the_web_process_counts_nothing_into_its_metrics(
    env_without_slack: dict[str, str],
    slack_api: FakeSlackApi,
    mistral_api: FakeMistralAPI,
    redis_url: str,
    redis_client: object,
    tmp_path: Path,
) -> None:
    shared = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    (tmp_path / "metrics").mkdir()
    doctor = {
        **env_without_slack,
        **shared,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api.url,
        "MISTRAL_API_URL": mistral_api.url,
        "REDIS_URL": redis_url,
        "HELP_CHANNELS": "CGONE",  # a Slack API error (channel_not_found) as well
    }

    with web_process(slack_api, redis_url, tmp_path, shared) as url:
        done = run_bot(["doctor"], doctor, tmp_path)
        samples = _samples(httpx.get(f"{url}/metrics", timeout=5).text)

    assert "mistral:" in done.stdout  # the doctor asked Mistral and Slack
    assert _value(samples, "mistral_request_seconds_count", endpoint="/v1/models") == 0
    assert not [name for name, _ in samples if name.startswith("mistral_setup_slack_api_errors")]
