"""What Bolt hands matchers and listeners, built for what each takes and nothing else.

Bolt tries its listeners in order for every request, and for each matcher it tries, and
then for the listener it runs, it builds every argument a listener could ask for (some
thirty: ``say``, ``respond``, ``set_status`` and the rest, each built anew) before keeping
the few asked for: about 12 µs a matcher and 16 µs a listener, per request. Its own
matchers (a command's name, an event's type, an action's id) take only the body; our
listeners take a few of ``ack``, ``body``, ``context``, ``client`` and ``event``. Here
both are given just that, the same objects Bolt would give them; a matcher or listener
that asks for anything else is left to Bolt.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.listener.async_listener import AsyncCustomListener, AsyncListener
from slack_bolt.listener_matcher.async_builtins import AsyncBuiltinListenerMatcher
from slack_bolt.listener_matcher.async_listener_matcher import AsyncListenerMatcher
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.payload_utils import to_event
from slack_bolt.response import BoltResponse

# Each argument a listener of ours takes, as Bolt's kwargs_injection builds it.
_ARGUMENTS: dict[str, Callable[[AsyncBoltRequest], Any]] = {
    "ack": lambda request: request.context.ack,
    "body": lambda request: request.body,
    "context": lambda request: request.context,
    "client": lambda request: request.context.client,
    "event": lambda request: to_event(request.body),
}


class _BodyMatcher(AsyncListenerMatcher):
    """One of Bolt's own matchers, which reads the body alone, given the body alone."""

    def __init__(self, matcher: AsyncBuiltinListenerMatcher) -> None:
        self._matches = matcher.func

    async def async_matches(self, req: AsyncBoltRequest, resp: BoltResponse) -> bool:
        matched: bool = await self._matches(body=req.body)  # type: ignore[misc]
        return matched


class _Listener(AsyncCustomListener):
    """A listener given only the arguments it names."""

    async def run_ack_function(
        self, *, request: AsyncBoltRequest, response: BoltResponse
    ) -> BoltResponse | None:
        arguments = {name: _ARGUMENTS[name](request) for name in self.arg_names}
        returned: BoltResponse | None = await self.ack_function(**arguments)
        return returned


def lighten(app: AsyncApp) -> None:
    """Give the app's registered matchers and listeners only what they take."""
    # Bolt keeps its listeners in this list, in order, and has no public way to them.
    listeners: list[AsyncListener] = app._async_listeners
    listeners[:] = [_lightened(listener) for listener in listeners]


def _lightened(listener: AsyncListener) -> AsyncListener:
    if type(listener) is not AsyncCustomListener:
        return listener
    matchers = [
        _BodyMatcher(matcher)
        if type(matcher) is AsyncBuiltinListenerMatcher and matcher.arg_names == ["body"]
        else matcher
        for matcher in listener.matchers
    ]
    if set(listener.arg_names) - _ARGUMENTS.keys() or listener.lazy_functions:
        listener.matchers = matchers
        return listener
    lighter = _Listener(
        app_name=listener.app_name,
        ack_function=listener.ack_function,
        lazy_functions=listener.lazy_functions,
        matchers=matchers,
        middleware=listener.middleware,
        auto_acknowledgement=listener.auto_acknowledgement,
        ack_timeout=listener.ack_timeout,
    )
    lighter.logger = listener.logger
    return lighter
