"""What a send reports, imported from the runtime's source (no server needed)."""

from __future__ import annotations

from netmera_codegen.runtime._results import FireResult, RejectedEvent, summarize_names


def rejected(index: int) -> RejectedEvent:
    return RejectedEvent(index, "Search", 400, 2004, "Field type mismatch", ext_id="user-7", payload=b'{"q":"secret"}')


def test_a_result_is_ok_only_when_everything_was_delivered() -> None:
    assert FireResult(sent=3, requests=1).ok
    assert not FireResult(sent=2, requests=3, rejected=(rejected(1),)).ok
    assert not FireResult(sent=2, requests=1, unsent=(2,)).ok


def test_a_result_says_what_happened() -> None:
    assert str(FireResult(sent=3, requests=1)) == "sent 3 events in 1 requests"
    result = FireResult(sent=5, requests=4, retried=2, rejected=(rejected(1),), unsent=(6, 7))
    assert str(result) == "sent 5 events in 4 requests, 2 re-sent (possible duplicates), 1 refused, 2 not sent"


def test_a_refused_event_describes_itself_and_hides_user_data() -> None:
    event = rejected(4)
    assert event.describe() == "Search #4: HTTP 400, Netmera code 2004: Field type mismatch"
    assert "user-7" not in repr(event) and "secret" not in repr(event)
    no_code = RejectedEvent(0, "Search", 413, None, "too large", ext_id="u", payload=b"")
    assert no_code.describe() == "Search #0: HTTP 413: too large"


def test_names_are_summarised_by_count() -> None:
    assert summarize_names(["A", "B", "A"]) == "A x2, B x1"
    assert summarize_names([]) == ""
    assert summarize_names(["A", "B", "C"], limit=2) == "A x1, B x1, and 1 more event types"
