"""The command language of ``/mistral-setup``: one parser for Slack and the console.

    (empty) | steps         the checklist
    help                    what the bot can do
    step N|name             one step's instructions
    done N|name             mark a step done
    undo N|name             mark a step not done
    next                    the next step to do
    reset                   forget my progress (asks to confirm)
    key [KEY]               check a Mistral API key privately
    limits                  summarize a key's rate limits per model
    forget                  delete everything the bot keeps about me (asks to confirm)
    team [PAGE]             everyone's progress (admins)
    gaps                    what the guide is missing (admins)
    ask QUESTION            a question (so is any other text)

Parsing is pure: it never looks at the content or the store. Step references stay
text here and are resolved against the checklist by the domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from rapidfuzz import fuzz, process

from bot import strings
from bot.guide.content import Tool
from bot.guide.words import STOPWORDS, words
from bot.strings import LANGUAGES, Phrase

SLASH_COMMAND = "/mistral-setup"

# A lone word this close to a subcommand is a typo, not a question.
TYPO_SIMILARITY = 75.0

STEP_VERBS = ("step", "done", "undo")
BARE_VERBS = ("steps", "help", "next", "reset", "forget", "gaps", "team")
KEY_VERBS = ("key", "limits")
SUBCOMMANDS = (*BARE_VERBS, *STEP_VERBS, *KEY_VERBS, "ask")

# Words people type for the same thing; they are not advertised in help.
ALIASES = {
    "checklist": "steps",
    "list": "steps",
    "status": "steps",
    "progress": "steps",
    "?": "help",
    "aiuto": "help",
    "show": "step",
    "tick": "done",
    "fatto": "done",
    "untick": "undo",
    "limit": "limits",
    "apikey": "key",
    "validate": "key",
}

RESET_CONFIRMATIONS = ("yes", "confirm", "si", "sì")

# Step and page numbers are small; a longer one is simply beyond them.
MAX_DIGITS = 9
TOO_BIG = 10**MAX_DIGITS

# The suggested prompts of Slack's Messages tab that are commands, which a person sends by
# clicking them: their wording in every language (bot/strings.toml) is the command.
PROMPT_COMMANDS = {"prompt_key": "key", "prompt_limits": "limits", "prompt_checklist": "steps"}


@cache
def _phrases() -> dict[str, str]:
    return {
        _phrase(strings.text(language, key)): command
        for language in LANGUAGES
        for key, command in PROMPT_COMMANDS.items()
    }


def _phrase(text: str) -> str:
    return text.casefold().rstrip("?!. ")


@dataclass(frozen=True)
class ShowChecklist:
    pass


@dataclass(frozen=True)
class ShowHelp:
    pass


@dataclass(frozen=True)
class ShowStep:
    ref: str


@dataclass(frozen=True)
class MarkDone:
    ref: str


@dataclass(frozen=True)
class Undo:
    ref: str


@dataclass(frozen=True)
class NextStep:
    pass


@dataclass(frozen=True)
class Reset:
    confirmed: bool = False


@dataclass(frozen=True)
class CheckKey:
    """``key`` alone opens a private dialog; ``key KEY`` checks the key at once."""

    key: str | None = None


@dataclass(frozen=True)
class ShowLimits:
    key: str | None = None


@dataclass(frozen=True)
class Forget:
    confirmed: bool = False


@dataclass(frozen=True)
class ShowTeam:
    page: int = 1


@dataclass(frozen=True)
class ShowGaps:
    pass


@dataclass(frozen=True)
class Ask:
    question: str


@dataclass(frozen=True)
class Unknown:
    """Input that looks like a command but is not one; ``suggestion`` is a "did you mean"."""

    text: str
    problem: Phrase
    suggestion: str | None = None


Command = (
    ShowChecklist
    | ShowHelp
    | ShowStep
    | MarkDone
    | Undo
    | NextStep
    | Reset
    | CheckKey
    | ShowLimits
    | Forget
    | ShowTeam
    | ShowGaps
    | Ask
    | Unknown
)


def parse(text: str) -> Command:
    """Turn the text after ``/mistral-setup`` into a command."""
    text = " ".join(text.split())
    if not text:
        return ShowChecklist()
    phrase = _phrases().get(_phrase(text))
    if phrase:
        return parse(phrase)
    head, _, rest = text.partition(" ")
    verb = ALIASES.get(head.casefold(), head.casefold())
    if verb in BARE_VERBS:
        return _bare_command(verb, rest) or Ask(text)
    if verb in STEP_VERBS:
        return _step_command(verb, rest, text)
    if verb == "key":
        return CheckKey(rest or None)
    if verb == "limits":
        return ShowLimits(rest or None)
    if verb == "ask":
        return Ask(rest) if rest else Unknown(text, Phrase.of("ask_needs_question"))
    return _typo_or_question(text, head, rest)


# Said after a command typed without the slash, and not part of it: "next please".
COURTESY = frozenset({"please", "pls", "plz", "thanks", "thx", "ty", "grazie", "prego"})

# A step named in words, typed without the slash, is a command only when short:
# "done api key" is one, "done with the card, what now?" is a question.
BARE_STEP_NAME_WORDS = 3
MAX_STEP_WORD = 20


def bare_command(text: str) -> Command | None:
    """The command in ``text`` when it is one typed without the slash, else None.

    In a channel, ``done 2`` or ``next`` is someone driving the checklist, not a question
    to answer in public. Recognised narrowly, so questions stay questions: a step verb
    takes a number or a short name of content words ("done api key", not "done with it"),
    ``key`` and ``limits`` nothing after them (a key typed in a channel is a leak, handled
    as one), and any other subcommand only what the parser already accepts. Backticks,
    end punctuation and a closing "please" or "thanks" do not count ("`done 2`", "next?").
    """
    text = _bare(text)
    command = parse(text)
    match command:
        case Ask() | Unknown():
            return None
        case ShowChecklist() if not text:
            return None
        case ShowStep(ref) | MarkDone(ref) | Undo(ref):
            name = ref.split()
            if as_number(ref) is not None:
                return command  # however large: "no such step", privately
            # Step names are short words: a long token (a pasted key) is never one.
            short = len(name) <= BARE_STEP_NAME_WORDS and all(
                w.isalnum() and len(w) <= MAX_STEP_WORD for w in name
            )
            return command if short and not STOPWORDS & set(words(ref)) else None
        case CheckKey(key) | ShowLimits(key):
            return None if key else command
        case _:
            return command


def only_command_words(text: str) -> bool:
    """Whether ``text`` holds nothing but command words ("done!", "next pls"): someone
    talking to the checklist, not a question, even when it is not a whole command."""
    said = words(_bare(text))
    verbs = {*SUBCOMMANDS, *ALIASES}
    return bool(said) and all(word in verbs or word in COURTESY for word in said)


def _bare(text: str) -> str:
    """``text`` without backticks, end punctuation and a closing courtesy."""
    said = text.replace("`", " ").strip().rstrip(".!?… ").split()
    while said and said[-1].casefold().strip(",.!") in COURTESY:
        said.pop()
    return " ".join(said)


def tool_of(command: Command) -> Tool | None:
    """The bot's tool a command stands for: ``key`` and ``limits`` open a private dialog."""
    if isinstance(command, CheckKey):
        return "key"
    return "limits" if isinstance(command, ShowLimits) else None


