"""Grouping events into requests Netmera accepts: at most 1000 distinct extIds and a byte cap per
request."""

from __future__ import annotations

import operator
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from ._constants import DEFAULT_MAX_REQUEST_BYTES, MAX_EXT_IDS_PER_REQUEST
from ._encoding import (
    EncodedEvent,
    QueuedEvent,
    encode_event,
    encode_json,
    encode_payload,
    ensure_finite,
)
from ._errors import EventValidationError
from ._event import Event
from ._validate import validate

__all__ = ["Batch", "BatchBuilder", "BatchLimits", "EventSource"]

_EXT_ID = operator.attrgetter("ext_id")
_WIRE = operator.attrgetter("_wire")
_WIRE_EXT_ID = operator.itemgetter("extId")

#: A request body smaller than this could not hold even a minimal event.
_MIN_REQUEST_BYTES = 64


@dataclass(frozen=True, slots=True)
class BatchLimits:
    """How large one request may grow. ``max_events`` is an extra count cap (the background sender's
    ``batch_size``); Netmera itself documents only the extId limit."""

    max_ext_ids: int = MAX_EXT_IDS_PER_REQUEST
    max_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    max_events: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.max_ext_ids <= MAX_EXT_IDS_PER_REQUEST:
            raise ValueError(
                f"max_ext_ids must be between 1 and {MAX_EXT_IDS_PER_REQUEST}, "
                f"not {self.max_ext_ids}"
            )
        if self.max_bytes < _MIN_REQUEST_BYTES:
            raise ValueError(
                f"max_request_bytes must be at least {_MIN_REQUEST_BYTES}, not {self.max_bytes}"
            )
        if self.max_events is not None and self.max_events < 1:
            raise ValueError(f"batch_size must be at least 1, not {self.max_events}")


class Batch:
    """One request: the events' encodings, their positions (in the ``fire()`` call, or the
    background sender's sequence numbers) and the body, a JSON array of the encodings.

    The hot path handles nothing but bytes; names and extIds are needed only when an event has to be
    reported, and come from the events the batch was made of (the background sender's queue) or,
    for ``fire()``, from ``label`` (the call's items, looked up by position). A batch made from a
    body encoded at once (:meth:`of_body`) encodes its events one by one only if it is split or
    reported.
    """

    __slots__ = ("_datas", "_each", "_events", "_label", "body", "positions")

    def __init__(
        self,
        datas: Sequence[bytes],
        positions: Sequence[int],
        label: Callable[[int], tuple[str, str]] | None = None,
        events: Sequence[QueuedEvent] | None = None,
    ) -> None:
        self._datas: Sequence[bytes] | None = datas
        self._each: Callable[[int], bytes] | None = None
        self.positions = positions
        self.body = b"[" + b",".join(datas) + b"]"
        self._label = label
        self._events = events

    @classmethod
    def of_body(
        cls,
        body: bytes,
        positions: Sequence[int],
        label: Callable[[int], tuple[str, str]] | None,
        each: Callable[[int], bytes],
    ) -> Batch:
        """A batch whose ``body`` is already the JSON array of its events; ``each`` gives the
        encoding of the event at a position on its own, byte for byte as in ``body``; ``label``
        (when ``None``: the encoding itself) gives its name and extId."""
        batch = cls.__new__(cls)
        batch._datas = None
        batch._each = each
        batch.positions = positions
        batch.body = body
        batch._label = label
        batch._events = None
        return batch

    @property
    def datas(self) -> Sequence[bytes]:
        """Each event's encoding, in order."""
        if self._datas is None:
            assert self._each is not None
            self._datas = list(map(self._each, self.positions))
        return self._datas

    @classmethod
    def of(cls, events: Sequence[QueuedEvent]) -> Batch:
        return cls([event[3] for event in events], [event[0] for event in events], None, events)

    def __len__(self) -> int:
        return len(self.positions)

    @property
    def events(self) -> list[EncodedEvent]:
        if self._events is not None:
            return [EncodedEvent(*event) for event in self._events]
        if self._label is not None:
            label = self._label
            return [
                EncodedEvent(position, *label(position), data)
                for position, data in zip(self.positions, self.datas)
            ]
        return [
            EncodedEvent.from_data(position, data)
            for position, data in zip(self.positions, self.datas)
        ]

    def halves(self) -> tuple[Batch, Batch]:
        middle = len(self.positions) // 2
        events = self._events
        return (
            Batch(
                self.datas[:middle],
                self.positions[:middle],
                self._label,
                None if events is None else events[:middle],
            ),
            Batch(
                self.datas[middle:],
                self.positions[middle:],
                self._label,
                None if events is None else events[middle:],
            ),
        )

    def __repr__(self) -> str:
        return f"Batch(events={len(self.positions)}, bytes={len(self.body)})"


