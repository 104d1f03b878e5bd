"""What a help-channel post says, read the way the answer engine should read it.

After setup, most posts in a help channel are errors, and people paste them whole: a
status code in a sentence, Mistral's JSON error bodies, a Python traceback, curl output
with its headers, log lines with timestamps and request ids. The engine needs the
person's words and what the error means, not the blob: ids, paths, JSON keys and
numbers would read as words of some other topic and drown the question.

``read`` keeps the person's words, turns every error it recognises into the words that
name it ("429 Too Many Requests", "Rate limit exceeded", "rate limit error"), keeps the
vendor a pasted URL or exception names ("openai"), and drops the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from http import HTTPStatus

from bot.guide.words import readable

# JSON, Python-repr and log pairs whose value says what went wrong; other keys (ids,
# params, numeric codes like Mistral's "1300") are noise.
_MESSAGE_KEYS = """
    message detail msg error title type reason description error_description error_message
    errormessage statustext status_text
"""
_STATUS_KEYS = "status status_code statuscode http_status raw_status_code code"

# A 4xx or 5xx number is a status code when one of these words stands near it:
# three words before or two after ("got a 401", "error code: 429", "429 response").
_STATUS_CONTEXT = """
    status code http https error errors err errore errori codice response risposta
    get gets got getting return returns returned returning throw throws threw thrown
    raise raises raised fail fails failed failing answer answers answered reply replies
    risponde rispondono restituisce restituiscono ricevo riceviamo riceve ricevono da
    with con
"""
# These three are status codes even alone ("401 from mistral since this morning"); other
# numbers alone are more often amounts ("500 euro").
TELLING_STATUSES = frozenset({401, 403, 429})
# ... unless a unit follows: "429 tokens", "401 people".
_UNITS = """
    euro euros eur usd dollars dollari k m tokens token requests request richieste users
    utenti people persone members membri keys chiavi messages messaggi minutes minuti
    seconds secondi ms days giorni months mesi rpm tpm rps mb gb characters caratteri
    words parole employees dipendenti
"""
# Libraries and wrappers whose names say nothing about the question; a vendor's own
# package ("openai.RateLimitError") does, and is kept.
_PLUMBING = """
    httpx requests urllib3 urllib aiohttp axios http builtins asyncio client errors error
    exceptions exception models sdk core api lib src utils python node
