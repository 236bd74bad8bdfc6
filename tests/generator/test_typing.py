"""Consumers type-check with `mypy --strict` and no plugin: snake_case keywords pass, a misspelt one is flagged."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support import ROOT

GOOD = """
from datetime import datetime, timezone
from netmera_events import EVENTS, OrderCancelEvent, OrderCompleted, ShareEvent, parse_event
from netmera_events.types import LineItem

order = OrderCancelEvent(ext_id="u1", payment_method="Credit Card", sub_total=20.0, item_count=4, grand_total=35.0)
share = ShareEvent(ext_id="u1", item_id="4234", channel="Facebook")
done = OrderCompleted(
    ext_id="u1", order_id="o1", grand_total=10, ordered_at=datetime.now(timezone.utc),
    line_items=[LineItem(id="p1", price=5.0, count=2)],
)
payload: dict[str, object] = order.to_payload()
count: int = order.item_count
name: str = OrderCancelEvent.EVENT_NAME
event_class = EVENTS["ShareEvent"]
parsed = parse_event(share.to_payload())
"""

BAD = """
from netmera_events import OrderCancelEvent

OrderCancelEvent(ext_id="u1", paymnt_method="Credit Card", sub_total=20.0, item_count=4, grand_total=35.0)
OrderCancelEvent(ext_id="u1", payment_method="Credit Card", sub_total=20.0, item_count="4", grand_total=35.0)
"""


def _mypy(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    module = tmp_path / "consumer.py"
    module.write_text(code)
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(module)],
        check=False,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={"MYPYPATH": str(ROOT / "generated"), "PATH": ""},
    )


def test_consumer_code_with_snake_case_keywords_passes(tmp_path: Path) -> None:
    result = _mypy(GOOD, tmp_path)
    assert result.returncode == 0, result.stdout


def test_misspelt_keyword_and_wrong_type_are_flagged(tmp_path: Path) -> None:
    result = _mypy(BAD, tmp_path)
    assert result.returncode == 1
    assert 'Unexpected keyword argument "paymnt_method"' in result.stdout
    assert 'Argument "item_count" to "OrderCancelEvent" has incompatible type "str"' in result.stdout
