"""The documented naming rules: deterministic, collision-free, and never changing a wire name."""

from __future__ import annotations

import keyword

import pytest

from netmera_codegen.naming import attribute_names, class_names, module_names, snake_case


@pytest.mark.parametrize(
    ("wire", "python"),
    [
        ("paymentMethod", "payment_method"),
        ("HTTPServer", "http_server"),
        ("itemID", "item_id"),
        ("total amount", "total_amount"),
        ("e-mail", "e_mail"),
        ("müşteriAdı", "musteri_adi"),
        ("3dSecure", "field_3d_secure"),
        ("_private", "private"),
        ("", "field"),
        ("名前", "u540d_u524d"),
    ],
)
def test_snake_case(wire: str, python: str) -> None:
    assert snake_case(wire) == python


@pytest.mark.parametrize(
    "wire",
    [
        "class",
        "from",
        "None",
        "to_payload",
        "toJson",
        "fromPayload",
        "ext_id",
        "self",
        "date",
        "str",
        "types",
        "check",
        "refuse",
        "wire",
        "issues",
        "unknown",
    ],
)
def test_reserved_names_get_a_trailing_underscore(wire: str) -> None:
    name = attribute_names([wire])[wire]
    assert name.endswith("_")
    assert not keyword.iskeyword(name)


def test_colliding_attribute_names_prefer_the_exact_wire_name_then_schema_order() -> None:
    names = attribute_names(["itemCount", "item_count", "item-count"])
    assert names == {"itemCount": "item_count_2", "item_count": "item_count", "item-count": "item_count_3"}


def test_class_names_do_not_depend_on_input_order() -> None:
    forward = class_names(["Order Completed", "order_completed", "OrderCompleted"])
    backward = class_names(["OrderCompleted", "order_completed", "Order Completed"])
    assert forward == backward
    assert forward["OrderCompleted"] == "OrderCompleted"
    assert len(set(forward.values())) == 3


def test_module_names_are_unique_ignoring_case() -> None:
    modules = module_names(["ABTest", "AbTest", "Import"])
    assert len({name.lower() for name in modules.values()}) == 3
    assert modules["Import"] == "import_"


def test_class_members_are_the_runtime_classes_public_members() -> None:
    from netmera_codegen.naming import CLASS_MEMBERS
    from netmera_codegen.runtime._event import Event

    public = {name for name in dir(Event) if not name.startswith("_") and name.islower()}
    assert public <= CLASS_MEMBERS


def test_names_that_only_pydantic_reserved_are_plain_attributes_now() -> None:
    assert attribute_names(["model_dump", "isNone"]) == {"model_dump": "model_dump", "isNone": "is_none"}
