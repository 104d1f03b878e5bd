"""``python -m bot``: the entry points.

    python -m bot                 Slack with SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and
                                  SLACK_CLIENT_SECRET), else the local console
    python -m bot console         the local console
    python -m bot web             HTTP mode: POST /slack/events, GET /healthz on $PORT
                                  (and GET /slack/install, /slack/oauth_redirect for Add to Slack)
    python -m bot socket          Socket Mode (needs SLACK_APP_TOKEN)
    python -m bot ask "QUESTION"  print the answer; --jsonl reads questions from stdin
    python -m bot report          content gaps (from REDIS_URL), for the content's authors;
                                  --chart FILE.png writes the team chart
    python -m bot digest          the weekly digest of each workspace; --send DMs it to
                                  its admins now
    python -m bot export          everything kept about people (REDIS_URL), as JSON on stdout
    python -m bot import FILE     load such an export (checked whole first; - reads stdin)
    python -m bot workspaces      the workspaces installed (Add to Slack) or with data, no tokens
    python -m bot keygen          print a new key for TOKEN_ENCRYPTION_KEYS
    python -m bot rotate-tokens   encrypt every kept bot token again with the first key
    python -m bot migrate         rename the keys of the previous version (REDIS_URL)
    python -m bot content check   validate the content cards, and trace them to the kept guide
    python -m bot content diff NEW_GUIDE.md    what a new guide changes, and what to review
    python -m bot content accept NEW_GUIDE.md  make it the kept guide, once the cards are
                                  re-verified
    python -m bot notes set TOPIC "TEXT" | list | clear TOPIC
                                  a workspace's own notes on cards (REDIS_URL; --workspace T…)
    python -m bot doctor          check the deployment: ok, warning or broken, with the fix;
                                  --workspace T checks one workspace (non-zero when broken)

Each command reads settings once and builds only what it needs. ``ask`` and ``content``
never import Slack code, so they start fast.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pydantic import ValidationError

from bot import logs
from bot.errors import ContentError, RedisUrlError, StoreUnavailable
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.guide.search import Index
    from bot.services import Services

T = TypeVar("T")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.run is _run_keygen:  # it makes what the settings may lack: it needs none
        return int(_run_keygen(args))
    try:
        settings = Settings()
    except ValidationError as error:
        # Field names and what is wrong only: values may be tokens.
        wrong = [f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in error.errors()]
        if args.run is _run_doctor:  # the doctor says it its own way
            for setting in wrong:
                print(f"{'broken':<8}settings: {setting}\n{'':<8}fix: see .env.example")
            return 1
        print(f"settings are not valid: {'; '.join(wrong)}", file=sys.stderr)
        return 2
    logs.configure(settings.log_level, settings.log_format)
    try:
        return int(args.run(args, settings))
    except ContentError as error:
        found = len(error.problems)
        print(f"content check failed, {found} problem{'s' if found > 1 else ''}:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except StoreUnavailable as error:
        print(f"{error}", file=sys.stderr)
        return 2
    except RedisUrlError as error:
        print(f"{error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__.splitlines()[0])
    parser.set_defaults(run=_run_default)
    sub = parser.add_subparsers(title="commands")
    sub.add_parser("console", help="the local console").set_defaults(run=_run_console)
    sub.add_parser("web", help="HTTP mode on $PORT").set_defaults(run=_run_web)
    sub.add_parser("socket", help="Socket Mode").set_defaults(run=_run_socket)
    ask = sub.add_parser("ask", help="answer a question from the guide")
    ask.add_argument("question", nargs="?", default="")
    how = ask.add_mutually_exclusive_group()
    how.add_argument("--jsonl", action="store_true", help="one question a line on stdin")
    how.add_argument(
        "--explain", action="store_true", help="why this answer: cards, scores, matched words"
    )
    ask.set_defaults(run=_run_ask)
    report = sub.add_parser("report", help="content gaps from Redis, for the content's authors")
    report.add_argument(
        "--workspace", help="one workspace's id (T…, or E… for an org-wide install)"
    )
    report.add_argument("--chart", metavar="FILE.png", help="write the team chart as a PNG")
    report.set_defaults(run=_run_report)
    digest = sub.add_parser("digest", help="the weekly digest for each workspace's admins")
    digest.add_argument(
        "--workspace", help="one workspace's id (T…, or E… for an org-wide install)"
    )
    digest.add_argument("--send", action="store_true", help="DM it to the admins now")
    digest.set_defaults(run=_run_digest)
    export = sub.add_parser("export", help="everything kept about people, as JSON on stdout")
    export.add_argument(
        "--workspace", help="one workspace's id (T…, or E… for an org-wide install)"
    )
    export.set_defaults(run=_run_export)
    workspaces = sub.add_parser("workspaces", help="the workspaces installed or with data")
    workspaces.set_defaults(run=_run_workspaces)
    keygen = sub.add_parser("keygen", help="print a new key for TOKEN_ENCRYPTION_KEYS")
    keygen.set_defaults(run=_run_keygen)
    rotate = sub.add_parser(
        "rotate-tokens", help="encrypt every kept bot token again with the first key"
    )
    rotate.set_defaults(run=_run_rotate_tokens)
    migrate = sub.add_parser("migrate", help="rename the keys of the previous version")
    migrate.set_defaults(run=_run_migrate)
    load = sub.add_parser("import", help="load an export (checked whole before writing)")
    load.add_argument("file", help="the export's path, or - for stdin")
    load.set_defaults(run=_run_import)
    doctor = sub.add_parser("doctor", help="check the deployment, saying how to fix it")
    doctor.add_argument(
        "--workspace", help="one workspace's id (T…, or E… for an org-wide install)"
    )
    doctor.set_defaults(run=_run_doctor)
    content = sub.add_parser("content", help="content tools")
    content.add_argument("action", choices=["check", "diff", "accept"])
    content.add_argument("guide", nargs="?", help="diff, accept: the new guide's Markdown file")
    content.set_defaults(run=_run_content)
    _notes_parser(sub)
    return parser


def _notes_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``notes set TOPIC TEXT``, ``notes list``, ``notes clear TOPIC``, each with --workspace."""
    workspace = argparse.ArgumentParser(add_help=False)
    workspace.add_argument(
        "--workspace",
        type=_settings_key,
        help="the workspace's id (T…; E…:T… for a workspace of an org-wide install); "
        "needed when several are installed",
    )
    notes = sub.add_parser("notes", help="a workspace's own notes under the cards' answers")
    actions = notes.add_subparsers(title="actions", required=True)
    keep = actions.add_parser("set", parents=[workspace], help="keep a note on a card")
    keep.add_argument("topic", help="the card's topic id (content/topics.tsv)")
    keep.add_argument("text", help=f"the note (at most {_note_limit()} characters)")
    keep.set_defaults(run=_run_notes, action="set")
    listing = actions.add_parser("list", parents=[workspace], help="the workspace's notes")
    listing.set_defaults(run=_run_notes, action="list", topic="", text="")
    clear = actions.add_parser("clear", parents=[workspace], help="remove a card's note")
    clear.add_argument("topic", help="the card's topic id")
    clear.set_defaults(run=_run_notes, action="clear", text="")


