"""English and Italian: answers follow the question, the checklist follows the Slack locale."""

from __future__ import annotations

import json

import pytest

from bot import strings
from bot.guide.content import Content
from bot.guide.language import from_locale, language_of
from bot.strings import LANGUAGES
from tests.blockkit import english_words, visible_text
from tests.conftest import RunningBot, bot_settings, running_bot
from tests.fakes.mistral_api import UNAUTHORIZED, FakeMistralAPI, Scenario, rate_limited
from tests.fakes.slack_api import FakeSlackApi
from tests.slack_requests import BOT_USER_ID, app_mention, event_callback


def _text(payload: object) -> str:
    return json.dumps(payload, ensure_ascii=False)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("come aggiungo una carta di credito?", "it"),
        ("dove trovo i limiti di token al minuto", "it"),
        ("how do I add a credit card?", "en"),
        ("VAT", None),
    ],
)
def test_the_language_of_a_question(text: str, language: str | None) -> None:
    assert language_of(text) == language


def test_slack_locales_map_to_our_languages() -> None:
    assert [from_locale(x) for x in ("it-IT", "en-GB", "fr-FR", None)] == ["it", "en", None, None]


async def test_an_italian_question_is_answered_in_italian(bot: RunningBot) -> None:
    await bot.send(
        event_callback(app_mention(f"<@{BOT_USER_ID}> come imposto un limite di spesa mensile?"))
    )

    [post] = await bot.slack.wait_for("chat.postMessage")
    text = _text(post.args["blocks"])
    assert "Imposta un limite di spesa mensile" in text
    assert "Segna questo passaggio come fatto" in text


async def test_an_english_question_from_an_italian_user_is_answered_in_english(
    bot: RunningBot,
) -> None:
    bot.slack.add_user("U111", locale="it-IT")

    await bot.send(event_callback(app_mention(f"<@{BOT_USER_ID}> how do I set a spending limit?")))

    [post] = await bot.slack.wait_for("chat.postMessage")
    assert "Mark this step done" in _text(post.args["blocks"])


async def test_the_checklist_follows_the_slack_locale(bot: RunningBot) -> None:
    bot.slack.add_user("U111", locale="it-IT")

    [reply] = await bot.command_posts("")

    text = _text(reply.body["blocks"])
    assert "Configurazione di Mistral AI Studio" in text
    assert "0 di 12 completati" in text
    assert "Registrati su Mistral AI Studio" in text
    assert "Segna come fatto" in text


async def test_language_setting_overrides_the_locale(
    slack_api: FakeSlackApi, redis_url: str, redis_client: object
) -> None:
    slack_api.add_user("U111", locale="en-US")
    settings = bot_settings(slack_api, redis_url, language="it")

    async with running_bot(settings, slack_api) as bot:
        [reply] = await bot.command_posts("done 1")

    assert "1 di 12 completati" in _text(reply.body["blocks"])


async def test_a_mistyped_step_is_explained_in_the_persons_language(bot: RunningBot) -> None:
    bot.slack.add_user("U111", locale="it-IT")

    [reply] = await bot.command_posts("done 99")

    assert "Non conosco un passaggio chiamato “99”" in _text(reply.body["blocks"])


@pytest.mark.parametrize(
    "command",
    ["key VALID", "key REJECTED", "key RATE_LIMITED", "limits VALID", "key abc", "limits",
     "done 99", "help", "dne 3", "step"],
)  # fmt: skip
async def test_with_language_it_every_reply_is_in_italian(
    slack_api: FakeSlackApi,
    mistral_api: FakeMistralAPI,
    redis_url: str,
    redis_client: object,
    command: str,
) -> None:
    keys = {
        "VALID": mistral_api.add_key(),
        "REJECTED": mistral_api.add_key(Scenario(reply=UNAUTHORIZED)),
        "RATE_LIMITED": mistral_api.add_key(Scenario(reply=rate_limited("2026", "30"))),
    }
    verb, _, key = command.partition(" ")
    typed = f"{verb} {keys.get(key, key)}".strip()
    settings = bot_settings(slack_api, redis_url, language="it", mistral_api_url=mistral_api.url)

    async with running_bot(settings, slack_api) as bot:
        if command == "limits":
            await bot.command_posts(typed, replies=0)
            [call] = await slack_api.wait_for("views.open")
            said = [call.args["view"]]
        else:
            expected = 2 if key in keys else 1  # "checking…", then the result
            said = [reply.body for reply in await bot.command_posts(typed, replies=expected)]
        await bot.drain()
        said += [call.args["view"] for call in slack_api.calls("views.update")]

    assert english_words(said) == []
    assert visible_text(said).strip()  # something was said


def test_the_bots_own_words_are_read_in_their_language(content: Content) -> None:
    """A title or prompt clicked or typed back must not flip the reply's language."""
    said = [(card.title_in("en"), "en") for card in content.cards] + [
        (card.title_in("it"), "it") for card in content.cards
    ]
    said += [(card.prompt["en"], "en") for card in content.steps if card.prompt]
    said += [(card.prompt["it"], "it") for card in content.steps if card.prompt]
    for language in LANGUAGES:
        said += [
            (strings.text(language, key), language)
            for key in ("prompt_key", "prompt_limits", "prompt_checklist")
        ]

    misread = [
        (text, language_of(text)) for text, want in said if language_of(text) not in (want, None)
    ]
    assert misread == []
