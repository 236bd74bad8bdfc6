"""`diff --against REV`: the old schemas read from a real git repository's history, the work tree untouched."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from evolution_support import commit, diff, diff_json, event, git, init_repo, rules_by_event, write_schemas

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

S: dict[str, Any] = {"type": "string"}
ADDRESS = {"type": "object", "properties": {"zip": {**S, "maxLength": 10}, "city": S}, "required": ["city"]}
SHARED = {"$defs": {"Address": ADDRESS, "Currency": {**S, "enum": ["TRY", "USD", "EUR"]}}}


def _v1() -> dict[str, dict[str, Any]]:
    return {
        "_shared.json": SHARED,
        "order.json": event(
            "Order",
            {
                "orderId": S,
                "currency": {"$ref": "_shared.json#/$defs/Currency"},
                "shipping": {"$ref": "_shared.json#/$defs/Address"},
            },
            ["orderId"],
        ),
        "refund.json": event("Refund", {"billing": {"$ref": "_shared.json#/$defs/Address"}}),
        "share.json": event("Share", {"channel": S}),
        "search.json": event("Search", {"query": S}),
    }


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = init_repo(tmp_path / "service")
    write_schemas(repo / "schemas", _v1())
    commit(repo, "v1")
    git(repo, "tag", "v1")
    return repo


def test_no_change_against_head(repo: Path) -> None:
    result = diff(repo, "--schemas", "schemas")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "no changes against HEAD:schemas/; suggested version bump: none"


def test_shared_definition_change_is_found_in_every_event_using_it(repo: Path) -> None:
    shared = json.loads(json.dumps(SHARED))
    shared["$defs"]["Address"]["properties"]["zip"]["maxLength"] = 5
    shared["$defs"]["Currency"]["enum"].append("GBP")
    (repo / "schemas" / "_shared.json").write_text(json.dumps(shared), encoding="utf-8")
    code, report = diff_json(repo, "--schemas", "schemas")
    assert code == 1
    narrowed = sorted(
        (change["event"], change["pointer"], change["via"])
        for change in report["changes"]
        if change["rule"] == "LENGTH_NARROWED"
    )
    assert narrowed == [
        ("Order", "/properties/shipping/properties/zip/maxLength", "/$defs/_shared.Address"),
        ("Refund", "/properties/billing/properties/zip/maxLength", "/$defs/_shared.Address"),
    ]
    assert rules_by_event(report)["Order"] == {"LENGTH_NARROWED", "ENUM_VALUE_ADDED"}


def test_events_removed_added_renamed_and_combined_changes(repo: Path) -> None:
    schemas = _v1()
    del schemas["share.json"]
    schemas["search.json"] = event("ProductSearch", {"query": S})
    schemas["wishlist.json"] = event("Wishlist", {"itemId": S})
    schemas["order.json"]["properties"]["coupon"] = S
    schemas["order.json"]["required"].append("coupon")
    schemas["order.json"]["properties"]["currency"] = S
    write_schemas(repo / "schemas", schemas)
    code, report = diff_json(repo, "--schemas", "schemas", "--against", "v1")
    assert code == 1
    found = rules_by_event(report)
    assert found["Share"] == {"EVENT_REMOVED"}
    assert found["Wishlist"] == {"EVENT_ADDED"}
    assert found["ProductSearch"] == {"EVENT_RENAMED", "CLASS_RENAMED", "MODULE_RENAMED"}
    assert found["Order"] == {"ATTRIBUTE_REQUIRED_ADDED", "ENUM_REMOVED", "ANNOTATION_CHANGED"}
    renamed = next(change for change in report["changes"] if change["rule"] == "EVENT_RENAMED")
    assert (renamed["old"], renamed["new"], renamed["file"]) == ("Search", "ProductSearch", "schemas/search.json")
    removed = next(change for change in report["changes"] if change["rule"] == "EVENT_REMOVED")
    assert removed["breaking_levels"] == ["wire", "source"]
    assert report["against"] == "v1:schemas/"
    assert report["revision"] == git(repo, "rev-parse", "v1").strip()


def test_nested_class_renamed_is_a_source_change_only(repo: Path) -> None:
    schemas = _v1()
    schemas["refund.json"] = event(
        "Refund", {"billing": {"$ref": "#/$defs/Location"}}, **{"$defs": {"Location": ADDRESS}}
    )
    schemas["refund.json"]["$defs"] = {"Location": ADDRESS}
    write_schemas(repo / "schemas", schemas)
    old_refund = _v1()["refund.json"]
    old_refund["properties"]["billing"] = {"$ref": "#/$defs/Address"}
    old_refund["$defs"] = {"Address": ADDRESS}
    write_schemas(repo / "old", {**_v1(), "refund.json": old_refund})
    code, report = diff_json(repo, "--schemas", "schemas", "--against", "old")
    assert code == 1
    (change,) = report["changes"]
    assert change["rule"] == "CLASS_RENAMED"
    assert (change["old"], change["new"]) == ("Address", "Location")
    assert (change["wire"], change["source"]) == ("compatible", "breaking")
    assert diff(repo, "--schemas", "schemas", "--against", "old", "--level", "wire").returncode == 0


def test_older_revisions_and_the_merge_base(repo: Path) -> None:
    schemas = _v1()
    schemas["share.json"]["properties"]["channel"] = {**S, "maxLength": 3}
    write_schemas(repo / "schemas", schemas)
    commit(repo, "v2: shorter channel")
    git(repo, "checkout", "-q", "-b", "feature")
    schemas["share.json"]["properties"]["note"] = S
    write_schemas(repo / "schemas", schemas)
    commit(repo, "feature: note")
    _, against_parent = diff_json(repo, "--schemas", "schemas", "--against", "HEAD~1")
    assert rules_by_event(against_parent) == {"Share": {"ATTRIBUTE_ADDED"}}
    _, against_tag = diff_json(repo, "--schemas", "schemas", "--against", "v1")
    assert rules_by_event(against_tag) == {"Share": {"ATTRIBUTE_ADDED", "LENGTH_NARROWED"}}
    git(repo, "checkout", "-q", "main")
    schemas["share.json"]["properties"]["channel"] = S
    write_schemas(repo / "schemas", schemas)
    commit(repo, "main moves on")
    git(repo, "checkout", "-q", "feature")
    code, against_base = diff_json(repo, "--schemas", "schemas", "--against", "main...")
    assert code == 0
    assert rules_by_event(against_base) == {"Share": {"ATTRIBUTE_ADDED"}}
    assert against_base["bump"] == "minor"


def test_the_work_tree_and_index_are_untouched(repo: Path) -> None:
    (repo / "schemas" / "share.json").write_text(json.dumps(event("Share", {})), encoding="utf-8")
    (repo / "schemas" / "new.json").write_text(json.dumps(event("New", {})), encoding="utf-8")
    git(repo, "add", "schemas/new.json")
    before = git(repo, "status", "--porcelain=v1"), (repo / "schemas" / "share.json").read_bytes()
    assert diff(repo, "--schemas", "schemas", "--against", "v1").returncode == 1
    assert (git(repo, "status", "--porcelain=v1"), (repo / "schemas" / "share.json").read_bytes()) == before


def test_a_schemas_folder_the_revision_does_not_have_counts_as_all_added(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "service")
    (repo / "README").write_text("x", encoding="utf-8")
    commit(repo, "empty")
    write_schemas(repo / "schemas", {"share.json": event("Share", {})})
    code, report = diff_json(repo, "--schemas", "schemas")
    assert code == 0
    assert rules_by_event(report) == {"Share": {"EVENT_ADDED"}}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--against", "no-such-ref"], "unknown revision 'no-such-ref'"),
        (["--against=--help-me"], "unknown revision '--help-me'"),
        (["--against", "HEAD", "--schemas", "missing"], "schemas folder missing not found"),
    ],
)
def test_usage_errors(repo: Path, args: list[str], message: str) -> None:
    result = diff(repo, "--schemas", "schemas", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_not_a_git_repository(tmp_path: Path) -> None:
    write_schemas(tmp_path / "schemas", {"share.json": event("Share", {})})
    result = diff(tmp_path, "--schemas", "schemas", "--against", "HEAD~1")
    assert result.returncode == 2
    assert "is not inside a git repository" in result.stderr and "Traceback" not in result.stderr


def test_a_broken_schema_is_reported_with_its_file_and_pointer(repo: Path) -> None:
    schemas = _v1()
    schemas["share.json"]["properties"]["channel"] = {"$ref": "#/$defs/nowhere"}
    write_schemas(repo / "schemas", schemas)
    result = diff(repo, "--schemas", "schemas")
    assert result.returncode == 1
    assert "schemas/share.json:/properties/channel/$ref" in result.stderr
    assert "Traceback" not in result.stderr


def test_github_format_annotates_the_schema_lines(repo: Path) -> None:
    schemas = _v1()
    schemas["share.json"]["properties"]["channel"] = {**S, "maxLength": 3}
    schemas["share.json"]["properties"]["note"] = S
    write_schemas(repo / "schemas", schemas)
    result = diff(repo, "--schemas", "schemas", "--format", "github")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    text = (repo / "schemas" / "share.json").read_text(encoding="utf-8").splitlines()
    error = next(line for line in lines if line.startswith("::error "))
    assert error.startswith("::error file=schemas/share.json,line=")
    line = int(error.split("line=")[1].split(",")[0])
    assert '"maxLength": 3' in text[line - 1]
    assert "title=LENGTH_NARROWED%3A breaking (wire%2C source)::" in error
    assert any(line.startswith("::notice file=schemas/share.json") and "ATTRIBUTE_ADDED" in line for line in lines)
    assert lines[-1].endswith("suggested version bump: major")


def test_text_format_one_line_per_change(repo: Path) -> None:
    schemas = _v1()
    schemas["share.json"]["required"] = ["channel"]
    write_schemas(repo / "schemas", schemas)
    result = diff(repo, "--schemas", "schemas")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        (
            "schemas/share.json:/properties/channel: ATTRIBUTE_MADE_REQUIRED breaking (wire, source): "
            "'channel' is mandatory now [false -> true]"
        ),
        (
            "1 change(s) against HEAD:schemas/: 1 breaking at source level (1 at wire level); "
            "suggested version bump: major"
        ),
    ]
