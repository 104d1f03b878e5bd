"""Reading a post: pasted errors become what they mean, the blob around them goes."""

from __future__ import annotations

import pytest

from bot.guide.posts import read


@pytest.mark.parametrize(
    ("post", "statuses"),
    [
        ("our integration gets 401 from mistral since this morning", (401,)),
        ("started getting 401s after the weekend", (401,)),
        ("what does error 429 mean", (429,)),
        ("HTTP/1.1 503 Service Unavailable", (503,)),
        ("openai.RateLimitError: Error code: 429 - {'error': {}}", (429,)),
        ('{"status": 401, "detail": "Unauthorized"}', (401,)),
        ("we can spend 500 euro a month at most", ()),
        ("429 tokens per request on average", ()),
        ("ticket 4012 and invoice 4.01", ()),
        ("we spent €429 on mistral in march, where's the invoice?", ()),
        ("our PO is 429/2026, can finance pay it?", ()),
        ("call me at +39 347 401 2233", ()),
        ("see ticket #401", ()),
        ("HTTP/1.1 429 Too Many Requests", (429,)),
    ],
)
def test_status_codes_are_told_apart_from_amounts(post: str, statuses: tuple[int, ...]) -> None:
    assert read(post).statuses == statuses


def test_a_recognised_status_reads_as_its_reason_phrase() -> None:
    assert "429 Too Many Requests" in read("getting 429 all day").text


def test_mistral_error_bodies_keep_their_message_and_lose_their_keys() -> None:
    text = read(
        '{"object":"error","message":"Rate limit exceeded","type":"rate_limited",'
        '"param":null,"code":"1300"}'
    ).text

    assert "Rate limit exceeded" in text
    assert "rate limited" in text
    for noise in ("object", "param", "null", "1300"):
        assert noise not in text.split()


def test_ids_timestamps_paths_and_headers_are_dropped() -> None:
    post = (
        "[2026-11-30T10:22:01Z] req_8f2a91c0d3 failed\n"
        '  File "/usr/lib/python3.11/site-packages/httpx/_models.py", line 761, in raise\n'
        "x-kong-request-id: 4f9c2a1be8d07c3e\n"
        "why does this keep failing?"
    )

    words = read(post).text.split()

    assert "why" in words
    assert "failing?" in words
    assert not any(any(ch.isdigit() for ch in word) for word in words)
    assert "kong" not in " ".join(words)


def test_exception_names_read_as_words_and_keep_their_vendor() -> None:
    assert "openai rate limit error" in read("openai.RateLimitError: boom").text
    assert "http status error" in read("httpx.HTTPStatusError: boom").text
    assert "mistral sdk error" in read("mistralai.models.SDKError: boom").text


def test_a_url_keeps_only_the_name_of_its_site() -> None:
    text = read("POST https://api.mistral.ai/v1/chat/completions failed").text

    assert "mistral" in text.split()
    assert "completions" not in text


def test_a_plain_question_is_left_as_it_is() -> None:
    question = "how do I add a card?"

    assert read(question).text == question


def test_a_prose_line_with_a_colon_is_not_taken_for_a_header() -> None:
    post = "Follow-up: why can't I invite members (they stay pending)?"

    assert "invite members" in read(post).text


def test_a_curl_log_escaped_by_slack_loses_its_headers() -> None:
    post = "&lt; HTTP/2 429\n&lt; x-kong-request-id: 4f9c2a1be8d07c3e\nwhat now?"

    text = read(post).text
    assert "kong" not in text
    assert "what now?" in text
    assert "429 Too Many Requests" in text
