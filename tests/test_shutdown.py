"""Restarts lose nothing: on SIGTERM both modes stop taking work, finish what they owe, exit.

Each test runs a Procfile line as a subprocess, gets a burst of work acked, sends SIGTERM
at once, and checks what Slack (the fake) received by the time the process exited.
"""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import httpx
import redis.asyncio as aioredis

from tests.fakes.mistral_api import FakeMistralAPI, Scenario
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.socket_mode import FakeSocketMode
from tests.slack_requests import slash_command, socket_mode_envelope
from tests.web_process import procfile_process

# The figures: a burst of 200 acked commands, 50 at a time.
BURST = 200
AT_ONCE = 50
# How long after its last reply a process may take to exit.
EXIT_AFTER_LAST_REPLY = 5.0


def _exited(process: object, timeout: float) -> float:
    """Wait for the process to exit; when it did."""
    import subprocess

    assert isinstance(process, subprocess.Popen)
    process.wait(timeout=timeout)
    return time.time()


async def test_sigterm_after_a_burst_of_acked_commands_loses_no_reply(
    slack_api: FakeSlackApi,
    mistral_api: FakeMistralAPI,
    redis_url: str,
    redis_client: aioredis.Redis,
    tmp_path: Path,
) -> None:
    # Half are key checks that take Mistral three seconds: their replies are still owed
    # when SIGTERM comes. The rest are questions and ticks.
    slow = Scenario(delay=3.0)
    texts = [
        f"key {mistral_api.add_key(slow)}"
        if n % 2
        else ("how do I add a card?", "done 1")[n % 4 // 2]
        for n in range(BURST)
    ]
    requests = [
        slash_command(text, user=f"U{n:03d}", response_url=slack_api.response_url(str(n)))
        for n, text in enumerate(texts)
    ]
    env = {"MISTRAL_API_URL": mistral_api.url}
    stderr = tmp_path / "stderr.log"
    with (
        stderr.open("w", encoding="utf-8") as log,
        procfile_process("web", slack_api, redis_url, tmp_path, env, stderr=log) as web,
    ):
        limit = asyncio.Semaphore(AT_ONCE)

        async def send(http: httpx.AsyncClient, body: str, headers: dict[str, str]) -> int:
            async with limit:
                response = await http.post("/slack/events", content=body, headers=headers)
                return response.status_code

        async with httpx.AsyncClient(base_url=web.url, timeout=30) as http:
            statuses = await asyncio.gather(*(send(http, b, h) for b, h in requests))
        assert statuses == [200] * BURST  # every command acked
        web.process.send_signal(signal.SIGTERM)
        exited = await asyncio.to_thread(_exited, web.process, 40)

    # A key check says "checking…" first; its result then replaces it.
    replies = [r for r in slack_api.responses if r.body.get("replace_original", True)]
    assert sorted(reply.path for reply in replies) == sorted(f"/response/{n}" for n in range(BURST))
    checks = [r for r in replies if int(r.path.rsplit("/", 1)[1]) % 2]
    assert all(" works" in r.body["text"] for r in checks)  # Mistral's answer, not a give-up
    assert exited - max(reply.timestamp for reply in replies) < EXIT_AFTER_LAST_REPLY
    written = stderr.read_text(encoding="utf-8")
    assert "none abandoned" in written
    assert "Traceback" not in written


async def test_a_deadline_shorter_than_the_work_names_what_was_abandoned(
    slack_api: FakeSlackApi,
    mistral_api: FakeMistralAPI,
    redis_url: str,
    redis_client: aioredis.Redis,
    tmp_path: Path,
) -> None:
    slow = mistral_api.add_key(Scenario(delay=10.0))
    env = {"SHUTDOWN_GRACE_SECONDS": "0.5", "MISTRAL_API_URL": mistral_api.url}
    body, headers = slash_command(
        f"key {slow}", user="U777", response_url=slack_api.response_url("slow")
    )
    stderr = tmp_path / "stderr.log"
    with (
        stderr.open("w", encoding="utf-8") as log,
        procfile_process("web", slack_api, redis_url, tmp_path, env, stderr=log) as web,
    ):
        async with httpx.AsyncClient(base_url=web.url, timeout=10) as http:
            assert (await http.post("/slack/events", content=body, headers=headers)).is_success
        await slack_api.wait_for_responses(1)  # "checking…": the key check is under way
        web.process.send_signal(signal.SIGTERM)
        signalled = time.time()
        exited = await asyncio.to_thread(_exited, web.process, 20)

    written = stderr.read_text(encoding="utf-8")
    assert exited - signalled < EXIT_AFTER_LAST_REPLY
    assert "0 replies finished, 1 abandoned" in written
    assert "/mistral-setup team T111 user U777 channel" in written  # enough to follow up
    assert slow not in written


async def test_socket_mode_stops_receiving_then_finishes_what_it_acked(
    slack_api: FakeSlackApi,
    socket_mode: FakeSocketMode,
    mistral_api: FakeMistralAPI,
    redis_url: str,
    redis_client: aioredis.Redis,
    tmp_path: Path,
) -> None:
    # Key checks that take Mistral three seconds: still running when SIGTERM arrives.
    people = [f"U{n:03d}" for n in range(20)]
    keys = {user: mistral_api.add_key(Scenario(delay=3.0)) for user in people}
    env = {"SLACK_APP_TOKEN": "xapp-1-test", "MISTRAL_API_URL": mistral_api.url}
    stderr = tmp_path / "stderr.log"
    with (
        stderr.open("w", encoding="utf-8") as log,
        procfile_process("worker", slack_api, redis_url, tmp_path, env, stderr=log) as worker,
    ):
        assert await asyncio.to_thread(socket_mode.connected.wait, 30)
        for user in people:
            command = slash_command(
                f"key {keys[user]}", user=user, response_url=slack_api.response_url(user)
            )
            socket_mode.send(socket_mode_envelope("slash_commands", command.payload))
        await asyncio.to_thread(socket_mode.wait_for_acks, len(people))
        worker.process.send_signal(signal.SIGTERM)
        exited = await asyncio.to_thread(_exited, worker.process, 40)

    results = [r for r in slack_api.responses if r.body.get("replace_original")]
    assert sorted(r.path for r in results) == sorted(f"/response/{user}" for user in people)
    assert all(" works" in r.body["text"] for r in results)
    assert socket_mode.closed_at is not None
    assert socket_mode.closed_at < min(r.timestamp for r in results)  # closed, then drained
    assert exited - max(r.timestamp for r in results) < EXIT_AFTER_LAST_REPLY
    written = stderr.read_text(encoding="utf-8")
    assert "none abandoned" in written
    assert "Traceback" not in written


async def test_socket_mode_acks_what_it_answers_when_sigterm_lands_mid_burst(
    slack_api: FakeSlackApi,
    socket_mode: FakeSocketMode,
    redis_url: str,
    redis_client: aioredis.Redis,
    tmp_path: Path,
) -> None:
    # Every envelope is either acked and answered, or neither (Slack then sends it to
    # another connection): never answered without an ack, which Slack would send again.
    env = {"SLACK_APP_TOKEN": "xapp-1-test"}
    envelopes = {}
    stderr = tmp_path / "stderr.log"
    with (
        stderr.open("w", encoding="utf-8") as log,
        procfile_process("worker", slack_api, redis_url, tmp_path, env, stderr=log) as worker,
    ):
        assert await asyncio.to_thread(socket_mode.connected.wait, 30)
        for n in range(60):
            command = slash_command(
                "how do I add a card?",
                user=f"U{n:03d}",
                response_url=slack_api.response_url(str(n)),
            )
            envelope = socket_mode_envelope("slash_commands", command.payload)
            envelopes[envelope["envelope_id"]] = f"/response/{n}"
            socket_mode.send(envelope)
        worker.process.send_signal(signal.SIGTERM)  # while envelopes are still arriving
        await asyncio.to_thread(_exited, worker.process, 40)

    answered = {reply.path for reply in slack_api.responses}
    acked = {envelopes[envelope_id] for envelope_id in socket_mode.acks}
    assert answered == acked
    assert "Traceback" not in stderr.read_text(encoding="utf-8")