def tool_command(tool: Tool) -> CheckKey | ShowLimits:
    """The command that opens ``tool``, with no key given."""
    return CheckKey() if tool == "key" else ShowLimits()


def command_text(command: Command) -> str:
    """The command as typed after ``/mistral-setup``: what a button runs.

    Never carries a key, and never a confirmation: the button asks again first.
    """
    match command:
        case ShowStep(ref):
            return f"step {ref}"
        case MarkDone(ref):
            return f"done {ref}"
        case Undo(ref):
            return f"undo {ref}"
        case ShowTeam(page):
            return f"team {page}" if page > 1 else "team"
        case Ask(question):
            return question
        case Unknown(text=text):
            return text
    return _WORDS[type(command)]


_WORDS: dict[type, str] = {
    ShowChecklist: "steps",
    ShowHelp: "help",
    NextStep: "next",
    Reset: "reset",
    Forget: "forget",
    CheckKey: "key",
    ShowLimits: "limits",
    ShowGaps: "gaps",
}


def as_number(text: str) -> int | None:
    """ASCII digits as a step or page number ("²" is a digit to Python, not a number).

    Past ``MAX_DIGITS`` the number is beyond any step or page, and converting it whole
    would be slow or, past 4,300 digits, refused by Python: it reads as ``TOO_BIG``.
    """
    if not (text.isascii() and text.isdigit()):
        return None
    return int(text) if len(text) <= MAX_DIGITS else TOO_BIG


def _bare_command(verb: str, rest: str) -> Command | None:
    """A subcommand that takes no words after it, or a number, or "yes". Anything else
    after it makes the text a question ("help me add a card", "forget my password?")."""
    number = as_number(rest)
    confirmed = rest.casefold() in RESET_CONFIRMATIONS
    if rest and number is None and not (confirmed and verb in ("reset", "forget")):
        return None
    match verb:
        case "steps":
            return ShowStep(rest) if number else ShowChecklist()  # "steps 3" means step 3
        case "help":
            return ShowHelp()
        case "next":
            return NextStep()
        case "reset":
            # Anything but an explicit yes asks first: forgetting progress must be deliberate.
            return Reset(confirmed=confirmed)
        case "forget":
            return Forget(confirmed=confirmed)
        case "team":
            return ShowTeam(number or 1)
        case _:
            return ShowGaps()


def _step_command(verb: str, ref: str, text: str) -> Command:
    if not ref:
        return Unknown(text, Phrase.of("verb_needs_step", verb=verb))
    if verb == "step":
        return ShowStep(ref)
    if verb == "done":
        return MarkDone(ref)
    return Undo(ref)


def _typo_or_question(text: str, head: str, rest: str) -> Command:
    """A mistyped subcommand gets a "did you mean"; anything else is a question."""
    looks_like_command = not rest or (len(rest.split()) == 1 and rest.isdigit())
    if looks_like_command and len(head) >= 3:
        found = process.extractOne(
            head.casefold(), SUBCOMMANDS, scorer=fuzz.ratio, score_cutoff=TYPO_SIMILARITY
        )
        if found:
            suggestion = f"{found[0]} {rest}".strip()
            return Unknown(text, Phrase.of("not_a_command", word=head), suggestion)
    return Ask(text)