class BatchBuilder:
    """Collects queued events in order until the next one would break a limit (the background
    sender's grouping; ``fire()`` applies the same rule in :meth:`EventSource.batches`)."""

    __slots__ = ("_events", "_ext_ids", "_limits", "_size")

    def __init__(self, limits: BatchLimits) -> None:
        self._limits = limits
        self._events: list[QueuedEvent] = []
        self._ext_ids: set[str] = set()
        self._size = 1  # "[" + each event with the "," or "]" after it

    def __len__(self) -> int:
        return len(self._events)

    def fits(self, event: QueuedEvent) -> bool:
        """Whether ``event`` can join this batch. An empty batch takes any event: encoding already
        refused events too large for a request of their own."""
        events = self._events
        if not events:
            return True
        limits = self._limits
        if limits.max_events is not None and len(events) >= limits.max_events:
            return False
        if self._size + len(event[3]) + 1 > limits.max_bytes:
            return False
        return event[2] in self._ext_ids or len(self._ext_ids) < limits.max_ext_ids

    def add(self, event: QueuedEvent) -> None:
        self._size += len(event[3]) + 1
        self._events.append(event)
        self._ext_ids.add(event[2])

    def take(self) -> Batch:
        batch = Batch.of(self._events)
        self._events = []
        self._ext_ids = set()
        self._size = 1
        return batch


