"""The answer engine: rank content cards for a question, or decide the guide does not cover it.

Deterministic and offline. A post is first read (``bot.guide.posts``: pasted errors become the
words that name them, the blob around them goes), then cut into folded words,
typo-corrected against the content's own vocabulary (rapidfuzz) and stemmed (Snowball,
English then Italian, so both languages land on shared stems). Each card gets three
signals, blended into one score from 0 to 1:

- *BM25 on the question field* (title, curated alternate questions, keywords),
  normalised by what the question could score at best: the strongest ranker on our
  question sets, as FAQ-retrieval studies also find;
- *closest alternates*: TF-IDF cosine with the card's three best-matching alternates;
- *coverage*: the share of the question's information (its words' weight) that the
  card's text explains at all.

A word's weight is how much it tells the cards apart (IDF over the cards), lowered for
words common in everyday English or Italian (``bot.guide.words``): "make" says less than
"invoice". A word no card uses is the clearest sign of a question about something else
("OpenAI", "pasta"), unless it is an everyday word: "manager", "weekend" and "Sara" are
how people talk, not other topics, so they barely count.

The guide does not cover a question when the blended score or the coverage is low, when
the best card shares no word that carries meaning for it (only everyday words such as
"last", "year", "use": see ``MEANING_KEYNESS``), when a subject the guide leaves out fits
it better than any card (``content/scope.toml``), or, more severely, when it names another
product. ``Ranking.verdict`` says which, and ``Index.evidence`` which words matched what:
``python -m bot ask --explain`` prints both.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.guide.content import Card, Content, Subject, load_content
from bot.guide.posts import read
from bot.guide.texts import ENGLISH
from bot.guide.words import RARE_ZIPF, STOPWORDS, everyday_words, stem, words

# Below this blended score, or this coverage, the bot says the guide does not cover the
# question. Calibrated with `bench/qa.py --sweep` on the development set plus our own
# question sets (tests/data); re-run it whenever the content changes.
ANSWER_THRESHOLD = 0.28
MIN_COVERAGE = 0.35

# How the signals are blended; the weights add up to 1. Each variant recalibrated on the
# calibration sets, bench/qa.py on the held-out sets: all three 89.1% right; BM25 alone
# 88.8% (pasted errors 85% rather than 90%, Italian 92% rather than 95%); without coverage
# 88.8% (issue trackers 78.5% rather than 81.5%); without the alternates 89.7%, but the
# calibration sets' chatty posts fall from 87% to 76% and their pasted errors from 84% to
# 81%. So all three stay, coverage with the least weight.
BM25_WEIGHT = 0.4
ALTERNATES_WEIGHT = 0.4
COVERAGE_WEIGHT = 1 - BM25_WEIGHT - ALTERNATES_WEIGHT
ALTERNATES_COUNTED = 3

# An answer must rest on a word that carries meaning for its card: one of the card's own
# question words (title, alternates, keywords) that the content uses at least this many
# orders of magnitude more often than everyday language does (the keyness of
# ``Index._keyness``), and that is on fewer than half the documents ("mistral",
# "api" are on nearly all). "last", "year", "new", "use" and "time" fall below it: "last
# year" alone matched the workspace-usage card on "last month". Calibrated with
# `bench/qa.py` on the calibration sets (92.5% right without the rule, 94.0% with it;
# held-out 88.8% and 89.1%): below it only wrong answers are lost.
MEANING_KEYNESS = 1.1

# A subject the guide leaves out wins over the best card when it scores at least this
# share of the card's score.
OFF_GUIDE_MARGIN = 0.85

# A question naming another product keeps this share of its score; one naming only
# another product ("my OpenAI key gets 429"), and none of ours, keeps less.
OTHER_PRODUCT_PENALTY = 0.5
ONLY_OTHER_PRODUCT_PENALTY = 0.2

# Lucene's BM25 defaults; title and keywords count twice in the question field.
BM25_K1 = 1.2
BM25_B = 0.75

# Typo correction: only words this long (shorter ones collide: "car" -> "card"), and only
# one edit away (two for long words). A looser match turns "openai" into "open" and
# "thanks" into "than", and then other products' questions look like ours. A word of
# everyday language is never a typo ("manager" is not "manage").
TYPO_MIN_LENGTH = 4
TYPO_LONG_WORD = 8
TYPO_SHORT_WORD = 5

# Everyday words weigh less. A word the cards use keeps all its weight when the content
# uses it KEYNESS_FULL orders of magnitude more often than everyday language (bot.guide.words)
# does, less as that gap closes, and never less than KEYNESS_FLOOR. A word no card uses
# weighs as much as the rarest card word when rare, and EVERYDAY_FLOOR of that from
# EVERYDAY_ZIPF up.
KEYNESS_FULL = 1.5
KEYNESS_FLOOR = 0.5
EVERYDAY_ZIPF = 4.5
EVERYDAY_FLOOR = 0.05

# Only this much of a post is read: the question comes first, and what Slack allows
# beyond it (40,000 characters) is pasted logs that would only slow every answer down.
MAX_POST_CHARS = 4000

# A post with more words than this is also scored sentence by sentence; a sentence
# needs this many words to stand for the post.
LONG_POST_TERMS = 6
MIN_SENTENCE_TERMS = 2

RUNNERS_UP = 3
# A runner-up scoring less than this shares nothing real with the question; it is still
# offered, but as a place to start rather than as "did you mean".
SUGGESTION_FLOOR = 0.1


@dataclass(frozen=True)
class Match:
    """A card and how well it fits the question, from 0 to 1."""

    card: Card
    score: float
    coverage: float = 1.0
    # Whether the question shares a word that carries meaning for this card.
    meaningful: bool = True


# Why a ranking answers or not, in the order ``Ranking.verdict`` checks.
Verdict = Literal[
    "answered", "no-words", "low-score", "low-coverage", "only-everyday-words", "off-guide"
]


@dataclass(frozen=True)
class OffGuide:
    """The subject the guide leaves out that fits the question best, and how well."""

    subject: str
    score: float

    def outweighs(self, card: Match) -> bool:
        """Whether this subject, rather than ``card``, is what the question is about."""
        return self.score >= OFF_GUIDE_MARGIN * card.score


@dataclass(frozen=True)
class Ranking:
    """The cards that fit a question best, best first, and whether to answer."""

    question: str
    matches: tuple[Match, ...]
    off_guide: OffGuide | None = None
    threshold: float = ANSWER_THRESHOLD
    min_coverage: float = MIN_COVERAGE
    # The words read from the question, as (stem, word), and the share of its score a
    # question naming another product keeps (1.0 when it names none).
    said: tuple[tuple[str, str], ...] = ()
    penalty: float = 1.0

    @property
    def verdict(self) -> Verdict:
        """Whether the best card answers, or why the guide does not cover the question."""
        if not self.matches:
            return "no-words"
        top = self.matches[0]
        if top.score < self.threshold:
            return "low-score"
        if top.coverage < self.min_coverage:
            return "low-coverage"
        if not top.meaningful:
            return "only-everyday-words"
        if self.off_guide is not None and self.off_guide.outweighs(top):
            return "off-guide"
        return "answered"

    @property
    def best(self) -> Match | None:
        """The answer, or None when the guide does not cover the question."""
        return self.matches[0] if self.verdict == "answered" else None

    @property
    def score(self) -> float:
        return self.matches[0].score if self.matches else 0.0

    @property
    def runners_up(self) -> tuple[Match, ...]:
        """The next closest cards: offered as "did you mean" buttons."""
        start = 1 if self.best else 0
        return self.matches[start : start + RUNNERS_UP]

    @property
    def runners_up_are_close(self) -> bool:
        """Whether the runners-up share anything real with the question."""
        return any(m.score >= SUGGESTION_FLOOR for m in self.runners_up)


# Where a word matched: "title", "section", "question" or "keyword", and that text.
Phrase = tuple[str, str]


@dataclass(frozen=True)
class Evidence:
    """One word of a question and what it matched in one card."""

    word: str  # as read from the question, typos corrected
    weight: float  # how much it tells the cards apart
    meaningful: bool  # it carries meaning for this card (MEANING_KEYNESS)
    matched: tuple[Phrase, ...]  # the card's title, questions and keywords that have it
    explained: bool  # the card's text has it (coverage)


def load_index(content_dir: Path) -> Index:
    """Load and check the content, then index it. A broken card fails here, at startup."""
    return Index(load_content(content_dir))


@dataclass(frozen=True)
class _Document:
    """What the index ranks: a card, or a subject the guide leaves out."""

    titles: tuple[str, ...]  # weigh twice in the question field
    questions: tuple[str, ...]  # the title and the alternates, each compared on its own
    keywords: tuple[str, ...]
    text: str  # everything the document explains, for coverage


def _card_document(card: Card) -> _Document:
    # The guide's own heading names the topic the way the guide's readers learned it. The
    # title and answer are read in English; other languages' ways of asking are questions.
    title, answer = card.title[ENGLISH], card.answer[ENGLISH]
    return _Document(
        titles=(title, title, card.section),
        questions=(title, *card.questions),
        keywords=(*card.keywords, *card.keywords),
        text=" ".join((title, card.section, *card.questions, *card.keywords, answer)),
    )


def _subject_document(subject: Subject) -> _Document:
    return _Document(
        titles=(subject.subject, subject.subject),
        questions=(subject.subject, *subject.questions),
        keywords=(),
        text=" ".join((subject.subject, *subject.questions)),
    )


class Index:
    """Cards prepared for ranking; build once at startup, then read-only."""

    def __init__(self, content: Content) -> None:
        self.content = content
        scope = content.scope
        self._cards = content.cards
        self._subjects = tuple(subject.subject for subject in scope.not_covered)
        documents = [_card_document(card) for card in self._cards]
        documents += [_subject_document(subject) for subject in scope.not_covered]
        self._everyday = everyday_words()
        all_words = Counter(w for document in documents for w in words(document.text))
        # Most frequent first, so a typo is corrected to the common spelling.
        self._vocabulary = [w for w, _ in all_words.most_common() if len(w) >= 3]
        self._known_words = frozenset(self._vocabulary)
        # The same words come back in every other question: correct each one once.
        self._correct = lru_cache(maxsize=65536)(self._correction)
        # Product names are matched as written: "teams" is Microsoft's, "team" is not.
        self._other_products = frozenset(w.casefold() for w in scope.other_products)
        self._own_products = frozenset(w.casefold() for w in scope.own_products)

        fields = [
            self._terms(" ".join((*d.titles, *d.questions[1:], *d.keywords))) for d in documents
        ]
        keyness = self._keyness(all_words)
        self._idf = self._term_weights(keyness, fields)
        # The words that carry meaning for each document (MEANING_KEYNESS), and the
        # phrases its question field is made of, for the evidence of a match.
        on = Counter(term for field in fields for term in {t for t, _ in field})
        self._meaning = [
            frozenset(
                term
                for term, _ in field
                if keyness.get(term, 0.0) >= MEANING_KEYNESS and 2 * on[term] < len(fields)
            )
            for field in fields
        ]
        self._phrases = [self._phrases_of(d) for d in documents]
        # A word no document uses is the strongest sign that the question is elsewhere.
        self._unknown_idf = _idf(len(documents), 0)
        self._documents = len(documents)
        # Every signal as an inverted index (term -> documents), so a question only
        # touches the documents that share a word with it.
        self._explains = self._text_index(documents)
        self._bm25 = _bm25_index(fields)
        self._postings, self._alternate_norms = self._alternates_index(documents)

    def _keyness(self, all_words: Counter[str]) -> dict[str, float]:
        """How many orders of magnitude more often the content uses each term than everyday
        language does (both on the Zipf scale; a word's commonest form counts for everyday
        language)."""
        everyday: dict[str, float] = {}
        uses: Counter[str] = Counter()
        for word, count in all_words.items():
            if word not in STOPWORDS:
                term = stem(word)
                uses[term] += count
                everyday[term] = max(everyday.get(term, 0.0), self._everyday.get(word, 0.0))
        total = sum(uses.values())
        return {t: math.log10(n / total * 1e9) - everyday[t] for t, n in uses.items()}

    @staticmethod
    def _term_weights(
        keyness: dict[str, float], fields: list[list[tuple[str, str]]]
    ) -> dict[str, float]:
        """Each term's weight: how rare it is among documents, times its keyness.

        Weights come from the words a document is *about* (titles, alternates, keywords);
        a word only an answer uses weighs by how rare it is, like a word no card uses.
        """
        df = Counter(term for field in fields for term in {t for t, _ in field})
        return {t: _idf(len(fields), n) * _known_share(keyness[t]) for t, n in df.items()}

    def _text_index(self, documents: list[_Document]) -> dict[str, list[int]]:
        """term -> the documents whose text has it."""
        explains: dict[str, list[int]] = {}
        for i, document in enumerate(documents):
            for term in {t for t, _ in self._terms(document.text)}:
                explains.setdefault(term, []).append(i)
        return explains

    def _alternates_index(
        self, documents: list[_Document]
    ) -> tuple[dict[str, list[tuple[int, int, float]]], list[list[float]]]:
        """The alternates: term -> (document, alternate, weight), and each one's norm."""
        postings: dict[str, list[tuple[int, int, float]]] = {}
        alternate_norms: list[list[float]] = []
        for i, document in enumerate(documents):
            norms = []
            for j, question in enumerate(document.questions):
                said = self._terms(question)
                vector = self._vector(said, self._weights(said))
                for term, weight in vector.items():
                    postings.setdefault(term, []).append((i, j, weight))
                norms.append(math.sqrt(sum(w * w for w in vector.values())) or 1.0)
            alternate_norms.append(norms)
        return postings, alternate_norms

    def rank(self, question: str) -> Ranking:
        """Score every card for ``question``; matches are sorted best first.

        A long post is also scored sentence by sentence, and each card keeps its best
        score: the question in a chatty post is usually one sentence among greetings
        and backstory, and that sentence alone says what the post asks.
        """
        sentences = [
            (said, text.rstrip().endswith("?"))
            for text in _sentences(question[:MAX_POST_CHARS])
            if (said := self._terms(text, correct_typos=True))
        ]
        said = [term for sentence, _ in sentences for term in sentence]
        if not said:
            return Ranking(question, ())
        scores = self._scores(said)
        if len(said) > LONG_POST_TERMS and len(sentences) > 1:
            for sentence, asks in sentences:
                if asks and len(sentence) >= MIN_SENTENCE_TERMS:
                    scores = [
                        max(a, b) for a, b in zip(scores, self._scores(sentence), strict=True)
                    ]
        penalty = self._penalty(word for _, word in said)
        cards = len(self._cards)
        terms = {term for term, _ in said}
        matches = [
            Match(card, round(penalty * score, 4), round(coverage, 4), bool(terms & meaning))
            for card, (score, coverage), meaning in zip(
                self._cards, scores, self._meaning, strict=False
            )
        ]
        # Ties keep the content's order, so the same question always ranks the same way.
        matches.sort(key=lambda m: m.score, reverse=True)
        off_guide = max(
            (
                OffGuide(subject, round(penalty * scores[cards + k][0], 4))
                for k, subject in enumerate(self._subjects)
            ),
            key=lambda o: o.score,
            default=None,
        )
        return Ranking(question, tuple(matches), off_guide, said=tuple(said), penalty=penalty)

    def evidence(self, ranking: Ranking, document: Card | str) -> tuple[Evidence, ...]:
        """What each word of the ranked question matched in a card (or in a subject the
        guide leaves out, by name), heaviest first: read from the index ``rank`` used."""
        i = (
            self._cards.index(document)
            if isinstance(document, Card)
            else len(self._cards) + self._subjects.index(document)
        )
        weights = self._weights(ranking.said)
        words_of = dict(reversed(ranking.said))  # the first wording of each term
        found = [
            Evidence(
                word=words_of[term],
                weight=round(weight, 2),
                meaningful=term in self._meaning[i],
                matched=tuple(phrase for phrase, said in self._phrases[i] if term in said),
                explained=i in self._explains.get(term, ()),
            )
            for term, weight in weights.items()
        ]
        return tuple(sorted(found, key=lambda e: e.weight, reverse=True))

    def _phrases_of(self, document: _Document) -> tuple[tuple[Phrase, frozenset[str]], ...]:
        """The phrases of a document's question field, each with its terms."""
        title, *_, section = document.titles
        phrases: list[Phrase] = [("title", title)]
        if section != title:
            phrases.append(("section", section))
        phrases += [("question", q) for q in document.questions[1:]]
        phrases += [("keyword", k) for k in dict.fromkeys(document.keywords)]
        return tuple((p, frozenset(t for t, _ in self._terms(p[1]))) for p in phrases)

    def _scores(self, said: Sequence[tuple[str, str]]) -> list[tuple[float, float]]:
        """(blended score, coverage) of every document, cards first, for these words."""
        weights = self._weights(said)
        query = self._vector(said, weights)
        query_mass = sum(weights.values())
        query_norm = math.sqrt(sum(w * w for w in query.values()))
        explained = [0.0] * self._documents
        bm25 = [0.0] * self._documents
        dots: dict[tuple[int, int], float] = {}
        for term, weight in weights.items():
            for i in self._explains.get(term, ()):
                explained[i] += weight
            for i, factor in self._bm25.get(term, ()):
                bm25[i] += weight * factor
            tf_idf = query[term]
            for i, j, alternate_weight in self._postings.get(term, ()):
                dots[i, j] = dots.get((i, j), 0.0) + tf_idf * alternate_weight
        cosines: list[list[float]] = [[] for _ in range(self._documents)]
        for (i, j), dot in dots.items():
            cosines[i].append(dot / (query_norm * self._alternate_norms[i][j]))
        # BM25 is normalised by what the question could score at best on one document.
        best_bm25 = (BM25_K1 + 1) * query_mass
        scores = []
        for i in range(self._documents):
            closest = sum(sorted(cosines[i], reverse=True)[:ALTERNATES_COUNTED])
            coverage = explained[i] / query_mass
            score = (
                BM25_WEIGHT * bm25[i] / best_bm25
                + ALTERNATES_WEIGHT * closest / ALTERNATES_COUNTED
                + COVERAGE_WEIGHT * coverage
            )
            scores.append((score, coverage))
        return scores

    def _penalty(self, said: Iterable[str]) -> float:
        """How much of its score a question keeps for the products it names."""
        named = set(said)
        if not named & self._other_products:
            return 1.0
        return OTHER_PRODUCT_PENALTY if named & self._own_products else ONLY_OTHER_PRODUCT_PENALTY

    def _terms(self, text: str, *, correct_typos: bool = False) -> list[tuple[str, str]]:
        """(stem, word) for every word that is not a function word."""
        result = []
        for word in words(text):
            if word in STOPWORDS or (word.isdigit() and len(word) < 3):
                continue
            if correct_typos:
                word = self._correct(word)
            result.append((stem(word), word))
        return result

    def _correction(self, word: str) -> str:
        if (
            len(word) < TYPO_MIN_LENGTH
            or word in self._known_words
            or word in self._everyday
            or word.isdigit()
        ):
            return word
        edits = 2 if len(word) >= TYPO_LONG_WORD else 1
        found = process.extractOne(word, self._vocabulary, scorer=OSA.distance, score_cutoff=edits)
        if found is None:
            return word
        fixed = str(found[0])
        # Four letters leave too little to tell a typo from another word ("life" is one
        # letter from "like"): only swapped letters count there ("crad" -> "card").
        if len(word) < TYPO_SHORT_WORD and sorted(fixed) != sorted(word):
            return word
        return fixed

    def _weights(self, said: Sequence[tuple[str, str]]) -> dict[str, float]:
        """Each term's weight: its IDF, or for a word no card uses, by how rare it is."""
        weights: dict[str, float] = {}
        for term, word in said:
            weight = self._idf.get(term)
            if weight is None:
                weight = self._unknown_idf * _unknown_share(self._everyday.get(word, 0.0))
            weights[term] = max(weights.get(term, 0.0), weight)
        return weights

    @staticmethod
    def _vector(said: Sequence[tuple[str, str]], weights: dict[str, float]) -> dict[str, float]:
        """TF-IDF: a term said twice counts 1 + log 2 times."""
        counts = Counter(term for term, _ in said)
        return {t: (1 + math.log(counts[t])) * w for t, w in weights.items()}


