"""Where the runtime's log lines go.

A library leaves logging to the application: the package's logger gets a :class:`logging.NullHandler`,
so nothing is printed unless the application configures logging, and each failure is reported once,
through the channel the caller chose (an exception from ``fire()``, a sender's ``on_error`` or
``on_drop``; a log line only when there is no such channel).

One kind of line must be seen even then: events lost with no callback to hear of them.
:func:`report_loss` writes those through the logger when the application handles its records, and
otherwise to stderr through :data:`logging.lastResort`, as Python does for any warning when logging
is not configured.
"""

from __future__ import annotations

import logging
from typing import Any

__all__ = ["PACKAGE_LOGGER", "report_loss"]

PACKAGE_LOGGER = logging.getLogger(__name__.rpartition(".")[0] or __name__)
PACKAGE_LOGGER.addHandler(logging.NullHandler())


def report_loss(logger: logging.Logger, level: int, message: str, *args: Any) -> None:
    """Log ``message % args``; if no handler but a NullHandler would receive it, print it to stderr
    as Python's last-resort handler does."""
    if not logger.isEnabledFor(level):
        return
    if _is_handled(logger):
        logger.log(level, message, *args)
        return
    last_resort = logging.lastResort
    if last_resort is not None and level >= last_resort.level:
        record = logger.makeRecord(logger.name, level, "(runtime)", 0, message, args, None)
        last_resort.handle(record)


def _is_handled(logger: logging.Logger) -> bool:
    current: logging.Logger | None = logger
    while current is not None:
        if any(not isinstance(handler, logging.NullHandler) for handler in current.handlers):
            return True
        if not current.propagate:
            return False
        current = current.parent
    return False
