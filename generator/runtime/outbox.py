"""Inspect and drain an outbox file: ``python -m <package>.outbox stats|retry-dead|purge PATH``.

- ``stats PATH`` prints what waits (events, bytes, how many are claimed by a worker or wait for a
  retry, the oldest one's age), the re-send and take-over counters, and the dead letters: the
  events Netmera refused, with its code and message. Private attribute values are never shown.
- ``retry-dead PATH [--id N ...]`` moves dead letters (all, or those numbered) back into the
  outbox, to be sent by the next worker (after the schema or the panel was fixed).
- ``purge PATH`` deletes the dead letters; ``--pending`` also deletes every event not yet
  delivered (they are lost: the command says how many).

Exit status: 0 done, 1 the outbox could not be used (missing, corrupt, locked; nothing is
changed), 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence

from ._outbox_store import DeadLetter, OutboxError, OutboxStore
from ._private import redact_text, redacted_attributes

__all__ = ["main"]

#: Dead letters listed by ``stats`` unless ``--limit`` says otherwise.
DEFAULT_LISTED = 20


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
    return 0


if __name__ == "__main__":
    sys.exit(main())
