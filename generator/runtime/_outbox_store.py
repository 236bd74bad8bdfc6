"""The outbox file: events on disk in SQLite until Netmera has accepted them.

Events committed together are kept together, in chunk rows (``_outbox_claim`` says why). One file
may be shared by several processes (gunicorn or Celery workers, a cron job draining it). A process
claims a batch by writing a lease (its token and an expiry time) on the chunks, so no other worker
sends them while it does; a lease that expires, or whose owner on this host is no longer running,
is taken over. Delivered events are deleted; events Netmera refused move to the dead-letter table
with its code and message; events that failed in a way that may pass wait with a backoff.

The file is in WAL mode: readers never block the writer, and a commit survives the process being
killed (with ``durability="full"`` it also survives a power cut). Event and byte totals are kept in
a one-row table that triggers update with every chunk added or removed, so bounding the outbox
costs no scan.

Every SQLite failure becomes an :class:`OutboxError` naming the file (:class:`OutboxLockedError`
when another process holds it too long). Nothing here ever deletes or rewrites a file it cannot
read: a corrupt outbox is reported, not replaced.
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import threading
import time
import weakref
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import accumulate, islice
from pathlib import Path

import orjson

from . import _outbox_layout as layout
from ._batching import BatchLimits
from ._encoding import EncodedEvent, encoded_sizes
from ._errors import NetmeraError
from ._outbox_claim import Chunk, Claim, chunk_columns, cut_into_chunks
from ._outbox_layout import SCHEMA_VERSION

__all__ = ["OutboxError", "OutboxLockedError"]

_log = logging.getLogger(__name__)

#: Seconds a statement waits for another process's write lock before giving up.
DEFAULT_BUSY_TIMEOUT = 5.0
#: ``normal`` survives a killed process; ``full`` also a power cut, at a cost per commit.
DURABILITY_LEVELS = {"normal": "NORMAL", "full": "FULL"}
#: WAL pages after which a committing connection copies the log back into the database itself.
#: SQLite's default (1000) makes about one commit in 400 pay for a checkpoint and its fsync; a
#: sender's worker checkpoints on its own connection instead (:meth:`OutboxStore.checkpoint`), so
#: this is only the backstop for files nobody delivers from.
WAL_AUTOCHECKPOINT_PAGES = 20_000
#: Pages of log that commits on the connection that never waits (an event loop's) may add before
#: one commit is left to a thread: that connection never checkpoints (a checkpoint copies the log
#: and waits for the disk: measured 270 ms at 80 MB), and without a worker nothing else would.
HASTY_LOG_PAGES = 4_000
#: Pages a commit adds to the log besides its events' bytes (b-tree, totals, index, sequence).
_PAGES_PER_COMMIT = 4
_PAGE_SIZE = 4096
#: Seconds ``os.fork()`` waits, for all outboxes together, for this process's threads to leave
#: SQLite: a child forked while one is inside it can hang for ever, as SQLite's own mutexes are
#: copied into it held.
FORK_WAIT = 2.0
#: Ids bound in one statement at most (SQLite's limit before 3.32 was 999).
_MAX_PARAMETERS = 900


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


#: A refused event for the dead letters: name, extId, encoding, created_at, HTTP status, Netmera
#: code, message.
DeadRow = tuple[str, str, bytes, float, int | None, int | None, str]


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
    """One process's connections to an outbox file; safe to share between its threads."""

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
        # For commits that must not wait (made on an event loop): it gives up at once where
        # ``_connection`` would wait for another process's write lock.
        self._hasty: sqlite3.Connection | None = None
        self._hasty_pages = 0  # log pages its commits added since one on ``_connection``
        self._closed = False
        self._checkpoint_lock = threading.Lock()  # the checkpointer is used outside ``_lock``
        _LIVE_STORES.add(self)
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
            connection = self._open(self._busy_timeout)
            try:
                self._prepare(connection)
            except BaseException:
                connection.close()
                raise
        self._connection, self._hasty = connection, None
        self._pid = os.getpid()
        return connection

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """(Lock held.) This process's connection, or, once closed, a read-only one of its own."""
        if not self._closed:
            yield self._connect()
            return
        uri = f"{self.path.absolute().as_uri()}?mode=ro"
        connection = sqlite3.connect(uri, uri=True, timeout=self._busy_timeout)
        try:
            yield connection
        finally:
            connection.close()

    def _connect_hasty(self) -> sqlite3.Connection:
        """(Lock held.) This process's connection that never waits for a lock, opened on first
        use (after :meth:`_connect`, which lays the file out)."""
        self._connect()
        if self._hasty is None:
            with self._translated():
                self._hasty = self._open(0.0, autocheckpoint=0)
        return self._hasty

    def _open(
        self, busy_timeout: float, autocheckpoint: int = WAL_AUTOCHECKPOINT_PAGES
    ) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
        )
        try:
            connection.execute(f"PRAGMA synchronous={DURABILITY_LEVELS[self._durability]}")
            connection.execute(f"PRAGMA wal_autocheckpoint={autocheckpoint}")
        except BaseException:
            connection.close()
            raise
        return connection

    def _prepare(self, connection: sqlite3.Connection) -> None:
        self._refuse_foreign(connection)  # first: switching to WAL would change a foreign file
        mode = connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise OutboxError(self.path, f"cannot switch to WAL mode (journal mode stays {mode})")
        if connection.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
            with _begun(connection):
                self._lay_out(connection)
        elif self._create and layout.lacks_queue_index(connection):
            self._index_queue(connection)

    def _refuse_foreign(self, connection: sqlite3.Connection) -> None:
        reason = layout.refusal(connection)
        if reason is not None:
            raise OutboxError(self.path, reason)

    def _index_queue(self, connection: sqlite3.Connection) -> None:
        """Add the queue index to a file written before it existed, if that needs no waiting:
        claims are right without it, only slower, and the next sender to open the file tries
        again. (The stats, retry-dead and purge commands only read or fix a file: never.)"""
        connection.execute("PRAGMA busy_timeout = 0")
        try:
            with _begun(connection):
                layout.add_queue_index(connection)
        except (
            sqlite3.OperationalError
        ) as exc:  # another process holds the file, or it is read-only
            _log.info("could not index the queue of the outbox %s yet (%s)", self.path, exc)
        finally:
            connection.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")

    def _lay_out(self, connection: sqlite3.Connection) -> None:
        """(Write lock held.) Create the tables, or upgrade them from layout 1; another process may
        have done either since the version was first read."""
        self._refuse_foreign(connection)
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version == 1:
            layout.upgrade(connection)
        elif version == 0:
            layout.create(connection)

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
        """A write transaction on this process's connection (see :func:`_begun`), with errors
        translated."""
        with self._lock, self._translated(), _begun(self._connect()) as connection:
            self._hasty_pages = 0  # this commit may checkpoint what the hasty one wrote
            yield connection

    def checkpoint(self) -> None:
        """Copy the write-ahead log back into the database without blocking writers (SQLite's
        passive checkpoint), on a connection of its own so that commits go on meanwhile. Called
        by the worker thread only."""
        with self._checkpoint_lock, self._translated():
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
            self._closed = True
            connections = (self._checkpointer, self._hasty, self._connection)
            self._connection = self._hasty = self._checkpointer = None
            if self._pid == os.getpid():
                for each in connections:
                    if each is not None:
                        each.close()

    def forget_after_fork(self) -> None:
        """In a forked child: drop the parent's connections and locks without touching them."""
        self._lock = threading.Lock()
        self._checkpoint_lock = threading.Lock()
        self._connection = self._hasty = self._checkpointer = None

    # --- producers --------------------------------------------------------------------------------

    def insert(
        self, events: Sequence[EncodedEvent], max_rows: int, max_bytes: int
    ) -> tuple[int, int]:
        """Commit as many of ``events``, in order, as fit under the bounds; return how many, and
        the highest chunk id the outbox has given out."""
        with self._lock, self._translated():
            self._hasty_pages = 0  # this commit may checkpoint what the hasty one wrote
            return self._insert(self._connect(), events, max_rows, max_bytes)

    def insert_now(
        self, events: Sequence[EncodedEvent], max_rows: int, max_bytes: int
    ) -> tuple[int, int] | None:
        """:meth:`insert` if it needs no waiting; ``None``, with nothing committed, when another
        thread of this process is using the file, another process holds its write lock,
        ``durability="full"`` makes every commit wait for the disk, the log is due for a
        checkpoint (``HASTY_LOG_PAGES``), or the store is closed."""
        if self._durability == "full" or not self._lock.acquire(blocking=False):
            return None
        try:
            if self._closed or self._hasty_pages >= HASTY_LOG_PAGES:
                return None
            with self._translated():
                written = self._insert(self._connect_hasty(), events, max_rows, max_bytes)
            data = sum(encoded_sizes(islice(events, written[0])))
            self._hasty_pages += data // _PAGE_SIZE + _PAGES_PER_COMMIT
            return written
        except OutboxLockedError:
            return None
        finally:
            self._lock.release()

    def _insert(
        self,
        connection: sqlite3.Connection,
        events: Sequence[EncodedEvent],
        max_rows: int,
        max_bytes: int,
    ) -> tuple[int, int]:
        """(Lock held, errors translated.)"""
        created_at = time.time()
        sizes = list(encoded_sizes(events))
        cuts = cut_into_chunks(sizes)
        if len(cuts) == 1:
            # The usual group: one chunk, in one statement that checks the bounds itself (a call
            # into SQLite is most of what a small commit costs).
            row = _chunk_row(events, sizes, created_at)
            cursor = connection.execute(
                "INSERT INTO chunks (events, data, sizes, names, ext_ids, created_at)"
                " SELECT ?, ?, ?, ?, ?, ? FROM totals WHERE rows + ? <= ? AND bytes + ? <= ?",
                (*row, len(events), max_rows, sum(sizes), max_bytes),
            )
            if cursor.rowcount == 1 and cursor.lastrowid is not None:
                return len(events), cursor.lastrowid
        with _begun(connection):
            count, size = connection.execute("SELECT rows, bytes FROM totals").fetchone()
            ends = list(accumulate(sizes))  # the bytes of the first k events are ends[k - 1]
            accepted = min(max(0, max_rows - count), bisect_right(ends, max_bytes - size))
            if not accepted:
                return 0, self._highest_id(connection)
            cuts = cut_into_chunks(sizes[:accepted])
            connection.executemany(
                "INSERT INTO chunks (events, data, sizes, names, ext_ids, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    _chunk_row(events[start:stop], sizes[start:stop], created_at)
                    for start, stop in cuts
                ],
            )
            return accepted, self._highest_id(connection)

    @staticmethod
    def _highest_id(connection: sqlite3.Connection) -> int:
        """The highest chunk id ever given out (ids are never given out twice)."""
        found = connection.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = 'chunks'"
        ).fetchone()
        return int(found[0]) if found is not None else 0

    # --- workers ----------------------------------------------------------------------------------

    def claim(
        self, token: str, limits: BatchLimits, lease: float, *, min_events: int, max_age: float
    ) -> tuple[Claim | None, float | None]:
        """Lease the oldest available chunks, as many as fit in one request by count and bytes (at
        least one; :meth:`Claim.batches` cuts a claim into requests within every limit).

        Nothing is claimed when fewer than ``min_events`` events are available and the oldest is
        younger than ``max_age`` seconds; the second value returned is then when to look again
        (``None``: nothing available at all).
        """
        now = time.time()
        limit = limits.max_events or limits.max_ext_ids
        # Decide from counts and ages alone, without taking the write lock or reading event
        # bodies: most looks at the file end here while a batch fills.
        with self._lock, self._translated():
            available, oldest = (
                self._connect()
                .execute(
                    "SELECT sum(events), min(created_at) FROM (SELECT events, created_at"
                    " FROM chunks WHERE available_at <= ? ORDER BY id LIMIT ?)",
                    (now, limit),
                )
                .fetchone()
            )
        if not available:
            return None, None
        if available < min_events and now - oldest < max_age:
            return None, oldest + max_age
        with self._transaction() as connection:
            chunks: list[Chunk] = []
            events = resent = taken_over = 0
            size = 1
            for (
                chunk_id,
                count,
                data,
                sizes,
                names,
                ext_ids,
                created_at,
                attempts,
                holder,
            ) in connection.execute(
                # The ids from the queue index, the rows by id: a row of a chunk not available
                # is never read.
                "SELECT id, events, data, sizes, names, ext_ids, created_at, attempts, claimed_by"
                " FROM chunks WHERE id IN (SELECT id FROM chunks WHERE available_at <= ?"
                " ORDER BY id LIMIT ?) ORDER BY id",
                (now, limit),
            ):
                if chunks and (events + count > limit or size + len(data) + 1 > limits.max_bytes):
                    break
                events += count
                size += len(data) + 1
                try:
                    chunk = Chunk(
                        chunk_id,
                        data,
                        orjson.loads(sizes),
                        orjson.loads(names),
                        orjson.loads(ext_ids),
                        created_at,
                        attempts,
                    )
                except orjson.JSONDecodeError as exc:
                    raise OutboxError(self.path, f"chunk {chunk_id} is damaged ({exc})") from exc
                chunks.append(chunk)
                resent += count if attempts > 0 else 0
                taken_over += count if holder is not None else 0
            if not chunks:  # another process claimed them meanwhile
                return None, None
            # The chosen chunks are every available chunk from the first id to the last (the
            # write lock is held since they were read): one statement leases them all.
            connection.execute(
                "UPDATE chunks SET claimed_by = ?, available_at = ?, attempts = attempts + 1"
                " WHERE id BETWEEN ? AND ? AND available_at <= ?",
                (token, now + lease, chunks[0].id, chunks[-1].id, now),
            )
            if resent or taken_over:
                connection.execute(
                    "UPDATE totals SET resent = resent + ?, taken_over = taken_over + ?",
                    (resent, taken_over),
                )
            return Claim(chunks, resent, taken_over), None

    def renew(self, token: str, lease: float, claim: Claim) -> None:
        """Extend the lease of the chunks of ``claim`` (only those: chunks of an earlier claim whose
        outcome could not be recorded must run out, to be sent again)."""
        with self._transaction() as connection:
            connection.execute(
                "UPDATE chunks SET available_at = ? WHERE claimed_by = ? AND id BETWEEN ? AND ?",
                (time.time() + lease, token, claim.chunks[0].id, claim.chunks[-1].id),
            )

    def release_orphans(self) -> int:
        """Make chunks claimed by processes of this host that have exited available at once;
        return how many."""
        with self._lock, self._translated():
            owners = [
                row[0]
                for row in self._connect().execute(
                    "SELECT DISTINCT claimed_by FROM chunks"
                    " WHERE claimed_by IS NOT NULL AND available_at > ?",
                    (time.time(),),
                )
            ]
        gone = [owner for owner in owners if _owner_is_gone(owner, self._host)]
        if not gone:
            return 0
        with self._transaction() as connection:
            # The token stays: the next claim sees it and counts the take-over.
            cursor = connection.executemany(
                "UPDATE chunks SET available_at = 0 WHERE id IN (SELECT id FROM chunks"
                " WHERE claimed_by = ? AND available_at > 0)",
                [(o,) for o in gone],
            )
            return max(cursor.rowcount, 0)

    def settle(
        self,
        done: Sequence[int],
        kept: Sequence[Chunk],
        available_at: float,
        refused: Sequence[DeadRow],
    ) -> None:
        """Record a sent claim in one transaction: delete the chunks ``done`` (every event in them
        was delivered or refused; whoever holds them now), write back the ``kept`` chunks (holding
        the events still to send) free for a claim at ``available_at``, and add the ``refused``
        events to the dead letters."""
        now = time.time()
        with self._transaction() as connection:
            for start in range(0, len(done), _MAX_PARAMETERS):
                part = done[start : start + _MAX_PARAMETERS]
                connection.execute(
                    f"DELETE FROM chunks WHERE id IN ({','.join('?' * len(part))})", part
                )
            # A kept chunk goes back only if it is still there: one that another worker finished
            # (after this one's lease ran out) or that was purged stays gone.
            still_there = [
                chunk
                for chunk in kept
                if connection.execute("DELETE FROM chunks WHERE id = ?", (chunk.id,)).rowcount
            ]
            if still_there:
                connection.executemany(
                    "INSERT INTO chunks (id, events, data, sizes, names, ext_ids, created_at,"
                    " attempts, available_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [_kept_row(chunk, available_at) for chunk in still_there],
                )
            if refused:
                connection.executemany(
                    "INSERT INTO dead_letters (name, ext_id, data, created_at, failed_at, status,"
                    " code, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(*row[:4], now, *row[4:]) for row in refused],
                )

    # --- inspection and maintenance (the outbox command) ------------------------------------------

    def totals(self) -> OutboxTotals:
        """The file's totals; once closed (a sender's ``stats`` after ``close()``), read on a
        connection opened for this reading only, which neither creates nor keeps the file open."""
        with self._lock, self._translated(), self._reading() as connection:
            rows, size, resent, taken_over = connection.execute(
                "SELECT rows, bytes, resent, taken_over FROM totals"
            ).fetchone()
            dead = connection.execute("SELECT count(*) FROM dead_letters").fetchone()[0]
            return OutboxTotals(rows, size, dead, resent, taken_over)

    def last_id(self) -> int:
        """The highest chunk id in the outbox now (0 when it is empty)."""
        with self._lock, self._translated():
            return int(self._connect().execute("SELECT max(id) FROM chunks").fetchone()[0] or 0)

    def pending_through(self, last_id: int) -> bool:
        """Whether any chunk with an id up to ``last_id`` still holds events to deliver."""
        with self._lock, self._translated():
            found = (
                self._connect()
                .execute("SELECT 1 FROM chunks WHERE id <= ? LIMIT 1", (last_id,))
                .fetchone()
            )
            return found is not None

    def details(self) -> dict[str, float | int | None]:
        """Counts the outbox command prints beyond the totals."""
        now = time.time()
        with self._lock, self._translated():
            connection = self._connect()
            claimed, waiting, oldest = connection.execute(
                "SELECT coalesce(sum(events * (claimed_by IS NOT NULL AND available_at > ?)), 0),"
                " coalesce(sum(events * (claimed_by IS NULL AND available_at > ?)), 0),"
                " min(created_at) FROM chunks",
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
            letters = connection.execute(
                f"SELECT name, ext_id, data, created_at FROM dead_letters{where} ORDER BY id",
                arguments,
            ).fetchall()
            connection.executemany(
                "INSERT INTO chunks (events, data, sizes, names, ext_ids, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    _chunk_row([EncodedEvent(0, name, ext_id, data)], [len(data)], created_at)
                    for name, ext_id, data, created_at in letters
                ],
            )
            connection.execute(f"DELETE FROM dead_letters{where}", arguments)
            return len(letters)

    def purge(self, *, pending: bool = False) -> tuple[int, int]:
        """Delete every dead letter and, with ``pending``, every event not yet delivered; return how
        many of each."""
        with self._transaction() as connection:
            dead = connection.execute("DELETE FROM dead_letters").rowcount
            events = 0
            if pending:
                events = connection.execute(
                    "SELECT coalesce(sum(events), 0) FROM chunks"
                ).fetchone()[0]
                connection.execute("DELETE FROM chunks")
            return dead, events


