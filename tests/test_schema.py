"""The declared schema of Redis keys: every key written is declared, and forget follows it."""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest
import redis.asyncio as aioredis
from redis.crc import key_slot

from bot.person import Person
from bot.render.blocks import ActionId
from bot.state import codecs, schema
from bot.state.feedback import FeedbackStore
from bot.state.privacy import Privacy
from tests.conftest import RunningBot
from tests.fakes.mistral_api import FakeMistralAPI
from tests.keyspace import every_key, kinds_holding, undeclared
from tests.slack_requests import block_action

USER = "UFORGETME"  # distinctive: no other id contains it


def test_key_names_carry_their_workspace_or_install_as_the_hash_tag() -> None:
    assert schema.PROGRESS.key("T1", "U1") == "mistral-setup:v2:progress:{T1}:U1"
    assert schema.INSTALLATION.key("E1:-", "bot") == "mistral-setup:v2:installation:{E1:-}:bot"
    assert schema.WORKSPACE.key("E1:T2") == "mistral-setup:v2:workspace:{E1}:T2"  # the org's
    assert schema.EVENT.key("Ev1") == "mistral-setup:v2:event:Ev1"  # the process's: no tag
    assert schema.kind_of("mistral-setup:v2:throttle:key-check:{T1}:U1") is schema.THROTTLE
    assert schema.kind_of("mistral-setup:v2:workspace:{E1}:T2") is schema.WORKSPACE
    assert schema.kind_of("mistral-setup:v2:progress:{T1}") is None  # a part missing
    assert schema.kind_of("mistral-setup:v2:progress:T1:U1") is None  # the tag missing
    for settings in ("T1", "E1:T2"):  # a glob finds a team's and an organisation's workspace's
        assert fnmatchcase(schema.NOTES.key(settings), schema.NOTES.glob())


def test_every_kind_a_transaction_touches_together_shares_the_workspace_tag() -> None:
    together = [schema.PROGRESS, schema.PEOPLE, schema.STARTED, schema.NUDGE_DUE, schema.NUDGE,
                schema.FEEDBACK, schema.UNHELPFUL, schema.WEEK_COUNTS, schema.COUNTING_SINCE,
                schema.QUESTIONS_LOGGED, schema.UNANSWERED, schema.THROTTLE]  # fmt: skip
    slots = {
        _slot(kind.key(*("T1" if p == "team" else "x" for p in kind.parts))) for kind in together
    }

    assert len(slots) == 1
    # An organisation's settings, and those of each of its workspaces, are in its slot.
    assert _slot(schema.WORKSPACE.key("E1")) == _slot(schema.WORKSPACE.key("E1:T2"))
    assert _slot(schema.INSTALLATION.key("-:T1", "bot")) == _slot(
        schema.INSTALLATION.key("-:T1", "installer")
    )


def _slot(name: str) -> int:
    return int(key_slot(name.encode()))


def test_every_personal_kind_is_exported_unless_it_is_a_cache() -> None:
    exported = [kind for codec in codecs.CODECS for kind in codec.kinds]
    personal = [kind for kind in schema.KINDS if kind.personal and not kind.cache]

    assert sorted(k.name for k in exported) == sorted(k.name for k in personal)


def test_a_personal_kind_that_does_not_say_where_the_person_is_is_refused() -> None:
    with pytest.raises(ValueError, match="whose"):
        schema.Kind("nicknames", ("team",), "team", "hash", personal=True)


@pytest.mark.redis
async def test_a_key_the_schema_does_not_declare_is_reported(
    redis_client: aioredis.Redis,
) -> None:
    await redis_client.set("mistral-setup:v2:nickname:{T1}:U1", "Al")
    await redis_client.set(schema.PROGRESS.key("T1", "U1"), "not a set")
    await redis_client.sadd(schema.PROGRESS.key("T1", "U2"), "register")

    faults = await undeclared(redis_client)

    assert faults == [
        "mistral-setup:v2:nickname:{T1}:U1: no kind in bot/state/schema.py declares it",
        "mistral-setup:v2:progress:{T1}:U1: a string, but progress keys are a set",
    ]
    await redis_client.delete("mistral-setup:v2:nickname:{T1}:U1", schema.PROGRESS.key("T1", "U1"))


@pytest.mark.redis
async def test_a_newly_declared_personal_kind_is_forgotten_with_no_other_edit(
    redis_client: aioredis.Redis,
) -> None:
    nicknames = schema.Kind("nickname", ("team", "user"), "person", "string", personal=True)
    mentions = schema.Kind("mentions", ("team",), "team", "zset", personal=True, whose=str)
    await redis_client.set(nicknames.key("T1", "U1"), "Al")
    await redis_client.zadd(mentions.key("T1"), {"U1": 1.0, "U2": 2.0})
    privacy = Privacy(
        redis_client, FeedbackStore(redis_client), (*schema.KINDS, nicknames, mentions)
    )

    await privacy.forget(Person("T1", "U1"))

    assert not await redis_client.exists(nicknames.key("T1", "U1"))
    assert await redis_client.zrange(mentions.key("T1"), 0, -1) == ["U2"]
    await privacy.forget_team("T1")
    assert await every_key(redis_client) == []


async def test_forget_leaves_nothing_about_the_person_but_what_is_not_personal(
    bot: RunningBot, mistral_api: FakeMistralAPI, redis_client: aioredis.Redis
) -> None:
    bot.slack.add_user(USER, is_admin=True)  # kept as one of the workspace's admins
    # Progress, its reminder, and the users.info profile cache.
    await bot.command("done 1", user=USER)
    await bot.command("how do I bake bread", user=USER)  # logged for the content's authors
    await bot.send(block_action(ActionId.FEEDBACK_DOWN, "register", user=USER))
    await bot.slack.wait_for("chat.postEphemeral")
    await bot.command(f"key {mistral_api.add_key()}", user=USER, replies=2)  # a throttle
    await bot.command("reminders off", user=USER)
    while_going = await kinds_holding(redis_client, USER)
    for step in range(2, len(bot.services.content.steps) + 1):
        await bot.command(f"done {step}", user=USER)  # finished: no reminder is due any more
    # Only an organisation's org-wide install keeps who was seen in which workspace.
    org_only = {"members", "workspace-admins", "workspace-unanswered"}
    personal = {kind.name for kind in schema.KINDS if kind.personal} - org_only
    kept = while_going | await kinds_holding(redis_client, USER)
    assert kept == {*personal, "throttle"}

    await bot.command("forget yes", user=USER)
    await bot.drain()

    assert await kinds_holding(redis_client, USER) == {"throttle"}  # not personal: kept
