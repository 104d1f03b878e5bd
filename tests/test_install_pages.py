"""The install pages ("Add to Slack") against what an anonymous visitor can do to them:
visit them in a loop, replay or forge a state, frame them, forge a log line."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import time

import pytest
import redis.asyncio as aioredis
from pydantic import SecretStr

from bot.slack.oauth import SignedOAuthStateStore, state_key
from tests.conftest import RunningBot
from tests.fakes.slack_api import FakeSlackApi
from tests.installs import ACME, start_install


async def _keys(client: aioredis.Redis) -> set[str]:
    return {str(name) async for name in client.scan_iter()}


async def test_a_visit_to_the_install_page_writes_nothing_to_redis(
    shared: RunningBot, redis_client: aioredis.Redis
) -> None:
    before = await _keys(redis_client)

    states = {await start_install(shared.http) for _ in range(3)}

    assert len(states) == 3
    assert await _keys(redis_client) == before


async def _return_from_slack(
    shared: RunningBot, slack_api: FakeSlackApi, state: str
) -> tuple[int, str]:
    back = await shared.http.get(
        "/slack/oauth_redirect",
        params={"code": slack_api.add_install(ACME), "state": state},
        headers={"Cookie": f"slack-app-oauth-state={state}"},
    )
    return back.status_code, back.text


@pytest.mark.parametrize(
    ("secret", "issued_ago", "accepted"),
    [
        ("client-secret", 0, True),  # the deployment's own, fresh: the control
        ("client-secret", 601, False),  # older than ten minutes
        ("another-secret", 0, False),  # signed by someone else
    ],
)
async def test_an_install_state_is_good_for_ten_minutes_and_only_when_the_deployment_signed_it(
    shared: RunningBot, slack_api: FakeSlackApi, secret: str, issued_ago: int, accepted: bool
) -> None:
    key = state_key(SecretStr(secret))
    issuer = SignedOAuthStateStore(
        shared.services.redis, key, clock=lambda: time.time() - issued_ago
    )
    state = await issuer.async_issue()

    status, page = await _return_from_slack(shared, slack_api, state)

    assert (status == 200) is accepted
    assert ("expired or was already used" in page) is not accepted


async def test_a_state_with_its_time_changed_is_refused(
    shared: RunningBot, slack_api: FakeSlackApi
) -> None:
    nonce, issued, signature = (await start_install(shared.http)).split(".")
    later = f"{nonce}.{int(issued) + 300}.{signature}"

    status, page = await _return_from_slack(shared, slack_api, later)

    assert status == 401
    assert "expired or was already used" in page


def _style_hash(page: str) -> str:
    found = re.search(r"<style>(.*?)</style>", page, flags=re.DOTALL)
    assert found, page
    digest = hashlib.sha256(found[1].encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


@pytest.mark.parametrize(
    "path", ["/slack/install", "/slack/oauth_redirect?error=access_denied", "/slack/oauth_redirect"]
)
async def test_install_pages_load_nothing_and_may_not_be_framed(
    shared: RunningBot, path: str
) -> None:
    page = await shared.http.get(path)

    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert f"style-src {_style_hash(page.text)}" in policy  # its own style still applies
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"


async def test_a_forged_error_from_the_redirect_is_logged_on_one_line(
    shared: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.slack.oauth")
    forged = (
        "access_denied\n2026-12-01 10:00:00 INFO bot.slack.oauth: Installed in Evil" + "x" * 500
    )

    page = await shared.http.get("/slack/oauth_redirect", params={"error": forged})

    [line] = [r.getMessage() for r in caplog.records if r.name == "bot.slack.oauth"]
    assert page.status_code == 200
    assert "\n" not in line
    assert "'access_denied\\n2026-12-01" in line  # quoted, the line break shown as \n
    assert len(line) < 160  # cut: 500 x's do not reach the log
