"""Accuracy and speed of the answer engine on the question sets in ``tests/data``.

    python bench/qa.py            every set, with the misses listed
    python bench/qa.py --sweep    accuracy across both abstain thresholds (for calibration)

In scope, a question is right when the best card is its topic and the bot answers.
Out of scope ("-"), it is right when the bot abstains. Speed is reported as questions
per second and as a ratio to a baseline run in the same process (tokenizing the same
questions), because this machine is shared and absolute figures drift.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bot.content import load_content
from bot.search import ANSWER_THRESHOLD, MIN_COVERAGE, Index, Ranking, words
from bot.settings import CONTENT_DIR

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
SETS = ("dev-questions.tsv", "paraphrases.tsv", "out-of-scope.tsv")


@dataclass(frozen=True)
class Question:
    topics: frozenset[str]  # empty: the guide does not cover it
    lang: str
    text: str


def read_questions(path: Path) -> list[Question]:
    with path.open(encoding="utf-8") as handle:
        rows = [row for row in csv.reader(handle, delimiter="\t") if row and row[0][:1] != "#"]
    return [
        Question(frozenset() if row[0] == "-" else frozenset(row[0].split(",")), row[1], row[2])
        for row in rows
    ]


def correct(
    question: Question,
    ranking: Ranking,
    threshold: float = ANSWER_THRESHOLD,
    coverage: float = MIN_COVERAGE,
) -> bool:
    """Right answer in scope, or abstention out of scope, at the given thresholds."""
    top = ranking.matches[0] if ranking.matches else None
    answered = top is not None and top.score >= threshold and top.coverage >= coverage
    if not question.topics:
        return not answered
    return answered and top is not None and top.card.topic in question.topics


@dataclass
class Tally:
    in_scope: int = 0
    in_scope_right: int = 0
    out_scope: int = 0
    out_scope_right: int = 0

    def add(self, question: Question, right: bool) -> None:
        if question.topics:
            self.in_scope += 1
            self.in_scope_right += right
        else:
            self.out_scope += 1
            self.out_scope_right += right

    def line(self, name: str) -> str:
        total = self.in_scope + self.out_scope
        right = self.in_scope_right + self.out_scope_right
        return (
            f"{name:<22} overall {right}/{total} = {_pct(right, total)}  "
            f"in-scope top-1 {self.in_scope_right}/{self.in_scope} = "
            f"{_pct(self.in_scope_right, self.in_scope)}  "
            f"out-of-scope abstain {self.out_scope_right}/{self.out_scope} = "
            f"{_pct(self.out_scope_right, self.out_scope)}"
        )


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "  n/a"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", action="store_true", help="try thresholds 0.20 to 0.60")
    args = parser.parse_args()

    index = Index(load_content(CONTENT_DIR))
    sets = {name: read_questions(DATA / name) for name in SETS}
    rankings = {name: [index.rank(q.text) for q in qs] for name, qs in sets.items()}

    if args.sweep:
        everything = [(q, r) for n in SETS for q, r in zip(sets[n], rankings[n], strict=True)]
        for coverage in (0.2, 0.25, 0.3, 0.35, 0.4):
            for step in range(16, 41, 2):
                tally = Tally()
                for question, ranking in everything:
                    tally.add(question, correct(question, ranking, step / 100, coverage))
                print(tally.line(f"score {step / 100:.2f} cover {coverage:.2f}"))
        return 0

    total = Tally()
    for name in SETS:
        tally = Tally()
        for question, ranking in zip(sets[name], rankings[name], strict=True):
            right = correct(question, ranking)
            tally.add(question, right)
            total.add(question, right)
            if not right:
                top = ranking.matches[0] if ranking.matches else None
                got = f"{top.card.topic} {top.score:.3f}" if top else "nothing"
                want = ",".join(sorted(question.topics)) or "-"
                print(f"  miss [{name}] want {want:<20} got {got:<28} {question.text}")
        print(tally.line(name))
    print(total.line("all sets"))
    _speed(index, [q.text for qs in sets.values() for q in qs])
    return 0


def _speed(index: Index, questions: list[str]) -> None:
    rounds = 5
    started = time.perf_counter()
    for _ in range(rounds):
        for text in questions:
            words(text)
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(rounds):
        for text in questions:
            index.rank(text)
    engine = time.perf_counter() - started
    count = rounds * len(questions)
    print(
        f"speed: {count / engine:,.0f} questions/s "
        f"({engine / baseline:.1f}x the time of only tokenizing them, in the same run)"
    )


if __name__ == "__main__":
    sys.exit(main())
