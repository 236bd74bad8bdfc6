"""Inspect, deliver and drain an outbox file: ``python -m <package>.outbox COMMAND PATH``.

- ``stats PATH`` prints what waits (events, bytes, how many are claimed by a worker or wait for a
  retry, the oldest one's age), the re-send and take-over counters, and the dead letters: the
  events Netmera refused, with its code and message. Private attribute values are never shown.
- ``deliver PATH [--base-url URL] [--until-empty [--timeout S]] [--exit-timeout S]
  [--flush-interval S] [--poll-interval S]`` sends what the outbox holds, with the API key from
  ``NETMERA_API_KEY``, logging retries and refusals to stderr: until stopped, or with
  ``--until-empty`` until nothing is left. Stopped (SIGTERM or Ctrl-C), it goes on delivering what
  waits for up to ``--exit-timeout`` seconds; a second signal ends it at once. Processes that only
  enqueue (``OutboxSender(..., deliver=False)``) leave sending to it, so that their interpreter
  does not share its lock with a sending thread.
- ``retry-dead PATH [--id N ...]`` moves dead letters (all, or those numbered) back into the
  outbox, to be sent by the next worker (after the schema or the panel was fixed).
- ``purge PATH`` deletes the dead letters; ``--pending`` also deletes every event not yet
  delivered (they are lost: the command says how many).

Exit status: 0 done, 1 the outbox could not be used (missing, corrupt, locked; nothing is
changed), 2 usage error (no API key, an invalid URL or interval), 3 ``deliver --until-empty`` left
events in the outbox (Netmera unreachable, or the timeout ran out), 130 interrupted by Ctrl-C
before its end (a change under way is rolled back: the file is as it was).
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from ._background import DEFAULT_EXIT_TIMEOUT, DEFAULT_FLUSH_INTERVAL
from ._client import NetmeraClient
from ._constants import DEFAULT_BASE_URL
from ._outbox import OutboxSender
from ._outbox_store import DeadLetter, OutboxError, OutboxStore
from ._private import redact_text, redacted_attributes

__all__ = ["main"]

#: Dead letters listed by ``stats`` unless ``--limit`` says otherwise.
DEFAULT_LISTED = 20
#: Seconds ``deliver --until-empty`` waits for the outbox to empty.
DEFAULT_DELIVER_TIMEOUT = 60.0
#: Seconds between ``deliver``'s looks at the file for events other processes enqueued: it is there
#: for them, so it looks more often than a sender does by default.
DEFAULT_DELIVER_POLL = 0.1
#: Exit status of ``deliver --until-empty`` when events were left in the outbox.
EXIT_LEFT = 3
#: Exit status when Ctrl-C ended the command (128 + SIGINT, as a shell reports it).
EXIT_INTERRUPTED = 130
#: Seconds ``deliver`` waits at a time, so that a signal is seen at once on every platform.
_STEP = 0.5


def _describe_dead(letter: DeadLetter) -> str:
    where = f"HTTP {letter.status}" if letter.status is not None else "refused"
    if letter.code is not None:
        where += f", Netmera code {letter.code}"
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(letter.failed_at))
    attributes = json.dumps(redacted_attributes(letter.data), ensure_ascii=False)
    message = redact_text(letter.message, [letter.data])
    return (
        f"  #{letter.id} {letter.name} extId={letter.ext_id!r} at {when}: {where}: {message}\n"
        f"      {attributes}"
    )


def _stats(store: OutboxStore, limit: int) -> None:
    totals = store.totals()
    details = store.details()
    oldest = details["oldest_age"]
    print(f"outbox {store.path}")
    print(f"  waiting       {totals.rows} events, {totals.bytes} bytes")
    print(f"  claimed       {details['claimed']} (being sent by a worker)")
    print(f"  retrying      {details['waiting']} (waiting after a failed attempt)")
    print(f"  oldest        {'-' if oldest is None else f'{oldest:.1f} s ago'}")
    print(f"  re-sent       {totals.resent} (may be duplicates on Netmera's side)")
    print(f"  taken over    {totals.taken_over} (from a worker whose lease ran out)")
    print(f"  dead letters  {totals.dead_letters}")
    letters = store.dead_letters(limit)
    if letters:
        print("dead letters (private attribute values hidden):")
        for letter in letters:
            print(_describe_dead(letter))
        if totals.dead_letters > len(letters):
            print(f"  ... and {totals.dead_letters - len(letters)} more (--limit N shows more)")


def _deliver(options: argparse.Namespace) -> int:
    # A sender would create a missing file: a mistyped path must not look like an empty outbox.
    if not Path(options.path).is_file():
        raise OutboxError(Path(options.path), "no such file")
    if min(options.timeout, options.exit_timeout) < 0:
        print("error: --timeout and --exit-timeout cannot be negative", file=sys.stderr)
        return 2
    # Retries, refusals and take-overs are logged as warnings: a process of its own shows them.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    stop = threading.Event()

    def stopping(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():  # the second: end at once, as the signal does by default
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)
        stop.set()

    # Handlers of its own, before the sender exists: a signal ends the waits below, and the
    # delivery that follows it runs here, within --exit-timeout.
    signal.signal(signal.SIGTERM, stopping)
    signal.signal(signal.SIGINT, stopping)
    try:
        client = NetmeraClient(base_url=options.base_url)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        sender = OutboxSender(
            client,
            options.path,
            flush_interval=options.flush_interval,
            poll_interval=options.poll_interval,
            handle_sigterm=False,
        )
    except ValueError as error:
        client.close()
        print(f"error: {error}", file=sys.stderr)
        return 2
    except BaseException:
        client.close()
        raise
    print(f"delivering from {options.path} to {options.base_url}", file=sys.stderr, flush=True)
    try:
        emptied = False
        if options.until_empty:
            deadline = time.monotonic() + options.timeout
            while not (emptied or stop.is_set()) and (left := deadline - time.monotonic()) > 0:
                emptied = sender.flush(min(left, _STEP))
        else:
            while not stop.wait(_STEP):
                pass
        if stop.is_set() and not emptied:  # stopped: what waits goes out, within the bound
            sender.flush(options.exit_timeout)
    finally:
        # At once: a request still in flight is given back to the outbox (it may have arrived,
        # and is then sent again and counted as re-sent).
        sender.close(0.0)
        client.close()
    stats = sender.stats
    print(
        f"sent {stats.sent} events, {stats.retried} re-sent, {stats.failed} refused"
        f" (dead letters: {stats.dead_letters}), {stats.queued} left in the outbox"
    )
    return EXIT_LEFT if options.until_empty and stats.queued else 0


def main(argv: Sequence[str] | None = None) -> int:
    module = __spec__.name if __spec__ is not None else "outbox"
    parser = argparse.ArgumentParser(
        prog=f"python -m {module}", description="Inspect and drain a Netmera outbox file."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    stats = commands.add_parser("stats", help="what the outbox holds, and its dead letters")
    stats.add_argument("path")
    stats.add_argument(
        "--limit", type=int, default=DEFAULT_LISTED, help="dead letters to list (default 20)"
    )
    deliver = commands.add_parser("deliver", help="send what the outbox holds")
    deliver.add_argument("path")
    deliver.add_argument(
        "--base-url",
        default=DEFAULT_BASE_URL,
        help=f"Netmera's REST URL (default {DEFAULT_BASE_URL})",
    )
    deliver.add_argument(
        "--until-empty", action="store_true", help="stop once the outbox is empty (else: a signal)"
    )
    deliver.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_DELIVER_TIMEOUT,
        help=f"with --until-empty: seconds to wait at most (default {DEFAULT_DELIVER_TIMEOUT:g})",
    )
    deliver.add_argument(
        "--exit-timeout",
        type=float,
        default=DEFAULT_EXIT_TIMEOUT,
        help=f"seconds to go on delivering once stopped (default {DEFAULT_EXIT_TIMEOUT:g})",
    )
    deliver.add_argument(
        "--flush-interval",
        type=float,
        default=DEFAULT_FLUSH_INTERVAL,
        help="seconds the oldest event waits for a full batch before it is sent anyway"
        f" (default {DEFAULT_FLUSH_INTERVAL:g})",
    )
    deliver.add_argument(
        "--poll-interval",
        type=float,
        default=DEFAULT_DELIVER_POLL,
        help=f"seconds between looks for new events (default {DEFAULT_DELIVER_POLL:g})",
    )
    retry = commands.add_parser("retry-dead", help="send dead letters again")
    retry.add_argument("path")
    retry.add_argument(
        "--id", type=int, action="append", dest="ids", help="only this dead letter (repeatable)"
    )
    purge = commands.add_parser("purge", help="delete the dead letters")
    purge.add_argument("path")
    purge.add_argument(
        "--pending", action="store_true", help="also delete every event not yet delivered"
    )
    options = parser.parse_args(argv)
    try:
        if options.command == "deliver":
            return _deliver(options)
        store = OutboxStore(options.path, create=False)
        try:
            if options.command == "stats":
                _stats(store, options.limit)
            elif options.command == "retry-dead":
                moved = store.retry_dead(options.ids)
                print(f"{moved} dead letters moved back into the outbox {options.path}")
            else:
                dead, pending = store.purge(pending=options.pending)
                print(
                    f"deleted {dead} dead letters"
                    + (f" and {pending} pending events" if options.pending else "")
                )
        finally:
            store.close()
    except OutboxError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # one line, not a traceback
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


if __name__ == "__main__":
    sys.exit(main())
