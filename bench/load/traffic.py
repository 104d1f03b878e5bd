"""The requests of one phase, in the mix of what people do, and the replies they are owed."""

from __future__ import annotations

import asyncio
import csv
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bot import strings
from tests.fakes.slack_api import FakeSlackApi, Install
from tests.slack_requests import (
    BOT_USER_ID,
    TEAM,
    SignedRequest,
    app_home_opened,
    app_mention,
    event_callback,
    im_message,
    message_event,
    slash_command,
)

QUESTIONS = Path(__file__).resolve().parents[2] / "tests" / "data" / "dev-questions.tsv"
# One cycle of the mix, repeated: 20 requests, spread so that no kind comes in a run.
# A mention in a channel reaches the bot twice, as app_mention and as message.channels
# (the manifest subscribes to both): its "copy" follows it, with the same message.
CYCLE = (
    "home", "checklist", "question", "mention", "copy", "dm", "done", "next",
    "home", "done", "question", "dm", "checklist", "mention", "copy", "next",
    "home", "done", "question", "dm",
)  # fmt: skip
COMMANDS = {"checklist": "", "next": "next"}  # slash command texts; done N and questions vary
STEPS = 12  # the checklist's length: `done N` stays a real step
USERS = 50  # progress is per person; several people make the Redis keys realistic
# Replies that mean the work after the ack failed, though a reply was sent.
DEGRADED_TEXTS = frozenset(
    strings.text("en", key) for key in ("store_unavailable", "something_went_wrong")
)


def questions() -> list[str]:
    """The development questions of bench/qa.py, asked here as people would."""
    with QUESTIONS.open(encoding="utf-8") as handle:
        rows = [row for row in csv.reader(handle, delimiter="\t") if row and row[0][:1] != "#"]
    return [row[2] for row in rows[1:]]  # the first row is the header


@dataclass(frozen=True)
class Replies:
    """What the fake Slack received for one phase: counts by where the reply went."""

    commands: int  # slash commands answered on their response_url
    messages: int  # mentions and DMs answered in their channel
    homes: int  # Home tabs published for the people who opened them
    degraded: int = 0  # replies saying Redis was unreachable or something went wrong
    lag: float = 0.0  # seconds from the last ack to the last reply (or to giving up)

    def covers(self, expected: Replies) -> bool:
        got = (self.commands, self.messages, self.homes)
        return got == (expected.commands, expected.messages, expected.homes)


@dataclass(frozen=True)
class Traffic:
    """The requests of one phase and where their replies go.

    ``tag`` names the phase in response_url paths and channel IDs, so that the replies
    of a round are told from the warm-up's and the other rounds'. Home tabs carry no tag:
    those published since ``homes_before`` are this phase's, since phases never overlap.
    """

    tag: str
    count: int
    slack: FakeSlackApi
    questions: list[str]
    workspaces: tuple[Install, ...] = ()  # installed ones to spread requests over, if any
    homes_before: int = 0
    epoch: int = 0  # the seconds of every message's ts: a copy must repeat its mention's

    @classmethod
    def of(
        cls,
        tag: str,
        count: int,
        slack: FakeSlackApi,
        questions: list[str],
        workspaces: tuple[Install, ...] = (),
    ) -> Traffic:
        """A phase that starts now."""
        homes = _home_publishes(slack)
        return cls(tag, count, slack, questions, workspaces, homes, int(time.time()))

    @property
    def kinds(self) -> Counter[str]:
        return Counter(CYCLE[i % len(CYCLE)] for i in range(self.count))

    def expected(self) -> Replies:
        kinds = self.kinds
        commands = sum(kinds[kind] for kind in ("checklist", "done", "next", "question"))
        return Replies(commands, kinds["mention"] + kinds["dm"], kinds["home"])

    @property
    def channel(self) -> str:
        return f"CHELP{self.tag.upper()}"

    @property
    def dm_prefix(self) -> str:
        return f"DBENCH{self.tag.upper()}-"

    @property
    def response_prefix(self) -> str:
        return f"/response/{self.tag}-"

    def build(self, index: int) -> SignedRequest:
        """Request ``index``, signed now: every body is unique, so no signature repeats."""
        kind = CYCLE[index % len(CYCLE)]
        user = f"U{1000 + index % USERS}"
        team, bot_user = TEAM, BOT_USER_ID
        if self.workspaces:
            workspace = self.workspaces[index % len(self.workspaces)]
            team, bot_user = str(workspace.team_id), workspace.bot_user_id
        if kind in ("mention", "copy", "dm", "home"):
            event = self._event(kind, index, user, bot_user)
            event_id = f"Ev{self.tag}{index:08d}"
            return event_callback(event, event_id=event_id, team=team, bot_user=bot_user)
        url = self.slack.response_url(f"{self.tag}-{index}")
        return slash_command(self._command(kind, index), user=user, team=team, response_url=url)

    def _command(self, kind: str, index: int) -> str:
        if kind == "done":
            return f"done {1 + (index // len(CYCLE)) % STEPS}"
        return COMMANDS.get(kind, self._question(index))

    def _question(self, index: int) -> str:
        return self.questions[index % len(self.questions)]

    def _event(self, kind: str, index: int, user: str, bot_user: str) -> dict[str, object]:
        # A copy is of the mention just before it: the same message, text and ts.
        of = index - 1 if kind == "copy" else index
        ts = f"{self.epoch}.{of:06d}"
        if kind == "home":
            # Their own people, so that a Home published after `done N` is not counted.
            return app_home_opened(user=f"UH{index % USERS}")
        if kind == "dm":
            return im_message(
                self._question(of), user=user, channel=f"{self.dm_prefix}{user}", ts=ts
            )
        text = f"<@{bot_user}> {self._question(of)}"
        if kind == "mention":
            return app_mention(text, user=user, channel=self.channel, ts=ts)
        return message_event(text, user=user, channel=self.channel, ts=ts)

    def replies(self) -> Replies:
        """What the fake Slack received for this phase so far."""
        posts = [p for p in self.slack.responses if p.path.startswith(self.response_prefix)]
        messages = [
            call.args
            for call in self.slack.calls()
            if call.method in ("chat.postMessage", "chat.postEphemeral")
            and (
                call.args.get("channel") == self.channel
                or str(call.args.get("channel", "")).startswith(self.dm_prefix)
            )
        ]
        texts = [str(p.body.get("text", "")) for p in posts]
        texts += [str(m.get("text", "")) for m in messages]
        return Replies(
            commands=len({p.path for p in posts}),
            messages=len(messages),
            homes=_home_publishes(self.slack) - self.homes_before,
            degraded=sum(text in DEGRADED_TEXTS for text in texts),
        )

    async def wait_for_replies(self, timeout: float) -> Replies:  # noqa: ASYNC109
        """Poll the fake Slack until every reply arrived or ``timeout`` passed."""
        expected = self.expected()
        started = time.perf_counter()
        # Polling: the fake's own wait_for counts other phases' calls too. Each poll reads
        # every call of the run, and a lag in seconds needs no finer grain than 0.2 s.
        while not (got := self.replies()).covers(expected):
            if time.perf_counter() - started > timeout:
                break
            await asyncio.sleep(0.2)
        lag = time.perf_counter() - started
        return Replies(got.commands, got.messages, got.homes, got.degraded, lag)


def _home_publishes(slack: FakeSlackApi) -> int:
    """Home tabs published so far for the people who only open Home."""
    return sum(
        str(c.args.get("user_id", "")).startswith("UH") for c in slack.calls("views.publish")
    )
