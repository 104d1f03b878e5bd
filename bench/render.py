"""What rendering a reply costs, per render, before and after the render cache.

    python bench/render.py                 5 rounds of the mix, 20 times over
    python bench/render.py --rounds 9 --repeat 40

The mix is the load bench's old traffic, as renders: for every question of
tests/data/dev-questions.tsv, one mention answered in public, then one slash command in
turn: the checklist, ``done N``
(the checklist, and App Home republished with it), the question (answered privately,
quoting it back) and ``next``. Each round measures four ways, their order turning, each
a step on from the one before:

- before: templates checked for changes on every render (jinja2's ``auto_reload``),
  jinja2's own ``tojson``, no cache: the code as it was
- loaded: templates loaded once
- tojson: the bot's ``tojson``, without the escapes for HTML
- after: replies that read the same for everyone cached too, and checklists by their
  value: the code as it is

The machine is shared, so the figures are this process's CPU time, the ways take turns
pass by pass, and the verdict is the median of the rounds' ratios to "before".
Then the cost of the JSON round trip on the uncached path: the template's text, its
``json.loads``, and the ``json.dumps`` slack_sdk does to send the blocks.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.domain.answers import answer  # noqa: E402
from bot.domain.replies import Answer, Checklist, Reply, StepState  # noqa: E402
from bot.guide.content import Content, load_content  # noqa: E402
from bot.guide.search import Index  # noqa: E402
from bot.render import blocks  # noqa: E402
from bot.settings import CONTENT_DIR  # noqa: E402
from bot.strings import Language, Phrase  # noqa: E402

QUESTIONS = REPO / "tests" / "data" / "dev-questions.tsv"


@dataclasses.dataclass(frozen=True)
class Case:
    """One render the web process does: a reply, where it is shown, and for whom."""

    kind: str
    reply: Reply
    surface: blocks.Surface = "message"
    show_question: bool = False
    home: bool = False  # the checklist republished in App Home


Render = Callable[..., list[dict[str, Any]]]


def checklist(content: Content, done: int, *, language: Language, notice: str = "") -> Checklist:
    """Someone's checklist with their first ``done`` steps done, the next one opened."""
    steps = tuple(
        StepState(number=i, card=card, done=i <= done) for i, card in enumerate(content.steps, 1)
    )
    return Checklist(
        steps=steps,
        focus=next((step for step in steps if not step.done), None),
        # As the assistant words it: the title in the person's language.
        notice=Phrase.of(notice, title=steps[done - 1].card.title_in(language)) if notice else None,
        language=language,
        changed=bool(notice),
    )


def questions() -> list[tuple[Language, str]]:
    """The language and text of each question (rows as bench/qa.py reads them)."""
    with QUESTIONS.open(encoding="utf-8") as handle:
        rows = [row for row in csv.reader(handle, delimiter="\t") if row and row[0][:1] != "#"]
    return [
        (
            "it" if row[1] == "it" else "en",
            (row[2] if len(row) == 3 else row[3]).replace("\\n", "\n"),
        )
        for row in rows
    ]


def mix(content: Content) -> list[Case]:
    """the traffic of python -m bench.load (bench/load/traffic.py), as the renders it causes."""
    index = Index(content)
    cases = []
    for number, (lang, question) in enumerate(questions()):
        reply = answer(index, question, language=lang)
        done = number % len(content.steps) + 1
        cases.append(Case(f"public {reply.template}", reply))
        if number % 4 == 1:
            ticked = checklist(content, done, language=lang, notice="marked")
            cases += [Case("checklist", ticked, show_question=True)]
            cases += [Case("home", ticked, surface="view", home=True)]
        elif number % 4 == 2:
            if isinstance(reply, Answer):
                reply = dataclasses.replace(reply, step_done=number % 3 == 0)
            cases.append(Case(f"private {reply.template}", reply, show_question=True))
        else:
            cases.append(
                Case("checklist", checklist(content, done, language=lang), show_question=True)
            )
    return cases


def run(cases: list[Case], render: Render) -> None:
    for case in cases:
        if case.home:
            view = render(case.reply, surface="view")
            blocks.render_template("home", checklist_blocks=view, workspace=None, lang="en")
        else:
            render(case.reply, surface=case.surface, show_question=case.show_question)


