"""The string catalog: every sentence a person reads is in it, in every language, and used.

Modeled on httpx's test that every exception is mapped: the checks read the code and the
templates themselves, so a new message written inline, a key misspelt, or a string left
behind after its last use fails here rather than in front of a user.
"""

from __future__ import annotations

import ast
import re
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest
from jinja2 import nodes

from bot import errors, strings
from bot.domain import commands
from bot.domain.commands import SLASH_COMMAND
from bot.guide.content import Tool
from bot.render.blocks import environment
from bot.strings import LANGUAGES, Language, Phrase

BOT = Path(__file__).resolve().parent.parent / "bot"
TEMPLATES = BOT / "render" / "templates"

# Where what a person reads in Slack (or the console's replies) is decided. Left out on
# purpose, because an operator reads them, in English, in a terminal or a log: the
# command line (__main__), settings and content validation errors, the export format,
# Redis's startup warning, the console's own help line, HTTP answers to Slack's servers
# (slack/web.py, slack/admission.py), `python -m bot doctor`'s checks (slack/doctor.py),
# and exception texts (logs only, by bot/errors.py's contract).
PEOPLE_FACING = (
    "domain",
    "render",
    "slack",
    "mistral",
    "state/throttle.py",
    "person.py",
    "apikeys.py",
)
OPERATOR_FACING = {"slack/web.py", "slack/admission.py", "slack/doctor.py"}

# A literal with this many words, words being most of it, is a sentence (or a button's
# label, which is two words as often as not).
SENTENCE_WORDS = 2
_WORD = re.compile(r"[(“\"'`*_]?[A-Za-zÀ-ÿ\u2019']+[.,:;!?…)”\"'`*_]*")


def _catalog_keys() -> set[str]:
    return set(strings.catalog()["en"])


def _python_files(*parts: str) -> Iterator[Path]:
    for part in parts:
        path = BOT / part
        yield from sorted(path.rglob("*.py")) if path.is_dir() else [path]


def _templates() -> Iterator[tuple[str, nodes.Template]]:
    env = environment()
    for path in sorted(TEMPLATES.glob("*.j2")):
        yield path.name, env.parse(path.read_text(encoding="utf-8"))


def _template_keys(tree: nodes.Template) -> Iterator[str]:
    """The keys a template names in ``t(...)`` and ``phrase(...)`` (both branches of an if)."""
    for call in tree.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name in {"t", "phrase"} and call.args:
            first = call.args[0]
            branches = [first.expr1, first.expr2] if isinstance(first, nodes.CondExpr) else [first]
            yield from (b.value for b in branches if isinstance(b, nodes.Const))


def _said_errors() -> set[str]:
    """Errors whose catalog key is chosen where they are raised (``_Said`` subclasses)."""
    found, todo = set(), [errors._Said]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return found


def _python_keys(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Keys named in code: Phrase.of("k"), strings.text(lang, "k"), strings.lines(lang, "k"),
    and the first argument of an error that says a catalog string (MistralRejectedKey("k"))."""
    said_errors = _said_errors()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func, args = node.func, node.args
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        owner = getattr(getattr(func, "value", None), "id", "")
        if (owner, name) == ("Phrase", "of") or name in said_errors:
            position = 0
        elif (owner, name) in {("strings", "text"), ("strings", "lines")}:
            position = 1
        else:
            continue
        key = args[position] if len(args) > position else None
        if isinstance(key, ast.Constant):
            yield node.lineno, str(key.value)


def _sentences(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """String literals that read as sentences, leaving out docstrings, log and exception
    texts, and word lists that are split into data (stopwords, say)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            skipped.add(id(body[0].value))  # a docstring
        logged = (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"debug", "info", "warning", "error", "exception", "critical"}
        )
        split = isinstance(node, ast.Attribute) and node.attr == "split"
        if logged or split or isinstance(node, ast.Raise):
            skipped.update(id(sub) for sub in ast.walk(node))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skipped
            and _is_sentence(node.value)
        ):
            yield node.lineno, node.value


def _is_sentence(text: str) -> bool:
    if SLASH_COMMAND in text or not isinstance(commands.parse(text), commands.Ask):
        return False  # a command ("reset yes", "/mistral-setup step N") is code, not words
    words = text.split()
    plain = sum(bool(_WORD.fullmatch(word)) for word in words)
    return plain >= SENTENCE_WORDS and plain * 2 > len(words)


def test_every_string_exists_in_every_language_in_the_same_shape() -> None:
    assert strings.missing() == []


def test_every_expected_error_says_a_catalog_string() -> None:
    """Every BotError names its message: in its class, or where it is raised."""
    classes, todo = [], [errors.BotError]
    while todo:
        cls = todo.pop()
        classes.append(cls)
        todo.extend(cls.__subclasses__())
    said_errors = _said_errors()
    for cls in classes:
        if cls.__name__ in said_errors or cls is errors.BotError:
            continue
        assert cls.text_key in _catalog_keys(), f"{cls.__name__} says no catalog string"


