"""The outbox file: events on disk in SQLite until Netmera has accepted them.

One file may be shared by several processes (gunicorn or Celery workers, a cron job draining it). A
process claims a batch by writing a lease (its token and an expiry time) on the rows, so no other
worker sends them while it does; a lease that expires, or whose owner on this host is no longer
running, is taken over. Delivered rows are deleted; rows Netmera refused move to the dead-letter
table with its code and message; rows that failed in a way that may pass wait with a backoff.

The file is in WAL mode: readers never block the writer, and a commit survives the process being
killed (with ``durability="full"`` it also survives a power cut). Row and byte totals are kept in a
one-row table updated in the same transactions, so bounding the outbox costs no scan.

Every SQLite failure becomes an :class:`OutboxError` naming the file (:class:`OutboxLockedError`
when another process holds it too long). Nothing here ever deletes or rewrites a file it cannot
read: a corrupt outbox is reported, not replaced.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from ._batching import BatchLimits
from ._errors import NetmeraError

__all__ = ["OutboxError", "OutboxLockedError"]

#: The layout this code reads and writes (SQLite's ``user_version``).
SCHEMA_VERSION = 1
#: Seconds a statement waits for another process's write lock before giving up.
DEFAULT_BUSY_TIMEOUT = 5.0
#: ``normal`` survives a killed process; ``full`` also a power cut, at a cost per commit.
DURABILITY_LEVELS = {"normal": "NORMAL", "full": "FULL"}
#: WAL pages after which a committing connection copies the log back into the database itself.
#: SQLite's default (1000) makes about one commit in 400 pay for a checkpoint and its fsync; a
#: sender's worker checkpoints on its own connection instead (:meth:`OutboxStore.checkpoint`), so
#: this is only the backstop for files nobody delivers from.
WAL_AUTOCHECKPOINT_PAGES = 20_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    ext_id TEXT NOT NULL,
    data BLOB NOT NULL,
    created_at REAL NOT NULL,
    available_at REAL NOT NULL DEFAULT 0,
    claimed_by TEXT,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    ext_id TEXT NOT NULL,
    data BLOB NOT NULL,
    created_at REAL NOT NULL,
    failed_at REAL NOT NULL,
    status INTEGER,
    code INTEGER,
    message TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS totals (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    rows INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    resent INTEGER NOT NULL,
    taken_over INTEGER NOT NULL
);
INSERT OR IGNORE INTO totals VALUES (0, 0, 0, 0, 0);
"""


class OutboxError(NetmeraError):
    """The outbox file cannot be used: not a SQLite database, damaged, written by a newer version,
    or not writable. Nothing committed to it was removed; ``path`` names it."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"outbox {path}: {problem}")
        self.path = path
        self.problem = problem


class OutboxLockedError(OutboxError):
    """Another process held the outbox's write lock for longer than ``busy_timeout``; the operation
    did not happen (an event being enqueued was not committed) and can be tried again."""


@dataclass(frozen=True, slots=True)
class OutboxTotals:
    """What the file holds, for every process sharing it."""

    rows: int
    bytes: int
    dead_letters: int
    resent: int
    taken_over: int


class ClaimedRow(NamedTuple):
    """A leased row (a tuple: a batch makes a thousand of them at a time)."""

    id: int
    ext_id: str
    data: bytes
    attempts: int


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An event Netmera refused, as the dead-letter table keeps it."""

    id: int
    name: str
    ext_id: str
    data: bytes
    failed_at: float
    status: int | None
    code: int | None
    message: str


NewRow = tuple[str, str, bytes, float]  # name, ext_id, data, created_at


def process_token(host: str | None = None) -> str:
    """A claim owner's name: host, pid and a random part (a forked child gets a new one)."""
    return f"{host or socket.gethostname()}/{os.getpid()}/{os.urandom(4).hex()}"


def _owner_is_gone(token: str, host: str) -> bool:
    """Whether a claim's owner ran on this host and has exited (its lease can be taken at once)."""
    owner_host, _, rest = token.partition("/")
    pid_text = rest.partition("/")[0]
    if owner_host != host or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, owned by another user
    return False


