"""The command language of /mistral-setup, parsed the same way for Slack and the console."""

from __future__ import annotations

import pytest

from bot import strings
from bot.domain import commands
from bot.domain.answers import not_a_question
from bot.domain.commands import (
    Ask,
    CheckKey,
    MarkDone,
    NextStep,
    Reset,
    ShowChecklist,
    ShowHelp,
    ShowLimits,
    ShowStep,
    Undo,
    Unknown,
    parse,
)
from bot.domain.replies import CommandPointer
from bot.strings import LANGUAGES, Language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ShowChecklist()),
        ("   ", ShowChecklist()),
        ("steps", ShowChecklist()),
        ("STEPS", ShowChecklist()),
        ("checklist", ShowChecklist()),
        ("help", ShowHelp()),
        ("next", NextStep()),
        ("step 3", ShowStep("3")),
        ("step api key", ShowStep("api key")),
        ("done 2", MarkDone("2")),
        ("done   create-api-key ", MarkDone("create-api-key")),
        ("undo 2", Undo("2")),
        ("reset", Reset()),
        ("reset yes", Reset(confirmed=True)),
        ("key", CheckKey()),
        ("limits", ShowLimits()),
        ("ask how do I add a card", Ask("how do I add a card")),
        ("how do I add a card?", Ask("how do I add a card?")),
        ("come creo una chiave api", Ask("come creo una chiave api")),
    ],
)
def test_text_becomes_the_command_a_person_meant(text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [("dne 3", "done 3"), ("hlep", "help"), ("stpes", "steps"), ("udno 4", "undo 4")],
)
def test_a_mistyped_subcommand_gets_a_did_you_mean(text: str, suggestion: str) -> None:
    command = parse(text)

    assert isinstance(command, Unknown)
    assert command.suggestion == suggestion


@pytest.mark.parametrize("text", ["done", "undo", "step", "ask"])
def test_a_subcommand_missing_its_argument_says_what_it_needs(text: str) -> None:
    command = parse(text)

    assert isinstance(command, Unknown)
    assert text in command.problem.said("en")
    assert command.suggestion is None


def test_a_key_typed_after_key_is_kept_for_the_check_not_treated_as_a_question() -> None:
    assert parse("key abcdEFGH1234abcdEFGH1234abcdEF12") == CheckKey(
        "abcdEFGH1234abcdEFGH1234abcdEF12"
    )


def test_broadcast_markup_is_just_a_question() -> None:
    assert parse("<!channel> how do I add a card") == Ask("<!channel> how do I add a card")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_suggested_prompt_that_is_a_command_parses_as_that_command(
    language: Language,
) -> None:
    for key, command in commands.PROMPT_COMMANDS.items():
        clicked = strings.text(language, key)

        assert commands.parse(clicked) == commands.parse(command), clicked
        assert commands.parse(clicked.upper() + "?") == commands.parse(command), clicked


@pytest.mark.parametrize(
    "command",
    [
        ShowChecklist(),
        ShowHelp(),
        NextStep(),
        ShowStep("create-api-key"),
        MarkDone("create-api-key"),
        Undo("3"),
        Reset(),
        Reset(confirmed=True),
        commands.Forget(confirmed=True),
        commands.ShowTeam(1),
        commands.ShowTeam(3),
        commands.ShowGaps(),
        CheckKey(),
        ShowLimits(),
    ],
)
def test_a_buttons_command_text_runs_that_command(command: commands.Command) -> None:
    assert parse(commands.command_text(command)) == command


def test_a_key_is_never_part_of_a_commands_text() -> None:
    key = "abcdEFGH1234abcdEFGH1234abcdEF12"

    assert key not in commands.command_text(CheckKey(key))
    assert key not in commands.command_text(ShowLimits(key))


@pytest.mark.parametrize("typed", ["reset yes", "forget yes", "`reset si`"])
def test_a_confirmation_typed_where_others_read_it_gets_a_button_that_asks_again(
    typed: str,
) -> None:
    pointer = not_a_question(typed)

    assert isinstance(pointer, CommandPointer)
    assert parse(pointer.command) in (Reset(), commands.Forget())


@pytest.mark.parametrize("subcommand", list(commands.Subcommand))
def test_what_help_shows_of_a_subcommand_runs_it(subcommand: commands.Subcommand) -> None:
    for language in LANGUAGES:
        typed = subcommand.usage(beside=True).said(language)

        command = parse(typed)

        assert not isinstance(command, Unknown), typed
        if subcommand is commands.Subcommand.ASK:
            assert isinstance(command, Ask), typed
        else:
            assert commands.command_text(command).split()[0] == subcommand.verb, typed


def test_help_lists_every_subcommand_with_a_help_line_once_in_every_language() -> None:
    listed = [usage for line in commands.help_lines() for usage in line.usages]
    declared = [s for s in commands.Subcommand if s.help is not None]

    assert len(listed) == len(declared)
    for line in commands.help_lines():
        for language in LANGUAGES:
            assert strings.text(language, line.key)
    for language in LANGUAGES:
        assert strings.text(language, "help_ask_example")
