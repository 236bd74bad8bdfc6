"""Another vendor's tracking plan (`tracking_plan/`): terrible event names, near-identical names, attribute names
that collide or shadow class members, nested objects, arrays of arrays and unions. Every event gets its own
importable class, and a valid payload of each round-trips through `parse_event(...).to_payload()`."""

from __future__ import annotations

import json
from pathlib import Path

from support import run_cli_inline, run_python

PLAN = Path(__file__).resolve().parent / "tracking_plan"

ITEM = {"sku": "A1", "qty": 2, "price": 9.5, "tags": ["x"]}
PAYLOADS = [
    {"name": "Order Completed", "orderId": "o1", "order_id": "o2", "OrderID": "o3", "total": 1.5, "items": [ITEM]},
    {"name": "order_completed", "total": None},
    {"name": "order-completed", "coupon": 5},
    {"name": "order-completed", "coupon": None},
    {"name": "ORDER COMPLETED", "class": "c", "self": True, "model_config": "m"},
    {"name": "OrderCompleted", "3dSecure": False},
    {"name": "1st Purchase", "at": "2024-05-01T10:00:00.5+03:00", "day": "2024-05-01", "ms": 1714550400000},
    {"name": "Product Viewed (v2)", "product": {"id": "p", "variant": {"size": "M", "color": None}}},
    {"name": "🎉 Party Started 🎉", "🎈count": 3, "mood": "😀"},
    {"name": "🔥🔥", "heat": 2},
    {"name": "!!!", "...": "a", "---": "b"},
    {"name": "Sepete Ekle Ödeme Işık Şimşek", "müşteriAdı": "Ayşe", "müşteri_adı": "Fatma", "ürünSayısı": 1},
    {"name": "sepete ekle odeme isik simsek", "x": "y"},
    {"name": "class", "import": "i", "def": 1},
    {"name": "__init__", "__class__": "k", "__dict__": "d"},
    {"name": "2024", "2024": "a", "_2024": "b"},
    {"name": "Cart Updated", "lines": [[ITEM], []], "meta": {"k": "v"}},
    {"name": "Event", "EVENT_NAME": "e", "to_payload": "t", "ext_id": "x"},
]

CHECK = """
import importlib, json, pkgutil, sys
import netmera_events.events as package
from netmera_events import EVENTS, parse_event, validate
modules = [module.name for module in pkgutil.iter_modules(package.__path__)]
for name in modules:
    importlib.import_module("netmera_events.events." + name)
classes = {wire: (cls.__module__, cls.__qualname__) for wire, cls in EVENTS.items()}
for payload in json.loads(sys.stdin.read() if False else open("payloads.json", encoding="utf-8").read()):
    payload = {"extId": "u1", **payload}
    event = parse_event(payload)
    assert type(event).EVENT_NAME == payload["name"]
    assert event.to_payload() == payload, (event.to_payload(), payload)
    assert validate(payload) == [], validate(payload)
    assert parse_event(event.to_payload()).to_payload() == payload
print(json.dumps({"modules": modules, "classes": classes}))
"""


def test_one_distinct_class_per_event_and_round_trips(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli_inline("generate", "--schemas", PLAN, "--out", out)
    assert result.returncode == 0, result.stderr
    events = len([path for path in PLAN.glob("*.json") if not path.name.startswith("_")])
    assert f"generated {events} events" in result.stdout
    (out / "payloads.json").write_text(json.dumps(PAYLOADS, ensure_ascii=False), encoding="utf-8")
    ran = run_python(CHECK, path=out)
    assert ran.returncode == 0, ran.stderr
    seen = json.loads(ran.stdout)
    assert len(seen["classes"]) == events
    assert len(set(map(tuple, seen["classes"].values()))) == events
    assert len({name for _, name in seen["classes"].values()}) == events
    assert len(seen["modules"]) == events


def test_the_plan_generates_the_same_bytes_twice(tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "out", tmp_path / "b" / "out"
    assert run_cli_inline("generate", "--schemas", PLAN, "--out", first).returncode == 0
    assert run_cli_inline("generate", "--schemas", PLAN, "--out", second).returncode == 0
    from support import tree

    assert tree(first) == tree(second)
