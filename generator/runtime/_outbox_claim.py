"""The outbox's unit of storage, the chunk, and a claim: the chunks one worker leased, and the requests
their events go out in.

The outbox keeps the events committed together in chunk rows: their encodings joined by commas, and
their sizes, names and extIds as JSON arrays. Storing, leasing and deleting then cost SQLite a row a
chunk, not a row an event. A row costs SQLite about as much as enqueueing an event costs Python, and
each call into SQLite gives up the GIL and must get it back, which beside a busy thread can take the
interpreter's switch interval (5 ms) while the outbox is held.

An event's position, its number in reports and callbacks, is its chunk's id times
:data:`POSITION_STRIDE` plus its place in the chunk.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate, chain

import orjson

from ._batching import Batch, BatchBuilder, BatchLimits
from ._constants import DEFAULT_MAX_REQUEST_BYTES, MAX_EXT_IDS_PER_REQUEST

__all__ = [
    "CHUNK_BYTES",
    "CHUNK_EVENTS",
    "POSITION_STRIDE",
    "Chunk",
    "Claim",
    "chunk_columns",
    "cut_into_chunks",
]

#: A chunk holds at most this many events ... (A claim takes whole chunks, so a quarter of a default
#: request lets four fill one.)
CHUNK_EVENTS = MAX_EXT_IDS_PER_REQUEST // 4
#: ... and this many bytes of encodings (or one event, when it alone is larger).
CHUNK_BYTES = DEFAULT_MAX_REQUEST_BYTES // 4
#: Positions of one chunk's events are its id times this plus 0, 1, 2 ...
POSITION_STRIDE = 1 << 16


class Chunk:
    """One leased chunk row: the events' encodings joined by commas, and per event its size, name
    and extId; ``attempts`` counts the claims of it before this one."""

    __slots__ = ("_starts", "attempts", "created_at", "data", "ext_ids", "id", "names", "sizes")

    def __init__(
        self,
        chunk_id: int,
        data: bytes,
        sizes: list[int],
        names: list[str],
        ext_ids: list[str],
        created_at: float,
        attempts: int,
    ) -> None:
        self.id = chunk_id
        self.data = data
        self.sizes = sizes
        self.names = names
        self.ext_ids = ext_ids
        self.created_at = created_at
        self.attempts = attempts
        self._starts: list[int] | None = None

    def __len__(self) -> int:
        return len(self.sizes)

    @property
    def first(self) -> int:
        """The position of the chunk's first event."""
        return self.id * POSITION_STRIDE

    def encoding(self, index: int) -> bytes:
        """The encoding of the chunk's ``index``-th event."""
        if self._starts is None:
            self._starts = list(accumulate((size + 1 for size in self.sizes), initial=0))
        start = self._starts[index]
        return self.data[start : start + self.sizes[index]]


class Claim:
    """The chunks one claim leased, oldest first, and how many of their events may be re-sends
    (``resent``: claimed before) or were taken over from an expired lease (``taken_over``)."""

    __slots__ = ("_by_id", "chunks", "resent", "taken_over")

    def __init__(self, chunks: list[Chunk], resent: int, taken_over: int) -> None:
        self.chunks = chunks
        self.resent = resent
        self.taken_over = taken_over
        self._by_id = {chunk.id: chunk for chunk in chunks}

    def __len__(self) -> int:
        return sum(map(len, self.chunks))

    def __repr__(self) -> str:
        return f"Claim(chunks={len(self.chunks)}, events={len(self)})"

    def chunk_of(self, position: int) -> tuple[Chunk, int]:
        """The chunk holding the event at ``position``, and the event's place in it."""
        chunk_id, index = divmod(position, POSITION_STRIDE)
        return self._by_id[chunk_id], index

    def batches(self, limits: BatchLimits) -> list[Batch]:
        """The claim's events as requests within ``limits``: one, unless the claim's chunks hold more
        distinct extIds than a request may (``batch_size`` above Netmera's limit), or a chunk was
        written by a process whose chunks are larger than this one's requests."""
        chunks = self.chunks
        positions = list(chain.from_iterable(range(c.first, c.first + len(c)) for c in chunks))
        size = 1 + sum(len(chunk.data) + 1 for chunk in chunks)
        if (
            (limits.max_events is None or len(positions) <= limits.max_events)
            and size <= limits.max_bytes
            and (
                len(positions) <= limits.max_ext_ids  # then there are not too many distinct ones
                or len(set(chain.from_iterable(c.ext_ids for c in chunks))) <= limits.max_ext_ids
            )
        ):
            body = b"[" + b",".join(chunk.data for chunk in chunks) + b"]"
            return [Batch.of_body(body, positions, self._label, self._encoding)]
        builder = BatchBuilder(limits)
        batches: list[Batch] = []
        for position in positions:
            chunk, index = self.chunk_of(position)
            event = (position, chunk.names[index], chunk.ext_ids[index], chunk.encoding(index))
            if not builder.fits(event):
                batches.append(builder.take())
            builder.add(event)
        batches.append(builder.take())
        return batches

    def _label(self, position: int) -> tuple[str, str]:
        chunk, index = self.chunk_of(position)
        return chunk.names[index], chunk.ext_ids[index]

    def _encoding(self, position: int) -> bytes:
        chunk, index = self.chunk_of(position)
        return chunk.encoding(index)


def cut_into_chunks(sizes: Sequence[int]) -> list[tuple[int, int]]:
    """Where to cut events of these encoding ``sizes`` into chunks: (start, stop) index pairs, each
    within :data:`CHUNK_EVENTS` and :data:`CHUNK_BYTES` (a larger event is a chunk of its own)."""
    ends = list(accumulate(size + 1 for size in sizes))  # a chunk's bytes, one comma too many
    cuts: list[tuple[int, int]] = []
    start = 0
    while start < len(sizes):
        before = ends[start - 1] if start else 0
        stop = bisect_right(
            ends, before + CHUNK_BYTES + 1, start, min(len(ends), start + CHUNK_EVENTS)
        )
        stop = max(stop, start + 1)
        cuts.append((start, stop))
        start = stop
    return cuts


def chunk_columns(
    data: bytes, sizes: Sequence[int], names: Sequence[str], ext_ids: Sequence[str]
) -> tuple[int, bytes, str, str, str]:
    """A chunk's stored columns (events, data, sizes, names, ext_ids) for the encodings joined by
    commas in ``data``, and their sizes, names and extIds."""
    return (
        len(sizes),
        data,
        orjson.dumps(sizes).decode(),
        orjson.dumps(names).decode(),
        orjson.dumps(ext_ids).decode(),
    )
