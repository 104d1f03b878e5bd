"""What the domain answers: typed replies that the surfaces render with templates.

Each reply names its template; Slack renders it to Block Kit, the console renders the
same blocks as text. ``summary`` is the plain-text fallback Slack shows in notifications.
Replies hold no prose of their own: what they say is a catalog key or a ``Phrase``, said
in the reply's ``language`` when it is rendered.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, Literal

from bot import strings
from bot.domain.commands import HelpLine, MarkDone, help_lines
from bot.domain.insights import QuestionFigures, SetupFigures, Stalled
from bot.domain.limits import ASSUMPTIONS, LimitsDescription
from bot.guide.content import Card, Link, Tool
from bot.mistral.models import ModelSummary
from bot.strings import Language, Phrase


@dataclass(frozen=True)
class StepState:
    """One checklist step as one person sees it."""

    number: int
    card: Card
    done: bool


@dataclass(frozen=True)
class Checklist:
    """The setup checklist for one person, with one step opened (the next one by default)."""

    template: ClassVar[str] = "checklist"

    steps: tuple[StepState, ...]
    focus: StepState | None
    notice: Phrase | None = None
    language: Language = "en"
    changed: bool = False  # progress changed: other views of it (App Home) must follow

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def required_left(self) -> int:
        return sum(not s.done and not s.card.optional for s in self.steps)

    @property
    def next_step(self) -> StepState | None:
        """The first required step not done, else the first optional one."""
        pending = [s for s in self.steps if not s.done]
        required = [s for s in pending if not s.card.optional]
        return next(iter(required or pending), None)

    @property
    def summary(self) -> str:
        return strings.text(
            self.language, "summary_checklist", done=self.done_count, total=self.total
        )


@dataclass(frozen=True)
class Nudge:
    """A reminder to someone who stalled: how far they are, and their next step."""

    template: ClassVar[str] = "nudge"

    step: StepState
    done_count: int
    total: int
    idle_days: int
    language: Language = "en"

    @property
    def summary(self) -> str:
        title = self.step.card.title_in(self.language)
        return strings.text(self.language, "summary_nudge", number=self.step.number, title=title)


@dataclass(frozen=True)
class Answer:
    """A question the guide covers, with the card that answers it."""

    template: ClassVar[str] = "answer"

    question: str
    card: Card
    score: float
    related: tuple[Card, ...] = ()
    step_number: int | None = None
    step_done: bool = False
    language: Language = "en"
    note: str = ""  # the workspace's own note on the card, as its admins wrote it

    @property
    def summary(self) -> str:
        return self.card.title_in(self.language)


@dataclass(frozen=True)
class NoAnswer:
    """A question the guide does not cover: say so, offer the closest topics and a human."""

    template: ClassVar[str] = "no_answer"

    question: str
    suggestions: tuple[Card, ...]
    escalation: str = ""
    suggestions_are_close: bool = True  # else they are offered as places to start
    score: float = 0.0  # the best card's score, below the threshold
    language: Language = "en"

    @property
    def summary(self) -> str:
        return strings.text(self.language, "summary_not_covered")


@dataclass(frozen=True)
class Help:
    """What the bot can do; ``problem`` and ``suggestion`` explain a command it did not get."""

    template: ClassVar[str] = "help"

    problem: Phrase | None = None
    suggestion: str = ""
    greeting: bool = False
    admin: bool = False
    language: Language = "en"

    @property
    def lines(self) -> tuple[HelpLine, ...]:
        """The subcommands everyone may run, as ``Subcommand`` declares them."""
        return tuple(line for line in help_lines() if not line.admins_only)

    @property
    def admin_lines(self) -> tuple[HelpLine, ...]:
        """The subcommands only admins may run, shown to admins."""
        return tuple(line for line in help_lines() if line.admins_only and self.admin)

    @property
    def summary(self) -> str:
        return (
            strings.text(self.language, "summary_help")
            if self.problem is None
            else (self.problem.said(self.language))
        )


@dataclass(frozen=True)
class CommandPointer:
    """A command typed without the slash where others can see: point to running it privately.

    ``command`` is what the button runs (never a key); ``tool`` is the dialog it opens
    instead, for ``key`` and ``limits``.
    """

    template: ClassVar[str] = "command_pointer"

    command: str
    tool: Tool | None = None
    language: Language = "en"

    @property
    def summary(self) -> str:
        return strings.text(self.language, "command_pointer_summary", command=self.command)


@dataclass(frozen=True)
class Prompt:
    """A suggested prompt: what a person may click to send, and the label they see."""

    title: str
    message: str


@dataclass(frozen=True)
class ToolOffer:
    """``key`` or ``limits`` without a key: the private dialog is the place to paste one."""

    template: ClassVar[str] = "tool_offer"

    tool: Tool
    language: Language = "en"

    @property
    def summary(self) -> str:
        return strings.text(self.language, f"tool_offer_{self.tool}")


@dataclass(frozen=True)
class LeakWarning:
    """Someone pasted what looks like a Mistral key: delete, revoke, replace.

    ``hints`` name the keys by their last four characters only; ``links`` are where keys
    are revoked (from the content); ``in_dm`` says the message was private to the bot.
    """

    template: ClassVar[str] = "leak_warning"

    hints: tuple[str, ...]
    links: tuple[Link, ...]
    in_dm: bool = False
    language: Language = "en"

    @property
    def summary(self) -> str:
        return strings.text(self.language, "leak_fallback")


@dataclass(frozen=True)
class ConfirmReset:
    """Reset asks first: it forgets every tick."""

    template: ClassVar[str] = "confirm_reset"

    done_count: int
    language: Language = "en"

    @property
    def summary(self) -> str:
        return strings.text(self.language, "summary_reset")


NoticeKind = Literal["info", "warning"]


@dataclass(frozen=True)
class Notice:
    """A short message: something is unavailable, or a command did not apply."""

    template: ClassVar[str] = "notice"

    text: Phrase
    kind: NoticeKind = "info"
    language: Language = "en"

    @property
    def summary(self) -> str:
        return self.text.said(self.language)


class Outcome(StrEnum):
    VALID = "valid"
    NOT_A_KEY = "not_a_key"
    REJECTED = "rejected"
    FORBIDDEN = "forbidden"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"  # Mistral could not answer
    PAUSED = "paused"  # our own store is down, so checks wait
    THROTTLED = "throttled"


@dataclass(frozen=True)
class KeyReport:
    """What a key check found, in words."""

    template: ClassVar[str] = "key_report"
    # The checklist step a working key completes: the report offers to mark it done.
    completes: ClassVar[MarkDone] = MarkDone("create-api-key")

    hint: str
    outcome: Outcome
    message: Phrase | None = None  # why the key does not work, when it does not
    models: ModelSummary | None = None
    language: Language = "en"

    @property
    def summary(self) -> str:
        if self.message is None:
            return strings.text(self.language, "summary_key_works", hint=self.hint)
        return self.message.said(self.language)


@dataclass(frozen=True)
class LimitsReport:
    """Rate limits per model, or why they could not be read; also the progress while checking."""

    template: ClassVar[str] = "limits_report"

    hint: str
    outcome: Outcome
    message: Phrase | None = None  # why the limits could not be read
    admin: bool = False
    models: tuple[LimitsDescription, ...] = ()
    skipped: tuple[str, ...] = ()
    checking: Phrase | None = None  # set while the check runs: what it is doing now
    assumptions: Phrase = ASSUMPTIONS
    links: tuple[Link, ...] = ()  # where to see limits and ask for more (from the content)
    language: Language = "en"

    @property
    def summary(self) -> str:
        said = self.checking or self.message
        if said is None:
            return strings.text(self.language, "summary_limits", hint=self.hint)
        return said.said(self.language)


@dataclass(frozen=True)
class Member:
    """One person's place in the setup, for the team view."""

    user: str
    done: int
    next_step: Card | None
    last_change: float


