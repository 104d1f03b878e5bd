"""The web pages of the install flow ("Add to Slack", and how it ended), from one template.

HTML, so this environment escapes every value: a workspace's name or a URL cannot
inject markup. The words come from the catalog, in the browser's language.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping, Sequence
from functools import cache

import jinja2

from bot import strings
from bot.strings import Language


@cache
def environment() -> jinja2.Environment:
    """The pages' template environment (built on first use, not at import)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bot.render", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        # The template ships with the package: no stat of its file on every page.
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["t"] = _translate
    return env


@cache
def headers() -> dict[str, str]:
    """The headers every page is sent with: it loads nothing (its one style is inline,
    allowed by its hash), may not be framed, and sends no referrer (its URL may hold an
    install's code and state)."""
    env = environment()
    source = env.loader.get_source(env, "page.html.j2")[0] if env.loader else ""
    styles = re.findall(r"<style>(.*?)</style>", source, flags=re.DOTALL)
    allowed = " ".join(f"'sha256-{_digest(style)}'" for style in styles) or "'none'"
    policy = (
        f"default-src 'none'; style-src {allowed}; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )
    return {
        "Content-Security-Policy": policy,
        "X-Frame-Options": "DENY",  # frame-ancestors, for browsers that predate it
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


def _digest(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


@jinja2.pass_context
def _translate(context: jinja2.runtime.Context, key: str, /, **values: object) -> str:
    return strings.text(context.get("lang", "en"), key, **values)


def page(
    lang: Language,
    title: str,
    paragraphs: Sequence[str],
    *,
    values: Mapping[str, object] | None = None,
    button: str | None = None,
    button_url: str = "",
) -> str:
    """A page titled with the catalog string ``title``; each paragraph is a catalog key,
    filled from ``values``; ``button`` labels a link to ``button_url``."""
    return (
        environment()
        .get_template("page.html.j2")
        .render(
            lang=lang,
            title=title,
            paragraphs=paragraphs,
            values=dict(values or {}),
            button=button,
            button_url=button_url,
        )
    )