"""
MESSAGE_KEYS = frozenset(_MESSAGE_KEYS.split())
STATUS_KEYS = frozenset(_STATUS_KEYS.split())
STATUS_CONTEXT = frozenset(_STATUS_CONTEXT.split())
UNITS = frozenset(_UNITS.split())
PLUMBING = frozenset(_PLUMBING.split())
# Mistral's own package names read as "mistral".
MISTRAL_PACKAGES = frozenset({"mistralai", "mistral_common", "mistralai_azure", "mistralai_gcp"})

_QUOTED_PAIR = re.compile(
    r"""(?P<q>["'])(?P<key>[A-Za-z_]{1,40})(?P=q)\s*:\s*"""
    r"""(?:"(?P<dq>(?:[^"\\\n]|\\.){0,500})"|'(?P<sq>(?:[^'\\\n]|\\.){0,500})'"""
    r"""|(?P<num>-?\d{1,12}(?:\.\d+)?)|(?P<lit>null|None|true|false|True|False))"""
)
_ASSIGNED_PAIR = re.compile(
    r"""\b(?P<key>[A-Za-z_]{1,40})=(?:"(?P<dq>[^"\n]{0,500})"|'(?P<sq>[^'\n]{0,500})'"""
    r"""|(?P<bare>[^\s,;)\]}]{1,200}))"""
)
_TRACEBACK = re.compile(
    r"Traceback \(most recent call last\):"
    r"|^[ \t]*File \"[^\"\n]{0,500}\", line \d+[^\n]{0,500}$"
    r"|^[ \t]*at [^\n]{0,300}?:\d+(?::\d+)?\)?[ \t]*$",
    re.MULTILINE,
)
# A header line of curl -v (after "<" or ">") or a response header a log prints
# ("x-kong-request-id: 9f…", "content-type: …"); a prose line like "Follow-up: why…" stays.
_HEADER = re.compile(
    r"^[ \t]*(?:[<>][ \t]*[A-Za-z][\w-]{0,60}"
    r"|(?i:x-[\w-]{1,60}|content-[\w-]{1,40}|mistral-[\w-]{1,40}|ratelimit[\w-]{0,40}"
    r"|retry-after)):[ \t]*\S[^\n]*$",
    re.MULTILINE,
)
# Slack's link markup, "<https://…|label>": read as the address, then the label.
# Bounded, and never across another "<", so an unclosed one is not read to the end each time.
_SLACK_LINK = re.compile(
    r"<(?P<url>(?:https?|mailto):[^|<>\s]{0,2000})(?:\|(?P<label>[^<>]{0,500}))?>"
)
_URL = re.compile(r"\bhttps?://(?P<host>[^\s/?#'\"<>|]+)[^\s'\"<>|]*")
# A dotted path then a name ending in Error or Exception; possessive, and anchored at the
# start of a token, so a long run of "a.a.a." is read once, not once per position.
_EXCEPTION = re.compile(
    r"(?<![\w.])(?P<path>(?:[A-Za-z_]\w{0,60}\.)*+)(?P<name>[A-Z]\w{0,60}?(?:Error|Exception))\b"
)
_CAMEL_PART = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
# "401", "a 401", "401s": a status code; "4012", "4.01", "401k" are not.
_STATUS = re.compile(r"(?<![\w.,])(?P<code>[45]\d\d)(?:s|'s)?(?![\w]|[.,]\d)")
# Ids, hashes, timestamps and versions: tokens with a digit and a letter or a separator
# ("2026-11-30T10:22:01Z", "req_8f2a…", "v1.2.3"), and bare numbers.
_TOKEN = re.compile(r"\S+")
_ID_SHAPE = re.compile(r"[\w:.\-/]{6,}|\d[\d:.\-/]*")
_LETTER_OR_SEPARATOR = re.compile(r"[A-Za-z_:.\-/]")
_WORDS = re.compile(r"\w+")


@dataclass(frozen=True)
class Post:
    """A post as the engine reads it: the person's words and their errors' meaning."""

    text: str
    statuses: tuple[int, ...] = ()  # HTTP status codes recognised, in order


def read(text: str) -> Post:
    """Read a post: errors in words, the pasted blob around them dropped."""
    if not _may_hold_an_error(text):
        return Post(text)
    # As a person reads it (Slack escapes "<" in a pasted curl log), links spelled out.
    text = readable(_SLACK_LINK.sub(lambda m: f" {m['url']} {m['label'] or ''} ", text))
    meanings: list[str] = []
    text = _QUOTED_PAIR.sub(lambda m: _pair(m, meanings), text)
    text = _ASSIGNED_PAIR.sub(lambda m: _pair(m, meanings), text)
    text = _TRACEBACK.sub(" ", text)
    text = _HEADER.sub(" ", text)
    text = _URL.sub(lambda m: f" {_site(m.group('host'))} ", text)
    text = _EXCEPTION.sub(_exception_words, text)
    statuses = _statuses(text)
    text = _without_ids(_STATUS.sub(" ", text))
    phrases = [f"{code} {HTTPStatus(code).phrase}" for code in statuses]
    return Post(" ".join([text, *phrases, *meanings]), tuple(statuses))


def _without_ids(text: str) -> str:
    """``text`` without ids, hashes, timestamps and numbers, token by token (linear)."""
    return _TOKEN.sub(
        lambda m: " " if _is_id(m.group().strip(".,;:()[]{}'\"`")) else m.group(), text
    )


def _is_id(token: str) -> bool:
    if not any(ch.isdigit() for ch in token) or not _ID_SHAPE.fullmatch(token):
        return False
    return token[0].isdigit() or _LETTER_OR_SEPARATOR.search(token) is not None


def _may_hold_an_error(text: str) -> bool:
    """Cheap test first: most posts are plain questions without digits or code."""
    return any(ch.isdigit() or ch in "{}=\"'()/" for ch in text) or "Error" in text


def _pair(match: re.Match[str], meanings: list[str]) -> str:
    key = match.group("key").casefold()
    groups = match.groupdict()
    value = next((groups[g] for g in ("dq", "sq", "num", "bare") if groups.get(g)), "")
    if key in STATUS_KEYS and value.isdigit() and _is_error_status(int(value)):
        return f" status {value} "
    if key in MESSAGE_KEYS and value and not value.isdigit():
        meanings.append(value.replace("_", " "))
    return " "


def _site(host: str) -> str:
    """The name in a URL's host: "api.mistral.ai" -> "mistral"."""
    labels = [label for label in host.split(":")[0].split(".") if label]
    return labels[-2] if len(labels) >= 2 else ""


def _exception_words(match: re.Match[str]) -> str:
    """``openai.RateLimitError`` -> "openai rate limit error"; plumbing packages go."""
    package = match.group("path").split(".")[0].casefold()
    vendor = "mistral" if package in MISTRAL_PACKAGES else package
    parts = _CAMEL_PART.findall(match.group("name"))
    kept = [vendor] if vendor and vendor not in PLUMBING else []
    return " " + " ".join(kept + [part.casefold() for part in parts]) + " "


def _statuses(text: str) -> list[int]:
    found: list[int] = []
    for match in _STATUS.finditer(text):
        code = int(match.group("code"))
        if code in found or not _is_error_status(code):
            continue
        if _part_of_a_figure(text, match.start(), match.end()):
            continue
        before = _WORDS.findall(text[max(0, match.start() - 40) : match.start()])[-3:]
        after = _WORDS.findall(text[match.end() : match.end() + 30])[:2]
        nearby = {word.casefold() for word in (*before, *after)}
        unit_follows = bool(after) and after[0].casefold() in UNITS
        phrase = HTTPStatus(code).phrase.split()[0].casefold()
        if (nearby & STATUS_CONTEXT or phrase in nearby) or (
            code in TELLING_STATUSES and not unit_follows
        ):
            found.append(code)
    return found


def _part_of_a_figure(text: str, start: int, end: int) -> bool:
    """An amount, a phone number or a reference rather than a status: "€429",
    "+39 347 401 2233", "PO 429/2026", "#401"."""
    before = text[max(0, start - 12) : start]
    after = text[end : end + 12]
    neighbours = (before.split()[-1:] or [""])[0], (after.split()[:1] or [""])[0]
    if before.rstrip()[-1:] in ("€", "$", "£", "+", "#") or any(n.isdigit() for n in neighbours):
        return True
    return after[:1] in ("/", "-") and after[1:2].isdigit()


def _is_error_status(code: int) -> bool:
    return 400 <= code <= 599 and code in HTTPStatus._value2member_map_
