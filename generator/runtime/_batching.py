"""Grouping events into requests Netmera accepts: at most 1000 distinct extIds and a byte cap per
request."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._constants import DEFAULT_MAX_REQUEST_BYTES, MAX_EXT_IDS_PER_REQUEST
from ._encoding import EncodedEvent, encode_event, encode_payload, ensure_finite, to_json
from ._errors import EventValidationError
from ._event import Event
from ._validate import validate

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

    Names and extIds are read back from the encodings only when an event has to be reported, so that
    the hot path handles nothing but bytes.
    """

    __slots__ = ("body", "datas", "positions")

    def __init__(self, datas: Sequence[bytes], positions: Sequence[int]) -> None:
        self.datas = datas
        self.positions = positions
        self.body = b"[" + b",".join(datas) + b"]"

    @classmethod
    def of(cls, events: Sequence[EncodedEvent]) -> Batch:
        return cls([event.data for event in events], [event.position for event in events])

    def __len__(self) -> int:
        return len(self.datas)

    @property
    def events(self) -> list[EncodedEvent]:
        return [
            EncodedEvent.from_data(position, data)
            for position, data in zip(self.positions, self.datas)
        ]

    def halves(self) -> tuple[Batch, Batch]:
        middle = len(self.datas) // 2
        return (
            Batch(self.datas[:middle], self.positions[:middle]),
            Batch(self.datas[middle:], self.positions[middle:]),
        )

    def __repr__(self) -> str:
        return f"Batch(events={len(self.datas)}, bytes={len(self.body)})"


class BatchBuilder:
    """Collects queued events in order until the next one would break a limit (the background
    sender's grouping; ``fire()`` applies the same rule in :meth:`EventSource.batches`)."""

    __slots__ = ("_events", "_ext_ids", "_limits", "_size")

    def __init__(self, limits: BatchLimits) -> None:
        self._limits = limits
        self._events: list[EncodedEvent] = []
        self._ext_ids: set[str] = set()
        self._size = 1  # "[" + each event with the "," or "]" after it

    def __len__(self) -> int:
        return len(self._events)

    def fits(self, event: EncodedEvent) -> bool:
        """Whether ``event`` can join this batch. An empty batch takes any event: encoding already
        refused events too large for a request of their own."""
        events = self._events
        if not events:
            return True
        limits = self._limits
        if limits.max_events is not None and len(events) >= limits.max_events:
            return False
        if self._size + len(event.data) + 1 > limits.max_bytes:
            return False
        return event.ext_id in self._ext_ids or len(self._ext_ids) < limits.max_ext_ids

    def add(self, event: EncodedEvent) -> None:
        self._size += len(event.data) + 1
        self._events.append(event)
        self._ext_ids.add(event.ext_id)

    def take(self) -> Batch:
        batch = Batch.of(self._events)
        self._events = []
        self._ext_ids = set()
        self._size = 1
        return batch


class EventSource:
    """The events of one ``fire()`` call, encoded lazily and grouped into batches.

    Lazy so that encoding the next batch can overlap sending the current one.
    """

    def __init__(self, items: Sequence[Event] | Sequence[dict[str, Any]], typed: bool) -> None:
        # Events (``typed``) or wire dicts; kept as one sequence so the hot loop has a single shape.
        self._items: Sequence[Any] = items
        self._typed = typed
        self.count = len(items)

    @classmethod
    def from_events(cls, events: Sequence[Event]) -> EventSource:
        for index, event in enumerate(events):
            if not isinstance(event, Event):
                raise TypeError(
                    f"fire() takes generated event objects; argument #{index} "
                    f"is {type(event).__name__} "
                    "(use fire_payloads() for dicts)"
                )
        return cls(events, typed=True)

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

        This loop runs once per event on the caller's thread, so it is written out flat: the
        grouping rule is :meth:`BatchBuilder.fits` inline, and failures take the slow path through
        :func:`encode_event` or :func:`encode_payload`, which raise the explanatory error.
        """
        max_ext_ids, max_bytes = limits.max_ext_ids, limits.max_bytes
        max_events = limits.max_events or sys.maxsize
        typed = self._typed
        datas: list[bytes] = []
        ext_ids: set[str] = set()
        size = 1  # "[" + each event with the "," or "]" after it
        start = 0
        for position, item in enumerate(self._items):
            try:
                data = item.to_json() if typed else to_json(item)
            except (TypeError, ValueError):
                data = self._encode(item, position, max_bytes).data  # raises the explanatory error
            if len(data) + 2 > max_bytes:
                self._encode(item, position, max_bytes)  # raises: too large for any request
            ext_id = item.ext_id if typed else item["extId"]
            if datas and (
                len(datas) >= max_events
                or size + len(data) + 1 > max_bytes
                or (ext_id not in ext_ids and len(ext_ids) >= max_ext_ids)
            ):
                yield _checked(Batch(datas, range(start, position)))
                datas, ext_ids, size, start = [], set(), 1, position
            datas.append(data)
            ext_ids.add(ext_id)
            size += len(data) + 1
        if datas:
            yield _checked(Batch(datas, range(start, self.count)))

    def _encode(self, item: Any, position: int, max_bytes: int) -> EncodedEvent:
        if self._typed:
            return encode_event(item, position, max_bytes)
        return encode_payload(item, position, max_bytes)


def _checked(batch: Batch) -> Batch:
    ensure_finite(batch.body, batch.datas, batch.positions)
    return batch
