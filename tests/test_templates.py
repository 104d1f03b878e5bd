"""Every Block Kit template renders valid blocks within Slack's limits, whatever the user typed."""

from __future__ import annotations

import dataclasses
import typing
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import nodes

from bot.domain import commands
from bot.domain.keychecks import COMMON_CHAT_MODELS
from bot.domain.limits import describe_limits
from bot.domain.replies import (
    Answer,
    Checklist,
    CommandPointer,
    ConfirmForget,
    ConfirmReset,
    Gap,
    GapsReport,
    Help,
    KeyReport,
    LeakWarning,
    LimitsReport,
    Member,
    NoAnswer,
    Notice,
    Nudge,
    Outcome,
    Reply,
    StepState,
    TeamProgress,
    ToolOffer,
)
from bot.guide.content import Content, Tool
from bot.mistral.models import DeprecatedModel, ModelKind, ModelSummary
from bot.mistral.probes import LimitStatus, ModelLimits
from bot.mistral.ratelimits import parse_rate_limit_headers
from bot.person import Workspace
from bot.render import blocks
from bot.render.blocks import environment, fallback_text, render, render_template
from bot.render.plaintext import blocks_to_text
from bot.state.workspaces import NOTE_LIMIT
from bot.strings import LANGUAGES, Phrase
from tests.blockkit import (
    assert_no_broadcast,
    assert_valid_blocks,
    assert_valid_view,
    english_words,
    visible_text,
)

SETTINGS = Workspace(
    help_channels=frozenset({"C1", "C2"}),
    escalation_mention="<!subteam^S1> <@U2>",
    admin_users=frozenset({"U3"}),
    language="it",
)

HOSTILE = st.one_of(
    st.text(max_size=4000),
    st.sampled_from(
        [
            "<!channel>",
            "<!here>",
            "<!everyone>",
            "<@U0123>",
            "<#C0123|general>",
            "<!subteam^S0123>",
            "<https://evil.example|click>",
            "&lt;!channel&gt;",
        ]
    ),
)


def _checklist(content: Content, done: int, focus: int | None) -> Checklist:
    steps = tuple(
        StepState(number=i, card=card, done=i <= done) for i, card in enumerate(content.steps, 1)
    )
    return Checklist(
        steps=steps,
        focus=steps[focus - 1] if focus else None,
        notice=Phrase.of("marked", title="x"),
    )


def _samples(content: Content) -> list[Reply]:
    card = content.card("create-api-key")
    return [
        _checklist(content, 0, 1),
        _checklist(content, 7, 7),
        _checklist(content, 12, None),
        _checklist(content, 3, 11),
        Answer("how?", card, 0.9, related=(content.card("manage-api-keys"),), step_number=7),
        Answer("how?", content.card("workspaces"), 0.9),
        NoAnswer("pasta?", tuple(content.cards[:3]), escalation="<!subteam^S0HELP>"),
        NoAnswer("pasta?", ()),
        Help(),
        Help(problem=Phrase.of("not_a_command", word="dne"), suggestion="done 3"),
        Help(greeting=True),
        ConfirmReset(done_count=1),
        ConfirmForget(language="it"),
        TeamProgress(
            members=tuple(Member(f"U{n}", n % 12, content.steps[n % 12], 1.8e9) for n in range(15)),
            started=40,
            total_steps=12,
            stuck=((content.steps[1], 9), (content.steps[4], 3)),
            page=2,
            pages=3,
        ),
        TeamProgress(members=(), started=0, total_steps=12, stuck=()),
        GapsReport(
            unanswered=tuple(
                Gap("<!channel> " + "q" * 400, n, 1.8e9, ("x" * 200, "<@U1>")) for n in range(20)
            ),
            unhelpful=((content.card("register"), 3, 1, 1.8e9),),
            retention_days=90,
            more_groups=7,
        ),
        GapsReport(unanswered=(), unhelpful=(), retention_days=90),
        Notice(Phrase.of("store_unavailable"), kind="warning"),
        CommandPointer("done 2"),
        ToolOffer("key"),
        ToolOffer("limits", language="it"),
        CommandPointer("key", tool="key", language="it"),
        LeakWarning(("…AbCd", "…9xYz"), content.card("delete-api-key").links),
        Answer("429?", content.card("rate-limited"), 0.9, language="it"),
        Answer("how?", card, 0.9, step_number=7, note="<!channel> & <@U1> " + "n" * 280),
        Nudge(StepState(2, content.steps[1], done=False), 1, 12, idle_days=3),
        Nudge(StepState(8, content.steps[7], done=False), 7, 12, idle_days=1),
    ]


