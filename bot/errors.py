"""Expected errors: each names a message a person can read, in the string catalog.

    BotError                  expected; ``text_key`` and ``values`` say it in any language
    ├── ContentError          the content is broken (every problem, with its file and field)
    ├── StoreUnavailable      Redis did not answer; progress and feedback wait
    ├── MistralError          Mistral's API could not give an answer
    │   ├── MistralUnreachable   timeout, connection refused, DNS
    │   ├── MistralRejectedKey   401: invalid, revoked or expired key
    │   ├── MistralForbidden     403: the key may not use this resource
    │   ├── MistralRateLimited   429: too many requests (``retry_after`` seconds, if known)
    │   └── MistralBroken        5xx or a body that is not what the API promises
    ├── Throttled             this person asked for too many key checks in a short time
    ├── UnknownStep           a step number or name that is not on the checklist
    └── AmbiguousStep         a step name that fits two steps equally well

``RedisUrlError`` is not one of them: REDIS_URL names something the bot cannot use, and it
stops startup with its one line (``python -m bot`` prints it), never reaching a user.

Anything else is a bug: it goes to the one error handler, which logs the traceback
and tells the user something went wrong without showing internals. Messages never
contain an API key: at most its last four characters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class BotError(Exception):
    """An expected failure, with a message a person can read.

    ``text_key`` and ``values`` name the message in ``bot/strings.toml``, so a surface says
    it in the person's language (``bot.strings.Phrase.of_error``). ``str(error)`` is for
    logs and never holds a key.
    """

    text_key = ""

    @property
    def values(self) -> dict[str, object]:
        return {}


@dataclass(frozen=True)
class ContentProblem:
    """One thing wrong in the content: the file, the field, and what is wrong, in words."""

    path: str
    field: str
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: {self.field}: {self.problem}"


class ContentError(BotError):
    """The content failed validation: every problem found, one a line."""

    text_key = "content_broken"

    def __init__(self, problems: Sequence[ContentProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))

    @property
    def path(self) -> str:
        """The first problem's file."""
        return self.problems[0].path

    @property
    def field(self) -> str:
        """The first problem's field."""
        return self.problems[0].field


class StoreUnavailable(BotError):
    """The progress store (Redis) did not answer in time."""

    text_key = "store_unavailable"

    def __init__(self) -> None:
        super().__init__("Redis did not answer")


class RedisUrlError(ValueError):
    """REDIS_URL names a scheme or a kind of Redis the bot cannot use: says which, and what
    to write instead."""


class _Said(BotError):
    """An error that says what it means with a catalog string chosen where it is raised."""

    def __init__(self, text_key: str, **values: object) -> None:
        self.text_key = text_key
        self._values = values
        # The key, not prose: people read the catalog's words, in their language.
        super().__init__(text_key)

    @property
    def values(self) -> dict[str, object]:
        return dict(self._values)


class MistralError(_Said):
    """Mistral's API could not give a usable answer."""


class MistralUnreachable(MistralError):
    """The request did not complete: timeout, refused connection, name resolution."""


class MistralRejectedKey(MistralError):
    """401: the key is missing, invalid, revoked or expired."""


class MistralForbidden(MistralError):
    """403: the key is valid but may not use this resource."""


class MistralRateLimited(MistralError):
    """429: too many requests, or a usage limit was reached."""

    def __init__(self, text_key: str, retry_after: float | None = None, **values: object) -> None:
        self.retry_after = retry_after
        super().__init__(text_key, **values)


class MistralBroken(MistralError):
    """5xx, or a body that does not match what the API documents."""


class Throttled(_Said):
    """The caller used a rate-limited feature too often."""

    def __init__(self, text_key: str, retry_after: float, **values: object) -> None:
        self.retry_after = retry_after
        super().__init__(text_key, **values)


# The longest step reference quoted back in a message.
MAX_QUOTED = 40


class UnknownStep(BotError):
    """A step reference that matches no checklist step."""

    text_key = "unknown_step"

    def __init__(self, ref: str, total: int) -> None:
        # What was typed is quoted back, shortened: it may be four thousand digits.
        ref = ref if len(ref) <= MAX_QUOTED else ref[: MAX_QUOTED - 1] + "…"
        self.ref = ref
        self.total = total
        super().__init__(f"no step {ref!r} among {total}")

    @property
    def values(self) -> dict[str, object]:
        return {"ref": self.ref, "total": self.total}


class AmbiguousStep(BotError):
    """A step name that fits more than one step."""

    text_key = "ambiguous_step"

    def __init__(self, ref: str, choices: object) -> None:
        """``choices``: the fitting steps, said in the reader's language. Typed ``object``
        because errors sit below the catalog: ``strings.Sayable`` says it at render."""
        self.ref = ref
        self.choices = choices
        super().__init__(f"{ref!r} fits several steps")

    @property
    def values(self) -> dict[str, object]:
        return {"ref": self.ref, "choices": self.choices}
