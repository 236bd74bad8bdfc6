"""Error classes and the reading of error answers, imported from the runtime's source (no server needed)."""

from __future__ import annotations

import pytest

from netmera_codegen.runtime._errors import (
    EventEncodingError,
    EventsRejectedError,
    EventValidationError,
    NetmeraAPIError,
    NetmeraAuthError,
    NetmeraError,
    NetmeraRateLimitError,
    NetmeraServerError,
    api_error,
    parse_error_body,
)
from netmera_codegen.runtime._results import FireResult, RejectedEvent
from netmera_codegen.runtime._validate import Violation


def test_netmera_error_bodies_are_parsed() -> None:
    assert parse_error_body(b'{"code": 5028, "error": "Event not found"}') == (5028, "Event not found")
    assert parse_error_body(b'{"code": "2004", "message": "Field type mismatch"}') == (2004, "Field type mismatch")
    assert parse_error_body(b'{"code": 2009}', "Bad Request") == (2009, "Bad Request")
    assert parse_error_body(b'{"code": true, "error": "odd"}') == (None, "odd")


def test_problem_json_is_parsed() -> None:
    body = b'{"type": "about:blank", "title": "Unsupported Media Type", "status": 415, "detail": "use JSON"}'
    assert parse_error_body(body) == (None, "Unsupported Media Type: use JSON")


def test_text_bodies_fall_back_to_the_text_or_the_reason() -> None:
    assert parse_error_body(b"upstream timed out\n") == (None, "upstream timed out")
    assert parse_error_body(b"", "Bad Gateway") == (None, "Bad Gateway")
    assert parse_error_body(b"[1, 2]") == (None, "[1, 2]")
    assert parse_error_body(b"\xff\xfe broken") == (None, "\ufffd\ufffd broken")
    code, message = parse_error_body(b"<html>" + b"x" * 5000 + b"</html>")
    assert code is None and len(message) <= 500 and message.endswith("...")


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, NetmeraAuthError),
        (403, NetmeraAuthError),
        (429, NetmeraRateLimitError),
        (500, NetmeraServerError),
        (408, NetmeraServerError),
        (404, NetmeraAPIError),
        (400, NetmeraAPIError),
    ],
)
def test_statuses_map_to_error_classes(status: int, expected: type[NetmeraAPIError]) -> None:
    error = api_error(status, None, "", attempts=3, retry_after=1.5)
    assert type(error) is expected and isinstance(error, NetmeraError)
    assert (error.status_code, error.attempts, error.retry_after) == (status, 3, 1.5)


def test_api_errors_say_both_numbers() -> None:
    error = api_error(400, 2020, "Missing required parameter")
    assert str(error) == "HTTP 400, Netmera code 2020: Missing required parameter"
    assert repr(error) == "NetmeraAPIError(status_code=400, code=2020, message='Missing required parameter')"
    assert str(api_error(502, None, "Bad Gateway")) == "HTTP 502: Bad Gateway"
    assert str(api_error(502, None, "")) == "HTTP 502"


def test_a_rejection_names_the_first_refused_event_and_the_total() -> None:
    refused = [
        RejectedEvent(3, "ShareEvent", 400, 2004, "Field type mismatch", ext_id="u1", payload=b"{}"),
        RejectedEvent(7, "Search", 400, 5028, "Event not found", ext_id="u2", payload=b"{}"),
    ]
    error = EventsRejectedError(refused, FireResult(sent=8, requests=5))
    assert (error.status_code, error.code, error.message, error.rejected) == (
        400,
        2004,
        "Field type mismatch",
        tuple(refused),
    )
    assert str(error) == (
        "Netmera refused 2 of 10 events; first: ShareEvent #3: HTTP 400, Netmera code 2004: Field type mismatch"
    )
    assert error.result is not None and error.result.sent == 8


def test_validation_and_encoding_errors_are_value_errors_with_their_details() -> None:
    violation = Violation(1, "ShareEvent", "/itemId", "'itemId' is a required property", "required")
    error = EventValidationError([violation])
    assert isinstance(error, ValueError) and error.violations == (violation,)
    assert (
        str(error)
        == "1 schema violation(s), nothing was sent:\n  #1 ShareEvent /itemId: 'itemId' is a required property"
    )
    encoding = EventEncodingError("event #2 (Search) holds NaN", index=2, event="Search")
    assert isinstance(encoding, ValueError) and (encoding.index, encoding.event) == (2, "Search")
