"""The generated package's API: lazy imports, EVENTS, parse_event, and construction-time validation."""

from __future__ import annotations

import json
import textwrap

from support import GENERATED, run_python


def _run(code: str) -> str:
    result = run_python(textwrap.dedent(code), path=GENERATED)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_importing_the_package_builds_no_event_model() -> None:
    out = _run("""
        import sys
        import netmera_events
        print(sorted(name for name in sys.modules if name.startswith("netmera_events.events.")))
        netmera_events.ShareEvent
        print(sorted(name for name in sys.modules if name.startswith("netmera_events.events.")))
        """)
    assert out.splitlines() == ["[]", "['netmera_events.events.share_event']"]


def test_events_maps_every_wire_name_and_parse_event_round_trips() -> None:
    out = _run("""
        import json
        from netmera_events import EVENTS, UnknownEventError, parse_event
        payload = {"extId": "u1", "name": "OrderCompleted", "orderId": "o1", "grandTotal": 12,
                   "orderedAt": 1700000000123, "lineItems": [{"id": "p1", "price": 6.0, "count": 2}],
                   "shippingAddress": {"city": "Istanbul", "countryCode": "TR"}}
        event = parse_event(payload)
        print(json.dumps([sorted(EVENTS), type(event).__name__, event.to_payload() == payload]))
        try:
            parse_event({"extId": "u1", "name": "NoSuchEvent"})
        except UnknownEventError as error:
            print(error)
        """)
    names, class_name, same = json.loads(out.splitlines()[0])
    assert "OrderCancelEvent" in names and "ShareEvent" in names and len(names) == 12
    assert class_name == "OrderCompleted" and same is True
    assert out.splitlines()[1] == "unknown event name 'NoSuchEvent'"


def test_construction_reports_every_violation_at_once() -> None:
    out = _run("""
        from netmera_events import EventValidationError, OrderCancelEvent
        try:
            OrderCancelEvent(ext_id="u1", payment_method=3, sub_total=True, item_count=2**31, grand_total="x")
        except EventValidationError as error:
            print(sorted(violation.pointer for violation in error.violations))
        """)
    assert out.strip() == "['/grandTotal', '/itemCount', '/paymentMethod', '/subTotal']"


def test_optional_none_is_left_out_unless_the_schema_allows_null() -> None:
    out = _run("""
        import json
        from netmera_events import ReviewSubmitted
        review = ReviewSubmitted(ext_id="u1", product_id="p1", rating=5, comment=None, submitted_at=None)
        print(json.dumps(review.to_payload()))
        """)
    assert json.loads(out) == {
        "extId": "u1",
        "name": "ReviewSubmitted",
        "productId": "p1",
        "rating": 5,
        "comment": None,
    }


def test_dates_travel_as_the_schema_says() -> None:
    out = _run("""
        import json
        from datetime import date, datetime, timezone
        from netmera_events import SubscriptionRenewed
        renewed = SubscriptionRenewed(
            ext_id="u1", plan_id="pro", auto_renew=True,
            renewal_date=datetime(2024, 3, 1, tzinfo=timezone.utc), trial_ends_on=date(2024, 2, 29),
        )
        print(json.dumps(renewed.to_payload()))
        try:
            SubscriptionRenewed(ext_id="u1", plan_id="pro", auto_renew=True, renewal_date=datetime(2024, 3, 1))
        except ValueError as error:
            print("naive refused" if "timezone-aware" in str(error) else error)
        """)
    first, second = out.splitlines()
    assert json.loads(first)["renewalDate"] == 1709251200000
    assert json.loads(first)["trialEndsOn"] == "2024-02-29"
    assert second == "naive refused"


def test_to_json_is_the_compact_json_of_to_payload() -> None:
    out = _run("""
        import json
        from netmera_events import parse_event
        def to_json(payload):
            return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        payloads = [
            {"extId": "u1", "name": "OrderCompleted", "orderId": "o1", "grandTotal": 12, "orderedAt": 1700000000123,
             "lineItems": [{"id": "p1", "price": 6.0, "count": 2, "brandName": "\\u00e7\\"q\\""}]},
            {"extId": "u2", "name": "ReviewSubmitted", "productId": "p", "rating": 5, "comment": None,
             "submittedAt": "2024-01-01T10:00:00.5+03:00"},
            {"extId": "u3", "name": "RemoveFromCart", "productId": "p"},
        ]
        print(all(parse_event(p).to_json() == to_json(parse_event(p).to_payload()) for p in payloads))
        """)
    assert out.strip() == "True"
