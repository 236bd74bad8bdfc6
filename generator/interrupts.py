"""Signals held back while a step must not be cut short: Ctrl-C (and SIGTERM) are blocked, then delivered when the
step has ended.

Used while a worker pool forks its workers (an interrupt there left a worker behind or was lost) and while the
output tree is written (an interrupt there left a tree of old and new files). Only the calling thread blocks them;
the command runs on its main thread and starts no other thread that could receive them.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

__all__ = ["INTERRUPTS", "held", "release_inherited"]

INTERRUPTS = frozenset({signal.SIGINT, signal.SIGTERM})
"""Ctrl-C, and SIGTERM (`kill`, `timeout`, a supervisor, `docker stop`)."""


@contextlib.contextmanager
def held(signals: frozenset[signal.Signals] = INTERRUPTS) -> Iterator[None]:
    """Block `signals` for the block's duration; one that arrived meanwhile is handled as the block ends."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no process groups, no fork
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def release_inherited(signals: frozenset[signal.Signals] = INTERRUPTS) -> None:
    """Unblock `signals` in a process forked inside `held` (it inherits the blocked mask), once it has decided
    what they do there."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, signals)
