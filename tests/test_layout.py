"""The layout is the architecture: each package imports only the layers below it.

Surfaces (Slack, the console) sit on the composition root, which builds the domain from
the guide, the stores and the Mistral client; rendering turns the domain's replies into
Block Kit. Read from the source, so a new import that runs upward fails here.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"

# Top to bottom; a package may import its own layer's modules only within itself.
LAYERS: tuple[frozenset[str], ...] = tuple(
    frozenset(layer.split())
    for layer in (
        "__main__",
        "slack console",
        "services",  # the composition root
        "render",
        "domain",
        "guide state mistral",
        "person settings backlog owed logs",
        "strings apikeys schedule cipher metrics",
        "errors",
    )
)
SURFACES = LAYERS[0] | LAYERS[1]


def _part(module: str) -> str:
    """The package or top-level module of ``bot`` that ``module`` belongs to."""
    return module.split(".")[1]


@cache
def _modules() -> tuple[tuple[str, ast.Module], ...]:
    found = []
    for path in sorted(BOT.rglob("*.py")):
        parts = path.relative_to(BOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found.append((name, ast.parse(path.read_text(encoding="utf-8"))))
    return tuple(found)


def _imports(tree: ast.Module, *, at_import_time: bool = False) -> Iterator[str]:
    """Every module ``tree`` imports; ``at_import_time`` leaves out imports inside
    functions and ``if TYPE_CHECKING:`` blocks, which cannot make a cycle."""
    nodes: list[ast.stmt] | Iterator[ast.AST] = tree.body if at_import_time else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "bot":
                yield from (f"bot.{alias.name}" for alias in node.names)
            else:
                yield node.module


def _rank(part: str) -> int:
    return next(rank for rank, layer in enumerate(LAYERS) if part in layer)


def test_every_part_of_the_bot_has_a_layer() -> None:
    parts = {_part(name) for name, _ in _modules() if name != "bot"}

    assert parts == set().union(*LAYERS)


@pytest.mark.parametrize("module", [name for name, _ in _modules() if name != "bot"])
def test_a_module_imports_only_downward(module: str) -> None:
    tree = dict(_modules())[module]
    part = _part(module)
    upward = [
        target
        for target in _imports(tree)
        if target.startswith("bot.")
        and _part(target) != part
        and _rank(_part(target)) <= _rank(part)
    ]
    assert upward == []


def test_only_the_surfaces_know_slack() -> None:
    knowing = sorted(
        name
        for name, tree in _modules()
        if name != "bot" and _part(name) not in SURFACES
        for target in _imports(tree)
        if target.split(".")[0] in {"slack_bolt", "slack_sdk"}
    )
    assert knowing == []


def test_no_module_imports_itself_back_through_others() -> None:
    graph = {
        name: {t for t in _imports(tree, at_import_time=True) if t.startswith("bot.")}
        for name, tree in _modules()
    }
    cycles = []
    for start in graph:
        seen, todo = set(), list(graph[start])
        while todo:
            module = todo.pop()
            if module == start:
                cycles.append(start)
                break
            if module not in seen:
                seen.add(module)
                todo.extend(graph.get(module, ()))
    assert cycles == []
