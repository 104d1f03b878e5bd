"""Who is talking to the bot: a Slack user in a workspace (or the console's user), and how
that workspace wants the bot to behave."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.strings import Language


@dataclass(frozen=True)
class Workspace:
    """One workspace's settings. The environment gives the defaults (HELP_CHANNELS,
    ESCALATION_MENTION, ADMIN_USERS, LANGUAGE); a workspace admin may change them in App Home.
    """

    help_channels: frozenset[str] = frozenset()  # answered without a mention
    escalation_mention: str = ""  # who is called when the guide is silent
    admin_users: frozenset[str] = frozenset()  # see everyone's progress and the gaps
    language: Language | None = None  # everyone's language, whatever their Slack locale
    nudges: bool = False  # remind people who stall (NUDGES)
    digest: bool = False  # a weekly digest for the admins (DIGEST)
    # Its admins' own notes on cards, (topic, text) by topic: shown under those answers.
    notes: tuple[tuple[str, str], ...] = ()

    def note(self, topic: str) -> str:
        """The workspace's note on ``topic``'s card, or ""."""
        return next((text for noted, text in self.notes if noted == topic), "")


@dataclass(frozen=True)
class Person:
    """Who is talking to the bot: a Slack user in a Slack team (or the console's user).

    ``team`` is the workspace, or the organisation for an Enterprise Grid org-wide install:
    everything kept about people is keyed by it and ``user``. ``workspace_id`` is the
    workspace the request came from, whose settings apply (one of the organisation's, for
    an org-wide install). ``language`` (their Slack locale, or the workspace's language),
    ``admin`` and ``workspace`` describe the person for this request; they are not part of
    who the person is.
    """

    team: str
    user: str
    language: Language | None = field(default=None, compare=False)
    admin: bool = field(default=False, compare=False)
    workspace: Workspace = field(default_factory=Workspace, compare=False)
    workspace_id: str = field(default="", compare=False)

    @property
    def settings_key(self) -> str:
        """Whose settings apply: the workspace's, within its organisation when org-wide
        (so a workspace admin changes their workspace's settings, not the whole org's)."""
        return settings_key(self.team, self.workspace_id)

    @property
    def org_workspace(self) -> str:
        """The workspace of an organisation's org-wide install the request came from ("" when
        ``team`` is the workspace itself): its admins see only the people seen there."""
        return org_workspace(self.team, self.workspace_id)

    @property
    def speaks(self) -> Language:
        """The language to use with them when what they typed does not say (English by default)."""
        return self.language or "en"


def settings_key(team: str, workspace_id: str) -> str:
    """Whose settings apply to a request from ``workspace_id`` in ``team``: the team's own,
    or ``team:workspace_id`` for one workspace of an organisation's org-wide install."""
    workspace = org_workspace(team, workspace_id)
    return f"{team}:{workspace}" if workspace else team


def org_workspace(team: str, workspace_id: str) -> str:
    """``workspace_id`` when it is one workspace of the organisation ``team`` (an org-wide
    install), else "": the team is the workspace."""
    return "" if not workspace_id or workspace_id == team else workspace_id
