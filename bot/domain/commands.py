"""The command language of ``/mistral-setup``: one parser for Slack and the console.

``Subcommand`` declares every subcommand once: its verb, what it takes after the verb, who
may run it and its line in help. The parser, help, the words that count as commands and
the test of the manifest's usage hint are all read from it. Adding a subcommand is a
member there and its command below, with a case for each in ``_command`` and ``_typed``
(mypy fails until they are there), a case in the assistant's dispatch (the same), and its
help line in ``bot/strings.toml``.

Parsing is pure: it never looks at the content or the store. Step references stay
text here and are resolved against the checklist by the domain.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import Enum, auto
from functools import cache
from typing import assert_never

from rapidfuzz import fuzz, process

from bot import strings
from bot.guide.content import Tool
from bot.guide.words import STOPWORDS, words
from bot.strings import LANGUAGES, Language, Phrase

SLASH_COMMAND = "/mistral-setup"

# A lone word this close to a subcommand is a typo, not a question.
TYPO_SIMILARITY = 75.0

RESET_CONFIRMATIONS = ("yes", "confirm", "si", "sì")
# "reminders off", "reminders on", in both languages.
SWITCHES = {"on": True, "off": False, "si": True, "sì": True, "no": False}

# Step and page numbers are small; a longer one is simply beyond them.
MAX_DIGITS = 9
TOO_BIG = 10**MAX_DIGITS


class Argument(Enum):
    """What a subcommand takes after its verb. Nothing or a number always fits; any other
    text after a verb that takes no words makes the whole text a question ("help me add a
    card", "forget my password?")."""

    NOTHING = auto()  # "next"
    NUMBER = auto()  # an optional number: "steps 3" (a step), "team 2" (a page)
    CONFIRMATION = auto()  # an optional "yes", which skips the question: "reset yes"
    STEP = auto()  # a step's number or name, required: "done 3", "done api key"
    KEY = auto()  # an optional API key: "key", "key KEY"
    QUESTION = auto()  # any text, required: "ask how do I add a card"
    SWITCH = auto()  # an optional "on" or "off": "reminders off"

    def takes(self, rest: str) -> bool:
        """Whether ``rest``, the text after the verb, is this argument."""
        match self:
            case Argument.STEP | Argument.KEY | Argument.QUESTION:
                return True
            case Argument.CONFIRMATION:
                confirms = rest.casefold() in RESET_CONFIRMATIONS
                return confirms or Argument.NOTHING.takes(rest)
            case Argument.NOTHING | Argument.NUMBER:
                return not rest or as_number(rest) is not None
            case Argument.SWITCH:
                return rest.casefold() in SWITCHES or not rest
            case _:
                assert_never(self)

    @property
    def example(self) -> Phrase | str | None:
        """The argument as help shows it, when help shows one."""
        if self is Argument.STEP:
            return "3"
        if self is Argument.SWITCH:
            return "off"
        return Phrase.of("help_ask_example") if self is Argument.QUESTION else None


class Subcommand(Enum):
    """Every subcommand, in the order help lists them.

    Each is (verb, argument, help, admins only, implied): ``help`` is the catalog key of
    its help line, None to leave it out, and subcommands with the same key share a line;
    an ``implied`` one runs without its verb too (the checklist when nothing is typed, a
    question for any text that is no command), so help shows it without.
    """

    verb: str
    argument: Argument
    help: str | None
    admins_only: bool
    implied: bool

    STEPS = ("steps", Argument.NUMBER, "help_steps", False, True)
    STEP = ("step", Argument.STEP, "help_step", False, False)
    DONE = ("done", Argument.STEP, "help_done", False, False)
    UNDO = ("undo", Argument.STEP, "help_done", False, False)
    NEXT = ("next", Argument.NOTHING, "help_next", False, False)
    KEY = ("key", Argument.KEY, "help_key", False, False)
    LIMITS = ("limits", Argument.KEY, "help_limits", False, False)
    RESET = ("reset", Argument.CONFIRMATION, "help_reset", False, False)
    FORGET = ("forget", Argument.CONFIRMATION, "help_forget", False, False)
    REMINDERS = ("reminders", Argument.SWITCH, "help_reminders", False, False)
    ASK = ("ask", Argument.QUESTION, "help_ask", False, True)
    HELP = ("help", Argument.NOTHING, None, False, False)
    TEAM = ("team", Argument.NUMBER, "help_team", True, False)
    GAPS = ("gaps", Argument.NOTHING, "help_gaps", True, False)

    def __init__(
        self, verb: str, argument: Argument, help: str | None, admins_only: bool, implied: bool
    ) -> None:
        self.verb = verb
        self.argument = argument
        self.help = help
        self.admins_only = admins_only
        self.implied = implied

    def usage(self, *, beside: bool = False) -> Usage:
        """The subcommand as help shows it typed: "/mistral-setup done 3", or "undo 3" when
        ``beside`` another on the same line."""
        typed: tuple[Phrase | str, ...] = () if beside else (SLASH_COMMAND,)
        typed += () if self.implied else (self.verb,)
        example = self.argument.example
        return Usage((*typed, example) if example else typed)


VERBS = tuple(subcommand.verb for subcommand in Subcommand)
_BY_VERB = {subcommand.verb: subcommand for subcommand in Subcommand}
# What a typo may have meant, the simplest arguments first: a typo as close to two verbs
# means the one taking less ("selp" is help, not step).
_TYPO_VERBS = tuple(s.verb for s in sorted(Subcommand, key=lambda s: s.argument.value))

# Words people type for the same thing; they are not advertised in help.
ALIASES = {
    "checklist": Subcommand.STEPS,
    "list": Subcommand.STEPS,
    "status": Subcommand.STEPS,
    "progress": Subcommand.STEPS,
    "?": Subcommand.HELP,
    "aiuto": Subcommand.HELP,
    "show": Subcommand.STEP,
    "tick": Subcommand.DONE,
    "fatto": Subcommand.DONE,
    "untick": Subcommand.UNDO,
    "limit": Subcommand.LIMITS,
    "apikey": Subcommand.KEY,
    "validate": Subcommand.KEY,
    "reminder": Subcommand.REMINDERS,
    "promemoria": Subcommand.REMINDERS,
}

# The suggested prompts of Slack's Messages tab that are commands, which a person sends by
# clicking them: their wording in every language (bot/strings.toml) is the command.
PROMPT_COMMANDS = {
    "prompt_key": Subcommand.KEY.verb,
    "prompt_limits": Subcommand.LIMITS.verb,
    "prompt_checklist": Subcommand.STEPS.verb,
}


@dataclass(frozen=True)
class Usage:
    """A subcommand as help shows it typed, word by word (an example question is a Phrase)."""

    typed: tuple[Phrase | str, ...]

    def said(self, language: Language) -> str:
        return " ".join(strings.said(word, language) for word in self.typed)


@dataclass(frozen=True)
class HelpLine:
    """A line of help: the subcommands it shows, as typed, and what they do (a catalog key)."""

    usages: tuple[Usage, ...]
    key: str
    admins_only: bool


@cache
def help_lines() -> tuple[HelpLine, ...]:
    """Help, in ``Subcommand``'s order; subcommands with the same help key share a line."""
    shared: dict[str, list[Subcommand]] = {}
    for subcommand in Subcommand:
        if subcommand.help is not None:
            shared.setdefault(subcommand.help, []).append(subcommand)
    return tuple(
        HelpLine(tuple(s.usage(beside=n > 0) for n, s in enumerate(line)), key, line[0].admins_only)
        for key, line in shared.items()
    )


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
class SetReminders:
    """``reminders off`` stops the bot's reminders, ``reminders on`` lets them come again;
    ``reminders`` alone says which it is."""

    on: bool | None = None


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
    | SetReminders
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
    subcommand = ALIASES.get(head.casefold()) or _BY_VERB.get(head.casefold())
    if subcommand is None:
        return _typo_or_question(text, head, rest)
    if not rest and subcommand.argument is Argument.STEP:
        return Unknown(text, Phrase.of("verb_needs_step", verb=subcommand.verb))
    if not rest and subcommand.argument is Argument.QUESTION:
        return Unknown(text, Phrase.of("ask_needs_question"))
    return _command(subcommand, rest) if subcommand.argument.takes(rest) else Ask(text)


def _command(subcommand: Subcommand, rest: str) -> Command:
    """What ``subcommand`` means with ``rest`` after its verb, an argument it takes."""
    number = as_number(rest)
    # Anything but an explicit yes asks first: forgetting must be deliberate.
    confirmed = rest.casefold() in RESET_CONFIRMATIONS
    match subcommand:
        case Subcommand.STEPS:
            return ShowStep(rest) if number else ShowChecklist()  # "steps 3" means step 3
        case Subcommand.STEP:
            return ShowStep(rest)
        case Subcommand.DONE:
            return MarkDone(rest)
        case Subcommand.UNDO:
            return Undo(rest)
        case Subcommand.NEXT:
            return NextStep()
        case Subcommand.KEY:
            return CheckKey(rest or None)
        case Subcommand.LIMITS:
            return ShowLimits(rest or None)
        case Subcommand.RESET:
            return Reset(confirmed=confirmed)
        case Subcommand.FORGET:
            return Forget(confirmed=confirmed)
        case Subcommand.REMINDERS:
            return SetReminders(SWITCHES.get(rest.casefold()))
        case Subcommand.ASK:
            return Ask(rest)
        case Subcommand.HELP:
            return ShowHelp()
        case Subcommand.TEAM:
            return ShowTeam(number or 1)
        case Subcommand.GAPS:
            return ShowGaps()
        case _:
            assert_never(subcommand)


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
    verbs = {*VERBS, *ALIASES}
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
    """The command as typed after ``/mistral-setup``: what a button runs. Never carries a key."""
    subcommand, argument = _typed(command)
    if subcommand is None:
        return argument
    return f"{subcommand.verb} {argument}" if argument else subcommand.verb


def admins_only(command: Command) -> bool:
    """Whether only admins may run ``command``, as its subcommand declares."""
    subcommand, _ = _typed(command)
    return subcommand is not None and subcommand.admins_only


def asking_first(command: Command) -> Command:
    """``command`` without its "yes": what a button offered for text typed where others can
    read it runs, so the person is asked before anything is deleted."""
    if isinstance(command, Reset | Forget):
        return dataclasses.replace(command, confirmed=False)
    return command


def _typed(command: Command) -> tuple[Subcommand | None, str]:
    """``command``'s subcommand and the text after its verb; a question, or text that is no
    command, is typed as itself."""
    match command:
        case ShowChecklist():
            return Subcommand.STEPS, ""
        case ShowStep(ref):
            return Subcommand.STEP, ref
        case MarkDone(ref):
            return Subcommand.DONE, ref
        case Undo(ref):
            return Subcommand.UNDO, ref
        case NextStep():
            return Subcommand.NEXT, ""
        case CheckKey():  # never the key
            return Subcommand.KEY, ""
        case ShowLimits():
            return Subcommand.LIMITS, ""
        case Reset(confirmed=confirmed):
            return Subcommand.RESET, RESET_CONFIRMATIONS[0] if confirmed else ""
        case Forget(confirmed=confirmed):
            return Subcommand.FORGET, RESET_CONFIRMATIONS[0] if confirmed else ""
        case SetReminders(on=on):
            return Subcommand.REMINDERS, "" if on is None else ("on" if on else "off")
        case ShowHelp():
            return Subcommand.HELP, ""
        case ShowTeam(page):
            return Subcommand.TEAM, str(page) if page > 1 else ""
        case ShowGaps():
            return Subcommand.GAPS, ""
        case Ask(question):
            return None, question
        case Unknown(text=text):
            return None, text
        case _:
            assert_never(command)


def as_number(text: str) -> int | None:
    """ASCII digits as a step or page number ("²" is a digit to Python, not a number).

    Past ``MAX_DIGITS`` the number is beyond any step or page, and converting it whole
    would be slow or, past 4,300 digits, refused by Python: it reads as ``TOO_BIG``.
    """
    if not (text.isascii() and text.isdigit()):
        return None
    return int(text) if len(text) <= MAX_DIGITS else TOO_BIG


def _typo_or_question(text: str, head: str, rest: str) -> Command:
    """A mistyped subcommand gets a "did you mean"; anything else is a question."""
    looks_like_command = not rest or (len(rest.split()) == 1 and rest.isdigit())
    if looks_like_command and len(head) >= 3:
        found = process.extractOne(
            head.casefold(), _TYPO_VERBS, scorer=fuzz.ratio, score_cutoff=TYPO_SIMILARITY
        )
        if found:
            suggestion = f"{found[0]} {rest}".strip()
            return Unknown(text, Phrase.of("not_a_command", word=head), suggestion)
    return Ask(text)