MODES = ("before", "loaded", "tojson", "after")
BOTS_TOJSON = blocks.environment().filters["tojson"]


def use(mode: str) -> Render:
    """Set rendering up as ``mode`` (see the module's doc); the render function it uses."""
    environment = blocks.environment()
    environment.auto_reload = mode == "before"
    mine = mode in ("tojson", "after")
    # Both take the evaluation context first, as the compiled templates call them.
    environment.filters["tojson"] = BOTS_TOJSON if mine else jinja2.filters.do_tojson
    environment.policies["json.dumps_kwargs"] = {"ensure_ascii": False}  # as it was
    return blocks.render if mode == "after" else blocks.render_uncached


def cpu_per_render(cases: list[Case], render: Render) -> float:
    """Microseconds of this process's CPU per render, over one pass of ``cases``."""
    started = time.process_time()
    run(cases, render)
    return (time.process_time() - started) / len(cases) * 1e6


def rounds(
    cases: list[Case], count: int, repeat: int, modes: tuple[str, ...] = MODES
) -> dict[str, list[float]]:
    """Each mode's µs per render in every round, of ``repeat`` passes each.

    The modes take turns pass by pass, so a neighbour's burst of work falls on all of
    them; each round starts with an empty cache, so "after" pays its misses.
    """
    timings: dict[str, list[float]] = {mode: [] for mode in modes}
    try:
        for number in range(count):
            blocks.shared_json.cache_clear()
            blocks.CHECKLISTS.clear()
            spent = dict.fromkeys(modes, 0.0)
            for n in range(repeat):
                turn = (number + n) % len(modes)
                for mode in modes[turn:] + modes[:turn]:
                    spent[mode] += cpu_per_render(cases, use(mode))
            for mode in modes:
                timings[mode].append(spent[mode] / repeat)
    finally:
        use("after")
    return timings


def by_kind(cases: list[Case], repeat: int) -> list[str]:
    """Before and after for each kind of render (medians of three rounds)."""
    lines = []
    for kind in dict.fromkeys(case.kind for case in cases):
        mine = [case for case in cases if case.kind == kind]
        timings = rounds(mine, 3, repeat, ("before", "after"))
        before, after = (statistics.median(timings[mode]) for mode in ("before", "after"))
        lines.append(
            f"  {kind:<17} {len(mine):>3} of {len(cases)}   "
            f"before {before:6.1f} µs   after {after:6.1f} µs   ratio {after / before:.2f}"
        )
    return lines


def json_round_trip(cases: list[Case], repeat: int) -> str:
    """The uncached path's parts: template to text, text to objects, objects to text again."""
    texts = [blocks.reply_json(c.reply, c.surface, show_question=c.show_question) for c in cases]
    parsed = [json.loads(text) for text in texts]
    whole = statistics.median(cpu_per_render(cases, use("tojson")) for _ in range(repeat))
    use("after")
    started = time.process_time()
    for _ in range(repeat):
        for text in texts:
            json.loads(text)
    loads = (time.process_time() - started) / (repeat * len(texts)) * 1e6
    started = time.process_time()
    for _ in range(repeat):
        for value in parsed:
            json.dumps(value)
    dumps = (time.process_time() - started) / (repeat * len(parsed)) * 1e6
    return (
        f"uncached render {whole:.1f} µs, of which json.loads {loads:.1f} µs "
        f"({loads / whole:.0%}); slack_sdk's json.dumps to send: {dumps:.1f} µs"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=20, help="passes of the mix per measurement")
    args = parser.parse_args()
    cases = mix(load_content(CONTENT_DIR))
    run(cases, blocks.render)  # templates compiled, catalog read: not part of any figure
    timings = rounds(cases, args.rounds, args.repeat)
    print(f"{len(cases)} renders in the mix, {args.rounds} rounds of {args.repeat} passes")
    for mode in MODES:
        ratios = [now / then for now, then in zip(timings[mode], timings["before"], strict=True)]
        print(
            f"  {mode:<8} {statistics.median(timings[mode]):7.1f} µs per render   "
            f"ratio to before {statistics.median(ratios):.2f} "
            f"(rounds {min(ratios):.2f}-{max(ratios):.2f})"
        )
    print("by kind:")
    print("\n".join(by_kind(cases, args.repeat)))
    print(json_round_trip(cases, args.repeat))


if __name__ == "__main__":
    main()
