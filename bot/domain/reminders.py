"""Reminders: who gets one, what it says, and a person's own switch for them.

A person who did at least one step, and not all of them, and then nothing for
``NUDGE_AFTER_HOURS``, gets one private reminder of their next step: at most one per step
and ``NUDGE_MAX`` in all, never after they finish, after ``forget`` or once they stopped
reminders. When it may go out (their working hours, their workspace's setting) and how it
is sent are the sweep's (``bot.slack.sweep``); this decides whether one is owed and what
it says.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.replies import Checklist, Notice, Nudge, StepState
from bot.guide.content import Content
from bot.person import Person
from bot.state.progress import ProgressStore
from bot.state.reminders import ReminderStore, Sent
from bot.strings import Phrase

DAY = 86400


@dataclass(frozen=True)
class Owed:
    """A reminder owed to a person: its reply, and the step it is about."""

    nudge: Nudge
    step: str


class Reminders:
    """Decides which reminders are owed, and keeps each person's switch for them."""

    def __init__(
        self, content: Content, progress: ProgressStore, store: ReminderStore, *, most: int
    ) -> None:
        self._content = content
        self._progress = progress
        self._store = store
        self._most = most

    async def switch(self, person: Person, on: bool | None) -> Notice:
        """``reminders off``, ``reminders on``, or ``reminders`` alone: where they stand."""
        if on is not None:
            await self._store.stop(person, stopped=not on)
            return Notice(Phrase.of("reminders_resumed" if on else "reminders_stopped"),
                          language=person.speaks)  # fmt: skip
        if not person.workspace.nudges:
            return Notice(Phrase.of("reminders_workspace_off"), language=person.speaks)
        stopped = (await self._store.sent(person.team, person.user)).stopped
        key = "reminders_are_off" if stopped else "reminders_are_on"
        return Notice(Phrase.of(key), language=person.speaks)

    async def owed(self, person: Person, sent: Sent, last_change: float, now: float) -> Owed | None:
        """The reminder owed to ``person`` (what they were ``sent`` so far), if any."""
        if sent.stopped or sent.count >= self._most:
            return None
        done = await self._progress.done(person)
        steps = tuple(
            StepState(number=i, card=card, done=card.topic in done)
            for i, card in enumerate(self._content.steps, start=1)
        )
        checklist = Checklist(steps, None, language=person.speaks)
        step = checklist.next_step
        if not done or not checklist.required_left or step is None:
            return None  # not started, or finished
        if step.card.topic == sent.step:
            return None  # reminded of this step already
        idle = max(1, int((now - last_change) // DAY))
        nudge = Nudge(step, checklist.done_count, checklist.total, idle, person.speaks)
        return Owed(nudge, step.card.topic)
