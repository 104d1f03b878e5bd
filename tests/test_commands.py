"""The command language of /mistral-setup, parsed the same way for Slack and the console."""

from __future__ import annotations

import pytest

from bot import strings
from bot.domain import commands
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
