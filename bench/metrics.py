"""What the metrics and the JSON log context add to a request, against the request itself.

    python bench/metrics.py                 2,000 requests, 5 rounds
    python bench/metrics.py --requests 5000 --rounds 9

A request: a ``/mistral-setup how do I add a card`` slash command dispatched through the
bot's Bolt app as Socket Mode hands it over (no HTTP, the embedded store, replies sent to
the fake Slack API on loopback), its reply included. The instruments: what each such
request now does more, in the same process: count and time it (``Metrics.request``), name
its workspace and event for the log (``bot.logs.REQUEST``), count the question, track the
owed reply (the gauge up and down).

The machine is shared, so the figures are this process's CPU time, and the verdict is the
median of the rounds' ratios of the instruments to the request.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import logs
from bot.services import build
from bot.settings import Settings
from bot.slack.app import create_app, web_api_session
from bot.slack.payloads import kind_of
from tests.fakes.slack_api import FakeSlackApi
from tests.slack_requests import slash_command, socket_mode_envelope, socket_mode_request


async def _requests(count: int, slack: FakeSlackApi) -> float:
    """CPU seconds per request: dispatched, acked and answered."""
    settings = Settings(
        _env_file=None,
        slack_bot_token="xoxb-bench",
        slack_app_token="xapp-bench",
        slack_api_url=slack.url,
    )
    services = build(settings)
    app = create_app(services)
    envelopes = [
        socket_mode_envelope(
            "slash_commands",
            slash_command("how do I add a card", response_url=slack.response_url(str(n))).payload,
        )
        for n in range(count)
    ]
    async with web_api_session(app):
        await app.async_dispatch(socket_mode_request(envelopes[0]))  # warm: auth.test, caches
        await slack.wait_for_responses(1, timeout=30)
        slack.clear()
        start = time.process_time()
        for envelope in envelopes:
            await app.async_dispatch(socket_mode_request(envelope))
        await slack.wait_for_responses(count, timeout=120)
        while len(services.owed):  # noqa: ASYNC110  (owed work signals nothing)
            await asyncio.sleep(0.001)
        spent = time.process_time() - start
    await services.close()
    return spent / count


def _instruments(count: int) -> float:
    """CPU seconds per request of what the instruments add to it."""
    settings = Settings(_env_file=None)
    services = build(settings)
    metrics = services.metrics
    body = slash_command("how do I add a card").payload
    start = time.process_time()
    for _ in range(count):
        began = time.perf_counter()
        logs.REQUEST.set(logs.Request("T111", None))
        metrics.answered.inc()
        metrics.owed_tasks.inc()
        metrics.owed_tasks.dec()
        metrics.request("socket", kind_of(body), time.perf_counter() - began)
    spent = time.process_time() - start
    asyncio.run(services.close())
    return spent / count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    ratios = []
    with FakeSlackApi() as slack:
        for round_ in range(1, args.rounds + 1):
            request = asyncio.run(_requests(args.requests, slack))
            added = _instruments(args.requests)
            ratios.append(added / request)
            print(
                f"round {round_}: request {request * 1e6:8.1f} µs, instruments "
                f"{added * 1e6:5.2f} µs, ratio {added / request:.4f}"
            )
    print(f"median: the instruments add {statistics.median(ratios):.2%} to a request's CPU time")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
