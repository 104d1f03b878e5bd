"""The answer engine: rank content cards for a question, or decide the guide does not cover it.

Deterministic and offline. A question is cleaned of Slack markup, folded, split into
words, typo-corrected against the content's own vocabulary (rapidfuzz) and stemmed
(Snowball, English then Italian, so both languages land on shared stems). Each card
gets three signals, blended into one score from 0 to 1:

- *BM25 on the question field* (title, curated alternate questions, keywords),
  normalised by what the question could score at best: the strongest ranker on our
  question sets, as FAQ-retrieval studies also find;
- *closest alternates*: TF-IDF cosine with the card's three best-matching alternates;
- *coverage*: the share of the question's information (IDF mass) that the card's text
  explains at all. Words no card uses weigh the most, which is what makes an
  out-of-scope question score low.

The guide does not cover a question when the blended score or the coverage is low, or,
more severely, when the question names another product (``content/scope.toml``).
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.content import Card, Content, load_content

# Below this blended score, or this coverage, the bot says the guide does not cover the
# question. Calibrated with `bench/qa.py --sweep` on the development set plus our own
# in-scope paraphrases and out-of-scope questions (tests/data); re-run it whenever the
# content changes.
ANSWER_THRESHOLD = 0.26
MIN_COVERAGE = 0.30

# How the signals are blended.
BM25_WEIGHT = 0.3
ALTERNATES_WEIGHT = 0.4
COVERAGE_WEIGHT = 0.3
ALTERNATES_COUNTED = 3

# A question naming another product keeps this share of its score.
OTHER_PRODUCT_PENALTY = 0.5

# Lucene's BM25 defaults; title and keywords count twice in the question field.
BM25_K1 = 1.2
BM25_B = 0.75

# Typo correction: only words this long (shorter ones collide: "car" -> "card"), and only
# one edit away (two for long words). A looser match turns "openai" into "open" and
# "thanks" into "than", and then other products' questions look like ours.
TYPO_MIN_LENGTH = 4
TYPO_LONG_WORD = 8
TYPO_SHORT_WORD = 5

# A word no card uses weighs this much more than the rarest word the cards do use: it
# is the clearest sign of a question about something else ("OpenAI", "Notion", "pasta").
UNKNOWN_WORD_BOOST = 1.0

RUNNERS_UP = 3
# A runner-up scoring less than this shares nothing real with the question; it is still
# offered, but as a place to start rather than as "did you mean".
SUGGESTION_FLOOR = 0.1

# Function words in English and Italian. They carry no topic, and leaving them in lets
# "how do I …" questions match each other on grammar alone.
_STOPWORD_TEXT = """
    a about am an and any are as at be been but by can could did do does doing for from get
    got had has have how i if in into is it its just me my of on or our please pls should so
    some that the their them then there these this those to u us was we what whats when
    where which who why will with would you your yours im ive dont cant hey also s t ll ve d
    m re need want wanna gonna way ok okay still asap rn guys thx ty hi hello thanks thank
    help anyone someone know tell il lo la gli le un uno una di da del della dei delle con
    su per tra fra e ed o che chi come cosa dove quando quale quali perche non mi ti si ci
    vi ne nel nella nei sul sulla al alla ai agli alle io tu lui lei noi voi loro mio mia
    nostro nostra suo sua sono sei ho hai ha abbiamo avete hanno posso puoi devo deve essere
    fare faccio fa qual quanto quanti quante ma anche piu gia questo questa quello quella
    dell dall nell sull all coll l c po ora serve servono servirebbe bisogno
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

_MENTION = re.compile(r"<[@#!][^>]*>")
_LINK = re.compile(r"<(?:https?|mailto):[^|>]*\|([^>]*)>|<(?:https?|mailto):[^>]*>")
_EMOJI = re.compile(r":[a-z0-9_+\-']+:")
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Match:
    """A card and how well it fits the question, from 0 to 1."""

    card: Card
    score: float
    coverage: float = 1.0


@dataclass(frozen=True)
class Ranking:
    """The cards that fit a question best, best first, and whether to answer."""

    question: str
    matches: tuple[Match, ...]
    threshold: float = ANSWER_THRESHOLD

    @property
    def best(self) -> Match | None:
        """The answer, or None when the guide does not cover the question."""
        if not self.matches:
            return None
        top = self.matches[0]
        return top if top.score >= self.threshold and top.coverage >= MIN_COVERAGE else None

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


def readable(text: str) -> str:
    """Slack text as a person reads it: entities decoded, link labels only, no mentions."""
    text = _LINK.sub(lambda m: m.group(1) or " ", text)
    text = _MENTION.sub(" ", text)
    return html.unescape(text).strip()


def clean(text: str) -> str:
    """Readable text without emoji codes: what the engine reads."""
    return _EMOJI.sub(" ", readable(text))


