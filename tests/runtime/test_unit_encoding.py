"""Encoding events into request bytes, imported from the runtime's source (no server needed)."""

from __future__ import annotations

import json
import math

import pytest

from netmera_codegen.runtime._encoding import EncodedEvent, encode_event, encode_payload, ensure_finite
from netmera_codegen.runtime._errors import EventEncodingError

from .runtime_events import Rated

LIMIT = 1024


def test_a_typed_event_is_compact_json_in_payload_order() -> None:
    encoded = encode_event(Rated(ext_id="u1", item_id="42", score=4.5), 3, LIMIT)
    assert encoded == EncodedEvent(3, "Rated", "u1", b'{"extId":"u1","name":"Rated","itemId":"42","score":4.5}')


def test_an_unset_optional_attribute_is_left_out() -> None:
    assert json.loads(encode_event(Rated(ext_id="u1", item_id="42"), 0, LIMIT).data) == {
        "extId": "u1",
        "name": "Rated",
        "itemId": "42",
    }


def test_a_wire_dict_keeps_its_keys_and_unicode() -> None:
    encoded = encode_payload({"extId": "ü", "name": "Rated", "itemId": "☕"}, 0, LIMIT)
    assert encoded.data == '{"extId":"ü","name":"Rated","itemId":"☕"}'.encode()
    assert EncodedEvent.from_data(5, encoded.data) == EncodedEvent(5, "Rated", "ü", encoded.data)


def test_text_that_mentions_nan_is_fine() -> None:
    assert b"NaN Infinity" in encode_payload({"extId": "u", "name": "Rated", "note": "NaN Infinity"}, 0, LIMIT).data


def test_what_json_cannot_carry_is_refused() -> None:
    with pytest.raises(
        EventEncodingError, match=r"event #0 \(Rated\) cannot be sent as JSON: object at /when is not a JSON type"
    ):
        encode_payload({"extId": "u", "name": "Rated", "when": object()}, 0, LIMIT)


def test_an_event_larger_than_any_request_is_refused() -> None:
    with pytest.raises(EventEncodingError, match="more than fits in one request"):
        encode_event(Rated(ext_id="u", item_id="x" * LIMIT), 0, LIMIT)


def test_a_raw_payload_holding_nan_is_refused_when_encoded() -> None:
    with pytest.raises(EventEncodingError, match=r"event #1 \(Bad\) cannot be sent as JSON: NaN or Infinity"):
        encode_payload({"extId": "u", "name": "Bad", "x": math.nan}, 1, LIMIT)


def test_ensure_finite_names_the_first_bad_event_of_a_body() -> None:
    # An event class's own encoder (a replaced runtime file) may write NaN as a bare word; the worker looks for
    # it once per body.
    good = encode_payload({"extId": "u", "name": "Ok"}, 0, LIMIT).data
    bad = b'{"extId":"u","name":"Rated","score":NaN}'
    ensure_finite(b"[" + good + b"]", [good], [0])
    with pytest.raises(EventEncodingError, match=r"event #8 \(Rated\) holds NaN or Infinity"):
        ensure_finite(b"[" + good + b"," + bad + b"]", [good, bad], [7, 8])


def test_the_repr_never_shows_user_data() -> None:
    text = repr(encode_payload({"extId": "secret-user", "name": "Rated", "itemId": "private"}, 0, LIMIT))
    assert "secret-user" not in text and "private" not in text and "Rated" in text