def _settings_key(value: str) -> str:
    """A workspace as its settings are keyed (``Person.settings_key``): T…, or E…:T…."""
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}(:[A-Za-z0-9._-]{1,64})?", value):
        raise argparse.ArgumentTypeError("a workspace id is T… (or E…:T… in an organisation)")
    if value.startswith("E") and ":" not in value:
        # An org-wide install's answers read the notes of the workspace asked in (E…:T…):
        # notes kept under the organisation alone would show nowhere.
        raise argparse.ArgumentTypeError(
            f"{value} is an organisation: name one of its workspaces, {value}:T…"
        )
    return value


def _note_limit() -> int:
    from bot.state.workspaces import NOTE_LIMIT

    return NOTE_LIMIT


def _run_default(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.slack_enabled:
        return _run_console(args, settings)
    if settings.slack_app_token is not None:
        return _run_socket(args, settings)
    return _run_web(args, settings)


def _run_console(_: argparse.Namespace, settings: Settings) -> int:
    from bot import services  # each command imports only what it needs
    from bot.console import CONSOLE_TEAM, Console
    from bot.person import Person

    built = services.build(settings)
    with asyncio.Runner() as runner:
        try:
            # The person at the terminal runs the bot, so they see what admins see; their
            # workspace's notes are `python -m bot notes`'s with no Slack credentials.
            workspace = runner.run(built.assistant.workspace(CONSOLE_TEAM))
            person = Person(CONSOLE_TEAM, "you", settings.language, admin=True, workspace=workspace)
            console = Console(built.assistant, person, sys.stdout)
            console.run(sys.stdin, runner)
        except KeyboardInterrupt:  # Ctrl-C ends the console quietly, on a fresh line
            print()
        finally:
            runner.run(built.close())
    return 0


def _run_web(_: argparse.Namespace, settings: Settings) -> int:
    from bot.slack import web

    web.serve(settings)
    return 0


def _run_socket(_: argparse.Namespace, settings: Settings) -> int:
    from bot.slack import socket

    socket.run(settings)
    return 0


def _run_ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain.answers import answer
    from bot.domain.replies import Answer, NoAnswer
    from bot.guide.language import language_of
    from bot.guide.search import load_index
    from bot.render.blocks import render
    from bot.render.plaintext import blocks_to_text

    index = load_index(settings.content_dir)
    if args.explain:
        return _explain(index, args.question)
    if not args.jsonl:
        language = language_of(args.question) or settings.language or "en"
        print(blocks_to_text(render(answer(index, args.question, language=language))))
        return 0
    for line in sys.stdin:
        question = line.rstrip("\n")
        reply = answer(index, question)
        topic = reply.card.topic if isinstance(reply, Answer) else None
        score = reply.score if isinstance(reply, Answer | NoAnswer) else 0.0
        record = {"question": question, "topic": topic, "score": score}
        print(json.dumps(record, ensure_ascii=False), flush=True)
    return 0


def _explain(index: Index, question: str) -> int:
    """``ask --explain``: the ranking ``ask`` decides on, with its evidence."""
    from bot.apikeys import mask_secrets
    from bot.domain.answers import PARSED_CHARS, not_a_question, rank
    from bot.guide.explanation import describe, explain

    question = question[:PARSED_CHARS]
    early = not_a_question(question)
    if early is not None:
        said = mask_secrets(question)
        kind = type(early).__name__
        print(f"question: {said}\nverdict: not a question ({kind}): the guide is not searched")
        return 0
    print(describe(explain(index, rank(index, question))))
    return 0


def _run_report(args: argparse.Namespace, settings: Settings) -> int:
    if not _has_redis(settings, "the gaps are kept there"):
        return 2
    if args.chart:
        return _with_services(settings, lambda services: _write_chart(services, args))
    from bot.domain.gaps import gaps_report
    from bot.person import org_workspace
    from bot.render.blocks import render
    from bot.render.plaintext import blocks_to_text

    async def report(services: Services) -> None:
        feedback = services.feedback
        teams = await _covered(services, args.workspace, await feedback.teams())
        if not teams:
            print('No unanswered questions or "not helpful" votes on record.')
        for team, workspace in teams:
            seen = await services.members.seen(team, org_workspace(team, workspace))
            gaps = await gaps_report(feedback, services.index, team, "en", shown=None, seen=seen)
            print(f"Team {_named(team, workspace)}\n\n{blocks_to_text(render(gaps))}\n")

    _with_services(settings, report)
    return 0


async def _write_chart(services: Services, args: argparse.Namespace) -> int:
    """``report --chart FILE.png``: one workspace's chart (the only one, or --workspace)."""
    teams = await _covered(services, args.workspace, await services.privacy.teams())
    if len(teams) != 1:
        found = "no workspace has data" if not teams else f"{len(teams)} workspaces have data"
        print(f"{found}: name one with --workspace T…", file=sys.stderr)
        return 2
    [(team, workspace)] = teams
    png = await services.assistant.chart(team, services.settings.language or "en", workspace)
    await asyncio.to_thread(Path(args.chart).write_bytes, png)
    print(f"chart of {_named(team, workspace)} written to {args.chart}")
    return 0


async def _covered(
    services: Services, workspace: str | None, found: list[str]
) -> list[tuple[str, str]]:
    """The (team, workspace) pairs a command covers: each team ``found`` as a whole, or
    the ``workspace`` named (``--workspace``): a team of its own, or one workspace of an
    organisation's org-wide install, which covers only the people seen there."""
    if workspace is None:
        return [(team, team) for team in found]
    if workspace in found:
        return [(workspace, workspace)]
    organisation = await services.members.organisation_of(workspace)
    return [(organisation, workspace)] if organisation else [(workspace, workspace)]


def _named(team: str, workspace: str) -> str:
    """How output names a team, or one workspace of an organisation."""
    return team if workspace == team else f"{workspace} (of organisation {team})"


def _run_digest(args: argparse.Namespace, settings: Settings) -> int:
    if not _has_redis(settings, "the figures are kept there"):
        return 2
    from bot.render.blocks import render
    from bot.render.plaintext import blocks_to_text

    async def digests(services: Services) -> int:
        assistant = services.assistant
        teams = await _covered(services, args.workspace, await services.privacy.teams())
        if not teams:
            print("No workspace has any data yet.")
        for team, workspace in teams:
            if args.send:
                if not await _send_digests(services, team, workspace):
                    return 2
                continue
            digest = await assistant.digest(team, workspace, None)
            print(f"Team {_named(team, workspace)}\n\n{blocks_to_text(render(digest))}\n")
        return 0

    return _with_services(settings, digests)


async def _send_digests(services: Services, team: str, workspace: str) -> bool:
    """DM ``workspace``'s digest to each of its admins once; False when no token reaches it."""
    from bot.cipher import TokenUnreadable
    from bot.slack.digests import client_for, send_digest

    try:
        client = await client_for(services, team)
    except TokenUnreadable:
        print(f"{team}: no key of TOKEN_ENCRYPTION_KEYS decrypts its token: cannot send",
              file=sys.stderr)  # fmt: skip
        return False
    if client is None:
        print(f"{team}: no SLACK_BOT_TOKEN and no install: cannot send", file=sys.stderr)
        return False
    admins = await services.assistant.digest_recipients(team, workspace)
    for user in admins:
        await send_digest(client, services.assistant, team, workspace, user, None)
    print(f"{_named(team, workspace)}: digest sent to {len(admins)} admin(s)"
          + (": " if admins else "") + ", ".join(admins))  # fmt: skip
    return True


def _run_export(args: argparse.Namespace, settings: Settings) -> int:
    if not _has_redis(settings, "the data is kept there"):
        return 2
    from bot.state import archive

    async def export(services: Services) -> str:
        return archive.dumps(await services.privacy.export(args.workspace))

    print(_with_services(settings, export))
    return 0


def _run_import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.apikeys import mask_secrets
    from bot.state import archive

    if not settings.redis_url:
        print("Set REDIS_URL to the Redis to import into.", file=sys.stderr)
        return 2
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text("utf-8")
        data = archive.loads(text)
    except (OSError, UnicodeDecodeError, archive.ArchiveError) as error:
        reason = error.strerror if isinstance(error, OSError) else str(error)
        print(f"import failed, nothing was changed: {args.file}: {reason}", file=sys.stderr)
        return 2

    async def restore(services: Services) -> int:
        # Notes go through the rule `notes set` applies: an export edited by hand, or from
        # another version's cards, must not bring in what the CLI and App Home refuse.
        language = services.settings.language or "en"
        for team in data.teams:
            for note in team.notes:
                problem = services.assistant.note_problem(note.topic, note.text.strip())
                if problem is not None:
                    where = f"{team.team}:{note.workspace}" if note.workspace else team.team
                    print(f"import failed, nothing was changed: {args.file}: the note of "
                          f"{where} on {mask_secrets(note.topic)}: {problem.said(language)}",
                          file=sys.stderr)  # fmt: skip
                    return 2
        done = await services.privacy.restore(data)
        print(
            f"imported {done.teams} team(s): progress of {done.people} people, "
            f"{done.votes} vote(s), {done.questions} logged question(s), {done.notes} note(s)"
        )
        return 0

    return _with_services(settings, restore)


def _run_workspaces(_: argparse.Namespace, settings: Settings) -> int:
    if not _has_redis(settings, "installs are kept there"):
        return 2
    from bot.slack.installations import RedisInstallationStore

    async def listing(services: Services) -> list[str]:
        installed = await RedisInstallationStore(services.redis).installed()
        teams = await services.privacy.teams()
        people = {team: len(await services.progress.people(team)) for team in teams}
        lines = []
        for install in installed:
            key = install.enterprise_id if install.org_wide else install.team_id
            name = install.enterprise_name if install.org_wide else install.team_name
            since = time.strftime("%Y-%m-%d", time.gmtime(install.installed_at))
            kind = "organisation, org-wide" if install.org_wide else "workspace"
            started = people.pop(str(key), 0)
            lines.append(f"{key}\t{name or '-'}\t{kind}, installed {since}, {started} started")
        # Data without an install record: SLACK_BOT_TOKEN's workspace, or kept from before.
        lines += [f"{team}\t-\tno install record, {n} started" for team, n in people.items()]
        return lines

    lines = _with_services(settings, listing)
    print("\n".join(lines) if lines else "No workspace has installed the app or kept any data.")
    return 0


def _run_keygen(_: argparse.Namespace) -> int:
    from bot.cipher import new_key

    print(new_key())
    return 0


def _run_rotate_tokens(_: argparse.Namespace, settings: Settings) -> int:
    if not _has_redis(settings, "the bot tokens are kept there"):
        return 2
    cipher = settings.token_cipher()
    if cipher is None:
        print("Set TOKEN_ENCRYPTION_KEYS: the new key first, then the old ones.", file=sys.stderr)
        return 2
    from bot.slack.installations import RedisInstallationStore, Resealed

    async def rotate(services: Services) -> Resealed:
        return await RedisInstallationStore(services.redis, cipher).reseal()

    done = _with_services(settings, rotate)
    print(f"re-encrypted {done.tokens} bot token(s) with the first key of TOKEN_ENCRYPTION_KEYS")
    if done.unreadable:
        print(
            f"{len(done.unreadable)} install(s) not decrypted by any key, left as they are: "
            f"{', '.join(done.unreadable)} (add the key that encrypted them, or they must "
            "install the app again)",
            file=sys.stderr,
        )
        return 1
    return 0


def _run_migrate(_: argparse.Namespace, settings: Settings) -> int:
    if not _has_redis(settings, "the keys to rename are there"):
        return 2
    from bot.state.migration import Migrated, MigrationRefused, migrate

    async def run(services: Services) -> Migrated | str:
        try:
            return await migrate(services.redis)
        except MigrationRefused as refused:
            return str(refused)

    done = _with_services(settings, run)
    if isinstance(done, str):
        print(f"migrate: {done}", file=sys.stderr)
        return 2
    print("\n".join(done.lines()))
    return 0


def _run_notes(args: argparse.Namespace, settings: Settings) -> int:
    if not _has_redis(settings, "the notes are kept there"):
        return 2

    async def notes(services: Services) -> int:
        workspace = await _notes_workspace(services, args.workspace)
        if workspace is None:
            return 2
        assistant, language = services.assistant, services.settings.language or "en"
        if args.action == "list":
            kept = (await assistant.workspace(workspace)).notes
            print("\n".join(f"{topic}\t{_one_line(text)}" for topic, text in kept)
                  if kept else f"{workspace}: no notes")  # fmt: skip
            return 0
        if args.action == "set":
            reply = await assistant.keep_note(workspace, args.topic, args.text, language)
        else:
            reply = await assistant.clear_note(workspace, args.topic, language)
        print(
            f"{workspace}: {reply.summary}",
            file=sys.stderr if reply.kind == "warning" else sys.stdout,
        )
        return 1 if reply.kind == "warning" else 0

    return _with_services(settings, notes)


def _one_line(text: str) -> str:
    """A note on one line of ``notes list``: its backslashes, tabs and line breaks escaped,
    so each line stays ``topic<TAB>note``."""
    escapes = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
    return "".join(escapes.get(c, c) for c in text)


async def _notes_workspace(services: Services, asked: str | None) -> str | None:
    """Whose notes: ``--workspace``; else the console's without Slack credentials,
    SLACK_BOT_TOKEN's own workspace, or the one workspace installed with Add to Slack."""
    if asked:
        return asked
    settings = services.settings
    if not settings.slack_enabled:
        from bot.console import CONSOLE_TEAM

        return CONSOLE_TEAM
    if settings.slack_bot_token is not None:
        import aiohttp
        from slack_sdk.errors import SlackClientError

        from bot.slack.digests import client_for

        client = await client_for(services, "")  # SLACK_BOT_TOKEN's, whatever the team
        assert client is not None  # SLACK_BOT_TOKEN is set
        try:
            return str((await client.auth_test())["team_id"])
        except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as error:
            why = type(error).__name__
            print(f"Slack did not say whose SLACK_BOT_TOKEN is ({why}): name the workspace "
                  "with --workspace T…", file=sys.stderr)  # fmt: skip
            return None
    from bot.slack.installations import RedisInstallationStore

    installed = await RedisInstallationStore(services.redis).installed()
    teams = [str(install.team_id) for install in installed if not install.org_wide]
    if len(teams) == 1 and len(installed) == 1:
        return teams[0]
    print(f"{len(installed)} installs: name the workspace with --workspace T… "
          "(E…:T… for a workspace of an org-wide install)", file=sys.stderr)  # fmt: skip
    return None


def _run_doctor(args: argparse.Namespace, settings: Settings) -> int:
    from bot.slack.doctor import Doctor, Finding, broken

    async def examine(services: Services) -> list[Finding]:
        return await Doctor(services).examine(args.workspace)

    findings = _with_services(settings, examine)
    print("\n".join(map(str, findings)))
    return 1 if broken(findings) else 0


def _has_redis(settings: Settings, why: str) -> bool:
    """The commands on the bot's data need its Redis, not an empty embedded store."""
    if not settings.redis_url:
        print(f"Set REDIS_URL to the bot's Redis: {why}.", file=sys.stderr)
    return bool(settings.redis_url)


def _with_services(settings: Settings, work: Callable[[Services], Awaitable[T]]) -> T:
    """Build the services, run ``work`` with them, and close them whatever happens."""
    from bot.services import build
    from bot.state.startup import verify

    services = build(settings)

    async def run() -> T:
        try:
            await verify(settings.redis_url)
            return await work(services)
        finally:
            await services.close()

    return asyncio.run(run())


def _run_content(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "check":
        if args.guide:
            print("content check takes no file: it checks the kept guide", file=sys.stderr)
            return 2
        return _run_content_check(settings)
    if not args.guide:
        print(f"content {args.action} needs the new guide: NEW_GUIDE.md", file=sys.stderr)
        return 2
    return _run_guide_revision(args.action, Path(args.guide), settings)


def _run_content_check(settings: Settings) -> int:
    from datetime import UTC, datetime

    from bot import strings
    from bot.guide.provenance import check_provenance
    from bot.guide.search import load_index

    # Every check runs, so one pass lists every problem in the cards, the catalog and the
    # cards' trace to the guide.
    try:
        content = load_index(settings.content_dir).content
    except ContentError as error:
        raise ContentError([*error.problems, *strings.problems()]) from None
    today = datetime.now(UTC).date()
    findings = check_provenance(
        settings.content_dir, content, today=today, max_age_days=settings.content_max_age_days
    )
    problems = [*findings.problems, *strings.problems()]
    for warning in findings.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if problems:
        raise ContentError(problems)
    steps = len(content.steps)
    print(f"content ok: {len(content.cards)} cards, {steps} checklist steps, traced to the guide")
    return 0


def _run_guide_revision(action: str, new_path: Path, settings: Settings) -> int:
    """``content diff`` (1 when an author is needed) and ``content accept`` (2 when refused)."""
    from datetime import UTC, datetime

    from bot.guide import revision
    from bot.guide.content import load_content
    from bot.guide.provenance import read_kept
    from bot.guide.sections import read_guide

    content = load_content(settings.content_dir)
    kept, record, problems = read_kept(settings.content_dir)
    if kept is None or record is None:
        raise ContentError(problems)
    try:
        new = read_guide(new_path)
    except (OSError, UnicodeDecodeError) as error:
        print(f"cannot read {new_path}: {error.__class__.__name__}", file=sys.stderr)
        return 2
    today = datetime.now(UTC).date()
    if action == "diff":
        found = revision.review(
            settings.content_dir, content, kept, new, record, new_name=str(new_path), today=today
        )
        print("\n".join(found.lines))
        return 1 if found.needs_author else 0
    refused = revision.refusals(
        settings.content_dir, content, kept, new, record, new_name=str(new_path), today=today
    )
    if refused:
        print(f"not accepted: {len(refused)} thing(s) to do first", file=sys.stderr)
        for problem in refused:
            print(f"  {problem}", file=sys.stderr)
        print(f"(python -m bot content diff {new_path} shows what changed)", file=sys.stderr)
        return 2
    revision.keep(settings.content_dir, new_path, today)
    print(f"accepted: {new_path} is now the kept guide (kept = {today})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
