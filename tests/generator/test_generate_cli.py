"""`netmera-codegen generate` end to end: real CLI, real files, the generated package imported and used."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from support import GOLDEN, run_cli, run_cli_inline, run_python, tree

SEED_PAYLOADS = """
import json
from netmera_events import OrderCancelEvent, ShareEvent
order = OrderCancelEvent(ext_id="id_in_my_system_1", payment_method="Credit Card", sub_total=20.0, item_count=4, grand_total=35.0)
share = ShareEvent(ext_id="id_in_my_system_1", item_id="4234", channel="Facebook")
print(json.dumps([share.to_payload(), order.to_payload()]))
"""


def test_seed_events_produce_the_documented_payloads(tmp_path: Path, seed_schemas: Path) -> None:
    result = run_cli("generate", "--schemas", seed_schemas, "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert "generated 2 events" in result.stdout

    ran = run_python(SEED_PAYLOADS, path=tmp_path / "out")
    assert ran.returncode == 0, ran.stderr
    share, order = json.loads(ran.stdout)
    assert list(order.items()) == [
        ("extId", "id_in_my_system_1"),
        ("name", "OrderCancelEvent"),
        ("paymentMethod", "Credit Card"),
        ("subTotal", 20.0),
        ("itemCount", 4),
        ("grandTotal", 35.0),
    ]
    assert list(share.items()) == [
        ("extId", "id_in_my_system_1"),
        ("name", "ShareEvent"),
        ("itemId", "4234"),
        ("channel", "Facebook"),
    ]


def test_two_runs_give_byte_identical_trees(tmp_path: Path) -> None:
    schemas = GOLDEN / "hard" / "schemas"
    for run in ("first", "second"):
        assert run_cli_inline("generate", "--schemas", schemas, "--out", tmp_path / run / "out").returncode == 0
    assert tree(tmp_path / "first" / "out") == tree(tmp_path / "second" / "out")


def test_a_second_run_changes_nothing_and_keeps_foreign_files(tmp_path: Path, seed_schemas: Path) -> None:
    out = tmp_path / "out"
    assert run_cli_inline("generate", "--schemas", seed_schemas, "--out", out).returncode == 0
    (out / "NOTES.txt").write_text("mine\n")
    (out / "netmera_events" / "local_helpers.py").write_text("VALUE = 1\n")
    before = tree(out)

    again = run_cli_inline("generate", "--schemas", seed_schemas, "--out", out)

    assert again.returncode == 0
    assert "0 changed" in again.stdout
    assert tree(out) == before


def test_removed_schema_removes_only_its_generated_module(tmp_path: Path, seed_schemas: Path) -> None:
    schemas = tmp_path / "schemas"
    shutil.copytree(seed_schemas, schemas)
    out = tmp_path / "out"
    assert run_cli_inline("generate", "--schemas", schemas, "--out", out).returncode == 0
    (schemas / "share_event.json").unlink()

    assert run_cli_inline("generate", "--schemas", schemas, "--out", out).returncode == 0

    assert not (out / "netmera_events" / "events" / "share_event.py").exists()
    assert (out / "netmera_events" / "events" / "order_cancel_event.py").exists()


def test_a_broken_schema_fails_without_touching_the_output(tmp_path: Path, seed_schemas: Path) -> None:
    schemas = tmp_path / "schemas"
    shutil.copytree(seed_schemas, schemas)
    out = tmp_path / "out"
    assert run_cli("generate", "--schemas", schemas, "--out", out).returncode == 0
    before = tree(out)
    (schemas / "broken.json").write_text('{"title": "Broken",\n  "type": "object",\n  "properties": {,}\n}\n')

    result = run_cli("generate", "--schemas", schemas, "--out", out)

    assert result.returncode == 1
    assert "broken.json:3:18: error: invalid JSON" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert tree(out) == before


def test_package_name_and_templates_can_be_overridden(tmp_path: Path, seed_schemas: Path) -> None:
    templates = tmp_path / "templates"
    (templates / "project").mkdir(parents=True)
    (templates / "project" / "README.md.jinja").write_text("# {{ package }}: {{ events | length }} events\n")
    out = tmp_path / "out"

    result = run_cli_inline(
        "generate", "--schemas", seed_schemas, "--out", out, "--package", "shop_events", "--templates", templates
    )

    assert result.returncode == 0, result.stderr
    assert (out / "README.md").read_text().endswith("# shop_events: 2 events\n")
    ran = run_python("import shop_events; print(sorted(shop_events.EVENTS))", path=out)
    assert ran.stdout.strip() == "['OrderCancelEvent', 'ShareEvent']", ran.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    for args in (["--no-such-flag"], ["--package", "my-events", "--out", str(tmp_path / "out")]):
        result = run_cli("generate", *args)
        assert result.returncode == 2, args
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
