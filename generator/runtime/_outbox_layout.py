"""The outbox file's tables, and the upgrade of a file an earlier version wrote.

Layout 1 kept a row per event; layout 2 keeps the events committed together in one chunk row
(``_outbox_claim``). An upgrade turns runs of event rows into chunks, keeping their leases and
attempts, in one transaction: a process killed half-way leaves the file as it was. Processes of the
version before must be stopped first: once the file is upgraded, their enqueue() fails (an
:class:`OutboxError`, so nothing is lost silently). A layout-2 file written before the queue index
existed is given it when a sender opens it and can do so without waiting; processes of either
version may go on sharing it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

from ._outbox_claim import CHUNK_BYTES, CHUNK_EVENTS, chunk_columns

__all__ = [
    "SCHEMA_VERSION",
    "add_queue_index",
    "create",
    "lacks_queue_index",
    "refusal",
    "upgrade",
]

#: The layout this code reads and writes (SQLite's ``user_version``).
SCHEMA_VERSION = 2

# AUTOINCREMENT: an id is never given out twice, so a worker that settles a chunk late (its lease
# ran out and another worker finished the chunk) can never touch a newer chunk in its place.
_CHUNKS = """CREATE TABLE chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    events INTEGER NOT NULL,
    data BLOB NOT NULL,
    sizes TEXT NOT NULL,
    names TEXT NOT NULL,
    ext_ids TEXT NOT NULL,
    created_at REAL NOT NULL,
    available_at REAL NOT NULL DEFAULT 0,
    claimed_by TEXT,
    attempts INTEGER NOT NULL DEFAULT 0
)"""

# The queue in id order, with what deciding a claim or counting the outbox reads: those columns come
# after the chunk's data in its row, and reaching them there means following the data's overflow
# pages, so without this index every look at the queue read the whole file (measured: draining
# 300k events ran at half the rate of draining 30k).
_QUEUE_INDEX = (
    "CREATE INDEX IF NOT EXISTS chunks_queue"
    " ON chunks (id, available_at, events, created_at, claimed_by)"
)

# The totals follow every chunk added or removed, whichever statement does it. A chunk's bytes are
# its events' encodings, without the commas between them.
_TRIGGERS = [
    """CREATE TRIGGER chunk_added AFTER INSERT ON chunks BEGIN
    UPDATE totals SET rows = rows + new.events, bytes = bytes + length(new.data) - new.events + 1;
END""",
    """CREATE TRIGGER chunk_removed AFTER DELETE ON chunks BEGIN
    UPDATE totals SET rows = rows - old.events, bytes = bytes - length(old.data) + old.events - 1;
END""",
]

_SCHEMA = [
    _CHUNKS,
    _QUEUE_INDEX,
    """CREATE TABLE dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    ext_id TEXT NOT NULL,
    data BLOB NOT NULL,
    created_at REAL NOT NULL,
    failed_at REAL NOT NULL,
    status INTEGER,
    code INTEGER,
    message TEXT NOT NULL
)""",
    """CREATE TABLE totals (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    rows INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    resent INTEGER NOT NULL,
    taken_over INTEGER NOT NULL
)""",
    "INSERT INTO totals VALUES (0, 0, 0, 0, 0)",
    *_TRIGGERS,
]

#: The tables of layout 1, which :func:`upgrade` reads.
LAYOUT_1_TABLES = frozenset({"events", "dead_letters", "totals"})


def create(connection: sqlite3.Connection) -> None:
    """(In a write transaction.) Make the tables of an empty file."""
    for statement in _SCHEMA:
        connection.execute(statement)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def refusal(connection: sqlite3.Connection) -> str | None:
    """Why this code must not use the file, or ``None``: it is empty, of layout 1 (to upgrade) or
    of this layout. Only reads: a foreign database is refused before anything is written to it."""
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        return f"written by a newer version (layout {version}, this reads {SCHEMA_VERSION})"
    tables = {
        row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    } - {"sqlite_sequence"}
    ours = {0: not tables, 1: LAYOUT_1_TABLES <= tables, SCHEMA_VERSION: "chunks" in tables}
    if not ours.get(version, False):  # a foreign database may claim a layout
        return "is a SQLite database but not an outbox (it holds other tables)"
    return None


def lacks_queue_index(connection: sqlite3.Connection) -> bool:
    """Whether a file of this layout was written before the queue index existed."""
    found = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'chunks_queue'"
    ).fetchone()
    return found is None


def add_queue_index(connection: sqlite3.Connection) -> None:
    """(In a write transaction.) Index the queue of such a file; processes that do not know the
    index go on using the file (SQLite keeps the index for them)."""
    connection.execute(_QUEUE_INDEX)


def upgrade(connection: sqlite3.Connection) -> None:
    """(In a write transaction.) Bring a layout-1 file to this layout: runs of event rows with the
    same lease and attempts become chunks (within the chunk limits), under the id of their first
    row, read and written as a stream."""
    connection.execute(_CHUNKS)
    rows = connection.execute(
        "SELECT id, name, ext_id, data, created_at, available_at, claimed_by, attempts"
        " FROM events ORDER BY id"
    )
    connection.executemany(
        "INSERT INTO chunks (id, events, data, sizes, names, ext_ids, created_at, available_at,"
        " claimed_by, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        _chunks_of(rows),
    )
    connection.execute("DROP TABLE events")
    connection.execute(_QUEUE_INDEX)
    for statement in _TRIGGERS:  # after the copy: the totals count those events already
        connection.execute(statement)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _chunks_of(rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """Chunk rows of layout-1 event rows, in id order."""
    run: list[tuple[Any, ...]] = []
    size = 0
    for row in rows:
        data = row[3]
        if run and (
            row[5:] != run[0][5:]  # another lease or attempt count
            or len(run) == CHUNK_EVENTS
            or size + len(data) + 1 > CHUNK_BYTES
        ):
            yield _chunk(run)
            run, size = [], 0
        run.append(row)
        size += len(data) + 1
    if run:
        yield _chunk(run)


def _chunk(run: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    """A chunk row (under the first event row's id, created_at, lease and attempts) for a run."""
    first = run[0]
    columns = chunk_columns(
        b",".join(row[3] for row in run),
        [len(row[3]) for row in run],
        [row[1] for row in run],
        [row[2] for row in run],
    )
    return (first[0], *columns, first[4], *first[5:])
