"""The content check: every topic has a card, and a broken card names its file and field."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from bot.errors import ContentError
from bot.guide.content import SECTION_TEXT_LIMIT, Content, load_content, read_topic_ids
from bot.settings import CONTENT_DIR
from bot.strings import LANGUAGES, Language
from tests.conftest import edit, run_bot

SHARED_TOPICS = Path(__file__).resolve().parents[2] / "shared" / "qa" / "topics.tsv"


def test_every_topic_id_has_exactly_one_card(content: Content) -> None:
    topics = read_topic_ids(CONTENT_DIR / "topics.tsv")

    assert len(topics) == 21
    assert sorted(topics) == sorted(card.topic for card in content.cards)


@pytest.mark.skipif(not SHARED_TOPICS.exists(), reason="shared/ is not beside this checkout")
def test_topic_ids_match_the_shared_contract() -> None:
    assert read_topic_ids(SHARED_TOPICS) == read_topic_ids(CONTENT_DIR / "topics.tsv")


def test_checklist_steps_are_numbered_in_order_with_optional_ones_marked(content: Content) -> None:
    steps = content.steps

    assert [s.step for s in steps] == list(range(1, len(steps) + 1))
    assert steps[0].topic == "register"
    assert steps[-1].topic == "connect-aisuru"
    assert any(s.optional for s in steps)
    assert not content.card("create-api-key").optional


def test_every_card_fits_one_slack_section_and_has_italian_alternates(content: Content) -> None:
    for card in content.cards:
        assert all(len(answer) <= SECTION_TEXT_LIMIT for answer in card.answer.values())
        assert len(card.questions) >= 12, card.topic


@pytest.mark.parametrize(
    ("card", "old", "new", "field"),
    [
        ("register.toml", 'topic = "register"', 'topic = "sign-up"', "topic"),
        ("register.toml", "https://console.mistral.ai/", "htps//console", "answer"),
        ("register.toml", "title = {", "titel = {", "title"),
        (
            "delete-api-key.toml",
            "questions = [",
            'questions = [\n    "what are the steps to create an API key",',
            "questions",
        ),
        ("workspaces.toml", "related = [", 'related = ["no-such-topic", ', "related"),
        ("choose-plan.toml", "step = 5", "step = 7", "step"),
    ],
)
def test_a_broken_card_fails_naming_the_file_and_the_field(
    content_copy: Path, card: str, old: str, new: str, field: str
) -> None:
    edit(content_copy / "cards" / card, old, new)

    with pytest.raises(ContentError) as caught:
        load_content(content_copy)

    assert caught.value.field == field
    assert Path(caught.value.path).name in (card, "cards", "create-api-key.toml")


def test_an_answer_too_long_for_a_slack_section_is_refused(content_copy: Path) -> None:
    edit(
        content_copy / "cards" / "register.toml", 'answer.en = """', 'answer.en = """' + "x" * 3001
    )

    with pytest.raises(ContentError, match=r"register\.toml: answer: .*3000"):
        load_content(content_copy)


def test_a_missing_card_is_named(content_copy: Path) -> None:
    (content_copy / "cards" / "auto-recharge.toml").unlink()

    with pytest.raises(ContentError, match="no card for auto-recharge"):
        load_content(content_copy)


def test_invalid_toml_is_reported_with_its_file(content_copy: Path) -> None:
    (content_copy / "cards" / "register.toml").write_text("topic = ", encoding="utf-8")

    with pytest.raises(ContentError, match=r"register\.toml: \(file\): not valid TOML"):
        load_content(content_copy)


def test_content_check_command_fails_startup_with_a_readable_message(
    content_copy: Path, env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    edit(content_copy / "cards" / "billing-details.toml", "https://admin.mistral.ai/", "ftp://x")
    env = {**env_without_slack, "CONTENT_DIR": str(content_copy)}

    result = run_bot(["content", "check"], env, tmp_path)

    assert result.returncode == 2
    assert "billing-details.toml: answer: " in result.stderr
    assert "Traceback" not in result.stderr


def test_content_check_command_passes_on_the_shipped_content(
    env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    result = run_bot(["content", "check"], env_without_slack, tmp_path)

    assert result.returncode == 0, result.stderr
    assert "21 cards, 12 checklist steps" in result.stdout


def test_content_check_lists_every_problem_in_every_card_at_once(
    content_copy: Path, env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    edit(content_copy / "cards" / "register.toml", "title = {", "titel = {")
    edit(content_copy / "cards" / "register.toml", "https://console.mistral.ai/", "htps//x")
    edit(content_copy / "cards" / "workspaces.toml", "related = [", 'related = ["nope", ')
    env = {**env_without_slack, "CONTENT_DIR": str(content_copy)}

    result = run_bot(["content", "check"], env, tmp_path)

    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert "content check failed, 4 problems:" in lines
    assert any(line.endswith("register.toml: title: is required") for line in lines)
    assert any("register.toml: titel: is not a field a card has" in line for line in lines)
    assert any("register.toml: answer: malformed link" in line for line in lines)
    assert any("workspaces.toml: related: unknown topic id 'nope'" in line for line in lines)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_card_needs_its_title_answer_and_prompt_in_every_language(
    content_copy: Path, language: Language
) -> None:
    path = content_copy / "cards" / "register.toml"
    card = load_content(content_copy).card("register")
    assert card.prompt is not None
    for field, texts in (("title", card.title), ("prompt", card.prompt)):
        others = {other: text for other, text in texts.items() if other != language}
        edit(path, f"{field} = {_inline(texts)}", f"{field} = {_inline(others)}")
    edit(path, f'answer.{language} = """', f'answer_in_{language} = """')

    with pytest.raises(ContentError) as caught:
        load_content(content_copy)

    for field in ("title", "answer", "prompt"):
        assert f"register.toml: {field}, {language}: is required" in str(caught.value)


def test_a_link_label_in_english_only_is_read_in_every_language(content: Content) -> None:
    link = content.card("create-api-key").links[0]

    assert set(link.label) == {"en"}
    assert {link.label_in(language) for language in LANGUAGES} == {link.label["en"]}


def test_a_text_in_a_language_the_bot_does_not_speak_is_named(content_copy: Path) -> None:
    edit(content_copy / "cards" / "register.toml", "title = {", 'title = { xx = "Registro",')

    with pytest.raises(ContentError, match=r"register\.toml: title, xx: is not a language"):
        load_content(content_copy)


def test_a_card_with_its_words_in_every_language_can_be_hashed(content: Content) -> None:
    """Replies hold cards, and a reply may be a cache key."""
    assert len({content.card("register"), content.card("register"), content.cards[1]}) == 2


def _inline(texts: Mapping[Language, str]) -> str:
    """Texts as a card's TOML file writes them: { en = "…", it = "…" }."""
    return (
        "{ "
        + ", ".join(
            f"{language} = {json.dumps(text, ensure_ascii=False)}"
            for language, text in texts.items()
        )
        + " }"
    )