def _sentences(text: str) -> list[str]:
    """A post's sentences (lines count as sentences), with pasted errors read first."""
    return _SENTENCE_END.split(read(text).text)


_SENTENCE_END = re.compile(r"(?<=[.?!;:])\s+|\n+")


def _known_share(keyness: float) -> float:
    """How much of its weight a word the cards use keeps: all of it for the content's own
    vocabulary ("invoice", "workspace"), little for words the content uses no more than
    everyday language does ("time", "before", "side")."""
    return min(1.0, max(KEYNESS_FLOOR, keyness / KEYNESS_FULL))


def _unknown_share(zipf: float) -> float:
    """How much of the full unknown-word weight a word no card uses carries."""
    if zipf < RARE_ZIPF:
        return 1.0
    return max(EVERYDAY_FLOOR, (EVERYDAY_ZIPF - zipf) / (EVERYDAY_ZIPF - RARE_ZIPF))


def _idf(n: int, df: int) -> float:
    # Lucene's BM25 IDF: never negative, even for a word on most cards.
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def _bm25_index(fields: list[list[tuple[str, str]]]) -> dict[str, list[tuple[int, float]]]:
    """BM25 on the question field: term -> (document, the term's BM25 factor there)."""
    index: dict[str, list[tuple[int, float]]] = {}
    average = sum(len(field) for field in fields) / len(fields)
    for i, field in enumerate(fields):
        norm = BM25_K1 * (1 - BM25_B + BM25_B * len(field) / average)
        for term, tf in Counter(t for t, _ in field).items():
            factor = tf * (BM25_K1 + 1) / (tf + norm)
            index.setdefault(term, []).append((i, factor))
    return index
