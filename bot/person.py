"""Who is talking to the bot: a Slack user in a Slack team (or the console's user)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.strings import Language


@dataclass(frozen=True)
class Person:
    """Who is talking to the bot: a Slack user in a Slack team (or the console's user).

    ``language`` (their Slack locale, or LANGUAGE) and ``admin`` describe the person for
    this request; they are not part of who the person is.
    """

    team: str
    user: str
    language: Language | None = field(default=None, compare=False)
    admin: bool = field(default=False, compare=False)

    @property
    def speaks(self) -> Language:
        """The language to use with them when what they typed does not say (English by default)."""
        return self.language or "en"