_LIVE_STORES: weakref.WeakSet[OutboxStore] = weakref.WeakSet()
_forking = threading.Lock()  # one fork at a time holds the stores' locks
_held_for_fork: list[threading.Lock] = []


def _before_fork() -> None:
    """Wait, up to ``FORK_WAIT`` in all, until no thread is inside SQLite: hold every store's locks."""
    _forking.acquire()
    deadline = time.monotonic() + FORK_WAIT
    for store in list(_LIVE_STORES):
        for lock in (store._lock, store._checkpoint_lock):
            if lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
                _held_for_fork.append(lock)


def _after_fork_in_parent() -> None:
    for lock in _held_for_fork:
        lock.release()
    _held_for_fork.clear()
    _forking.release()


def _after_fork_in_child() -> None:
    global _forking
    held = list(_held_for_fork)
    _held_for_fork.clear()
    _forking = threading.Lock()
    for store in list(_LIVE_STORES):
        # Whichever of this and a sender's own reset of its store runs first: a store whose
        # locks are still the held ones is reset here; one its sender has reset already (and
        # whose new threads may use the new locks) is left alone.
        if any(lock is store._lock or lock is store._checkpoint_lock for lock in held):
            store.forget_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(
        before=_before_fork,
        after_in_parent=_after_fork_in_parent,
        after_in_child=_after_fork_in_child,
    )


@contextmanager
def _begun(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction on ``connection`` (its write lock taken at the start, so it never
    fails half-way for contention), committed on success and rolled back on any error."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _chunk_row(
    events: Sequence[EncodedEvent], sizes: Sequence[int], created_at: float
) -> tuple[int, bytes, str, str, str, float]:
    """A new chunk's columns (events, data, sizes, names, extIds, created_at)."""
    data = b",".join([event[3] for event in events])
    names = [event[1] for event in events]
    ext_ids = [event[2] for event in events]
    return (*chunk_columns(data, sizes, names, ext_ids), created_at)


def _kept_row(
    chunk: Chunk, available_at: float
) -> tuple[int, int, bytes, str, str, str, float, int, float]:
    """A claimed chunk's columns as written back, free for a claim at ``available_at``."""
    columns = chunk_columns(chunk.data, chunk.sizes, chunk.names, chunk.ext_ids)
    return (chunk.id, *columns, chunk.created_at, chunk.attempts + 1, available_at)
