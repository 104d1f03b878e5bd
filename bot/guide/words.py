"""Words: Slack text as a person reads it, cut into folded words, stemmed, and weighed by
how common each word is in everyday English or Italian.

Every part of the bot that compares text (the answer engine, the language guess, the
grouping of content gaps) reads words the same way, through this module.
"""

from __future__ import annotations

import gzip
import html
import re
import unicodedata
from functools import cache, lru_cache
from pathlib import Path

import snowballstemmer

# How common each word is in everyday English or Italian (scripts/everyday-words makes it).
EVERYDAY_WORDS_FILE = Path(__file__).resolve().parent / "data" / "everyday-words.tsv.gz"

# The Zipf scale is log10 of a word's uses per billion words: "the" is about 7.7, "card"
# 5.0, "invoice" 3.3. The list stops at 3, about once in a million words; anything rarer
# (product names, jargon, typos, codes) reads as rare.
RARE_ZIPF = 3.0

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
    here one up don doesn didn isn wasn aren won shouldn couldn wouldn haven hasn
    afaik fyi tbh imo btw iirc lol plz tia hiya morning everyone folks ciao buongiorno
    grazie raga ragazzi tutti scusate scusa qualcuno sapete qui
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

# Words that on their own make a greeting or thanks ("hi bot", "thanks everyone!"); the
# rest of such a post is function words and who it is said to (ADDRESSEES).
_GREETING_TEXT = """
    hi hello hey hiya yo ciao salve buongiorno buonasera thanks thank thx ty grazie mille
    morning afternoon evening cool great nice awesome perfect perfetto ottimo
"""
GREETINGS = frozenset(_GREETING_TEXT.split())
ADDRESSEES = frozenset(
    ["bot", "everyone", "all", "folks", "guys", "team", "again", "tutti", "ragazzi", "raga"]
)

# Slack escapes "<" in what people type, so none is inside a mention or a link: stopping at
# the next "<" (and after a bounded length) keeps an unclosed bracket from making each
# match scan to the end of the text, which is quadratic on 40,000 characters of "<@<@<@".
_MENTION = re.compile(r"<[@#!][^<>]{0,500}>")
_LINK = re.compile(
    r"<(?:https?|mailto):[^|<>]{0,2000}\|([^<>]{0,500})>|<(?:https?|mailto):[^<>]{0,2000}>"
)
_EMOJI = re.compile(r":[a-z0-9_+\-']+:")
_WORD = re.compile(r"[^\W_]+")


def readable(text: str) -> str:
    """Slack text as a person reads it: entities decoded, link labels only, no mentions."""
    text = _LINK.sub(lambda m: m.group(1) or " ", text)
    text = _MENTION.sub(" ", text)
    return html.unescape(text).strip()


def clean(text: str) -> str:
    """Readable text without emoji codes."""
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


@cache
def everyday_words() -> dict[str, float]:
    """Folded word -> how common it is (Zipf), for words at least ``RARE_ZIPF`` common.

    Read on first use and kept: about 57,000 words, 250 KB on disk.
    """
    with gzip.open(EVERYDAY_WORDS_FILE, "rt", encoding="utf-8") as lines:
        rows = (line.rstrip("\n").split("\t") for line in lines if not line.startswith("#"))
        return {word: float(zipf) for word, zipf in rows}
