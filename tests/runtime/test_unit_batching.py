"""Grouping events into requests, imported from the runtime's source (no server needed)."""

from __future__ import annotations

import json

import pytest

from netmera_codegen.runtime._batching import Batch, BatchBuilder, BatchLimits, EventSource
from netmera_codegen.runtime._constants import MAX_EXT_IDS_PER_REQUEST
from netmera_codegen.runtime._encoding import EncodedEvent
from netmera_codegen.runtime._errors import EventEncodingError

from .runtime_events import Rated


def encoded(position: int, ext_id: str, size: int = 50) -> EncodedEvent:
    data = json.dumps({"extId": ext_id, "name": "Rated", "pad": ""}, separators=(",", ":")).encode()
    return EncodedEvent(position, "Rated", ext_id, data[:-2] + b"x" * (size - len(data)) + b'"}')


def test_limits_refuse_nonsense() -> None:
    for arguments in (
        {"max_ext_ids": MAX_EXT_IDS_PER_REQUEST + 1},
        {"max_ext_ids": 0},
        {"max_bytes": 10},
        {"max_events": 0},
    ):
        with pytest.raises(ValueError):
            BatchLimits(**arguments)


def test_the_builder_counts_distinct_ext_ids_and_bytes() -> None:
    builder = BatchBuilder(BatchLimits(max_ext_ids=2, max_bytes=300, max_events=4))
    for position, ext_id in enumerate(["a", "b", "a", "b"]):
        assert builder.fits(encoded(position, ext_id))
        builder.add(encoded(position, ext_id))
    assert not builder.fits(encoded(4, "a"))  # max_events
    batch = builder.take()
    assert len(batch) == 4 and len(batch.body) == 2 + 4 * 50 + 3
    assert json.loads(batch.body)[3]["extId"] == "b"
    builder.add(encoded(5, "a"))
    builder.add(encoded(6, "b"))
    assert not builder.fits(encoded(7, "c"))  # a third extId
    assert builder.fits(encoded(7, "a", size=300 - 104))  # "[" + 50 + "," + 50 + "," + 196 + "]" = 300 bytes
    assert not builder.fits(encoded(7, "a", size=300 - 103))  # one byte over
    first, second = builder.take().halves()
    assert [(e.position, e.ext_id) for e in first.events + second.events] == [(5, "a"), (6, "b")]


def test_an_empty_builder_takes_any_event() -> None:
    assert BatchBuilder(BatchLimits(max_bytes=64)).fits(encoded(0, "a", size=500))


def test_a_batch_body_is_the_json_array_of_its_events() -> None:
    batch = Batch.of([encoded(3, "a"), encoded(9, "b")])
    assert [item["extId"] for item in json.loads(batch.body)] == ["a", "b"]
    assert list(batch.positions) == [3, 9] and repr(batch) == f"Batch(events=2, bytes={len(batch.body)})"


def test_a_source_splits_at_the_ext_id_limit_and_keeps_the_order() -> None:
    events = [Rated(ext_id=f"user{index % 5}", item_id=str(index)) for index in range(12)]
    batches = list(EventSource.from_events(events).batches(BatchLimits(max_ext_ids=3)))
    bodies = [json.loads(batch.body) for batch in batches]
    assert [item["itemId"] for body in bodies for item in body] == [str(index) for index in range(12)]
    assert all(len({item["extId"] for item in body}) <= 3 for body in bodies)
    assert list(batches[0].positions) == [0, 1, 2]


def test_a_source_splits_at_the_byte_cap_and_the_event_count() -> None:
    events = [Rated(ext_id="u", item_id="x" * 40) for _ in range(10)]
    by_bytes = list(EventSource.from_events(events).batches(BatchLimits(max_bytes=200)))
    assert all(len(batch.body) <= 200 for batch in by_bytes) and sum(map(len, by_bytes)) == 10
    by_count = list(EventSource.from_events(events).batches(BatchLimits(max_events=4)))
    assert [len(batch) for batch in by_count] == [4, 4, 2]


def test_a_source_refuses_what_is_not_an_event_and_events_that_cannot_be_sent() -> None:
    with pytest.raises(TypeError, match=r"argument #1 is dict"):
        EventSource.from_events([Rated(ext_id="u", item_id="1"), {"extId": "u"}])  # type: ignore[list-item]
    source = EventSource.from_events([Rated(ext_id="u", item_id="1"), Rated(ext_id="u", item_id="x" * 400)])
    with pytest.raises(EventEncodingError, match=r"event #1 \(Rated\) is \d+ bytes, more than fits in one request"):
        list(source.batches(BatchLimits(max_bytes=200)))


class Encoded(Rated):
    """A class with its own encoder, as a replaced runtime file may give one: fire() must use it."""

    __slots__ = ()

    def to_json(self) -> bytes:
        return super().to_json().replace(b'"Rated"', b'"Rated" ')


def test_a_chunk_encoded_at_once_is_byte_for_byte_its_events_to_json() -> None:
    events = [
        Rated(ext_id=f"user{index % 7}", item_id=f"caf\u00e9 {index}", score=index / 3 if index % 2 else None)
        for index in range(50)
    ]
    events.append(Rated(ext_id="wide", item_id="big", score=2**70))  # wider than orjson writes: one by one
    for limits in (BatchLimits(), BatchLimits(max_ext_ids=3), BatchLimits(max_events=8), BatchLimits(max_bytes=400)):
        batches = list(EventSource.from_events(events).batches(limits))
        assert [position for batch in batches for position in batch.positions] == list(range(51))
        for batch in batches:
            expected = [events[position].to_json() for position in batch.positions]
            assert batch.body == b"[" + b",".join(expected) + b"]"
            assert list(batch.datas) == expected
            if len(batch) > 1:  # a refused batch is split: each half encodes its own events
                first, second = batch.halves()
                assert list(first.datas) + list(second.datas) == expected
                assert first.body == b"[" + b",".join(first.datas) + b"]"


def test_a_class_with_its_own_encoder_is_sent_as_it_encodes() -> None:
    events = [Encoded(ext_id="u", item_id="1"), Rated(ext_id="u", item_id="2")]
    (batch,) = EventSource.from_events(events).batches(BatchLimits())
    assert batch.body == b"[" + events[0].to_json() + b"," + events[1].to_json() + b"]"
    assert b'"Rated" ' in batch.body