@dataclass(frozen=True)
class TeamProgress:
    """Who has started the setup, how far each is, and the steps most people are stuck on."""

    template: ClassVar[str] = "team"

    members: tuple[Member, ...]  # this page
    started: int
    total_steps: int
    stuck: tuple[tuple[Card, int], ...]  # a step, and how many people it is next for
    page: int = 1
    pages: int = 1
    language: Language = "en"
    setup: SetupFigures | None = None  # the funnel, who finished and how fast
    questions: QuestionFigures | None = None  # the last weeks' questions

    @property
    def summary(self) -> str:
        return strings.text(self.language, "summary_team", count=self.started)


@dataclass(frozen=True)
class Digest:
    """The week for the team's leads: who started and finished in the last 7 days and in
    all, how long finishing takes, the funnel, who stalled, what the guide did not cover
    and which answers were found not helpful."""

    template: ClassVar[str] = "digest"

    setup: SetupFigures
    started_week: int
    finished_week: int
    stalled: tuple[Stalled, ...]
    uncovered: tuple[Gap, ...]  # the week's questions the guide did not cover, most asked first
    unhelpful: tuple[tuple[Card, int], ...]  # the week's 👎, by card, most first
    language: Language = "en"

    @property
    def summary(self) -> str:
        return strings.text(
            self.language,
            "summary_digest",
            started=self.started_week,
            finished=self.finished_week,
        )


@dataclass(frozen=True)
class Gap:
    """Similar questions the guide did not cover, grouped."""

    question: str  # the most recent wording
    count: int
    last_asked: float
    others: tuple[str, ...] = ()  # other wordings, a few
    # The card that came closest, and the line that adds the question to its `questions`.
    nearest: Card | None = None
    entry: str = ""


@dataclass(frozen=True)
class GapsReport:
    """What the content's authors should write next."""

    template: ClassVar[str] = "gaps"

    unanswered: tuple[Gap, ...]  # the biggest groups
    unhelpful: tuple[tuple[Card, int, int, float], ...]  # topic, not helpful, helpful, last vote
    retention_days: int
    more_groups: int = 0  # groups beyond those shown
    language: Language = "en"

    @property
    def summary(self) -> str:
        groups = len(self.unanswered) + self.more_groups
        return strings.text(self.language, "summary_gaps", count=groups)


@dataclass(frozen=True)
class ConfirmForget:
    """Forgetting asks first: it deletes progress, votes and logged questions."""

    template: ClassVar[str] = "confirm_forget"

    language: Language = "en"

    @property
    def summary(self) -> str:
        return strings.text(self.language, "summary_forget")


Reply = (
    Checklist
    | Answer
    | NoAnswer
    | Help
    | CommandPointer
    | ToolOffer
    | LeakWarning
    | ConfirmReset
    | Notice
    | KeyReport
    | LimitsReport
    | TeamProgress
    | GapsReport
    | ConfirmForget
    | Nudge
    | Digest
)
