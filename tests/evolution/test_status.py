"""`status`: a small service's source scanned (never imported) for uses of the events and stale references."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from evolution_support import event, write_schemas
from support import run_cli, run_cli_inline

S: dict[str, Any] = {"type": "string"}

SERVICE = {
    "app/orders.py": """
from netmera_events import NetmeraClient, OrderCompleted, OrderCancelled
from netmera_events.events.order_completed import OrderCompletedShipping

def complete(client: NetmeraClient) -> None:
    client.fire(OrderCompleted(ext_id="u1", order_id="o1", coupn="X",
                               shipping=OrderCompletedShipping(city="Ankara", zipcode="06")))
""",
    "app/raw.py": """
import netmera_events as ne
from netmera_events import EVENTS, parse_event

def raw(client) -> None:
    client.fire_payloads({"extId": "u1", "name": "Share", "channel": "Mail", "chanel": "x"})
    parse_event({"extId": "u1", "name": "Refunded"})
    kind = EVENTS["Search"]
    ne.Share(ext_id="u1", channel="Mail")
    ne.Gone(ext_id="u1")
""",
    "app/types.py": """
from netmera_events.events import search as search_module

def query(event: "object") -> object:
    return search_module.Search
""",
    "app/broken.py": "def broken(:\n",
    "app/.venv/lib/site.py": "from netmera_events import Wishlist\nWishlist(ext_id='x')\n",
    "app/notes.txt": "OrderCompleted(ext_id='not python')",
}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("service")
    address = {"type": "object", "properties": {"city": S, "zip": S}}
    write_schemas(
        root / "schemas",
        {
            "order_completed.json": event("OrderCompleted", {"orderId": S, "coupon": S, "shipping": address}),
            "share.json": event("Share", {"channel": S}),
            "search.json": event("Search", {"query": S}),
            "wishlist.json": event("Wishlist", {"itemId": S}),
        },
    )
    for name, text in SERVICE.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.lstrip("\n"), encoding="utf-8")
    (root / "app" / "sitecustomize_marker.py").write_text(
        "raise SystemExit('status must never import the code it scans')\n", encoding="utf-8"
    )
    return root


def _status(service: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = run_cli_inline("status", "--schemas", "schemas", "--format", "json", *args, "app", cwd=service)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def test_every_use_is_found_with_its_place(service: Path) -> None:
    _, report = _status(service)
    events = {entry["event"]: entry for entry in report["events"]}
    uses = {name: [(use["file"], use["line"], use["kind"]) for use in entry["uses"]] for name, entry in events.items()}
    assert uses["OrderCompleted"] == [
        ("app/orders.py", 1, "imported"),
        ("app/orders.py", 2, "imported"),
        ("app/orders.py", 5, "constructed"),
        ("app/orders.py", 6, "constructed"),
    ]
    assert uses["Share"] == [("app/raw.py", 5, "fire_payloads"), ("app/raw.py", 8, "constructed")]
    assert uses["Search"] == [("app/raw.py", 7, "EVENTS"), ("app/types.py", 4, "referenced")]
    assert uses["Wishlist"] == []
    assert [name for name, entry in events.items() if not entry["used"]] == ["Wishlist"]
    assert report["summary"] == {"events": 4, "used": 3, "unused": 1, "stale": 6}
    assert report["files_scanned"] == 5


def test_every_stale_reference_is_reported(service: Path) -> None:
    code, report = _status(service)
    assert code == 1
    stale = [(item["file"], item["line"], item["kind"], item["name"]) for item in report["stale"]]
    assert stale == [
        ("app/orders.py", 1, "name", "OrderCancelled"),
        ("app/orders.py", 5, "keyword", "coupn"),
        ("app/orders.py", 6, "keyword", "zipcode"),
        ("app/raw.py", 5, "attribute", "chanel"),
        ("app/raw.py", 6, "event", "Refunded"),
        ("app/raw.py", 9, "name", "Gone"),
    ]
    messages = {item["name"]: item["message"] for item in report["stale"]}
    assert messages["coupn"] == "OrderCompleted has no keyword coupn= (did you mean coupon?)"
    assert messages["zipcode"].startswith("OrderCompletedShipping has no keyword zipcode=")
    assert messages["chanel"] == "event 'Share' has no attribute 'chanel' (did you mean channel?)"


def test_a_file_that_does_not_parse_is_reported_not_fatal(service: Path) -> None:
    _, report = _status(service)
    assert report["problems"] == ["app/broken.py:1:12: cannot parse: invalid syntax (file not scanned)"]


def test_text_output_and_fail_on_unused(service: Path) -> None:
    result = run_cli_inline("status", "--schemas", "schemas", "--fail-on-unused", "app", cwd=service)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert "Wishlist (Wishlist): unused" in lines
    assert any(line.startswith("Share (Share): used 2 time(s): app/raw.py:5 (fire_payloads)") for line in lines)
    assert "app/raw.py:6:41: stale event: no event named 'Refunded'" in lines
    assert "app/broken.py:1:12: warning: cannot parse: invalid syntax (file not scanned)" in lines
    assert lines[-1] == "3 of 4 event(s) used, 1 unused, 6 stale reference(s), 5 file(s) scanned"


def test_clean_code_exits_zero_unless_unused_events_fail_it(tmp_path: Path) -> None:
    write_schemas(tmp_path / "schemas", {"share.json": event("Share", {"channel": S}), "x.json": event("X", {})})
    (tmp_path / "svc.py").write_text(
        "from netmera_events import Share\nShare(ext_id='u', channel='c')\n", encoding="utf-8"
    )
    assert run_cli("status", "--schemas", "schemas", "svc.py", cwd=tmp_path).returncode == 0
    assert run_cli("status", "--schemas", "schemas", "--fail-on-unused", "svc.py", cwd=tmp_path).returncode == 1


def test_class_attributes_count_as_references(tmp_path: Path) -> None:
    write_schemas(tmp_path / "schemas", {"share.json": event("Share", {"channel": S})})
    (tmp_path / "svc.py").write_text(
        "from netmera_events import Share as S\nNAME = S.EVENT_NAME\nS.model_validate({})\n", encoding="utf-8"
    )
    result = run_cli_inline("status", "--schemas", "schemas", "--format", "json", "svc.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (share,) = json.loads(result.stdout)["events"]
    assert [(use["line"], use["kind"]) for use in share["uses"]] == [
        (1, "imported"),
        (2, "referenced"),
        (3, "referenced"),
    ]


def test_another_package_name(tmp_path: Path) -> None:
    write_schemas(tmp_path / "schemas", {"share.json": event("Share", {"channel": S})})
    (tmp_path / "svc.py").write_text("import acme_events\nacme_events.Share(ext_id='u')\n", encoding="utf-8")
    result = run_cli_inline("status", "--schemas", "schemas", "--package", "acme_events", "svc.py", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("Share (Share): used 1 time(s): svc.py:2 (constructed)")


@pytest.mark.parametrize(
    ("args", "message"),
    [(["missing.py"], "not found: missing.py"), (["--package", "not-a-name", "."], "is not a Python identifier")],
)
def test_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    write_schemas(tmp_path / "schemas", {"share.json": event("Share", {})})
    result = run_cli("status", "--schemas", "schemas", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
