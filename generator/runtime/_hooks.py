"""``before_send`` hooks: callables that see every event before it is sent (or, in the senders,
queued) and may enrich it, redact it or drop it.

A hook takes an event and returns it, a changed copy (``event.replace(channel=...)``), or
``None`` to drop it; hooks run in the order given, each on what the previous returned. With no hook
set the senders do not call into this module at all.
"""

from __future__ import annotations

import importlib
import logging
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ._errors import NetmeraError
from ._event import Event

__all__ = ["SendHook", "SendHookError"]

SendHook = Callable[[Event], Event | None]
"""A ``before_send`` hook: the event in, the event to send (or ``None``) out."""


class SendHookError(NetmeraError):
    """A ``before_send`` hook raised, or returned something other than an event or ``None``; the
    event was not sent. The hook's own exception is the ``__cause__`` (its text is not repeated
    here: it may quote the event's values)."""

    def __init__(self, hook: str, event: str, problem: str) -> None:
        super().__init__(f"before_send hook {hook} {problem} on {event}; the event was not sent")
        self.hook = hook
        self.event = event


def as_hooks(before_send: SendHook | Sequence[SendHook] | None) -> tuple[SendHook, ...]:
    """The hooks given as one callable, a sequence of them, or ``None``."""
    if before_send is None:
        return ()
    hooks = (before_send,) if callable(before_send) else tuple(before_send)
    for hook in hooks:
        if not callable(hook):
            raise TypeError(f"before_send takes callables, not {type(hook).__name__}")
    return hooks


def _name_of(hook: SendHook) -> str:
    return getattr(hook, "__qualname__", None) or type(hook).__name__


def run_hooks(hooks: Sequence[SendHook], event: Event) -> Event | None:
    """Pass ``event`` through every hook in order; ``None`` if one dropped it. Raises
    :class:`SendHookError`."""
    current: Event = event
    for hook in hooks:
        try:
            result = hook(current)
        except Exception as exc:  # any failure of user code is reported the same way
            raise SendHookError(
                _name_of(hook), current.EVENT_NAME, f"raised {type(exc).__name__}"
            ) from exc
        if result is None:
            return None
        if not isinstance(result, Event):
            raise SendHookError(
                _name_of(hook),
                current.EVENT_NAME,
                f"returned {type(result).__name__}, not an event or None",
            )
        current = result
    return current


def run_hooks_all(hooks: Sequence[SendHook], events: Iterable[Event]) -> list[Event]:
    """The events every hook kept, in order (the clients' path: the first failure raises and
    nothing is sent)."""
    kept = []
    for event in events:
        result = run_hooks(hooks, event)
        if result is not None:
            kept.append(result)
    return kept


def payload_to_event(payload: Mapping[str, Any]) -> Event:
    """A validated wire dict as its typed event, so hooks see one kind of value."""
    registry: Any = importlib.import_module(f"{__package__}._registry")
    event: Event = registry.parse_event(payload)
    return event


def run_hooks_on_payloads(
    hooks: Sequence[SendHook], payloads: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """:func:`run_hooks_all` for wire dicts already validated against the schemas."""
    return [event.to_payload() for event in run_hooks_all(hooks, map(payload_to_event, payloads))]


def log_hook_failure(logger: logging.Logger, error: SendHookError) -> None:
    """Log a failed hook with where it failed, but not its exception's text (which may quote the
    event's values, private ones included)."""
    cause = error.__cause__
    where = "".join(traceback.format_tb(cause.__traceback__)) if cause is not None else ""
    logger.error("%s%s", error, f"; the hook failed at:\n{where}" if where else "")