def words(text: str) -> list[str]:
    """Lower-case words without accents, markup or punctuation."""
    folded = unicodedata.normalize("NFKD", clean(text).casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _WORD.findall(folded)


_english = snowballstemmer.stemmer("english")
_italian = snowballstemmer.stemmer("italian")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """One stem for both languages: "keys" and "chiavi" reduce the same way every time."""
    return str(_italian.stemWord(_english.stemWord(word)))


def load_index(content_dir: Path) -> Index:
    """Load and check the content, then index it. A broken card fails here, at startup."""
    return Index(load_content(content_dir))


class Index:
    """Cards prepared for ranking; build once at startup, then read-only."""

    def __init__(self, content: Content) -> None:
        self.content = content
        self._cards = content.cards
        all_words = Counter(w for card in self._cards for w in words(_card_text(card)))
        # Most frequent first, so a typo is corrected to the common spelling.
        self._vocabulary = [w for w, _ in all_words.most_common() if len(w) >= 3]
        self._known_words = frozenset(self._vocabulary)
        self._other_products = frozenset(stem(w) for w in content.other_products)

        card_terms = [self._terms(_card_text(card)) for card in self._cards]
        n = len(self._cards)
        df = Counter(term for terms in card_terms for term in set(terms))
        self._idf = {t: _idf(n, count) for t, count in df.items()}
        # A word no card uses is the strongest sign that the question is elsewhere.
        self._unknown_idf = UNKNOWN_WORD_BOOST * _idf(n, 0)
        self._card_sets = [frozenset(terms) for terms in card_terms]
        # The alternates as an inverted index (term -> card, alternate, weight), so a
        # question is compared only with the alternates that share a word with it.
        self._postings: dict[str, list[tuple[int, int, float]]] = {}
        self._alternate_norms: list[list[float]] = []
        for i, card in enumerate(self._cards):
            norms = []
            for j, question in enumerate((card.title, *card.questions)):
                vector = self._vector(self._terms(question))
                for term, weight in vector.items():
                    self._postings.setdefault(term, []).append((i, j, weight))
                norms.append(math.sqrt(sum(w * w for w in vector.values())) or 1.0)
            self._alternate_norms.append(norms)
        fields = [self._terms(_question_field(card)) for card in self._cards]
        self._field_tf = [Counter(field) for field in fields]
        self._field_len = [len(field) for field in fields]
        self._field_avg = sum(self._field_len) / n

    def rank(self, question: str) -> Ranking:
        """Score every card for ``question``; matches are sorted best first."""
        terms = self._terms(question, correct_typos=True)
        if not terms:
            return Ranking(question, ())
        query = self._vector(terms)
        query_mass = sum(self._weight(t) for t in query)
        query_norm = math.sqrt(sum(w * w for w in query.values()))
        best_bm25 = (BM25_K1 + 1) * query_mass
        penalty = OTHER_PRODUCT_PENALTY if self._other_products & query.keys() else 1.0
        dots: dict[tuple[int, int], float] = {}
        for term, weight in query.items():
            for i, j, alternate_weight in self._postings.get(term, ()):
                dots[i, j] = dots.get((i, j), 0.0) + weight * alternate_weight
        cosines: list[list[float]] = [[] for _ in self._cards]
        for (i, j), dot in dots.items():
            cosines[i].append(dot / (query_norm * self._alternate_norms[i][j]))
        matches = []
        for i, card in enumerate(self._cards):
            closest = (
                sum(sorted(cosines[i], reverse=True)[:ALTERNATES_COUNTED]) / ALTERNATES_COUNTED
            )
            coverage = sum(self._weight(t) for t in query if t in self._card_sets[i]) / query_mass
            bm25 = self._bm25(i, query.keys()) / best_bm25
            score = penalty * (
                BM25_WEIGHT * bm25 + ALTERNATES_WEIGHT * closest + COVERAGE_WEIGHT * coverage
            )
            matches.append(Match(card, round(score, 4), round(coverage, 4)))
        # Ties keep the content's order, so the same question always ranks the same way.
        matches.sort(key=lambda m: m.score, reverse=True)
        return Ranking(question, tuple(matches))

    def _bm25(self, i: int, terms: Iterable[str]) -> float:
        tf, length = self._field_tf[i], self._field_len[i]
        norm = BM25_K1 * (1 - BM25_B + BM25_B * length / self._field_avg)
        return sum(
            self._weight(t) * tf[t] * (BM25_K1 + 1) / (tf[t] + norm) for t in terms if t in tf
        )

    def _terms(self, text: str, *, correct_typos: bool = False) -> list[str]:
        result = []
        for word in words(text):
            if word in STOPWORDS:
                continue
            if correct_typos:
                word = self._correct(word)
            result.append(stem(word))
        return result

    def _correct(self, word: str) -> str:
        if len(word) < TYPO_MIN_LENGTH or word in self._known_words or word.isdigit():
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

    def _weight(self, term: str) -> float:
        return self._idf.get(term, self._unknown_idf)

    def _vector(self, terms: Iterable[str]) -> dict[str, float]:
        counts = Counter(terms)
        return {t: (1 + math.log(c)) * self._weight(t) for t, c in counts.items()}


def _question_field(card: Card) -> str:
    # The guide's own heading names the topic the way the guide's readers learned it.
    headings = (card.title, card.title, card.section)
    return " ".join((*headings, *card.questions, *card.keywords, *card.keywords))


def _card_text(card: Card) -> str:
    return " ".join((card.title, card.section, *card.questions, *card.keywords, card.answer))


def _idf(n: int, df: int) -> float:
    # Lucene's BM25 IDF: never negative, even for a word on most cards.
    return math.log(1 + (n - df + 0.5) / (df + 0.5))
