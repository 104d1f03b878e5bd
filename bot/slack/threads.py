"""The Messages tab as a conversation: suggested prompts when it opens, a status while working.

These are Slack's ``assistant.threads.*`` calls (the ``agent_view`` experience). They are
extras: where a workspace lacks the AI feature, or Slack refuses a call for any reason,
the conversation simply goes on without prompts or status, and nothing reaches the
person. The status clears itself when the answer is posted in the thread.
"""

from __future__ import annotations

import logging

import aiohttp
from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot import strings
from bot.domain.replies import Prompt
from bot.strings import Language

log = logging.getLogger(__name__)

# Slack shows at most four suggested prompts.
MAX_PROMPTS = 4

# These calls are extras: they get one short try, never the app client's retries, which
# wait out a 429's Retry-After while the person waits for the answer.
EXTRA_TIMEOUT = 2


def _once(client: AsyncWebClient) -> AsyncWebClient:
    """``client`` (its token, Slack URL and session) for a single short try."""
    return AsyncWebClient(
        token=client.token,
        base_url=client.base_url,
        session=client.session,
        timeout=EXTRA_TIMEOUT,
        retry_handlers=[],
        logger=client.logger,
    )


async def suggest(
    client: AsyncWebClient, channel: str, prompts: tuple[Prompt, ...], language: Language
) -> bool:
    """Offer ``prompts`` in the DM ``channel``; False when Slack would not take them."""
    try:
        # No thread_ts: in the agent_view experience prompts belong to the whole tab.
        await _once(client).assistant_threads_setSuggestedPrompts(
            channel_id=channel,
            title=strings.text(language, "prompts_title"),
            prompts=[{"title": p.title, "message": p.message} for p in prompts[:MAX_PROMPTS]],
        )
    except (SlackClientError, aiohttp.ClientError, TimeoutError) as error:
        log.info("No suggested prompts in %s: %s", channel, _reason(error))
        return False
    return True


async def show_status(
    client: AsyncWebClient, channel: str, thread: str, language: Language
) -> bool:
    """Show that the bot is working in ``thread``; False when Slack would not."""
    return await _status(
        client,
        channel,
        thread,
        strings.text(language, "status"),
        strings.lines(language, "loading"),
    )


async def clear_status(client: AsyncWebClient, channel: str, thread: str) -> None:
    """Clear the status when no answer will clear it (the answer could not be posted)."""
    await _status(client, channel, thread, "", None)


async def _status(
    client: AsyncWebClient, channel: str, thread: str, status: str, loading: list[str] | None
) -> bool:
    try:
        await _once(client).assistant_threads_setStatus(
            channel_id=channel, thread_ts=thread, status=status, loading_messages=loading
        )
    except (SlackClientError, aiohttp.ClientError, TimeoutError) as error:
        log.info("No status in %s: %s", channel, _reason(error))
        return False
    return True


def _reason(error: Exception) -> str:
    """Slack's error code when it gave one ("not_allowed_token_type"), else the error's kind."""
    response = getattr(error, "response", None)
    code = response.get("error") if response is not None else None
    return str(code or type(error).__name__)
