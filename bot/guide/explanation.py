"""Why the engine answered a question with a card, or said the guide does not cover it:
``python -m bot ask --explain``, for the content's authors.

Everything here is read from the ``Ranking`` that decides the answer and from the evidence
the same index gives (``Index.evidence``): the verdict is ``Ranking.verdict``, never worked
out a second time. The text is for an author at a terminal, in English, like the rest of
the command line.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.guide.search import (
    MEANING_KEYNESS,
    OFF_GUIDE_MARGIN,
    Evidence,
    Index,
    Match,
    OffGuide,
    Ranking,
)

SHOWN_CARDS = 3
# Of a word that matched many questions of one card, the first few say enough.
SHOWN_PHRASES = 3


@dataclass(frozen=True)
class Explanation:
    """A ranking with what each of its top cards (and the subject left out) matched."""

    ranking: Ranking
    cards: tuple[tuple[Match, tuple[Evidence, ...]], ...]
    off_guide: tuple[OffGuide, tuple[Evidence, ...]] | None


def explain(index: Index, ranking: Ranking) -> Explanation:
    """The evidence behind ``ranking``'s top cards and its closest subject left out."""
    cards = tuple((m, index.evidence(ranking, m.card)) for m in ranking.matches[:SHOWN_CARDS])
    off = ranking.off_guide
    return Explanation(
        ranking=ranking,
        cards=cards,
        off_guide=(off, index.evidence(ranking, off.subject)) if off is not None else None,
    )


def describe(explanation: Explanation) -> str:
    """The explanation as text for a terminal."""
    ranking = explanation.ranking
    said = ", ".join(dict.fromkeys(word for _, word in ranking.said)) or "(none)"
    lines = [
        f"question: {ranking.question}",
        f"words read: {said}",
        f"threshold: score >= {ranking.threshold}, coverage >= {ranking.min_coverage}, "
        "and a word that carries meaning for the card "
        f"(used {MEANING_KEYNESS} orders of magnitude more than in everyday language)",
    ]
    if ranking.penalty < 1.0:
        lines.append(f"another product is named: every score keeps x{ranking.penalty}")
    for rank, (match, evidence) in enumerate(explanation.cards, start=1):
        lines.append(
            f"{rank}. {match.card.topic} ({match.card.title['en']}): "
            f"score {match.score}, coverage {match.coverage}"
        )
        lines += _evidence_lines(evidence)
    if explanation.off_guide is not None:
        subject, evidence = explanation.off_guide
        best = ranking.score
        lines.append(
            f"off-guide subject: {subject.subject}: score {subject.score} (it wins from "
            f"{round(OFF_GUIDE_MARGIN * best, 4)}, {OFF_GUIDE_MARGIN} x the best card's {best})"
        )
        lines += _evidence_lines(evidence)
    lines.append(f"verdict: {_verdict(ranking)}")
    return "\n".join(lines)


def _evidence_lines(evidence: tuple[Evidence, ...]) -> list[str]:
    """A line per word the card's questions, title or keywords have; then the words only
    its answer's text has, and those it lacks, each group on one line."""
    lines = []
    for found in evidence:
        if found.matched:
            meaning = "carries meaning here" if found.meaningful else "an everyday or shared word"
            phrases = [f'{kind} "{text}"' for kind, text in found.matched[:SHOWN_PHRASES]]
            more = len(found.matched) - SHOWN_PHRASES
            more_text = f"; and {more} more" if more > 0 else ""
            lines.append(
                f"     {found.word} (weight {found.weight}, {meaning}): "
                f"{'; '.join(phrases)}{more_text}"
            )
    in_text = [f.word for f in evidence if not f.matched and f.explained]
    if in_text:
        lines.append(f"     only in the answer's text: {', '.join(in_text)}")
    missing = [f.word for f in evidence if not f.matched and not f.explained]
    if missing:
        lines.append(f"     not on this card: {', '.join(missing)}")
    return lines


def _verdict(ranking: Ranking) -> str:
    verdict = ranking.verdict
    if verdict == "no-words":
        return "no answer: nothing but function words to search for"
    top = ranking.matches[0]
    topic = top.card.topic
    if verdict == "answered":
        return (
            f"answered with {topic}: its score and coverage reach the threshold, it shares a "
            "word that carries meaning for it, and no subject the guide leaves out outweighs it"
        )
    if verdict == "low-score":
        return f"abstained: the best score, {top.score} ({topic}), is below {ranking.threshold}"
    if verdict == "low-coverage":
        return (
            f"abstained: {topic}'s text explains {top.coverage} of the question's words, "
            f"below {ranking.min_coverage}"
        )
    if verdict == "only-everyday-words":
        return (
            f"abstained: {topic} shares only everyday or widely shared words with the "
            "question, none that carries meaning for it"
        )
    off = ranking.off_guide
    assert off is not None  # the only verdict left is "off-guide"
    return (
        f'abstained: the guide leaves out "{off.subject}", which scores {off.score}, '
        f"at least {OFF_GUIDE_MARGIN} x {topic}'s {top.score}"
    )
