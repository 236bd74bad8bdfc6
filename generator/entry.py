"""The `netmera-codegen` command's entry point (the console script and `python -m netmera_codegen`).

The compiler is imported inside the guard that turns Ctrl-C into one line and exit 130: importing it takes most of
a second on a busy machine, and an interrupt then printed a traceback. SIGTERM (`kill`, `timeout`, a supervisor)
ends the command the same orderly way, with exit 143: worker processes are stopped and temporary files removed,
where the default disposition left the workers running. Nothing heavier than `signal` and `sys` is imported first.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

__all__ = ["EXIT_INTERRUPTED", "EXIT_TERMINATED", "Terminated", "ended", "run"]

EXIT_INTERRUPTED = 130
"""128 + SIGINT, as a shell reports a command that Ctrl-C ended."""
EXIT_TERMINATED = 143
"""128 + SIGTERM."""


class Terminated(BaseException):
    """SIGTERM, raised where the command is, so that it unwinds as it does for Ctrl-C."""


def run() -> int:
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _interrupted)
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _interrupted)
    try:
        from .cli import main

        status = main()
    except KeyboardInterrupt:  # before `main` could catch it: while importing the compiler
        return ended(EXIT_INTERRUPTED)
    except Terminated:
        return ended(EXIT_TERMINATED)
    # The work is done: an interrupt now would only disturb the interpreter's shutdown.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    return status


def _interrupted(signum: int, frame: FrameType | None) -> None:
    """The first Ctrl-C or SIGTERM unwinds the command, which stops its workers; a second one ends it at once. Raised
    while the first unwound, it broke the pool's shutdown: a traceback, and workers never told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    raise KeyboardInterrupt if signum == signal.SIGINT else Terminated


def ended(status: int) -> int:
    """Say in one line that the command was interrupted (`EXIT_INTERRUPTED`) or terminated, and return `status`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut this line short
    how = "interrupted" if status == EXIT_INTERRUPTED else "terminated"
    print(f"netmera-codegen: {how}", file=sys.stderr)
    return status
