"""Key shape, safe hints and leak detection in Slack messages."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.apikeys import LeakFinding, find_leaked_keys, key_hint, looks_like_key

# The shape of a real key (32 mixed-case letters and digits); not a live key.
KEY = "q7Vn2LxR9aKpT4mZ8cWb3HsY6dEj1GfU"
NO_DIGITS = "qVnLxRaKpTmZcWbHsYdEjGfUoPiLkMnB"
MD5 = "9e107d9d372bb6826bd81d3542a419d6"
MISTRAL_401_REQUEST_ID = "c61f2f15feca71626a990e3740f99245"
GIT_SHA = "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"

# Key-shaped text with a digit: without one, a key is flagged only near a keyword.
keys = st.text(string.ascii_letters + string.digits, min_size=32, max_size=32).filter(
    lambda text: looks_like_key(text) and any(c.isdigit() for c in text)
)


def test_real_shaped_key_looks_like_a_key_even_with_surrounding_whitespace():
    assert looks_like_key(f"  {KEY}\n")


def test_key_without_digits_still_looks_like_a_key():
    """About one real key in 280 has no digit, so digits are never required."""
    assert looks_like_key(NO_DIGITS)


@pytest.mark.parametrize(
    "text",
    [
        KEY[:-1],  # 31 characters
        KEY + "x",  # 33 characters
        KEY[:16] + " " + KEY[16:],
        KEY[:-1] + "é",  # a letter, but not ASCII
        KEY[:-1] + "٣",  # an Arabic-Indic digit: str.isdigit() says yes
        MD5,
        MD5.upper(),
        "a" * 32,
        "thisisonelongwordwithoutanybreak",
        "Aa" * 16,
        "",
    ],
)
def test_text_that_is_not_key_shaped_is_refused(text):
    assert not looks_like_key(text)


def test_hint_shows_only_the_last_four_characters():
    assert key_hint(KEY) == "…" + KEY[-4:]


@pytest.mark.parametrize(("text", "hint"), [("abcdefgh", "…gh"), ("abc", "…"), ("", "…")])
def test_hint_of_something_too_short_to_be_a_key_shows_at_most_a_quarter(text, hint):
    assert key_hint(text) == hint


def test_key_next_to_the_word_mistral_is_a_high_confidence_leak():
    findings = find_leaked_keys(f"here is our MISTRAL_API_KEY={KEY} for the bot")

    assert findings == [LeakFinding(hint=key_hint(KEY), confidence="high")]


@pytest.mark.parametrize("word", ["mistral", "api", "key", "token", "secret", "chiave"])
def test_any_nearby_keyword_raises_confidence(word):
    assert find_leaked_keys(f"la {word}: {KEY}")[0].confidence == "high"


def test_key_alone_in_a_message_is_a_medium_confidence_leak():
    assert find_leaked_keys(f"can someone try `{KEY}` please?") == [
        LeakFinding(hint=key_hint(KEY), confidence="medium")
    ]


def test_keyword_further_than_forty_characters_away_does_not_count():
    message = "mistral" + " " * 41 + KEY

    assert find_leaked_keys(message)[0].confidence == "medium"


def test_key_without_digits_is_flagged_only_near_a_keyword():
    assert find_leaked_keys(f"look: {NO_DIGITS}") == []
    assert find_leaked_keys(f"mistral key {NO_DIGITS}")[0].confidence == "medium"


def test_key_inside_a_url_is_flagged():
    assert find_leaked_keys(f"https://example.com/setup?k={KEY}&x=1") != []


def test_each_distinct_key_is_reported_once_in_order():
    other = KEY[::-1]

    hints = [f.hint for f in find_leaked_keys(f"{KEY} {other} {KEY}")]

    assert hints == [key_hint(KEY), key_hint(other)]


@pytest.mark.parametrize(
    "message",
    [
        f"mistral api key checksum {MD5}",
        f'Mistral said {{"message":"Unauthorized","request_id":"{MISTRAL_401_REQUEST_ID}"}}',
        f"https://www.notion.so/Mistral-setup-{MD5}",
        f"mistral fix landed in {GIT_SHA}",
        "<@U012ABCDEF> <#C0123456789|mistral> your API key is ready",
        "ThisIsAVeryLongCamelCaseNameHere is what the function is called",
        "the token is aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        f"too long to be a key: mistral {KEY}Q",
        f"too short: mistral {KEY[:-1]}",
        "supercalifragilisticexpialidocious words only, no keys here",
    ],
)
def test_things_that_are_not_keys_are_not_flagged(message):
    assert find_leaked_keys(message) == []


def test_finding_carries_no_trace_of_the_key_beyond_its_hint():
    [finding] = find_leaked_keys(f"mistral {KEY}")

    assert KEY not in repr(finding)
    assert KEY[:-4] not in str(vars(finding))


@given(st.text())
def test_scanning_any_text_never_crashes_and_never_returns_more_than_hints(text):
    for finding in find_leaked_keys(text):
        assert finding.confidence in ("high", "medium")
        assert len(finding.hint) <= 5


@given(before=st.text(), key=keys, after=st.text())
def test_a_key_set_apart_by_spaces_is_always_found_and_never_returned_whole(before, key, after):
    findings = find_leaked_keys(f"{before} {key} {after}")

    assert key_hint(key) in [f.hint for f in findings]
    assert key not in repr(findings)