def _in_every_language(replies: list[Reply]) -> list[Reply]:
    return [dataclasses.replace(reply, language=lang) for reply in replies for lang in LANGUAGES]


def test_every_reply_renders_valid_blocks_with_a_fallback_text(content: Content) -> None:
    for reply in _in_every_language(_samples(content)):
        blocks = render(reply)

        assert_valid_blocks(blocks)
        if not isinstance(reply, TeamProgress):  # the team view names people on purpose
            assert_no_broadcast(blocks, allow=("<!subteam^S0HELP>",))
        assert fallback_text(reply)
        assert blocks_to_text(blocks)


def test_every_reply_in_italian_says_nothing_in_english(content: Content) -> None:
    """Every word around the content is said in the reply's language, buttons included."""
    italian: list[Reply] = [
        dataclasses.replace(reply, language="it")
        for reply in [*_samples(content), *_check_replies(content)]
        if not isinstance(reply, Answer | NoAnswer)  # they quote what was asked, in English
    ]
    italian += [
        Answer("come?", card, 0.9, step_number=card.step, language="it") for card in content.cards
    ]
    italian.append(NoAnswer("pasta?", tuple(content.cards[:3]), "<@UHELP>", language="it"))
    authored = " ".join(card.answer_in("it") for card in content.cards)
    for reply in italian:
        blocks = render(reply)

        shows_cards = isinstance(reply, Checklist | Answer | NoAnswer | Nudge)
        found = english_words(blocks, content=authored if shows_cards else "")
        assert found == [], f"{type(reply).__name__}: {visible_text(blocks)}"
        assert english_words(fallback_text(reply)) == []


def test_every_card_answer_renders_as_a_valid_answer_and_checklist_focus(content: Content) -> None:
    for card in content.cards:
        assert_valid_blocks(render(Answer("q", card, 1.0, step_number=card.step)))
    for step in range(1, len(content.steps) + 1):
        assert_valid_blocks(render(_checklist(content, step - 1, step)))


@settings(max_examples=150, deadline=None)
@given(question=HOSTILE)
def test_user_text_never_breaks_a_reply_or_pings_anyone(content: Content, question: str) -> None:
    replies: list[Reply] = [
        Answer(question, content.card("register"), 0.5),
        Answer("q", content.card("register"), 0.5, note=question),
        NoAnswer(question, tuple(content.cards[:3])),
        Help(problem=Phrase.of("not_a_command", word=question), suggestion=question),
        GapsReport((Gap(question, 3, 1.8e9, (question, question)),) * 20, (), 90, more_groups=2),
        KeyReport("…AbCd", Outcome.FORBIDDEN, Phrase.of("mistral_forbidden_model", model=question)),
        LimitsReport("…AbCd", Outcome.UNAVAILABLE, Phrase.of("limit_other", headers=question)),
        Notice(Phrase.of("unknown_step", ref=question, total=12), kind="warning"),
        TeamProgress((Member(question, 1, None, 1.8e9),), 1, 12, ()),
    ]
    for reply in replies:
        blocks = render(reply, show_question=True)

        assert_valid_blocks(blocks)
        if not isinstance(reply, TeamProgress):  # it mentions the people it lists, on purpose
            assert_no_broadcast(blocks)


def test_the_escalation_mention_is_the_only_ping_in_a_no_answer(content: Content) -> None:
    blocks = render(NoAnswer("<!channel> help", (), escalation="<!subteam^S0HELP>"))

    assert_no_broadcast(blocks, allow=("<!subteam^S0HELP>",))


def _model_summary() -> ModelSummary:
    return ModelSummary(
        total=3,
        counts=dict.fromkeys(ModelKind, 1),
        chat_models=tuple(f"model-{i}-latest" for i in range(20)),
        deprecated=(DeprecatedModel("old-model", datetime(2026, 12, 1, tzinfo=UTC), "new-model"),),
    )


