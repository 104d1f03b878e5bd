"""Accuracy and speed of the answer engine on the question sets in ``tests/data``.

    python bench/qa.py            every set, per kind of post, with the misses listed
    python bench/qa.py --sweep    accuracy across the abstain thresholds (for calibration)

A question is right when the bot answers it with one of its topics, or, for "-" (the
guide does not cover it, or it is a command typed without the slash), when it gives
no topic: exactly what ``python -m bot ask --jsonl`` prints.

The calibration sets are what thresholds are tuned on. ``tests/data/heldout`` holds
posts in the same styles that calibration never looks at: their score says whether a
change generalises or only fits the calibration sets.

Speed is questions per second through ``ask``'s own path, and a ratio to a baseline
run in the same process (only tokenizing the same questions), because this machine is
shared and absolute figures drift.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from bot.domain.answers import answer, not_a_question, rank
from bot.domain.replies import Answer
from bot.guide.content import load_content
from bot.guide.search import ANSWER_THRESHOLD, MIN_COVERAGE, Index, Ranking
from bot.guide.words import words
from bot.settings import CONTENT_DIR

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
CALIBRATION = (
    "dev-questions.tsv",
    "paraphrases.tsv",
    "out-of-scope.tsv",
    "posts.tsv",
    "off-guide.tsv",
    "issue-trackers.tsv",
)
HELD_OUT = ("heldout/posts.tsv", "heldout/off-guide.tsv", "heldout/issue-trackers.tsv")
# 40,000 characters each: the longest message Slack delivers.
HOSTILE_PASTES = {
    "dotted name then Error": "a." * 19_997 + "Error",
    "slashes": "x/" * 20_000,
    "stack frames": "at " + "a " * 19_998,
    "nested JSON": '{"message":' * 3_600,
    "status codes": "429 " * 10_000,
    "accented text": "é" * 40_000,
}
KINDS = ("paraphrase", "chatty", "error", "command", "off-guide", "italian", "tracker")


@dataclass(frozen=True)
class Question:
    topics: frozenset[str]  # empty: the bot should give no topic
    lang: str
    kind: str
    text: str


def read_questions(path: Path) -> list[Question]:
    """Rows of ``topic(s) lang [kind] question [source]``; ``\\n`` in a post is a line break.

    The older three-column sets have no kind: theirs follows from topic and language.
    """
    with path.open(encoding="utf-8") as handle:
        rows = [row for row in csv.reader(handle, delimiter="\t") if row and row[0][:1] != "#"]
    questions = []
    for row in rows:
        topics = frozenset() if row[0] == "-" else frozenset(row[0].split(","))
        if len(row) == 3:
            kind = "off-guide" if not topics else "italian" if row[1] == "it" else "paraphrase"
            text = row[2]
        else:
            kind, text = row[2], row[3]
        questions.append(Question(topics, row[1], kind, text.replace("\\n", "\n")))
    return questions


def topic_of(index: Index, question: Question) -> str | None:
    """What ``ask --jsonl`` prints as the topic."""
    reply = answer(index, question.text)
    return reply.card.topic if isinstance(reply, Answer) else None


def right(question: Question, topic: str | None) -> bool:
    return topic in question.topics if question.topics else topic is None


@dataclass
class Tally:
    answerable: int = 0
    answered_right: int = 0
    abstain: int = 0
    abstained: int = 0

    def add(self, question: Question, ok: bool) -> None:
        if question.topics:
            self.answerable += 1
            self.answered_right += ok
        else:
            self.abstain += 1
            self.abstained += ok

    def line(self, name: str) -> str:
        total = self.answerable + self.abstain
        ok = self.answered_right + self.abstained
        return (
            f"{name:<28} {_pct(ok, total)} of {total:>4}   "
            f"answered right {_pct(self.answered_right, self.answerable)} of {self.answerable:>4}"
            f"   abstained {_pct(self.abstained, self.abstain)} of {self.abstain:>4}"
        )


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "   - "


def report(index: Index, names: tuple[str, ...], heading: str, *, misses: bool) -> None:
    print(f"\n{heading}")
    overall = Tally()
    by_kind: defaultdict[str, Tally] = defaultdict(Tally)
    for name in names:
        tally = Tally()
        for question in read_questions(DATA / name):
            topic = topic_of(index, question)
            ok = right(question, topic)
            for target in (tally, overall, by_kind[question.kind]):
                target.add(question, ok)
            if misses and not ok:
                want = ",".join(sorted(question.topics)) or "-"
                text = " ".join(question.text.split())[:110]
                print(f"  miss [{question.kind}] want {want:<20} got {topic or '-':<20} {text}")
        print(tally.line(name))
    for kind in KINDS:
        if kind in by_kind:
            print(by_kind[kind].line(f"  kind: {kind}"))
    print(overall.line("  all"))


def sweep(index: Index) -> None:
    """Accuracy on the calibration sets for each pair of thresholds."""
    questions = [q for name in CALIBRATION for q in read_questions(DATA / name)]
    # The same path as answer(), with the thresholds left to vary.
    prepared = [(q, None if not_a_question(q.text) else rank(index, q.text)) for q in questions]
    for coverage in (0.2, 0.25, 0.3, 0.35, 0.4):
        for step in range(16, 41, 2):
            tally = Tally()
            for question, ranking in prepared:
                topic = _topic_at(ranking, step / 100, coverage)
                tally.add(question, right(question, topic))
            print(tally.line(f"score {step / 100:.2f} cover {coverage:.2f}"))


def _topic_at(ranking: Ranking | None, threshold: float, coverage: float) -> str | None:
    if ranking is None:
        return None
    best = dataclasses.replace(ranking, threshold=threshold, min_coverage=coverage).best
    return best.card.topic if best else None


def speed(index: Index) -> None:
    questions = [q.text for n in (*CALIBRATION, *HELD_OUT) for q in read_questions(DATA / n)]
    rounds = 3
    started = time.perf_counter()
    for _ in range(rounds):
        for text in questions:
            words(text)
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(rounds):
        for text in questions:
            answer(index, text)
    engine = time.perf_counter() - started
    print(
        f"\nspeed: {rounds * len(questions) / engine:,.0f} questions/s through ask "
        f"({engine / baseline:.1f}x the time of only tokenizing them, in the same run)"
    )
    # Pastes as long as Slack allows, shaped to make pattern matching backtrack: each
    # must take milliseconds, in proportion to its length, never seconds.
    average = engine / (rounds * len(questions))
    for name, paste in HOSTILE_PASTES.items():
        started = time.perf_counter()
        answer(index, paste)
        took = time.perf_counter() - started
        print(f"  worst case {name:<24} {took * 1000:7.1f} ms = {took / average:6.1f}x a question")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", action="store_true", help="try thresholds 0.16 to 0.40")
    parser.add_argument("--quiet", action="store_true", help="no list of misses")
    args = parser.parse_args()
    print(f"thresholds: score {ANSWER_THRESHOLD}, coverage {MIN_COVERAGE}")
    index = Index(load_content(CONTENT_DIR))
    if args.sweep:
        sweep(index)
        return 0
    report(index, CALIBRATION, "calibration sets", misses=not args.quiet)
    report(index, HELD_OUT, "held out (never used for calibration)", misses=False)
    speed(index)
    return 0


if __name__ == "__main__":
    sys.exit(main())
