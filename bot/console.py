"""The local console: the bot in a terminal, like Hubot's shell adapter.

Type ``/mistral-setup done 2`` or just a question. A plain line is what a direct message
to the bot is in Slack: commands run (``done 2``, ``next``), questions are answered, and
a pasted key gets the same warning, naming it by its last four characters only.
Replies are the Block Kit the Slack app would send, rendered as text, so what you see
here is what Slack will show. Piped stdin works too, each line echoed before its reply
so the output reads as a transcript.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import TextIO

from bot import strings
from bot.apikeys import mask_secrets
from bot.domain.assistant import Assistant
from bot.domain.commands import SLASH_COMMAND
from bot.domain.replies import Reply
from bot.person import Person
from bot.render.blocks import render
from bot.render.plaintext import blocks_to_text

# The console's person is "you" in this team: its notes are the ones `python -m bot notes`
# keeps when no Slack credentials are set.
CONSOLE_TEAM = "console"

CONSOLE_HELP = """\
Type a question, or a command as you would in Slack: /mistral-setup, /mistral-setup done 2 …
Console only: /as USER (switch user), /json (toggle raw Block Kit), quit (or Ctrl-C, Ctrl-D)"""


class Console:
    """A read-eval-print loop over the same domain the Slack listeners call."""

    def __init__(self, assistant: Assistant, person: Person, out: TextIO) -> None:
        self.assistant = assistant
        self.person = person
        self.out = out
        self.raw_json = False

    def run(self, lines: TextIO, runner: asyncio.Runner) -> None:
        """Read lines until /quit, end of input or Ctrl-C; each line runs on ``runner``.

        Lines are read outside the event loop, so Ctrl-C at the prompt ends the console
        at once (a read inside the loop would wait for Enter first).
        """
        interactive = lines.isatty()
        self._say(CONSOLE_HELP)
        runner.run(self.suggest())
        while True:
            if interactive:
                self.out.write(f"{self.person.user}> ")
                self.out.flush()
            line = lines.readline()
            if not line:
                return
            if not interactive and line.strip():
                # The transcript never repeats a pasted key, as Slack replies never do.
                self.out.write(f"{self.person.user}> {mask_secrets(line.strip())}\n")
            if not runner.run(self.feed(line)):
                return

    async def feed(self, line: str) -> bool:
        """Handle one line; False means the user asked to quit."""
        line = line.strip()
        if not line:
            return True
        # "quit" and "exit" alone, as people type them in any console: no setup question
        # is one word that says nothing of Mistral.
        if line in ("/quit", "/exit", "\\q") or line.lower() in ("quit", "exit"):
            return False
        if line == "/json":
            self.raw_json = not self.raw_json
            self._say(f"raw Block Kit {'on' if self.raw_json else 'off'}")
        elif line.startswith("/as "):
            user = line.removeprefix("/as ").strip() or "you"
            self.person = dataclasses.replace(self.person, user=user)
            self._say(f"you are now {self.person.user}")
        elif line in ("/help", "/?"):
            self._say(CONSOLE_HELP)
        elif line == SLASH_COMMAND or line.startswith(SLASH_COMMAND + " "):
            self._show(await self.assistant.handle(self.person, line.removeprefix(SLASH_COMMAND)))
        elif line.startswith("/"):
            self._say(f"Unknown console command {line.split()[0]}. {CONSOLE_HELP}")
        else:
            warning = self.assistant.leak_warning(line, in_dm=True, language=self.person.language)
            # As in a DM: a pasted key is warned about, not answered.
            self._show(warning or await self.assistant.handle(self.person, line))
        return True

    async def suggest(self) -> None:
        """The prompts Slack's Messages tab offers this person, as lines to type."""
        prompts = await self.assistant.suggested_prompts(self.person)
        title = strings.text(self.person.speaks, "prompts_title")
        self._say("\n".join([title, *(f"  {prompt.message}" for prompt in prompts)]))

    def _show(self, reply: Reply) -> None:
        blocks = render(reply)
        if self.raw_json:
            self._say(json.dumps(blocks, indent=2, ensure_ascii=False))
        self._say(blocks_to_text(blocks))

    def _say(self, text: str) -> None:
        self.out.write(text + "\n\n")
        self.out.flush()