def _check_replies(content: Content) -> list[Reply]:
    limits = describe_limits(
        ModelLimits("mistral-small-latest", LimitStatus.OK, parse_rate_limit_headers(_HEADERS))
    )
    link = content.card("rate-limits").links
    return [
        KeyReport("…AbCd", Outcome.VALID, models=_model_summary()),
        *(
            KeyReport("…AbCd", outcome, Phrase.of("mistral_forbidden_model", model="<no>"))
            for outcome in Outcome
            if outcome != "valid"
        ),
        LimitsReport(
            "…AbCd",
            Outcome.VALID,
            checking=Phrase.of("limits_checking", model="mistral-small-latest", number=1, total=3),
        ),
        LimitsReport(
            "…AbCd", Outcome.VALID, models=(limits,) * 40, skipped=("gpt-4o",), links=link
        ),
        LimitsReport("…AbCd", Outcome.VALID, admin=True, models=(limits,)),
        LimitsReport("…AbCd", Outcome.VALID),
        LimitsReport("…AbCd", Outcome.REJECTED, Phrase.of("mistral_rejected")),
    ]


_HEADERS = {
    "x-ratelimit-limit-tokens-minute": "2000000",
    "x-ratelimit-remaining-tokens-minute": "1999994",
    "x-ratelimit-limit-tokens-month": "10000000000",
    "x-ratelimit-limit-req-minute": "720",
}


def test_key_and_limits_reports_render_valid_blocks_and_modals(content: Content) -> None:
    for reply in _in_every_language(_check_replies(content)):
        blocks = render(reply)

        assert_valid_blocks(blocks)
        assert_valid_view(render_template("modal", title="Rate limits per model", blocks=blocks))


def test_dialogs_home_and_leak_warning_are_valid(content: Content) -> None:
    models, defaults = COMMON_CHAT_MODELS, COMMON_CHAT_MODELS[:3]
    for lang in LANGUAGES:
        assert_valid_view(render_template("key_dialog", lang=lang))
        assert_valid_view(
            render_template("limits_dialog", models=models, defaults=defaults, lang=lang)
        )
        checklist_blocks = render(dataclasses.replace(_checklist(content, 3, 4), language=lang))
        for workspace in (None, Workspace(), SETTINGS):  # a member's Home, then admins'
            home = render_template(
                "home", checklist_blocks=checklist_blocks, workspace=workspace, lang=lang, notes=()
            )
            assert_valid_view(home)
        # Every card with the longest note, typed to ping everyone: admins' Home and dialog.
        notes = tuple((card, "<!channel> &" + "n" * (NOTE_LIMIT - 12)) for card in content.cards)
        home = render_template(
            "home", checklist_blocks=checklist_blocks, workspace=SETTINGS, lang=lang, notes=notes
        )
        dialog = render_template(
            "notes_dialog", cards=content.cards, notes=notes, limit=NOTE_LIMIT, lang=lang
        )
        for view in (home, dialog):
            assert_valid_view(view)
            assert_no_broadcast(view["blocks"], allow=("<!subteam^S1>", "U2", "U3"))  # settings
        assert_valid_view(
            render_template(
                "settings_dialog",
                workspace=SETTINGS,
                escalation_users=["U2"],
                escalation_group="S1",
                lang=lang,
            )
        )
        assert_valid_view(
            render_template(
                "settings_dialog",
                workspace=Workspace(),
                escalation_users=[],
                escalation_group="",
                lang=lang,
            )
        )
    warning = LeakWarning(("…AbCd",), content.card("delete-api-key").links, in_dm=True)
    assert_valid_blocks(render(warning))


def test_no_template_spells_a_command_its_buttons_run() -> None:
    """A button's command is built as a Command and written by the domain's command_text, so
    a renamed verb cannot leave a button running the old one."""
    env = environment()
    verbs = {*commands.VERBS, *commands.ALIASES}
    tools = set(typing.get_args(Tool))  # a dialog's name, the value of its button
    spelt = []
    for path in sorted((Path(blocks.__file__).parent / "templates").glob("*.j2")):
        tree = env.parse(path.read_text(encoding="utf-8"))
        keys = {  # catalog keys, as in t("undo")
            call.args[0].value
            for call in tree.find_all(nodes.Call)
            if isinstance(call.node, nodes.Name) and call.node.name in {"t", "phrase"}
            if call.args and isinstance(call.args[0], nodes.Const)
        }
        for const in tree.find_all(nodes.Const):
            said = const.value if isinstance(const.value, str) else ""
            first = said.split(" ", 1)[0].casefold()
            if first in verbs and said not in keys | tools:
                spelt.append(f"{path.name}: {said!r}")

    assert spelt == []