def test_every_key_the_code_names_is_in_the_catalog() -> None:
    named = []
    for path in _python_files("."):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        named += [(f"{path.relative_to(BOT)}:{line}", key) for line, key in _python_keys(tree)]
    for name, template in _templates():
        named += [(name, key) for key in _template_keys(template)]

    assert named, "the scan found no keys at all: it is broken"
    assert [f"{where}: {key}" for where, key in named if key not in _catalog_keys()] == []


def test_every_catalog_string_is_used() -> None:
    """A key no code names is a string nobody reads: delete it (or the code lost a message)."""
    literals: set[str] = set()
    for path in _python_files("."):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        literals |= {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}  # type: ignore[misc]
    for _, template in _templates():
        literals |= {node.value for node in template.find_all(nodes.Const)}
    # Keys made from a tool's name: "tool_" ~ tool in a template, f"tool_offer_{tool}".
    tools = typing.get_args(Tool)
    literals |= {f"{prefix}{tool}" for prefix in ("tool_", "tool_offer_") for tool in tools}
    # A language's name: "language_" ~ (workspace.language or "auto") in a template.
    literals |= {f"language_{code}" for code in ("auto", *LANGUAGES)}

    assert sorted(_catalog_keys() - literals) == []


@pytest.mark.parametrize("part", PEOPLE_FACING)
def test_no_sentence_a_person_reads_is_written_in_code(part: str) -> None:
    found = []
    for path in _python_files(part):
        if str(path.relative_to(BOT)) in OPERATOR_FACING:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [f"{path.relative_to(BOT)}:{line}: {text}" for line, text in _sentences(tree)]
    assert found == []


def test_no_sentence_a_person_reads_is_written_in_a_template() -> None:
    """Outside ``t()``, templates hold Block Kit's structure and symbols, never words."""
    found = []
    for name, template in _templates():
        keys = set(_template_keys(template))
        for const in template.find_all(nodes.Const):
            if isinstance(const.value, str) and const.value not in keys:
                found += [f"{name}: {const.value}"] if _is_sentence(const.value) else []
        for data in template.find_all(nodes.TemplateData):
            if name.endswith(".html.j2"):  # a page: its text between the tags
                text = re.sub(r"(?s)<style>.*?</style>|<[^>]*>", "\n", data.data)
                shown = [line.strip() for line in text.splitlines()]
            else:  # Block Kit: JSON strings
                shown = re.findall(r'"((?:[^"\\]|\\.)*)"', data.data)
            found += [f"{name}: {text}" for text in shown if _is_sentence(text)]
    assert found == []


def test_italian_says_in_italian_what_english_says() -> None:
    """An entry pasted into [it] unchanged is English an Italian reader would see."""
    english, italian = strings.catalog()["en"], strings.catalog()["it"]
    same = {key for key in english if english[key] == italian.get(key)}

    # Names of languages, and lines of symbols and values only.
    assert same <= {
        "language_en",
        "language_it",
        "team_stuck_line",
        "gaps_times",
        "step_choice",
        "notes_line",
    }


@pytest.mark.parametrize(
    ("language", "one", "three"),
    [("en", "1 step", "3 steps"), ("it", "1 passaggio", "3 passaggi")],
)
def test_counts_take_the_plural_their_language_wants(language, one, three) -> None:
    assert strings.text(language, "steps_count", count=1) == one
    assert strings.text(language, "steps_count", count=3) == three


def test_numbers_are_written_the_way_each_language_writes_them() -> None:
    tokens = Phrase.of("limit_query_cost", tokens=2_000_000)

    assert tokens.said("en") == "This check used 2,000,000 tokens."
    assert "2.000.000" in tokens.said("it")


def test_a_phrase_inside_a_phrase_is_said_in_the_same_language() -> None:
    forgotten = Phrase.of(
        "forgotten",
        steps=Phrase.of("steps_count", count=1),
        votes=Phrase.of("votes_count", count=2),
        questions=Phrase.of("questions_count", count=0),
    )

    assert "(1 step), 2 votes and 0 logged questions" in forgotten.said("en")
    assert "(1 passaggio)" in forgotten.said("it")


@pytest.mark.parametrize("language", LANGUAGES)
def test_what_slack_cuts_at_24_characters_fits_in_every_language(language: Language) -> None:
    """A modal's title and buttons: Slack refuses longer ones, and truncating reads badly."""
    keys = {
        name
        for name in _catalog_keys()
        if name.endswith(("_title", "_submit", "_cancel", "_close", "_save"))
        and not name.startswith(("page_", "home_", "help_", "team_", "gaps_", "leak_"))
        and name != "setup_title"  # the checklist's header, up to 150
    }

    assert {name for name in keys if len(strings.text(language, name)) > 24} == set()
    assert "modal_title" in keys
