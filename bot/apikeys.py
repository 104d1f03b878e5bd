"""What a Mistral API key looks like: shape checks, safe hints and leak detection in messages.

Mistral does not document a key format. Every key seen in the wild, and every secret
scanner's rule (TruffleHog, Betterleaks), is 32 ASCII letters and digits with no prefix,
so these checks are hints ("this looks like a key"), never a verdict on validity.

The variety rules come from what a random 32-character key over [A-Za-z0-9] looks like:
- it lacks upper-case letters, or lower-case ones, about once in 18 million keys, so
  requiring both costs nothing and rejects words, hex hashes and SHOUTED_IDS;
- it lacks a digit about once in 280 keys, so digits are never required on their own;
- its Shannon entropy was at least 3.86 bits per character over 200,000 samples, so a
  floor of 3.5 (Betterleaks' threshold) never rejects a real key but rejects repeats.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Literal

# Bits per character; see the module docstring for why 3.5.
MIN_ENTROPY = 3.5

# Slack messages are scanned for runs of exactly 32 ASCII letters and digits; a longer run
# (a git SHA, a base64 blob) is something else. Lookarounds instead of \b because \b
# treats "_" and non-ASCII letters as word characters.
_CANDIDATE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{32}(?![A-Za-z0-9])")
_KEY_SHAPE = re.compile(r"[A-Za-z0-9]{32}")
_SLACK_TOKEN = re.compile(r"\b(xox[abposre]|xapp)-[A-Za-z0-9-]{6,}")
_HEX = re.compile(r"[0-9a-fA-F]+")
# In logs, whatever stands before a secret: a library may log a payload with its newlines
# escaped ("\\nKEY", "%0AKEY"), which glues a letter or two to the key's run.
_LOGGED_RUN = re.compile(r"[A-Za-z0-9]{32,}")
_LOGGED_TOKEN = re.compile(r"(xox[A-Za-z0-9]|xapp)-[A-Za-z0-9-]{6,}")

# Words that make a candidate more likely to be a key, within this many characters of it.
# TruffleHog uses "mistral" within 40; the others are how people label a key in a paste,
# including Italian ("chiave"), since our users write in both languages.
KEYWORD_WINDOW = 40
_KEYWORD = re.compile(r"mistral|api|key|token|secret|chiave", re.IGNORECASE)

# Upper case, lower case, digits: ASCII only, as str.isupper() also accepts "É".
_CLASSES = (("A", "Z"), ("a", "z"), ("0", "9"))

Confidence = Literal["high", "medium"]


@dataclass(frozen=True)
class LeakFinding:
    """Something in a message that is probably a Mistral key; it holds only a safe hint."""

    hint: str
    confidence: Confidence


def key_hint(key: str) -> str:
    """Name a key without revealing it: "…" and its last four characters.

    A string too short to be a key shows at most a quarter of itself, so a short secret
    typed by mistake is not echoed back whole.
    """
    token = key.strip()
    shown = min(4, len(token) // 4)
    return "…" + token[len(token) - shown :]


def looks_like_key(text: str) -> bool:
    """Tell whether one pasted token has the shape of a Mistral key.

    Surrounding whitespace is ignored. The token must be 32 ASCII letters and digits,
    with both upper- and lower-case letters and some variety: this rejects hex hashes,
    words and repeated characters, which real keys practically never are.
    """
    token = text.strip()
    return _KEY_SHAPE.fullmatch(token) is not None and _has_mixed_case(token) and _varied(token)


def mask_secrets(text: str, *, drop: bool = False) -> str:
    """``text`` with anything that might be a key or a Slack token masked (or dropped).

    Keys show as ``[key …abcd]``, tokens as ``xoxb-[redacted]``. Deliberately broader than
    leak detection: before user text is echoed, logged or stored, every 32-character run
    of letters and digits is masked, hex included.
    """
    text = _SLACK_TOKEN.sub("" if drop else (lambda m: f"{m.group(1)}-[redacted]"), text)
    return _CANDIDATE.sub("" if drop else (lambda m: f"[key {key_hint(m.group())}]"), text)


def mask_logged_secrets(text: str) -> str:
    """``text`` for a log line: every Slack token and every run of 32 or more letters and
    digits masked, whatever comes before it (broader than ``mask_secrets``, which people's
    text and answers go through)."""
    text = _LOGGED_TOKEN.sub(lambda m: f"{m.group(1)}-[redacted]", text)
    return _LOGGED_RUN.sub(lambda m: f"[key {key_hint(m.group())}]", text)


def find_leaked_keys(message_text: str) -> list[LeakFinding]:
    """Find what looks like Mistral keys in a message, once each, in order of appearance.

    Confidence:
    - high: mixed case, a digit and enough variety, with a keyword nearby ("mistral",
      "api", "key", "token", "secret", "chiave");
    - medium: the same shape without a keyword, or a weaker shape (two character classes,
      e.g. letters only) with a keyword nearby.

    Never flagged: runs that are only hex digits. A real key is all-hex with odds of
    about 1 in 10^14, while 32-hex strings are common in messages about Mistral
    (the ``request_id`` in its 401 bodies, Notion and Confluence page ids, md5 sums), so
    flagging them, even next to the word "mistral", would only cry wolf.
    Slack ids (U012ABCDEF) and git SHAs (40 hex) never have the length to match.
    """
    findings: list[LeakFinding] = []
    seen: set[str] = set()
    for match in _CANDIDATE.finditer(message_text):
        candidate = match.group()
        if candidate in seen:
            continue
        seen.add(candidate)
        confidence = _confidence(candidate, _near_keyword(message_text, match.start(), match.end()))
        if confidence is not None:
            findings.append(LeakFinding(hint=key_hint(candidate), confidence=confidence))
    return findings


def _confidence(candidate: str, keyword_nearby: bool) -> Confidence | None:
    if _HEX.fullmatch(candidate) or not _varied(candidate):
        return None
    classes = _character_classes(candidate)
    if _has_mixed_case(candidate) and classes == 3:
        return "high" if keyword_nearby else "medium"
    # Letters only (a key without digits, about 1 in 280) or one case with digits:
    # as likely to be a CamelCase identifier or an id as a key, so only near a keyword.
    if classes >= 2 and keyword_nearby:
        return "medium"
    return None


def _near_keyword(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - KEYWORD_WINDOW) : start]
    after = text[end : end + KEYWORD_WINDOW]
    return _KEYWORD.search(before) is not None or _KEYWORD.search(after) is not None


def _character_classes(token: str) -> int:
    return sum(any(low <= c <= high for c in token) for low, high in _CLASSES)


def _has_mixed_case(token: str) -> bool:
    upper, lower, _ = _CLASSES
    return all(any(low <= c <= high for c in token) for low, high in (upper, lower))


def _varied(token: str) -> bool:
    return _shannon_entropy(token) >= MIN_ENTROPY


def _shannon_entropy(token: str) -> float:
    counts = Counter(token)
    size = len(token)
    return -sum(n / size * math.log2(n / size) for n in counts.values())
