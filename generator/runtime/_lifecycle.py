"""What becomes of background senders' queued events when the process ends or forks.

The same holds for :class:`OutboxSender`, with one difference: its events are on disk, so what it
cannot deliver in time stays in the file for the next sender instead of being lost, and a forked
child is not warned.

- **Normal exit** (the main module ends, ``sys.exit()``, an uncaught exception, Ctrl-C): an
  ``atexit`` hook closes every live sender, each waiting at most its ``exit_timeout``; what it could
  not send goes to ``on_drop`` (reason ``"exit"``) or, without one, to a warning.
- **SIGTERM** (``docker stop``, Kubernetes, systemd): Python's default is to die at once, skipping
  ``atexit``. Where the application has installed no handler of its own, the first sender built on
  the main thread installs one (``handle_sigterm=False`` builds a sender that installs none) that
  closes every sender the same way (within their exit timeouts), then restores the default
  disposition and sends SIGTERM again, so the process still ends as killed by SIGTERM. The
  application waits meanwhile. When the signal came while its main thread was in the package's
  code (which may hold a lock the close needs), the close runs beside it, and the main thread
  waits for it at its next call into a sender. A second SIGTERM ends the process at once. An
  application with its own handler keeps it; ``sys.exit()`` from there runs the ``atexit`` hook.
- **os.fork()**: the child starts with empty queues and new workers (the parent's events are the
  parent's to send). A ``multiprocessing`` child started with fork ends through ``os._exit()``,
  which skips ``atexit``; multiprocessing runs its exit finalizers first, and the senders are closed
  there. A child forked outside multiprocessing warns when it first uses a sender, since it is
  likely to end through ``os._exit()`` too.
- **os._exit(), SIGKILL, a crash**: nothing can run; queued events are lost. Flush before
  ``os._exit()``.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import sys
import threading
import time
import warnings
import weakref
from types import FrameType
from typing import Any, Protocol

from ._reporting import PACKAGE_LOGGER, report_loss

__all__ = [
    "SIGTERM_GRACE",
    "Closable",
    "close_all",
    "main_thread_stopped",
    "register",
    "terminating",
    "unregister",
    "wait_if_terminating",
    "warn_if_exit_is_unguarded",
]

#: Seconds the SIGTERM handler waits beyond the senders' exit timeouts before letting the signal
#: end the process anyway.
SIGTERM_GRACE = 1.0

#: multiprocessing runs exit finalizers of this priority or more before the rest.
_FINALIZER_PRIORITY = 10


class Closable(Protocol):
    exit_timeout: float

    def _shutdown(self, timeout: float, reason: str) -> bool: ...

    def _after_fork_in_child(self) -> None: ...


_LIVE: weakref.WeakSet[Any] = weakref.WeakSet()


def register(sender: Closable, *, handle_sigterm: bool) -> None:
    """Close ``sender`` at exit, and on SIGTERM once a sender installed the handler (``sender``
    does, if asked and possible)."""
    _LIVE.add(sender)
    if handle_sigterm:
        _install_sigterm_handler()


def unregister(sender: Closable) -> None:
    _LIVE.discard(sender)


def close_all(reason: str = "exit") -> None:
    _close(list(_LIVE), reason)


def _close(senders: list[Any], reason: str) -> None:
    for sender in senders:
        try:
            sender._shutdown(sender.exit_timeout, reason)
        except BaseException:  # noqa: BLE001 - exit goes on whatever happens here
            # A second Ctrl-C during the exit-time flush must not print a traceback from us either.
            report_loss(
                PACKAGE_LOGGER, logging.WARNING, "the exit-time flush of %r did not finish", sender
            )


# --- SIGTERM ------------------------------------------------------------------------------------

_sigterm_installed = False


def _install_sigterm_handler() -> None:
    global _sigterm_installed
    if _sigterm_installed or threading.current_thread() is not threading.main_thread():
        return
    try:
        if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
            return  # the application decided what SIGTERM does (or ignores it): leave it alone
        signal.signal(signal.SIGTERM, _on_sigterm)
    except (AttributeError, OSError, ValueError):
        return  # no SIGTERM on this platform, or signals cannot be set here
    _sigterm_installed = True


_sigterm_seen = False
#: The close a SIGTERM started beside the main thread (see :func:`wait_if_terminating`) ...
terminating: threading.Thread | None = None
_terminating_until = 0.0  # ... and when it must be over
#: The main thread waits for a SIGTERM close with no package code of its own under way: an event
#: loop it runs is stopped, though it says it is running.
_main_stopped = False
_ending = threading.Lock()  # the beside close's signal, against the main thread ending it itself
_RUNTIME_FOLDER = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    global _sigterm_seen, terminating, _terminating_until, _main_stopped
    if _sigterm_seen:  # a second SIGTERM, or the one sent once the senders are closed: end now
        _end_by_sigterm()
        return
    _sigterm_seen = True
    senders = list(_LIVE)
    bound = sum(sender.exit_timeout for sender in senders) + SIGTERM_GRACE
    if _inside_the_runtime(frame):
        # The main thread was interrupted in the package's code, perhaps holding a lock that
        # closing needs: waiting here would wait for ourselves. The close runs beside it instead;
        # the main thread waits for it at its next call into a sender (wait_if_terminating), and
        # if it makes none, the close signals again when it is done.
        _terminating_until = time.monotonic() + bound
        terminating = threading.Thread(
            target=_close_then_signal, args=(senders, bound), name="netmera-sigterm", daemon=True
        )
        terminating.start()
        return
    _main_stopped = True
    _close_within(senders, bound)
    _end_by_sigterm()


def main_thread_stopped() -> bool:
    """Whether the main thread waits for a SIGTERM close (see ``_main_stopped``)."""
    return _main_stopped


def wait_if_terminating() -> None:
    """(As a sender's public methods start, when ``terminating`` is set.) On the main thread, wait
    for the SIGTERM close, as the signal handler would have, within its bound, and end the process.
    """
    global _main_stopped
    closing = terminating
    if closing is None or threading.current_thread() is not threading.main_thread():
        return
    with _ending:
        _main_stopped = True
    # Bounded: the close may wait for a lock the main thread holds (a logging handler's, say).
    closing.join(max(0.0, _terminating_until - time.monotonic()))
    _end_by_sigterm()


def _inside_the_runtime(frame: FrameType | None) -> bool:
    while frame is not None:
        if frame.f_code.co_filename.startswith(_RUNTIME_FOLDER):
            return True
        frame = frame.f_back
    return False


def _close_within(senders: list[Any], bound: float) -> None:
    # On a thread of its own, so that it is bounded even if a close hangs.
    closer = threading.Thread(
        target=_close, args=(senders, "exit"), name="netmera-sigterm-flush", daemon=True
    )
    closer.start()
    closer.join(bound)
    if closer.is_alive():
        report_loss(
            PACKAGE_LOGGER,
            logging.WARNING,
            "SIGTERM: the senders could not be closed in %.1f s",
            bound,
        )


def _close_then_signal(senders: list[Any], bound: float) -> None:
    _close_within(senders, bound)
    with _ending:
        if not _main_stopped:  # else the main thread waits for this close and ends the process
            os.kill(os.getpid(), signal.SIGTERM)


def _end_by_sigterm() -> None:
    """(Main thread.) Restore SIGTERM's default and raise it: the process ends as killed by it.
    Whatever handler is installed now (one of the application's may have chained to ours) is
    replaced: running it again would close again, or recurse."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.raise_signal(signal.SIGTERM)


# --- fork ---------------------------------------------------------------------------------------

_forked = False  # this process is a child forked from one that had imported the runtime
_exit_covered = False  # ... and something will close the senders when it ends
_fork_warned = False
_multiprocessing_hooked = False


class _Anchor:
    """What multiprocessing's after-fork registry holds on to (it keeps only weak references)."""


_ANCHOR = _Anchor()


def _before_fork() -> None:
    global _multiprocessing_hooked
    util = sys.modules.get("multiprocessing.util")
    if util is not None and not _multiprocessing_hooked:
        util.register_after_fork(_ANCHOR, _in_multiprocessing_child)
        _multiprocessing_hooked = True


def _after_fork_in_child() -> None:
    global _forked, _exit_covered, _fork_warned, _sigterm_seen, terminating, _main_stopped
    _forked, _exit_covered, _fork_warned = True, False, False
    _sigterm_seen, terminating, _main_stopped = False, None, False  # the parent's, not the child's
    for sender in list(_LIVE):
        sender._after_fork_in_child()


def _in_multiprocessing_child(anchor: object) -> None:
    global _exit_covered
    util = sys.modules["multiprocessing.util"]
    util.Finalize(None, close_all, args=("exit",), exitpriority=_FINALIZER_PRIORITY)
    _exit_covered = True


def warn_if_exit_is_unguarded() -> None:
    """Called when a sender starts its worker: in a child forked outside multiprocessing, say once
    that ending it through ``os._exit()`` loses what is queued."""
    global _fork_warned
    if _forked and not _exit_covered and not _fork_warned:
        _fork_warned = True
        warnings.warn(
            "a BackgroundSender is used in a child process made by os.fork(): if the child ends "
            "through os._exit(), as forked children usually do, events still queued are lost; "
            "call sender.close() (or flush()) before it ends",
            RuntimeWarning,
            stacklevel=4,
        )


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)
atexit.register(close_all)