class EventSource:
    """The events of one ``fire()`` call, encoded lazily and grouped into batches.

    Lazy: each batch is encoded when it is to be sent, so that the batches before an event that
    cannot be encoded still go out, and only one batch's encodings are held at a time.
    """

    def __init__(
        self,
        items: Sequence[Event] | Sequence[dict[str, Any]],
        typed: bool,
        at_once: bool = False,
    ) -> None:
        # Events (``typed``) or wire dicts; kept as one sequence so the hot loop has a single shape.
        self._items: Sequence[Any] = items
        self._typed = typed
        # Every event encodes as Event.to_json does: a chunk's array is one encoder call.
        self._at_once = at_once
        self.count = len(items)

    @classmethod
    def from_events(cls, events: Sequence[Event]) -> EventSource:
        # One check per class, not per event: a call holds few classes and many events.
        kinds: set[type[Event]] = set(map(type, events))
        for kind in kinds:
            if not issubclass(kind, Event):
                index = next(i for i, event in enumerate(events) if type(event) is kind)
                raise TypeError(
                    f"fire() takes generated event objects; argument #{index} "
                    f"is {kind.__name__} (use fire_payloads() for dicts)"
                )
        at_once = all(kind.to_json is Event.to_json for kind in kinds)
        return cls(events, typed=True, at_once=at_once)

    @classmethod
    def from_payloads(cls, payloads: Sequence[Mapping[str, Any]]) -> EventSource:
        """Raw wire dicts, validated against the schemas first: nothing is sent if any of them is
        invalid."""
        for index, payload in enumerate(payloads):
            if not isinstance(payload, Mapping):
                raise TypeError(
                    f"fire_payloads() takes dicts; argument #{index} is {type(payload).__name__}"
                )
        violations = validate(payloads)
        if violations:
            raise EventValidationError(violations)
        return cls([dict(payload) for payload in payloads], typed=False)

    def batches(self, limits: BatchLimits) -> Iterator[Batch]:
        """Encode the events in order and yield each batch as soon as it is complete, its body
        checked for NaN and Infinity.

        Typed events go a chunk at a time: ``max_ext_ids`` events can hold no more distinct
        extIds than that, so a chunk whose array fits in ``max_bytes`` is a batch as it is. The
        array is one call of the JSON encoder when every class encodes as :class:`Event` does
        (a thousand encodings made and kept one by one cost more than the encoding itself), else
        the events' ``to_json()`` joined. A chunk that does not fit (or fails to encode) and raw
        payloads take :meth:`_grouped`, which groups event by event.
        """
        if not self._typed:
            yield from self._grouped(0, self.count, limits)
            return
        step = min(limits.max_ext_ids, limits.max_events or limits.max_ext_ids)
        max_bytes, max_ext_ids = limits.max_bytes, limits.max_ext_ids
        max_events = limits.max_events or sys.maxsize
        # The batch being filled: chunks join it while their extIds, bytes and count still fit.
        parts: list[bytes] = []  # the chunks' JSON arrays
        ext_ids: set[str] = set()
        size, first = 1, 0
        for start in range(0, self.count, step):
            stop = min(start + step, self.count)
            array = self._array(start, stop)
            if array is None or len(array[0]) > max_bytes:
                if parts:
                    yield self._batch(parts, first, start)
                    parts, ext_ids, size = [], set(), 1
                yield from self._grouped(start, stop, limits)
                first = stop
                continue
            body, chunk_ids = array
            if parts:
                joined = ext_ids | chunk_ids
                if (
                    len(joined) <= max_ext_ids
                    and size + len(body) - 1 <= max_bytes
                    and stop - first <= max_events
                ):
                    parts.append(body)
                    ext_ids, size = joined, size + len(body) - 1
                    continue
                yield self._batch(parts, first, start)
            parts, ext_ids, size, first = [body], chunk_ids, len(body), start
        if parts:
            yield self._batch(parts, first, self.count)

    def _array(self, start: int, stop: int) -> tuple[bytes, set[str]] | None:
        """The JSON array of the events from ``start`` to ``stop`` and their extIds, or ``None``
        if one of them cannot be encoded (:meth:`_grouped` then says which, and why)."""
        chunk = self._items[start:stop]
        if self._at_once:
            wires = list(map(_WIRE, chunk))
            try:
                # orjson writes no NaN or Infinity (and the classes refuse them): nothing to check.
                return orjson.dumps(wires), set(map(_WIRE_EXT_ID, wires))
            except orjson.JSONEncodeError:
                pass  # an integer wider than 64 bits: to_json() writes it, one event at a time
        try:
            encoded = [item.to_json() for item in chunk]
        except Exception:  # noqa: BLE001 - _grouped raises the explanatory error in order
            return None
        body = b"[" + b",".join(encoded) + b"]"
        ensure_finite(body, encoded, range(start, stop))
        return body, set(map(_EXT_ID, chunk))

    def _batch(self, parts: list[bytes], first: int, stop: int) -> Batch:
        body = parts[0] if len(parts) == 1 else b"[" + b",".join(p[1:-1] for p in parts) + b"]"
        return Batch.of_body(body, range(first, stop), self._label, self._to_json)

    def _to_json(self, position: int) -> bytes:
        data: bytes = self._items[position].to_json()
        return data

    def _grouped(self, start: int, stop: int, limits: BatchLimits) -> Iterator[Batch]:
        """Batches of the events from ``start`` to ``stop``, grouped one event at a time by the
        rule of :meth:`BatchBuilder.fits`; a failure takes the slow path through
        :func:`encode_event` or :func:`encode_payload`, which raise the explanatory error."""
        max_ext_ids, max_bytes = limits.max_ext_ids, limits.max_bytes
        largest = max_bytes - 2  # the longest encoding that fits in a request of its own
        max_events = limits.max_events or sys.maxsize
        typed, items = self._typed, self._items
        datas: list[bytes] = []
        ext_ids: set[str] = set()
        size = 1  # "[" + each event with the "," or "]" after it
        first = start
        for position in range(start, stop):
            item = items[position]
            try:
                data = item.to_json() if typed else encode_json(item)
            except (TypeError, ValueError, RecursionError):
                data = self._encode(item, position, max_bytes).data  # raises the explanatory error
            length = len(data)
            if length > largest:
                self._encode(item, position, max_bytes)  # raises: too large for any request
            ext_id = item.ext_id if typed else item["extId"]
            size += length + 1
            if (
                size > max_bytes
                or len(datas) >= max_events
                or (ext_id not in ext_ids and len(ext_ids) >= max_ext_ids)
            ) and datas:
                yield _checked(Batch(datas, range(first, position), self._label))
                datas, ext_ids, size, first = [], set(), length + 2, position
            datas.append(data)
            ext_ids.add(ext_id)
        if datas:
            yield _checked(Batch(datas, range(first, stop), self._label))

    def _label(self, position: int) -> tuple[str, str]:
        """The name and extId of the event at ``position``, for reporting it."""
        item = self._items[position]
        if self._typed:
            return item.EVENT_NAME, item.ext_id
        return str(item.get("name")), str(item.get("extId"))

    def _encode(self, item: Any, position: int, max_bytes: int) -> EncodedEvent:
        if self._typed:
            return encode_event(item, position, max_bytes)
        return encode_payload(item, position, max_bytes)


def _checked(batch: Batch) -> Batch:
    ensure_finite(batch.body, batch.datas, batch.positions)
    return batch
