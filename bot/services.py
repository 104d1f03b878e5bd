"""The composition root: builds every collaborator from settings, once, at startup.

Nothing in the package creates a client, a connection or settings at import time; the
entry points in ``bot.__main__`` call ``build`` and hand the result to a surface.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import httpx
import redis.asyncio as redis

from bot import strings
from bot.backlog import Backlog
from bot.domain.assistant import Assistant
from bot.domain.dashboard import Dashboard
from bot.domain.insights import FunnelStep, WeekPoint
from bot.domain.keychecks import KeyChecker
from bot.domain.reminders import Reminders
from bot.guide.content import Content
from bot.guide.search import Index, load_index
from bot.metrics import Metrics
from bot.mistral.client import MistralClient, build_http_client
from bot.owed import Owed
from bot.person import Workspace
from bot.settings import Settings
from bot.state.activity import ActivityStore
from bot.state.deliveries import Deliveries
from bot.state.feedback import FeedbackStore
from bot.state.members import Members
from bot.state.privacy import Privacy
from bot.state.progress import ProgressStore
from bot.state.reminders import ReminderStore
from bot.state.store import connect
from bot.state.throttle import Budget, Throttle
from bot.state.workspaces import WorkspaceSettings
from bot.strings import Language

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    """Everything the process is made of, built from settings.

    People's requests reach every capability through ``assistant``; the stores are here
    for the operator's commands (report, export, import) and for tests to look inside.
    """

    settings: Settings
    content: Content
    index: Index
    redis: redis.Redis
    embedded_store: bool
    assistant: Assistant
    keys: KeyChecker
    progress: ProgressStore
    feedback: FeedbackStore
    privacy: Privacy
    workspaces: WorkspaceSettings
    reminders: ReminderStore
    nudging: Reminders
    activity: ActivityStore
    members: Members
    deliveries: Deliveries
    backlog: Backlog
    owed: Owed
    mistral_http: httpx.AsyncClient
    mistral: MistralClient
    metrics: Metrics

    async def settle(self) -> None:
        """Finish the replies owed (SHUTDOWN_GRACE_SECONDS at most) and say how it went."""
        owed = len(self.owed)
        if owed:
            grace = self.settings.shutdown_grace_seconds
            log.info("Shutting down: finishing %d owed replies (%g s at most)", owed, grace)
        settled = await self.owed.settle(self.settings.shutdown_grace_seconds)
        if settled.abandoned:
            log.warning(
                "Shutdown deadline reached: %d replies finished, %d abandoned: %s",
                settled.finished,
                len(settled.abandoned),
                "; ".join(settled.abandoned),
            )
        else:
            log.info("Shutdown: %d owed replies finished, none abandoned", settled.finished)

    async def close(self) -> None:
        await self.mistral_http.aclose()
        await self.redis.aclose()
        self.metrics.close()


def build(settings: Settings) -> Services:
    index = load_index(settings.content_dir)
    strings.check()
    content = index.content
    client, embedded = connect(settings.redis_url)
    if embedded:
        log.warning(
            "REDIS_URL is not set: progress is kept in an embedded in-process store "
            "and is lost when the bot stops."
        )
    metrics = Metrics(settings.prometheus_multiproc_dir)
    metrics.count_redis_errors()
    mistral_http = build_http_client(settings.mistral_api_url)
    mistral = MistralClient(mistral_http, metrics)
    limits_links = (
        *content.card("rate-limits").links,
        *content.card("increase-rate-limits").links,
    )
    feedback = FeedbackStore(client, retention_days=settings.gaps_retention_days)
    keys = KeyChecker(mistral, Throttle(client), Budget(client), links=limits_links)
    workspaces = WorkspaceSettings(client, defaults=workspace_defaults(settings))
    privacy = Privacy(client, feedback)
    progress = ProgressStore(client, remind_after=settings.nudge_after_hours * 3600)
    reminders = ReminderStore(client)
    nudging = Reminders(content, progress, reminders, most=settings.nudge_max)
    activity = ActivityStore(client)
    members = Members(client)
    dashboard = Dashboard(
        content,
        progress,
        feedback,
        activity,
        members,
        _draw_chart,
        stalled_after=settings.nudge_after_hours * 3600,
    )
    assistant = Assistant(
        content, index, progress, feedback, privacy, keys, workspaces, nudging, dashboard, metrics
    )
    return Services(
        settings=settings,
        content=content,
        index=index,
        redis=client,
        embedded_store=embedded,
        assistant=assistant,
        keys=keys,
        progress=progress,
        feedback=feedback,
        privacy=privacy,
        workspaces=workspaces,
        reminders=reminders,
        nudging=nudging,
        activity=activity,
        members=members,
        deliveries=Deliveries(client, scripted=not embedded),
        backlog=Backlog(),
        owed=Owed(metrics),
        mistral_http=mistral_http,
        mistral=mistral,
        metrics=metrics,
    )


def _draw_chart(
    funnel: Sequence[FunnelStep], weeks: Sequence[WeekPoint], started: int, language: Language
) -> bytes:
    """The team chart; matplotlib loads with the first one drawn, not with every process."""
    from bot.render import chart

    return chart.draw(funnel, weeks, started, language)


def workspace_defaults(settings: Settings) -> Workspace:
    """Every workspace's settings until its admin changes them: the environment's."""
    return Workspace(
        help_channels=frozenset(settings.help_channels),
        escalation_mention=settings.escalation_mention,
        admin_users=frozenset(settings.admin_users),
        language=settings.language,
        nudges=settings.nudges,
        digest=settings.digest,
    )
