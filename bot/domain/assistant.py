"""The domain: what the bot does with a command or a question, whatever surface it came from.

Slack listeners and the console both call ``Assistant.handle`` (or the narrower methods
behind it) and differ only in how they render the reply. Nothing here imports Slack.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import assert_never

from bot import strings
from bot.apikeys import find_leaked_keys, mask_secrets
from bot.domain import commands
from bot.domain.answers import answer, card_answer
from bot.domain.dashboard import Dashboard
from bot.domain.gaps import gaps_report
from bot.domain.keychecks import KeyChecker, LimitsProgress
from bot.domain.reminders import Reminders
from bot.domain.replies import (
    Answer,
    Checklist,
    ConfirmForget,
    ConfirmReset,
    Digest,
    Help,
    KeyReport,
    LeakWarning,
    LimitsReport,
    NoAnswer,
    Notice,
    Prompt,
    Reply,
    StepState,
    TeamProgress,
    ToolOffer,
)
from bot.domain.team import team_progress
from bot.errors import AmbiguousStep, BotError, StoreUnavailable, UnknownStep
from bot.guide.content import Card, Content, Tool
from bot.guide.language import language_of
from bot.guide.search import Index
from bot.guide.words import words
from bot.metrics import Metrics
from bot.person import Person, Workspace, org_workspace, settings_key
from bot.state import archive
from bot.state.feedback import FeedbackStore
from bot.state.privacy import Privacy
from bot.state.progress import ProgressStore
from bot.state.workspaces import NOTE_LIMIT, WorkspaceSettings
from bot.strings import LANGUAGES, Language, Phrase

log = logging.getLogger(__name__)

# A step name typed by hand ("api key", "card") is matched like a question among the
# steps: it must score this much, and this much more than the next step, to be chosen.
STEP_NAME_SCORE = 0.15
STEP_NAME_MARGIN = 0.05

ADMINS_ONLY = Phrase.of("admins_only")


class Assistant:
    """Runs commands and answers questions for one person at a time."""

    # Every collaborator is required and private: a surface reaches each capability
    # through a method here, and only here (the composition root holds the stores).
    def __init__(
        self,
        content: Content,
        index: Index,
        progress: ProgressStore,
        feedback: FeedbackStore,
        privacy: Privacy,
        keys: KeyChecker,
        workspaces: WorkspaceSettings,
        reminders: Reminders,
        dashboard: Dashboard,
        metrics: Metrics,
    ) -> None:
        self._content = content
        self._index = index
        self._progress = progress
        self._feedback = feedback
        self._keys = keys
        self._privacy = privacy
        self._workspaces = workspaces
        self._reminders = reminders
        self._dashboard = dashboard
        self._metrics = metrics

    async def handle(self, person: Person, text: str) -> Reply:
        """Run the text of ``/mistral-setup`` (or a console line) and return the reply."""
        return await self.run(person, commands.parse(text))

    async def run(self, person: Person, command: commands.Command) -> Reply:
        """Run a parsed command; an expected failure becomes a notice the person can read."""
        if commands.admins_only(command) and not person.admin:
            return Notice(ADMINS_ONLY, language=person.speaks)
        try:
            return await self._run(person, command)
        except BotError as error:
            return Notice(Phrase.of_error(error), "warning", person.speaks)

    async def _run(self, person: Person, command: commands.Command) -> Reply:
        match command:
            case commands.ShowChecklist() | commands.NextStep():
                return await self.checklist(person)
            case commands.ShowStep(ref):
                return await self.checklist(person, focus=self.resolve_step(ref).topic)
            case commands.MarkDone(ref):
                return await self.mark_done(person, self.resolve_step(ref).topic)
            case commands.Undo(ref):
                return await self.undo(person, self.resolve_step(ref).topic)
            case commands.Reset(confirmed=confirmed):
                return await self.reset(person, confirmed=confirmed)
            case commands.Forget(confirmed=confirmed):
                return await self.forget(person, confirmed=confirmed)
            case commands.SetReminders(on=on):
                return await self._reminders.switch(person, on)
            case commands.Ask(question):
                return await self.ask(person, question, private=True)
            case commands.CheckKey() | commands.ShowLimits():
                return await self._check(person, command)
            case commands.ShowTeam() | commands.ShowGaps():
                return await self._admin_view(person, command)
            case commands.ShowHelp():
                return Help(admin=person.admin, language=person.speaks)
            case commands.Unknown(problem=problem, suggestion=suggestion):
                return Help(problem, suggestion or "", admin=person.admin, language=person.speaks)
            case _:
                assert_never(command)

    async def _check(
        self, person: Person, command: commands.CheckKey | commands.ShowLimits
    ) -> Reply:
        """A key check or a limits summary; without a key, the offer of the private dialog."""
        tool: Tool = "key" if isinstance(command, commands.CheckKey) else "limits"
        if command.key is None:
            return ToolOffer(tool, person.speaks)
        if tool == "key":
            return await self.check_key(person, command.key)
        return await self.read_limits(person, command.key)

    async def check_key(self, person: Person, key: str) -> KeyReport:
        """Whether ``key`` works and which models it reaches (``key KEY``, the key dialog)."""
        return await self._keys.check(person, key)

    async def read_limits(
        self,
        person: Person,
        key: str,
        models: tuple[str, ...] = (),
        progress: LimitsProgress | None = None,
    ) -> LimitsReport:
        """The key's rate limits per model (``limits KEY``, the limits dialog, which picks
        ``models`` and shows each step's ``progress``)."""
        return await self._keys.limits(person, key, models, progress)

    async def _admin_view(
        self, person: Person, command: commands.ShowTeam | commands.ShowGaps
    ) -> Reply:
        """The team's progress or the content gaps (``run`` lets only admins here): in an
        org-wide install, of the admin's own workspace only."""
        team = person.team
        if isinstance(command, commands.ShowTeam):
            return await self.team(team, command.page, person.speaks, person.workspace_id)
        seen = await self._dashboard.seen(team, person.org_workspace)
        return await gaps_report(self._feedback, self._index, team, person.speaks, seen=seen)

    async def team(
        self, team: str, page: int, language: Language, workspace: str = ""
    ) -> TeamProgress:
        """The team view: everyone's progress, the funnel, and the last weeks' questions
        (of ``workspace`` only, when it is one workspace of the organisation ``team``)."""
        workspace = org_workspace(team, workspace)
        seen = await self._dashboard.seen(team, workspace)
        view = await team_progress(self._progress, self._content, team, page, language, seen)
        return dataclasses.replace(
            view,
            setup=await self._dashboard.setup(team, language, workspace),
            questions=await self._dashboard.questions(team, language, workspace),
        )

    async def digest(self, team: str, workspace: str, language: Language | None) -> Digest:
        """The weekly digest of ``workspace`` (``team`` itself, or one workspace of the
        organisation ``team``) for its leads, in ``language`` (None: the workspace's
        language, English when it has none)."""
        if language is None:
            language = (await self.workspace(settings_key(team, workspace))).language or "en"
        return await self._dashboard.digest(team, language, org_workspace(team, workspace))

    async def digest_recipients(self, team: str, workspace: str) -> list[str]:
        """Who gets the digest of ``workspace`` (as for ``digest``): its admins (its
        settings over ADMIN_USERS) and its Slack admins who used the bot lately, each once."""
        admins = (await self.workspace(settings_key(team, workspace))).admin_users
        slack_admins = await self._dashboard.slack_admins(team, org_workspace(team, workspace))
        return sorted(admins | slack_admins)

    async def chart(self, team: str, language: Language, workspace: str = "") -> bytes:
        """The team chart as a PNG (drawn off the event loop); ``workspace`` as for
        ``digest``."""
        return await self._dashboard.chart(team, language, org_workspace(team, workspace))

    async def home_chart(self, team: str, workspace: str, channel: str) -> str | None:
        """The chart of ``workspace`` (as for ``digest``) uploaded lately into an admin's DM
        ``channel`` (App Home's file id)."""
        return await self._dashboard.chart_file(team, workspace or team, channel)

    async def keep_home_chart(self, team: str, workspace: str, channel: str, file_id: str) -> None:
        """The chart just uploaded into ``channel``: App Home shows it for a few minutes."""
        await self._dashboard.keep_chart_file(team, workspace or team, channel, file_id)

    async def checklist(
        self,
        person: Person,
        *,
        focus: str | None = None,
        notice: Phrase | None = None,
        changed: bool = False,
        done: frozenset[str] | None = None,
    ) -> Checklist:
        """The person's checklist, opened at ``focus`` or at the next step to do; ``done``
        when the steps done are known already (read with the change just made)."""
        if done is None:
            done = await self._progress.done(person)
        steps = tuple(
            StepState(number=i, card=card, done=card.topic in done)
            for i, card in enumerate(self._content.steps, start=1)
        )
        focused = next((s for s in steps if s.card.topic == focus), None)
        checklist = Checklist(steps, focused, notice, person.speaks, changed)
        return checklist if focused else dataclasses.replace(checklist, focus=checklist.next_step)

    async def mark_done(self, person: Person, topic: str) -> Checklist:
        change = await self._progress.mark_done(person, topic)
        notice = self._notice(person, "marked" if change.changed else "already_done", topic)
        checklist = await self.checklist(
            person, notice=notice, changed=change.changed, done=change.done
        )
        if change.changed and checklist.required_left == 0:
            await self._progress.finished(person, finished=True)
        return checklist

    async def undo(self, person: Person, topic: str) -> Checklist:
        change = await self._progress.undo(person, topic)
        notice = self._notice(person, "undone" if change.changed else "was_not_done", topic)
        checklist = await self.checklist(
            person, focus=topic, notice=notice, changed=change.changed, done=change.done
        )
        if change.changed and checklist.required_left:
            await self._progress.finished(person, finished=False)
        return checklist

    async def reset(self, person: Person, *, confirmed: bool) -> Reply:
        """Forget every tick, once the person has said yes."""
        if not confirmed:
            done = await self._progress.done(person)
            return ConfirmReset(done_count=len(done), language=person.speaks)
        await self._progress.reset(person)
        return await self.checklist(person, notice=Phrase.of("reset_done"), changed=True)

    async def forget(self, person: Person, *, confirmed: bool) -> Reply:
        """Delete everything kept about the person, once they have said yes."""
        if not confirmed:
            return ConfirmForget(language=person.speaks)
        gone = await self._privacy.forget(person)
        notice = Phrase.of(
            "forgotten",
            steps=Phrase.of("steps_count", count=gone.steps),
            votes=Phrase.of("votes_count", count=gone.votes),
            questions=Phrase.of("questions_count", count=gone.questions),
        )
        # An empty checklist, marked changed, so App Home forgets too.
        return await self.checklist(person, notice=notice, changed=True)

    def _notice(self, person: Person, key: str, topic: str) -> Phrase:
        return self._titled(key, topic, person.speaks)

    def _titled(self, key: str, topic: str, language: Language) -> Phrase:
        """``key`` naming ``topic``'s card by its title (by its id, once it is gone)."""
        title = self._content.card(topic).title_in(language) if self._content.has(topic) else topic
        return Phrase.of(key, title=title)

    async def change_workspace(self, person: Person, workspace: Workspace) -> Notice:
        """Keep new settings for the person's workspace: admins only."""
        if not person.admin:
            return Notice(Phrase.of("settings_admins_only"), "warning", person.speaks)
        try:
            await self._workspaces.save(person.settings_key, workspace)
        except StoreUnavailable as error:
            return Notice(Phrase.of_error(error), "warning", person.speaks)
        log.info("Settings of workspace %s changed by %s", person.team, person.user)
        return Notice(Phrase.of("settings_saved"), language=workspace.language or person.speaks)

    async def workspace(self, settings_key: str) -> Workspace:
        """A workspace's settings (``Person.settings_key``): the defaults where none are kept."""
        return await self._workspaces.get(settings_key)

    async def change_note(self, person: Person, topic: str, text: str) -> Notice:
        """An admin's note on ``topic`` for their workspace (App Home): kept, or, when
        ``text`` is empty, the card's note removed."""
        if not person.admin:
            return Notice(Phrase.of("notes_admins_only"), "warning", person.speaks)
        if not text.strip() and self._content.has(topic):
            return await self.clear_note(person.settings_key, topic, person.speaks)
        return await self.keep_note(person.settings_key, topic, text, person.speaks)

    @property
    def cards(self) -> tuple[Card, ...]:
        """Every card, in the guide's order: those a workspace may add a note to."""
        return self._content.cards

    def noted_cards(self, workspace: Workspace) -> tuple[tuple[Card, str], ...]:
        """The cards ``workspace`` keeps a note on, with the note, in the guide's order."""
        return tuple(
            (card, workspace.note(card.topic))
            for card in self._content.cards
            if workspace.note(card.topic)
        )

    async def keep_note(
        self, settings_key: str, topic: str, text: str, language: Language
    ) -> Notice:
        """Keep ``text`` as the workspace's note on ``topic``'s card (``settings_key``:
        ``Person.settings_key``); a kind warning, and nothing changed, when it cannot be."""
        text = text.strip()
        problem = self._note_problem(topic, text)
        if problem is not None:
            return Notice(problem, "warning", language)
        try:
            await self._workspaces.keep_note(settings_key, topic, text)
        except StoreUnavailable as error:
            return Notice(Phrase.of_error(error), "warning", language)
        log.info("Note on %s kept for workspace %s", topic, settings_key)
        return Notice(self._titled("note_saved", topic, language), language=language)

    async def clear_note(self, settings_key: str, topic: str, language: Language) -> Notice:
        """Remove the workspace's note on ``topic``'s card."""
        try:
            dropped = await self._workspaces.drop_note(settings_key, topic)
        except StoreUnavailable as error:
            return Notice(Phrase.of_error(error), "warning", language)
        if not dropped:
            return Notice(self._titled("note_none", topic, language), "warning", language)
        log.info("Note on %s removed for workspace %s", topic, settings_key)
        return Notice(self._titled("note_removed", topic, language), language=language)

    def _note_problem(self, topic: str, text: str) -> Phrase | None:
        """Why a note cannot be kept, or None."""
        if not self._content.has(topic):
            return Phrase.of("note_unknown_topic", topic=topic)
        if not text:
            return Phrase.of("note_empty")
        if len(text) > NOTE_LIMIT:
            return Phrase.of("note_too_long", limit=NOTE_LIMIT, length=len(text))
        return None

    async def forget_workspace(self, team: str) -> archive.Team:
        """The workspace (or organisation) uninstalled the app: delete its settings, its
        notes and everything kept about its people; return the records deleted."""
        await self._workspaces.forget(team)
        return await self._privacy.forget_team(team)

    async def forget_org_workspace(self, team: str, workspace: str) -> None:
        """The organisation ``team`` took ``workspace`` away from its org-wide install: its
        settings and notes, who was seen there and its weekly counts go; what its people
        did stays the organisation's."""
        await self._workspaces.forget(settings_key(team, workspace))
        await self._dashboard.forget_workspace(team, workspace)

    async def vote(self, person: Person, topic: str, *, helpful: bool) -> Notice | None:
        """Keep a 👍 or 👎 on a topic's answer and thank the voter; None for no such topic."""
        if not self._content.has(topic):
            return None
        (self._metrics.helpful if helpful else self._metrics.not_helpful).inc()
        try:
            await self._feedback.vote(person, topic, helpful=helpful)
        except StoreUnavailable as error:
            return Notice(Phrase.of_error(error), "warning", person.speaks)
        return Notice(Phrase.of("thanks"), language=person.speaks)

    async def show_topic(self, person: Person, topic: str) -> Answer | None:
        """One card, as a private answer: a related topic or a "did you mean" was clicked
        (None for a topic that does not exist, as a forged button's may not)."""
        if not self._content.has(topic):
            return None
        card = self._content.card(topic)
        reply = card_answer(self._content, card, card.title_in(person.speaks), 1.0, person.speaks)
        return await self._with_tick(person, _noted(person, reply))

    async def ask(self, person: Person, question: str, *, private: bool) -> Reply:
        """Answer from the guide, or say plainly it is not covered and log the question.

        Only a ``private`` answer (a DM, a slash command, a reply only the asker sees)
        reflects the asker's progress: an answer others can read is the same for everyone,
        so it says nothing about who has done which step.
        """
        reply = answer(
            self._index,
            question,
            escalation=person.workspace.escalation_mention,
            # What everyone reads is in the workspace's language, not the asker's locale.
            language=language_of(question)
            or (person.speaks if private else person.workspace.language or "en"),
        )
        await self._count(person, reply)
        if not isinstance(reply, Answer):
            return reply
        reply = _noted(person, reply)
        return await self._with_tick(person, reply) if private else reply

    async def _count(self, person: Person, reply: Reply) -> None:
        """Count a question in the week's figures, and log it when the guide did not cover
        it; a greeting or a command typed without the slash is not a question. The
        process's metrics count it even when the store is away."""
        try:
            if isinstance(reply, NoAnswer):
                self._metrics.not_covered.inc()
                await self._feedback.unanswered(person, reply.question, reply.language)
            elif isinstance(reply, Answer):
                self._metrics.answered.inc()
                await self._feedback.answered(person, reply.card.topic, reply.language)
        except StoreUnavailable:
            log.info("Question not counted or logged: the store is unavailable")

    async def _with_tick(self, person: Person, reply: Answer) -> Answer:
        """A private answer that is a checklist step says whether the person has done it."""
        if reply.step_number is None:
            return reply
        try:
            done = await self._progress.done(person)
        except StoreUnavailable:
            done = frozenset()  # answering matters more than the tick state
        return dataclasses.replace(reply, step_done=reply.card.topic in done)

    async def suggested_prompts(self, person: Person) -> tuple[Prompt, ...]:
        """What to offer when a person opens the conversation: their next step's question,
        then the key check, the limits summary and the checklist, in their language."""
        language = person.speaks
        prompts = []
        try:
            next_step = (await self.checklist(person)).next_step
        except StoreUnavailable:
            next_step = None  # the tools still help while progress cannot be read
        if next_step is not None:
            card = next_step.card
            title = strings.text(language, "prompt_next", title=card.title_in(language))
            prompts.append(Prompt(title, card.prompt_in(language)))
        for key in ("prompt_key", "prompt_limits", "prompt_checklist"):
            words = strings.text(language, key)
            prompts.append(Prompt(words, words))
        return tuple(prompts)

    def leak_warning(
        self, text: str, *, in_dm: bool, language: Language | None, already_seen: str = ""
    ) -> LeakWarning | None:
        """A warning for whoever wrote ``text``, when it holds what looks like a Mistral key.

        ``already_seen`` is text its author was already warned about (an edited message's
        previous version): a key that was there before is not warned about again.
        """
        seen = {finding.hint for finding in find_leaked_keys(already_seen)}
        hints = tuple(f.hint for f in find_leaked_keys(text) if f.hint not in seen)
        if not hints:
            return None
        links = self._content.card("delete-api-key").links
        return LeakWarning(hints, links, in_dm, language_of(text) or language or "en")

    def resolve_step(self, ref: str) -> Card:
        """A step from its number, topic id or (fuzzy) title."""
        steps = self._content.steps
        ref = ref.strip().strip("#").strip()
        number = commands.as_number(ref)
        if number is not None:
            if 1 <= number <= len(steps):
                return steps[number - 1]
            raise UnknownStep(mask_secrets(ref), len(steps))
        exact = {step.topic: step for step in steps}
        exact.update({title.casefold(): step for step in steps for title in _titles(step)})
        if ref.casefold() in exact:
            return exact[ref.casefold()]
        # Words from one step's title or id, as read on the checklist ("billing", "api key").
        named = set(words(ref))
        in_title = [
            step for step in steps if named <= set(words(" ".join((step.topic, *_titles(step)))))
        ]
        if named and len(in_title) == 1:
            return in_title[0]
        # Otherwise the words are matched like a question, among the steps only.
        ranked = [m for m in self._index.rank(ref).matches if m.card.step is not None]
        if not ranked or ranked[0].score < STEP_NAME_SCORE:
            raise UnknownStep(mask_secrets(ref), len(steps))
        close = [m.card for m in ranked[:2] if ranked[0].score - m.score < STEP_NAME_MARGIN]
        if len(close) > 1:
            raise AmbiguousStep(mask_secrets(ref), StepChoices(tuple(close)))
        return ranked[0].card


@dataclass(frozen=True)
class StepChoices:
    """Steps a name could mean, said as "2 (Billing details) or 3 (Payment method)"."""

    cards: tuple[Card, ...]

    def said(self, language: Language) -> str:
        either = strings.text(language, "step_choice_separator")
        return either.join(
            strings.text(language, "step_choice", number=card.step or 0,
                         title=card.title_in(language))
            for card in self.cards
        )  # fmt: skip


def _noted(person: Person, reply: Answer) -> Answer:
    """The answer with the note the person's workspace keeps on its card, if any: read
    with the workspace's settings, so it costs no read of its own."""
    note = person.workspace.note(reply.card.topic)
    return dataclasses.replace(reply, note=note) if note else reply


def _titles(card: Card) -> tuple[str, ...]:
    """A step's title in every language: any of them names it."""
    return tuple(card.title_in(language) for language in LANGUAGES)
