"""The shell contract: `python -m bot ask` and the console, run as a person would run them."""

from __future__ import annotations

import json
import os
import pty
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_bot


def test_ask_prints_the_answer_as_text(env_without_slack: dict[str, str], tmp_path: Path) -> None:
    result = run_bot(["ask", "how do I add our VAT number?"], env_without_slack, tmp_path)

    assert result.returncode == 0, result.stderr
    assert "IT12345678901" in result.stdout
    assert "https://admin.mistral.ai" in result.stdout
    assert "{" not in result.stdout  # text, not Block Kit JSON


def test_ask_says_plainly_when_the_guide_does_not_cover_it(
    env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    result = run_bot(["ask", "what's the capital of France"], env_without_slack, tmp_path)

    assert "doesn't cover this" in result.stdout


def test_ask_jsonl_answers_one_json_object_per_question_line(
    env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    questions = [
        "How do I add a payment method?",
        "how do I make pasta carbonara",
        "",
        "ciao",
        "done 2",
        "what does error 429 mean",
        "next?",
        "`done 2` please",
        "done!",
    ]

    result = run_bot(["ask", "--jsonl"], env_without_slack, tmp_path, "\n".join(questions) + "\n")

    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in records] == questions
    topics = [r["topic"] for r in records]
    assert topics == ["payment-method", None, None, None, None, "rate-limited", None, None, None]
    assert all(isinstance(r["score"], float) for r in records)
    assert set(records[0]) == {"question", "topic", "score"}


def test_ask_does_not_import_slack(env_without_slack: dict[str, str], tmp_path: Path) -> None:
    probe = (
        "import sys, runpy; sys.argv = ['bot', 'ask', 'how do I add a card'];\n"
        "try:\n    runpy.run_module('bot', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "slack = any(m.startswith(('slack_bolt', 'slack_sdk')) for m in sys.modules)\n"
        "print('SLACK' if slack else 'CLEAN')"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env=env_without_slack,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )

    assert result.stdout.strip().endswith("CLEAN"), result.stdout + result.stderr


def test_console_walks_the_checklist_and_answers_from_piped_stdin(
    env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    script = "\n".join(
        [
            "/mistral-setup",
            "/mistral-setup done 1",
            "/mistral-setup done billing",
            "how do I add a credit card",
            "/mistral-setup dne 3",
            "/mistral-setup step 99",
            "<!channel> " + "x" * 4000,
            "/quit",
        ]
    )

    result = run_bot([], env_without_slack, tmp_path, script)

    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "0 of 12 done" in out
    assert "2 of 12 done" in out
    assert "Add a payment method" in out
    assert "Did you mean `/mistral-setup done 3`?" in out
    assert "from 1 to 12" in out
    assert "&lt;!channel&gt;" not in out  # the console shows text as a person would read it
    assert "Traceback" not in out + result.stderr
    assert "embedded in-process store" in result.stderr


@pytest.mark.parametrize("word", ["quit", "Exit"])
def test_console_ends_at_quit_or_exit_typed_without_the_slash(
    word: str, env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    result = run_bot([], env_without_slack, tmp_path, f"{word}\n/mistral-setup\n")

    assert result.returncode == 0, result.stderr
    assert "doesn't cover this" not in result.stdout  # not taken for a question
    assert "0 of 12 done" not in result.stdout  # and nothing after it was read


def test_console_subcommand_is_the_same_console(
    env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    result = run_bot(["console"], env_without_slack, tmp_path, "/mistral-setup help\n")

    assert "What I can do" in result.stdout


def test_console_runs_commands_typed_without_the_slash_like_a_dm_and_echoes_piped_lines(
    env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    result = run_bot([], env_without_slack, tmp_path, "done 1\nnext\nhow do I add a card\n")

    out = result.stdout
    assert "you> done 1\n" in out
    assert "1 of 12 done" in out
    assert "Step 2 of 12" in out[out.index("you> next") :]
    assert "you> how do I add a card\n" in out


def test_console_warns_about_a_pasted_key_without_repeating_it(
    env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    key = "Ab3dEf7hIj9kLm1nOp2qRs4tUv6wXy8z"

    result = run_bot([], env_without_slack, tmp_path, f"is this our mistral key {key}\n")

    assert "seems to contain a Mistral API key (…Xy8z)" in result.stdout
    assert "Revoke the key" in result.stdout
    assert key not in result.stdout + result.stderr


def test_ctrl_c_at_the_console_prompt_ends_it_at_once(
    env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    controller, terminal = pty.openpty()
    console = subprocess.Popen(
        [sys.executable, "-m", "bot", "console"],
        stdin=terminal,
        stdout=terminal,
        stderr=subprocess.DEVNULL,
        env=env_without_slack,
        cwd=tmp_path,
    )
    os.close(terminal)
    try:
        shown = b""
        while b"you> " not in shown:  # the prompt: the console waits for a line
            shown += os.read(controller, 4096)
        console.send_signal(signal.SIGINT)

        assert console.wait(timeout=5) == 0
    finally:
        console.kill()
        os.close(controller)


def test_console_starts_with_the_prompts_slack_would_suggest(
    env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    result = run_bot([], env_without_slack, tmp_path, "Check my API key\n")

    start = result.stdout.split("you>")[0]
    assert "Try one of these:" in start
    assert "How do I sign up on Mistral AI Studio?" in start
    assert "Show my checklist" in start
    assert "Check a key privately" in result.stdout  # the prompt, typed, is understood


def test_ask_never_echoes_a_key_typed_after_a_command(
    env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    key = "Ab3dEf7hIj9kLm1nOp2qRs4tUv6wXy8z"

    result = run_bot(["ask", f"done {key}"], env_without_slack, tmp_path)

    assert key not in result.stdout + result.stderr


def test_ask_explain_shows_the_top_cards_matched_words_and_why_it_answered(
    env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    result = run_bot(["ask", "--explain", "how do I add a card"], env_without_slack, tmp_path)

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "threshold: score >= 0.28, coverage >= 0.35" in out
    assert "1. payment-method (Add a payment method): score " in out
    assert "\n2. " in out
    assert "\n3. " in out
    assert "\n4. " not in out
    # Which card question each word matched, and whether it carries meaning for the card.
    meant = r'card \(weight [\d.]+, carries meaning here\): question "How do I add a credit card\?"'
    assert re.search(meant, out)
    assert "verdict: answered with payment-method" in out


def test_ask_explain_says_an_abstention_rests_on_everyday_words_only(
    env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    result = run_bot(["ask", "--explain", "last year"], env_without_slack, tmp_path)

    out = result.stdout
    assert "1. usage-workspace" in out
    everyday = r"last \(weight [\d.]+, an everyday or shared word\): question \"see last month's"
    assert re.search(everyday, out)
    assert "verdict: abstained: usage-workspace shares only everyday or widely shared words" in out


def test_ask_explain_names_the_subject_left_out_that_won(
    env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    question = "Add free Mistral API support, please"
    result = run_bot(["ask", "--explain", question], env_without_slack, tmp_path)

    out = result.stdout
    assert "off-guide subject: asking another app to support Mistral: score " in out
    assert re.search(r'support \(weight [\d.]+, [a-z ]+\): title "asking another app', out)
    assert 'verdict: abstained: the guide leaves out "asking another app to support Mistral"' in out


def test_ask_explain_decides_exactly_as_ask_does(
    env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    """The explanation reads the ranking that decides the answer: never a second opinion."""
    questions = [
        "How do I add a payment method?",
        "what does error 429 mean",
        "who won the champions league last year",
        "is the free plan enough for production?",
        "how do I make pasta carbonara",
        "my OpenAI key gets 429",
        "come invito un collega?",
    ]
    jsonl = run_bot(["ask", "--jsonl"], env_without_slack, tmp_path, "\n".join(questions) + "\n")
    topics = [json.loads(line)["topic"] for line in jsonl.stdout.splitlines()]

    for question, topic in zip(questions, topics, strict=True):
        out = run_bot(["ask", "--explain", question], env_without_slack, tmp_path).stdout
        verdict = out.splitlines()[-1]
        if topic is None:
            assert verdict.startswith("verdict: abstained"), (question, verdict)
        else:
            assert verdict.startswith(f"verdict: answered with {topic}:"), (question, verdict)


def test_ask_explain_does_not_search_for_a_command(
    env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    result = run_bot(["ask", "--explain", "done 2"], env_without_slack, tmp_path)

    assert "verdict: not a question (CommandPointer): the guide is not searched" in result.stdout


def test_ask_explain_leaves_out_a_subject_that_shares_no_word_with_the_question(
    env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    result = run_bot(["ask", "--explain", "register"], env_without_slack, tmp_path)

    assert result.returncode == 0, result.stderr
    assert "1. register" in result.stdout
    assert "off-guide subject" not in result.stdout
