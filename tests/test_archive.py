"""Export and import: everything kept about people, out of one Redis and into another."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.person import Person
from bot.state import archive, schema
from bot.state.feedback import FeedbackStore
from bot.state.privacy import Privacy
from bot.state.progress import ProgressStore
from tests.conftest import run_bot
from tests.keyspace import assert_declared, every_key, flush

ANNA = Person("T111", "U111")
BRUNO = Person("T111", "U222")
CARLA = Person("T999", "U111")  # the same user id in another team


async def _keep_something_about_everyone(client: aioredis.Redis) -> None:
    progress, feedback = ProgressStore(client), FeedbackStore(client)
    await progress.mark_done(ANNA, "register")
    await progress.mark_done(ANNA, "payment-method")
    await progress.mark_done(CARLA, "register")
    await feedback.vote(ANNA, "payment-method", helpful=True)
    await feedback.vote(BRUNO, "spending-limit", helpful=False)
    await feedback.unanswered(BRUNO, "how much does mistral large cost?")


def _export(team: str = "T1", progress: str = "[]", votes: str = "[]") -> str:
    """An export file of one team, with its records written as given (JSON text)."""
    return (
        '{"format": "mistral-setup-export", "version": 1, "exported_at": 1, "teams": '
        f'[{{"team": "{team}", "progress": {progress}, "votes": {votes}}}]}}'
    )


async def _everything(client: aioredis.Redis) -> dict[str, object]:
    """Every key and its contents: what must come back, and what must not change (caches,
    which an export never holds, aside)."""
    found: dict[str, object] = {}
    for name in sorted(map(str, await every_key(client))):
        declared = schema.kind_of(name)
        if declared is not None and declared.cache:
            continue
        kind = await client.type(name)
        if kind == "set":
            found[name] = sorted(await client.smembers(name))
        elif kind == "hash":
            found[name] = await client.hgetall(name)
        elif kind == "zset":
            found[name] = await client.zrange(name, 0, -1, withscores=True)
        else:
            found[name] = await client.get(name)
    return found


@pytest.mark.redis
async def test_export_flushall_import_brings_everyone_back(
    redis_client: aioredis.Redis,
    redis_url: str,
    env_without_slack: dict[str, str],
    tmp_path: Path,
) -> None:
    await _keep_something_about_everyone(redis_client)
    before = await _everything(redis_client)
    env = {**env_without_slack, "REDIS_URL": redis_url}

    exported = run_bot(["export"], env, tmp_path)
    (tmp_path / "export.json").write_text(exported.stdout, encoding="utf-8")
    await assert_declared(redis_client)
    await flush(redis_client)
    first = run_bot(["import", str(tmp_path / "export.json")], env, tmp_path)
    again = run_bot(["import", str(tmp_path / "export.json")], env, tmp_path)

    assert exported.returncode == 0, exported.stderr
    assert (first.returncode, again.returncode) == (0, 0), first.stderr + again.stderr
    assert "2 team(s): progress of 2 people, 2 vote(s), 1 logged question(s)" in first.stdout
    assert await _everything(redis_client) == before  # all of it, and importing twice is once
    assert await ProgressStore(redis_client).done(ANNA) == {"register", "payment-method"}
    assert await ProgressStore(redis_client).done(CARLA) == {"register"}


@pytest.mark.redis
@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("", "the file is empty"),
        ("   \n", "the file is empty"),
        ('{"teams": []}', "not a Mistral setup export"),
        ('{"format": "mistral-setup-export", "version": 4, "teams": []}', "version 4"),
        ('{"format": "mistral-setup-export", "version": 1, "teams": [', "not JSON"),
        (
            '{"format": "mistral-setup-export", "version": 1, "exported_at": 1, '
            '"teams": [{"team": "T1", "progress": [{"done": ["register"], "changed_at": 1}]}]}',
            "teams.0.progress.0.user",
        ),
        ("\xff\xfe not text", "not JSON"),
        (
            _export(progress='[{"user": "U1", "done": ["register"], "changed_at": NaN}]'),
            "changed_at",
        ),
        (_export(team="T1:evil"), "teams.0.team"),
        (_export(progress='[{"user": "U2:x", "done": [], "changed_at": 1}]'), "progress.0.user"),
        (_export(votes='[{"user": "U1", "topic": "a|b", "helpful": true}]'), "votes.0.topic"),
    ],
    ids=[
        "empty",
        "blank",
        "foreign",
        "version",
        "truncated",
        "invalid-record",
        "binary",
        "nan",
        "colon-in-team",
        "colon-in-user",
        "pipe-in-topic",
    ],
)
async def test_a_bad_file_fails_with_a_clear_message_and_changes_nothing(
    redis_client: aioredis.Redis,
    redis_url: str,
    env_without_slack: dict[str, str],
    tmp_path: Path,
    content: str,
    says: str,
) -> None:
    await _keep_something_about_everyone(redis_client)
    before = await _everything(redis_client)
    (tmp_path / "bad.json").write_text(content, encoding="utf-8")

    result = run_bot(
        ["import", str(tmp_path / "bad.json")],
        {**env_without_slack, "REDIS_URL": redis_url},
        tmp_path,
    )

    assert result.returncode == 2
    assert "import failed, nothing was changed" in result.stderr
    assert says in result.stderr
    assert "Traceback" not in result.stderr
    assert await _everything(redis_client) == before


@pytest.mark.redis
async def test_forget_deletes_exactly_what_an_export_holds_about_the_person(
    redis_client: aioredis.Redis,
) -> None:
    await _keep_something_about_everyone(redis_client)
    privacy = Privacy(redis_client, FeedbackStore(redis_client))
    kept = await privacy.records(BRUNO.team, BRUNO.user)

    gone = await privacy.forget(BRUNO)

    assert (gone.votes, gone.questions) == (len(kept.votes), len(kept.questions)) == (1, 1)
    exported = json.loads(archive.dumps(await privacy.export()))
    assert "U222" not in json.dumps(exported)
    assert "U111" in json.dumps(exported)  # the others are untouched


@pytest.mark.redis
async def test_export_without_redis_url_says_what_to_set(
    env_without_slack: dict[str, str], tmp_path: Path
) -> None:
    result = run_bot(["export"], env_without_slack, tmp_path)

    assert result.returncode == 2
    assert "REDIS_URL" in result.stderr


@pytest.mark.redis
async def test_export_of_one_workspace_holds_only_its_people(
    redis_client: aioredis.Redis,
    redis_url: str,
    env_without_slack: dict[str, str],
    tmp_path: Path,
) -> None:
    await _keep_something_about_everyone(redis_client)
    env = {**env_without_slack, "REDIS_URL": redis_url}

    exported = run_bot(["export", "--workspace", "T999"], env, tmp_path)

    assert exported.returncode == 0, exported.stderr
    teams = json.loads(exported.stdout)["teams"]
    assert [team["team"] for team in teams] == ["T999"]
    assert [person["user"] for person in teams[0]["progress"]] == ["U111"]