class OutboxStore:
    """One process's connection to an outbox file; safe to share between its threads."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        create: bool = True,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        durability: str = "normal",
    ) -> None:
        if durability not in DURABILITY_LEVELS:
            raise ValueError(
                f"durability must be one of {sorted(DURABILITY_LEVELS)}, not {durability!r}"
            )
        self.path = Path(path)
        self._create = create
        self._busy_timeout = busy_timeout
        self._durability = durability
        self._host = socket.gethostname()
        self._lock = threading.Lock()
        self._pid = -1
        self._connection: sqlite3.Connection | None = None
        self._checkpointer: sqlite3.Connection | None = None  # the worker's, for checkpoints
        with self._lock:
            self._connect()

    def __repr__(self) -> str:
        return f"OutboxStore({str(self.path)!r})"

    # --- connection -------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        """(Lock held.) This process's connection, opened on first use and again after a fork: a
        SQLite connection must not be used across ``fork()``."""
        if self._connection is not None and self._pid == os.getpid():
            return self._connection
        if not self._create and not self.path.is_file():
            raise OutboxError(self.path, "no such file")
        with self._translated():
            connection = sqlite3.connect(
                self.path, timeout=self._busy_timeout, isolation_level=None, check_same_thread=False
            )
            try:
                self._prepare(connection)
            except BaseException:
                connection.close()
                raise
        self._connection = connection
        self._pid = os.getpid()
        return connection

    def _prepare(self, connection: sqlite3.Connection) -> None:
        mode = connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise OutboxError(self.path, f"cannot switch to WAL mode (journal mode stays {mode})")
        connection.execute(f"PRAGMA synchronous={DURABILITY_LEVELS[self._durability]}")
        connection.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise OutboxError(
                self.path,
                f"written by a newer version (layout {version}, this reads {SCHEMA_VERSION})",
            )
        if version < SCHEMA_VERSION:
            tables = {
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            if tables - {"sqlite_sequence"}:
                raise OutboxError(
                    self.path, "is a SQLite database but not an outbox (it holds other tables)"
                )
            connection.execute("BEGIN IMMEDIATE")
            try:
                connection.executescript(f"{_SCHEMA}PRAGMA user_version = {SCHEMA_VERSION};")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
        # executescript() commits by itself; make sure nothing is left open either way.
        if connection.in_transaction:
            connection.execute("COMMIT")

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """Turn SQLite's exceptions into :class:`OutboxError` naming the file."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            text = str(exc)
            if "locked" in text or "busy" in text:
                raise OutboxLockedError(self.path, f"locked by another process ({text})") from exc
            raise OutboxError(self.path, text) from exc
        except sqlite3.DatabaseError as exc:
            raise OutboxError(self.path, f"not a usable outbox ({exc})") from exc

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (the lock is taken at its start, so it never fails half-way for
        contention), committed on success and rolled back on any error."""
        with self._lock, self._translated():
            connection = self._connect()
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def checkpoint(self) -> None:
        """Copy the write-ahead log back into the database without blocking writers (SQLite's
        passive checkpoint), on a connection of its own so that commits go on meanwhile. Called
        by the worker thread only."""
        with self._translated():
            if self._checkpointer is None:
                self._checkpointer = sqlite3.connect(
                    self.path,
                    timeout=self._busy_timeout,
                    isolation_level=None,
                    check_same_thread=False,
                )
            self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def close(self) -> None:
        with self._lock:
            connection, self._connection = self._connection, None
            checkpointer, self._checkpointer = self._checkpointer, None
            if self._pid == os.getpid():
                for each in (checkpointer, connection):
                    if each is not None:
                        each.close()

    def forget_after_fork(self) -> None:
        """In a forked child: drop the parent's connections and lock without touching them."""
        self._lock = threading.Lock()
        self._connection = None
        self._checkpointer = None

    # --- producers --------------------------------------------------------------------------------

    def insert(self, rows: Sequence[NewRow], max_rows: int, max_bytes: int) -> tuple[int, int]:
        """Commit as many of ``rows``, in order, as fit under the bounds; return how many, and the
        highest id the outbox has given out."""
        with self._transaction() as connection:
            count, size, highest = connection.execute(
                "SELECT rows, bytes, (SELECT max(id) FROM events) FROM totals"
            ).fetchone()
            accepted = 0
            added = 0
            for row in rows:
                if count + accepted + 1 > max_rows or size + added + len(row[2]) > max_bytes:
                    break
                accepted += 1
                added += len(row[2])
            if accepted:
                connection.executemany(
                    "INSERT INTO events (name, ext_id, data, created_at) VALUES (?, ?, ?, ?)",
                    rows[:accepted],
                )
                connection.execute(
                    "UPDATE totals SET rows = rows + ?, bytes = bytes + ?", (accepted, added)
                )
            # Under the write lock each new row gets the highest id present plus one.
            return accepted, (highest or 0) + accepted

    # --- workers ----------------------------------------------------------------------------------

    def claim(
        self, token: str, limits: BatchLimits, lease: float, *, min_events: int, max_age: float
    ) -> tuple[list[ClaimedRow], int, int, float | None]:
        """Lease the oldest available rows that fit in one request.

        Nothing is claimed when fewer than ``min_events`` are available and the oldest is younger
        than ``max_age`` seconds; the last value returned is then when to look again (``None``:
        nothing available at all). Also returns how many claimed rows may be re-sends (they were
        claimed before) and how many were taken over from an expired lease.
        """
        now = time.time()
        limit = limits.max_events or limits.max_ext_ids
        # Decide from ids and ages alone, without taking the write lock or reading event bodies:
        # most looks at the file end here while a batch fills.
        with self._lock, self._translated():
            ages = (
                self._connect()
                .execute(
                    "SELECT count(*), min(created_at) FROM"
                    " (SELECT created_at FROM events WHERE available_at <= ? ORDER BY id LIMIT ?)",
                    (now, limit),
                )
                .fetchone()
            )
        if not ages[0]:
            return [], 0, 0, None
        if ages[0] < min_events and now - ages[1] < max_age:
            return [], 0, 0, ages[1] + max_age
        with self._transaction() as connection:
            candidates = connection.execute(
                "SELECT id, ext_id, data, attempts, claimed_by FROM events"
                " WHERE available_at <= ? ORDER BY id LIMIT ?",
                (now, limit),
            ).fetchall()
            if not candidates:  # another process claimed them meanwhile
                return [], 0, 0, None
            chosen: list[ClaimedRow] = []
            ext_ids: set[str] = set()
            size = 1
            resent = taken_over = 0
            for row_id, ext_id, data, attempts, claimed_by in candidates:
                if chosen and (
                    size + len(data) + 1 > limits.max_bytes
                    or (ext_id not in ext_ids and len(ext_ids) >= limits.max_ext_ids)
                ):
                    break
                size += len(data) + 1
                ext_ids.add(ext_id)
                chosen.append(ClaimedRow(row_id, ext_id, data, attempts))
                resent += attempts > 0
                taken_over += claimed_by is not None
            # The chosen rows are every available row from the first id to the last (the write
            # lock is held since they were read): one statement leases them all.
            connection.execute(
                "UPDATE events SET claimed_by = ?, available_at = ?, attempts = attempts + 1"
                " WHERE id BETWEEN ? AND ? AND available_at <= ?",
                (token, now + lease, chosen[0].id, chosen[-1].id, now),
            )
            if resent or taken_over:
                connection.execute(
                    "UPDATE totals SET resent = resent + ?, taken_over = taken_over + ?",
                    (resent, taken_over),
                )
            return chosen, resent, taken_over, None

    def renew(self, token: str, lease: float) -> None:
        with self._transaction() as connection:
            connection.execute(
                "UPDATE events SET available_at = ? WHERE claimed_by = ?",
                (time.time() + lease, token),
            )

    def release_orphans(self) -> int:
        """Make rows claimed by processes of this host that have exited available at once; return
        how many."""
        with self._lock, self._translated():
            owners = [
                row[0]
                for row in self._connect().execute(
                    "SELECT DISTINCT claimed_by FROM events WHERE claimed_by IS NOT NULL AND available_at > ?",
                    (time.time(),),
                )
            ]
        gone = [owner for owner in owners if _owner_is_gone(owner, self._host)]
        if not gone:
            return 0
        with self._transaction() as connection:
            # The token stays: the next claim sees it and counts the take-over.
            cursor = connection.executemany(
                "UPDATE events SET available_at = 0 WHERE claimed_by = ? AND available_at > 0",
                [(o,) for o in gone],
            )
            return max(cursor.rowcount, 0)

    def delete(self, ids: Sequence[int]) -> None:
        """Remove delivered rows (whoever holds them now: they were delivered)."""
        with self._transaction() as connection:
            self._remove(connection, ids)

    def release(self, ids: Sequence[int], available_at: float) -> None:
        """Give rows back for a later attempt (after a retryable failure, or when shutting down)."""
        with self._transaction() as connection:
            connection.executemany(
                "UPDATE events SET claimed_by = NULL, available_at = ? WHERE id = ?",
                [(available_at, i) for i in ids],
            )

    def bury(self, refused: Sequence[tuple[int, int | None, int | None, str]]) -> None:
        """Move refused rows to the dead-letter table: (id, HTTP status, Netmera code, message)."""
        now = time.time()
        with self._transaction() as connection:
            connection.executemany(
                "INSERT INTO dead_letters (name, ext_id, data, created_at, failed_at, status, code, message)"
                " SELECT name, ext_id, data, created_at, ?, ?, ?, ? FROM events WHERE id = ?",
                [(now, status, code, message, row_id) for row_id, status, code, message in refused],
            )
            self._remove(connection, [row_id for row_id, *_ in refused])

    @staticmethod
    def _remove(connection: sqlite3.Connection, ids: Sequence[int]) -> None:
        removed = added = 0
        for start in range(0, len(ids), 500):  # SQLite caps the number of bound parameters
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            count, size = connection.execute(
                f"SELECT count(*), coalesce(sum(length(data)), 0) FROM events WHERE id IN ({marks})",
                chunk,
            ).fetchone()
            connection.execute(f"DELETE FROM events WHERE id IN ({marks})", chunk)
            removed += count
            added += size
        if removed:
            connection.execute(
                "UPDATE totals SET rows = rows - ?, bytes = bytes - ?", (removed, added)
            )

    # --- inspection and maintenance (the outbox command) ------------------------------------------

    def totals(self) -> OutboxTotals:
        with self._lock, self._translated():
            connection = self._connect()
            rows, size, resent, taken_over = connection.execute(
                "SELECT rows, bytes, resent, taken_over FROM totals"
            ).fetchone()
            dead = connection.execute("SELECT count(*) FROM dead_letters").fetchone()[0]
            return OutboxTotals(rows, size, dead, resent, taken_over)

    def last_id(self) -> int:
        """The highest id in the outbox now (0 when it is empty)."""
        with self._lock, self._translated():
            return int(self._connect().execute("SELECT max(id) FROM events").fetchone()[0] or 0)

    def pending_through(self, last_id: int, since: float) -> bool:
        """Whether any row with an id up to ``last_id`` created by ``since`` is still waiting to be
        delivered. (An emptied table gives out low ids again; the time tells those rows apart.)"""
        with self._lock, self._translated():
            found = (
                self._connect()
                .execute(
                    "SELECT 1 FROM events WHERE id <= ? AND created_at <= ? LIMIT 1",
                    (last_id, since),
                )
                .fetchone()
            )
            return found is not None

    def details(self) -> dict[str, float | int | None]:
        """Counts the outbox command prints beyond the totals."""
        now = time.time()
        with self._lock, self._translated():
            connection = self._connect()
            claimed, waiting, oldest = connection.execute(
                "SELECT coalesce(sum(claimed_by IS NOT NULL AND available_at > ?), 0),"
                " coalesce(sum(claimed_by IS NULL AND available_at > ?), 0), min(created_at) FROM events",
                (now, now),
            ).fetchone()
        return {
            "claimed": claimed,
            "waiting": waiting,
            "oldest_age": None if oldest is None else now - oldest,
        }

    def dead_letters(self, limit: int | None = None) -> list[DeadLetter]:
        with self._lock, self._translated():
            rows = self._connect().execute(
                "SELECT id, name, ext_id, data, failed_at, status, code, message FROM dead_letters"
                " ORDER BY id LIMIT ?",
                (-1 if limit is None else limit,),
            )
            return [DeadLetter(*row) for row in rows]

    def retry_dead(self, ids: Sequence[int] | None = None) -> int:
        """Move dead letters (all, or those with ``ids``) back into the outbox, as new events."""
        where, arguments = (
            ("", ()) if ids is None else (f" WHERE id IN ({','.join('?' * len(ids))})", tuple(ids))
        )
        with self._transaction() as connection:
            count, size = connection.execute(
                f"SELECT count(*), coalesce(sum(length(data)), 0) FROM dead_letters{where}",
                arguments,
            ).fetchone()
            connection.execute(
                "INSERT INTO events (name, ext_id, data, created_at)"
                f" SELECT name, ext_id, data, created_at FROM dead_letters{where} ORDER BY id",
                arguments,
            )
            connection.execute(f"DELETE FROM dead_letters{where}", arguments)
            connection.execute(
                "UPDATE totals SET rows = rows + ?, bytes = bytes + ?", (count, size)
            )
            return int(count)

    def purge(self, *, pending: bool = False) -> tuple[int, int]:
        """Delete every dead letter and, with ``pending``, every event not yet delivered; return how
        many of each."""
        with self._transaction() as connection:
            dead = connection.execute("DELETE FROM dead_letters").rowcount
            events = 0
            if pending:
                events = connection.execute("DELETE FROM events").rowcount
                connection.execute("UPDATE totals SET rows = 0, bytes = 0")
            return dead, events
