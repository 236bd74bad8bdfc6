"""The candidate designs of the typed event classes, measured side by side in one run.

    python benchmarks/typed_designs.py [--events 1000] [--seed 7] [--loops 20000]

Designs (each written here as the generator would write it for `OrderCancelEvent` and the nested `OrderCompleted`
of `schemas/`):

- **pydantic tuned**: native `extra="forbid"`, strict scalar types without per-field unions, the head (`extId`,
  `name`) written by the model's own serializer, one `to_json` call;
- **msgspec Struct**: `kw_only` Structs renamed to wire names; a Struct's constructor checks nothing, so
  `__post_init__` runs the compiled validator on `msgspec.to_builtins(self)`; encoded with `msgspec.json.encode`;
- **plain classes**: `__slots__` classes with a keyword-only `__init__` that builds the wire dict, runs the compiled
  validator the package already ships (`_validators/<event>.py`, `check(item, out)`) on it, and keeps it; `to_json`
  encodes that dict with the standard library's C encoder.

Baselines, measured in the same run: a dict + `json.dumps` (no checking), a dict + `orjson.dumps`, and
msgspec `convert` (validating) + `msgspec.json.encode`. Then the first use of 1000 classes (import and build one
event of each, in a fresh interpreter; time and resident-memory growth) for every design, on the synthetic schemas
of `benchmarks/generate.py`, with the real compiled validator modules. Needs `pip install -e '.[bench]'`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
import orjson
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, StrictBool, StrictFloat, StrictInt, StrictStr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "generated"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from netmera_events import OrderCancelEvent, OrderCompleted
from netmera_events._validators import load_validator
from netmera_events.types import Address, LineItem

ORDER_CANCEL_CHECK = load_validator("OrderCancelEvent")
ORDER_COMPLETED_CHECK = load_validator("OrderCompleted")
assert ORDER_CANCEL_CHECK is not None and ORDER_COMPLETED_CHECK is not None

ORDERED_AT = datetime(2026, 3, 1, 12, 30, tzinfo=timezone.utc)
ORDERED_AT_MS = 1772368200000
CANCEL_WIRE: dict[str, Any] = {
    "extId": "user-1",
    "name": "OrderCancelEvent",
    "paymentMethod": "Credit Card",
    "subTotal": 20.0,
    "itemCount": 4,
    "grandTotal": 35.5,
}
LINE_ITEMS_WIRE = [
    {"id": "sku-1", "name": "Mug", "price": 9.5, "count": 2, "brandName": "Acme", "categoryIds": ["kitchen", "gift"]},
    {"id": "sku-2", "price": 14.0, "count": 1},
    {"id": "sku-3", "name": "Tea", "price": 4.25, "count": 3, "categoryIds": ["food"]},
]
ADDRESS_WIRE = {"street": "Main St 1", "city": "Istanbul", "postalCode": "34000", "countryCode": "TR"}
COMPLETED_WIRE: dict[str, Any] = {
    "extId": "user-1",
    "name": "OrderCompleted",
    "orderId": "o-1",
    "grandTotal": 47.25,
    "shippingCost": 4.0,
    "currency": "TRY",
    "paymentMethod": "Wallet",
    "orderedAt": ORDERED_AT_MS,
    "shippingAddress": ADDRESS_WIRE,
    "lineItems": LINE_ITEMS_WIRE,
    "loyaltyPoints": 12,
    "giftWrap": False,
}

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _epoch_millis(value: Any) -> Any:
    if type(value) is datetime and value.tzinfo is not None:
        delta = value - _EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000
    return value


# --- pydantic tuned -------------------------------------------------------------------------------------------

_PYDANTIC_CONFIG = ConfigDict(extra="forbid", validate_by_name=True, validate_by_alias=True, ser_json_inf_nan="null")


class PdOrderCancel(BaseModel):
    model_config = _PYDANTIC_CONFIG
    ext_id: StrictStr = Field(alias="extId")
    name: Literal["OrderCancelEvent"] = "OrderCancelEvent"
    payment_method: StrictStr = Field(alias="paymentMethod")
    sub_total: StrictFloat = Field(alias="subTotal")
    item_count: Annotated[StrictInt, Field(ge=0, le=2**31 - 1)] = Field(alias="itemCount")
    grand_total: StrictFloat = Field(alias="grandTotal")

    def to_json(self) -> bytes:
        return self.__pydantic_serializer__.to_json(self, by_alias=True)


class PdAddress(BaseModel):
    model_config = _PYDANTIC_CONFIG
    street: StrictStr | None = None
    city: Annotated[StrictStr, Field(min_length=1)]
    postal_code: StrictStr | None = Field(default=None, alias="postalCode")
    country_code: Annotated[StrictStr, Field(pattern="^[A-Z]{2}$")] = Field(alias="countryCode")


class PdLineItem(BaseModel):
    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)
    id: StrictStr
    name: StrictStr | None = None
    price: Annotated[StrictFloat, Field(ge=0)]
    count: Annotated[StrictInt, Field(ge=1, le=2**31 - 1)]
    brand_name: StrictStr | None = Field(default=None, alias="brandName")
    category_ids: list[StrictStr] | None = Field(default=None, alias="categoryIds")


class PdOrderCompleted(BaseModel):
    model_config = _PYDANTIC_CONFIG
    ext_id: StrictStr = Field(alias="extId")
    name: Literal["OrderCompleted"] = "OrderCompleted"
    order_id: StrictStr = Field(alias="orderId")
    grand_total: Annotated[StrictFloat, Field(ge=0)] = Field(alias="grandTotal")
    shipping_cost: Annotated[StrictFloat, Field(ge=0)] | None = Field(default=None, alias="shippingCost")
    currency: Literal["TRY", "USD", "EUR", "GBP"] | None = None
    payment_method: Literal["Credit Card", "Bank Transfer", "Wallet", "Cash on Delivery"] | None = Field(
        default=None, alias="paymentMethod"
    )
    ordered_at: Annotated[datetime, PlainSerializer(_epoch_millis, return_type=int)] = Field(alias="orderedAt")
    shipping_address: PdAddress | None = Field(default=None, alias="shippingAddress")
    line_items: list[PdLineItem] = Field(alias="lineItems")
    loyalty_points: Annotated[StrictInt, Field(ge=0)] | None = Field(default=None, alias="loyaltyPoints")
    gift_wrap: StrictBool | None = Field(default=None, alias="giftWrap")

    def to_json(self) -> bytes:
        return self.__pydantic_serializer__.to_json(self, by_alias=True, exclude_none=True)


def pydantic_cancel() -> bytes:
    return PdOrderCancel(
        ext_id="user-1", payment_method="Credit Card", sub_total=20.0, item_count=4, grand_total=35.5
    ).to_json()


def pydantic_completed() -> bytes:
    return PdOrderCompleted(
        ext_id="user-1",
        order_id="o-1",
        grand_total=47.25,
        shipping_cost=4.0,
        currency="TRY",
        payment_method="Wallet",
        ordered_at=ORDERED_AT,
        shipping_address=PdAddress(street="Main St 1", city="Istanbul", postal_code="34000", country_code="TR"),
        line_items=[
            PdLineItem(id="sku-1", name="Mug", price=9.5, count=2, brand_name="Acme", category_ids=["kitchen", "gift"]),
            PdLineItem(id="sku-2", price=14.0, count=1),
            PdLineItem(id="sku-3", name="Tea", price=4.25, count=3, category_ids=["food"]),
        ],
        loyalty_points=12,
        gift_wrap=False,
    ).to_json()


# --- msgspec Structs, checked by the compiled validator ---------------------------------------------------------


class _Invalid(Exception):
    pass


def _checked(struct: msgspec.Struct, check: Callable[[Any, list[Any]], None]) -> None:
    issues: list[Any] = []
    check(msgspec.to_builtins(struct), issues)
    if issues:
        raise _Invalid(issues)


class MsOrderCancel(msgspec.Struct, kw_only=True, rename="camel"):
    ext_id: str
    name: str = "OrderCancelEvent"
    payment_method: str
    sub_total: float
    item_count: int
    grand_total: float

    def __post_init__(self) -> None:
        _checked(self, ORDER_CANCEL_CHECK)


class MsAddress(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    street: str | None = None
    city: str
    postal_code: str | None = None
    country_code: str


class MsLineItem(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    id: str
    name: str | None = None
    price: float
    count: int
    brand_name: str | None = None
    category_ids: list[str] | None = None


class MsOrderCompleted(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    ext_id: str
    name: str = "OrderCompleted"
    order_id: str
    grand_total: float
    shipping_cost: float | None = None
    currency: str | None = None
    payment_method: str | None = None
    ordered_at: int  # msgspec has no epoch-milliseconds datetime: the design converts before construction
    shipping_address: MsAddress | None = None
    line_items: list[MsLineItem]
    loyalty_points: int | None = None
    gift_wrap: bool | None = None

    def __post_init__(self) -> None:
        builtins = msgspec.to_builtins(self)
        builtins["name"] = "OrderCompleted"
        issues: list[Any] = []
        ORDER_COMPLETED_CHECK(builtins, issues)
        if issues:
            raise _Invalid(issues)


_ms_encode = msgspec.json.Encoder().encode


def msgspec_cancel() -> bytes:
    return _ms_encode(
        MsOrderCancel(ext_id="user-1", payment_method="Credit Card", sub_total=20.0, item_count=4, grand_total=35.5)
    )


def msgspec_completed() -> bytes:
    return _ms_encode(
        MsOrderCompleted(
            ext_id="user-1",
            order_id="o-1",
            grand_total=47.25,
            shipping_cost=4.0,
            currency="TRY",
            payment_method="Wallet",
            ordered_at=ORDERED_AT_MS,
            shipping_address=MsAddress(street="Main St 1", city="Istanbul", postal_code="34000", country_code="TR"),
            line_items=[
                MsLineItem(
                    id="sku-1", name="Mug", price=9.5, count=2, brand_name="Acme", category_ids=["kitchen", "gift"]
                ),
                MsLineItem(id="sku-2", price=14.0, count=1),
                MsLineItem(id="sku-3", name="Tea", price=4.25, count=3, category_ids=["food"]),
            ],
            loyalty_points=12,
            gift_wrap=False,
        )
    )


# --- plain generated classes, checked by the compiled validator --------------------------------------------------

_MISSING: Any = object()
_json_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
_DOUBLE_MAX = sys.float_info.max
_DOUBLE_MIN = -sys.float_info.max


class PlainObject:
    """Holds the wire dict only; attributes are read-only properties over it (so an event cannot drift from
    what it was checked as)."""

    __slots__ = ("_wire",)
    _wire: dict[str, Any]


class PlainEvent(PlainObject):
    __slots__ = ()

    @property
    def ext_id(self) -> str:
        return self._wire["extId"]  # type: ignore[no-any-return]

    def to_json(self) -> bytes:
        return _json_encode(self._wire).encode()


class PlainOrderCancel(PlainEvent):
    __slots__ = ()

    def __init__(
        self,
        *,
        ext_id: str = _MISSING,
        payment_method: str = _MISSING,
        sub_total: float = _MISSING,
        item_count: int = _MISSING,
        grand_total: float = _MISSING,
        **unknown: Any,
    ) -> None:
        wire = {
            "extId": ext_id,
            "name": "OrderCancelEvent",
            "paymentMethod": payment_method,
            "subTotal": sub_total,
            "itemCount": item_count,
            "grandTotal": grand_total,
        }
        issues: list[Any] = []
        ORDER_CANCEL_CHECK(wire, issues)
        if (
            issues
            or unknown
            or _MISSING in (ext_id, payment_method, sub_total, item_count, grand_total)
            or not (_DOUBLE_MIN <= sub_total <= _DOUBLE_MAX and _DOUBLE_MIN <= grand_total <= _DOUBLE_MAX)
        ):
            raise _Invalid(issues)
        self._wire = wire

    @property
    def payment_method(self) -> str:
        return self._wire["paymentMethod"]  # type: ignore[no-any-return]

    @property
    def sub_total(self) -> float:
        return self._wire["subTotal"]  # type: ignore[no-any-return]

    @property
    def item_count(self) -> int:
        return self._wire["itemCount"]  # type: ignore[no-any-return]

    @property
    def grand_total(self) -> float:
        return self._wire["grandTotal"]  # type: ignore[no-any-return]


class PlainOrderCancelOrjson(PlainOrderCancel):
    __slots__ = ()

    def to_json(self) -> bytes:
        return orjson.dumps(self._wire)


class PlainAddress(PlainObject):
    __slots__ = ()

    def __init__(
        self,
        *,
        street: str | None = None,
        city: str = _MISSING,
        postal_code: str | None = None,
        country_code: str = _MISSING,
        **unknown: Any,
    ) -> None:
        if unknown or city is _MISSING or country_code is _MISSING:
            raise _Invalid(unknown)
        wire: dict[str, Any] = {"city": city, "countryCode": country_code}
        if street is not None:
            wire["street"] = street
        if postal_code is not None:
            wire["postalCode"] = postal_code
        self._wire = wire


class PlainLineItem(PlainObject):
    __slots__ = ()

    def __init__(
        self,
        *,
        id: str = _MISSING,
        name: str | None = None,
        price: float = _MISSING,
        count: int = _MISSING,
        brand_name: str | None = None,
        category_ids: list[str] | None = None,
        **unknown: Any,
    ) -> None:
        if unknown or id is _MISSING or price is _MISSING or count is _MISSING:
            raise _Invalid(unknown)
        wire: dict[str, Any] = {"id": id, "price": price, "count": count}
        if name is not None:
            wire["name"] = name
        if brand_name is not None:
            wire["brandName"] = brand_name
        if category_ids is not None:
            wire["categoryIds"] = category_ids
        self._wire = wire


def _wire_of(value: Any) -> Any:
    return value._wire if isinstance(value, PlainObject) else value


def _wires(values: Any) -> Any:
    return [_wire_of(value) for value in values] if type(values) is list else values


class PlainOrderCompleted(PlainEvent):
    __slots__ = ("_objects",)

    def __init__(
        self,
        *,
        ext_id: str = _MISSING,
        order_id: str = _MISSING,
        grand_total: float = _MISSING,
        shipping_cost: float | None = None,
        currency: str | None = None,
        payment_method: str | None = None,
        ordered_at: datetime = _MISSING,
        shipping_address: PlainAddress | None = None,
        line_items: list[PlainLineItem] = _MISSING,
        loyalty_points: int | None = None,
        gift_wrap: bool | None = None,
        **unknown: Any,
    ) -> None:
        wire: dict[str, Any] = {
            "extId": ext_id,
            "name": "OrderCompleted",
            "orderId": order_id,
            "grandTotal": grand_total,
            "orderedAt": _epoch_millis(ordered_at),
            "lineItems": _wires(line_items),
        }
        if shipping_cost is not None:
            wire["shippingCost"] = shipping_cost
        if currency is not None:
            wire["currency"] = currency
        if payment_method is not None:
            wire["paymentMethod"] = payment_method
        if shipping_address is not None:
            wire["shippingAddress"] = _wire_of(shipping_address)
        if loyalty_points is not None:
            wire["loyaltyPoints"] = loyalty_points
        if gift_wrap is not None:
            wire["giftWrap"] = gift_wrap
        issues: list[Any] = []
        ORDER_COMPLETED_CHECK(wire, issues)
        if issues or unknown or _MISSING in (ext_id, order_id, grand_total, ordered_at, line_items):
            raise _Invalid(issues)
        self._wire = wire
        self._objects = (ordered_at, shipping_address, line_items)


class PlainOrderCompletedOrjson(PlainOrderCompleted):
    __slots__ = ()

    def to_json(self) -> bytes:
        return orjson.dumps(self._wire)


def plain_cancel(cls: Any = None) -> bytes:
    return (cls or PlainOrderCancel)(
        ext_id="user-1", payment_method="Credit Card", sub_total=20.0, item_count=4, grand_total=35.5
    ).to_json()


def plain_completed(cls: Any = None) -> bytes:
    return (cls or PlainOrderCompleted)(
        ext_id="user-1",
        order_id="o-1",
        grand_total=47.25,
        shipping_cost=4.0,
        currency="TRY",
        payment_method="Wallet",
        ordered_at=ORDERED_AT,
        shipping_address=PlainAddress(street="Main St 1", city="Istanbul", postal_code="34000", country_code="TR"),
        line_items=[
            PlainLineItem(
                id="sku-1", name="Mug", price=9.5, count=2, brand_name="Acme", category_ids=["kitchen", "gift"]
            ),
            PlainLineItem(id="sku-2", price=14.0, count=1),
            PlainLineItem(id="sku-3", name="Tea", price=4.25, count=3, category_ids=["food"]),
        ],
        loyalty_points=12,
        gift_wrap=False,
    ).to_json()


# --- the classes this package generates (the chosen design, from generated/) -------------------------------------


def generated_cancel() -> bytes:
    return OrderCancelEvent(
        ext_id="user-1", payment_method="Credit Card", sub_total=20.0, item_count=4, grand_total=35.5
    ).to_json()


def generated_completed() -> bytes:
    return OrderCompleted(
        ext_id="user-1",
        order_id="o-1",
        grand_total=47.25,
        shipping_cost=4.0,
        currency="TRY",
        payment_method="Wallet",
        ordered_at=ORDERED_AT,
        shipping_address=Address(street="Main St 1", city="Istanbul", postal_code="34000", country_code="TR"),
        line_items=[
            LineItem(id="sku-1", name="Mug", price=9.5, count=2, brand_name="Acme", category_ids=["kitchen", "gift"]),
            LineItem(id="sku-2", price=14.0, count=1),
            LineItem(id="sku-3", name="Tea", price=4.25, count=3, category_ids=["food"]),
        ],
        loyalty_points=12,
        gift_wrap=False,
    ).to_json()


# --- baselines ------------------------------------------------------------------------------------------------

_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def dict_json_cancel() -> bytes:
    return _compact(
        {
            "extId": "user-1",
            "name": "OrderCancelEvent",
            "paymentMethod": "Credit Card",
            "subTotal": 20.0,
            "itemCount": 4,
            "grandTotal": 35.5,
        }
    ).encode()


def dict_orjson_cancel() -> bytes:
    return orjson.dumps(
        {
            "extId": "user-1",
            "name": "OrderCancelEvent",
            "paymentMethod": "Credit Card",
            "subTotal": 20.0,
            "itemCount": 4,
            "grandTotal": 35.5,
        }
    )


def _completed_dict() -> dict[str, Any]:
    return {
        "extId": "user-1",
        "name": "OrderCompleted",
        "orderId": "o-1",
        "grandTotal": 47.25,
        "shippingCost": 4.0,
        "currency": "TRY",
        "paymentMethod": "Wallet",
        "orderedAt": ORDERED_AT_MS,
        "shippingAddress": {"street": "Main St 1", "city": "Istanbul", "postalCode": "34000", "countryCode": "TR"},
        "lineItems": [
            {
                "id": "sku-1",
                "name": "Mug",
                "price": 9.5,
                "count": 2,
                "brandName": "Acme",
                "categoryIds": ["kitchen", "gift"],
            },
            {"id": "sku-2", "price": 14.0, "count": 1},
            {"id": "sku-3", "name": "Tea", "price": 4.25, "count": 3, "categoryIds": ["food"]},
        ],
        "loyaltyPoints": 12,
        "giftWrap": False,
    }


def dict_json_completed() -> bytes:
    return _compact(_completed_dict()).encode()


def dict_orjson_completed() -> bytes:
    return orjson.dumps(_completed_dict())


class MsCancelSpec(msgspec.Struct, rename="camel"):
    ext_id: str
    name: Literal["OrderCancelEvent"]
    payment_method: str
    sub_total: float
    item_count: Annotated[int, msgspec.Meta(ge=0, le=2**31 - 1)]
    grand_total: float


class MsAddressSpec(msgspec.Struct, rename="camel", forbid_unknown_fields=True, omit_defaults=True):
    city: Annotated[str, msgspec.Meta(min_length=1)]
    country_code: Annotated[str, msgspec.Meta(pattern="^[A-Z]{2}$")]
    street: str | None = None
    postal_code: str | None = None


class MsLineItemSpec(msgspec.Struct, rename="camel", omit_defaults=True):
    id: str
    price: Annotated[float, msgspec.Meta(ge=0)]
    count: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]
    name: str | None = None
    brand_name: str | None = None
    category_ids: list[str] | None = None


class MsCompletedSpec(msgspec.Struct, rename="camel", omit_defaults=True):
    ext_id: str
    name: Literal["OrderCompleted"]
    order_id: str
    grand_total: Annotated[float, msgspec.Meta(ge=0)]
    ordered_at: int
    line_items: list[MsLineItemSpec]
    shipping_cost: Annotated[float, msgspec.Meta(ge=0)] | None = None
    currency: Literal["TRY", "USD", "EUR", "GBP"] | None = None
    payment_method: Literal["Credit Card", "Bank Transfer", "Wallet", "Cash on Delivery"] | None = None
    shipping_address: MsAddressSpec | None = None
    loyalty_points: Annotated[int, msgspec.Meta(ge=0)] | None = None
    gift_wrap: bool | None = None


def msgspec_convert_cancel() -> bytes:
    return _ms_encode(
        msgspec.convert(
            {
                "extId": "user-1",
                "name": "OrderCancelEvent",
                "paymentMethod": "Credit Card",
                "subTotal": 20.0,
                "itemCount": 4,
                "grandTotal": 35.5,
            },
            MsCancelSpec,
        )
    )


def msgspec_convert_completed() -> bytes:
    return _ms_encode(msgspec.convert(_completed_dict(), MsCompletedSpec))


# --- measuring ------------------------------------------------------------------------------------------------


def per_call(function: Callable[[], Any], loops: int, repeats: int = 5) -> float:
    """Best of `repeats` runs of `loops` calls, in microseconds a call."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(loops):
            function()
        best = min(best, time.perf_counter() - started)
    return best / loops * 1e6


def same_json(*encoders: Callable[[], bytes]) -> None:
    """Every design must send the same item (key order aside)."""
    decoded = [json.loads(encoder()) for encoder in encoders]
    for other in decoded[1:]:
        assert other == decoded[0], (other, decoded[0])


# --- first use of 1000 classes ----------------------------------------------------------------------------------

_ANNOTATIONS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}


def _flat_type(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if kind == "array":
        return f"list[{_ANNOTATIONS.get(schema['items'].get('type'), 'Any')}]"
    if kind == "object":
        return "dict[str, Any]"
    if schema.get("format") == "date-time":
        return "str"
    return _ANNOTATIONS.get(kind, "Any")


def _snake(name: str) -> str:
    return "".join("_" + char.lower() if char.isupper() else char for char in name)


def _plain_module(index: int, schema: dict[str, Any]) -> str:
    properties = schema["properties"]
    required = set(schema["required"])
    names = [(wire, _snake(wire), _flat_type(sub)) for wire, sub in properties.items()]
    params = ["ext_id: str = _MISSING"] + [
        f"{py}: {annotation}{' = _MISSING' if wire in required else ' | None = None'}" for wire, py, annotation in names
    ]
    head = ", ".join(
        ['"extId": ext_id', f'"name": {schema["title"]!r}']
        + [f"{wire!r}: {py}" for wire, py, _ in names if wire in required]
    )
    optional = "".join(
        f"        if {py} is not None:\n            wire[{wire!r}] = {py}\n"
        for wire, py, _ in names
        if wire not in required
    )
    sets = "".join(f"        _set(self, {py!r}, {py})\n" for _, py, _ in names)
    missing = " or ".join(["ext_id is _MISSING"] + [f"{py} is _MISSING" for wire, py, _ in names if wire in required])
    return (
        textwrap.dedent("""\
        from typing import Any
        from design_base import PlainEvent, _MISSING, _set, refuse
        from bench_pkg._validators.event_{index:04d} import check

        class Event{index:04d}(PlainEvent):
            __slots__ = ({slots})
        """).format(index=index, slots=", ".join(repr(py) for _, py, _ in names) + ",")
        + (
            f"    def __init__(self, *, {', '.join(params)}, **unknown: Any) -> None:\n"
            f"        wire: dict[str, Any] = {{{head}}}\n{optional}"
            "        issues: list[Any] = []\n        check(wire, issues)\n"
            f"        if issues or unknown or {missing}:\n            refuse(issues)\n"
            "        _set(self, '_wire', wire)\n        _set(self, 'ext_id', ext_id)\n" + sets
        )
    )


def _msgspec_module(index: int, schema: dict[str, Any]) -> str:
    required = set(schema["required"])
    fields = (
        ["    ext_id: str"]
        + [f"    {_snake(wire)}: {_flat_type(sub)}" for wire, sub in schema["properties"].items() if wire in required]
        + [
            f"    {_snake(wire)}: {_flat_type(sub)} | None = None"
            for wire, sub in schema["properties"].items()
            if wire not in required
        ]
    )
    return (
        "from typing import Any\nimport msgspec\nfrom design_base import ms_checked\n"
        f"from bench_pkg._validators.event_{index:04d} import check\n\n"
        f"class Event{index:04d}(msgspec.Struct, kw_only=True, rename='camel', omit_defaults=True):\n"
        + "\n".join(fields)
        + f"\n\n    def __post_init__(self) -> None:\n        ms_checked(self, {schema['title']!r}, check)\n"
    )


def _pydantic_module(index: int, schema: dict[str, Any]) -> str:
    required = set(schema["required"])
    strict = {"str": "StrictStr", "int": "StrictInt", "float": "StrictFloat", "bool": "StrictBool"}
    lines = []
    for wire, sub in schema["properties"].items():
        annotation = _flat_type(sub)
        annotation = strict.get(annotation, annotation.replace("[str]", "[StrictStr]").replace("[int]", "[StrictInt]"))
        py = _snake(wire)
        if wire in required:
            lines.append(f"    {py}: {annotation} = Field(alias={wire!r})")
        else:
            lines.append(f"    {py}: {annotation} | None = Field(default=None, alias={wire!r})")
    return (
        "from typing import Any, Literal\nfrom pydantic import BaseModel, Field, StrictBool, StrictFloat, StrictInt, StrictStr\n"
        "from design_base import PD_CONFIG\n\n"
        f"class Event{index:04d}(BaseModel):\n    model_config = PD_CONFIG\n"
        "    ext_id: StrictStr = Field(alias='extId')\n"
        f"    name: Literal[{schema['title']!r}] = {schema['title']!r}\n" + "\n".join(lines) + "\n"
    )


_BASE = """
from typing import Any
import msgspec
from pydantic import ConfigDict

PD_CONFIG = ConfigDict(extra="forbid", validate_by_name=True, validate_by_alias=True)
_MISSING: Any = object()
_set = object.__setattr__


def refuse(issues: Any) -> None:
    raise ValueError(issues)


def ms_checked(struct: Any, name: str, check: Any) -> None:
    builtins = msgspec.to_builtins(struct)
    builtins["name"] = name
    issues: list[Any] = []
    check(builtins, issues)
    if issues:
        raise ValueError(issues)


class PlainEvent:
    __slots__ = ("_wire", "ext_id")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("events are immutable")
"""

_FIRST_USE = """
import importlib, json, sys, time
sys.path[:0] = [{work!r}]
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096
import design_base, bench_pkg._validate  # the runtime, imported before measuring
samples = json.load(open({samples!r}))
before, started = rss(), time.perf_counter()
for index, kwargs in enumerate(samples):
    module = importlib.import_module("{package}.event_%04d" % index)
    getattr(module, "Event%04d" % index)(**kwargs)
print(json.dumps([time.perf_counter() - started, (rss() - before) / 2**20]))
"""


def _sample(schema: dict[str, Any]) -> Any:
    """A valid value of a synthetic attribute schema."""
    kind = schema.get("type")
    if schema.get("enum"):
        return schema["enum"][0]
    if schema.get("format") == "date-time":
        return "2026-03-01T12:30:00Z"
    if kind == "array":
        return []
    if kind == "object":
        return {key: _sample(sub) for key, sub in schema["properties"].items() if key in schema["required"]}
    return {"string": "x", "integer": 1, "number": 1.5, "boolean": True}[kind]


def _sample_kwargs(schema: dict[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"ext_id": "u"}
    for wire in schema["required"]:
        kwargs[_snake(wire)] = _sample(schema["properties"][wire])
    return kwargs


_FIRST_USE_GENERATED = """
import json, sys, time
sys.path[:0] = [{out!r}]
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096
import netmera_events
from netmera_events import EVENTS
samples = json.load(open({samples!r}))
names = json.load(open({names!r}))
before, started = rss(), time.perf_counter()
for name, kwargs in zip(names, samples):
    EVENTS[name](**kwargs)
print(json.dumps([time.perf_counter() - started, (rss() - before) / 2**20]))
"""


def first_use_generated(work: Path, samples: Path, schemas: list[dict[str, Any]]) -> tuple[float, float]:
    """The same measurement on the package `netmera-codegen generate` writes for the synthetic schemas."""
    out = work / "generated-out"
    command = [
        sys.executable,
        "-m",
        "netmera_codegen",
        "generate",
        "--schemas",
        str(work / "schemas"),
        "--out",
        str(out),
    ]
    subprocess.run(command, check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(out)], check=True)
    names = work / "names.json"
    names.write_text(json.dumps([schema["title"] for schema in schemas]))
    script = _FIRST_USE_GENERATED.format(out=str(out), samples=str(samples), names=str(names))
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    if ran.returncode != 0:
        raise SystemExit(f"generated package: {ran.stderr[-3000:]}")
    seconds, mib = json.loads(ran.stdout)
    return seconds, mib


def first_use(events: int, seed: int) -> dict[str, tuple[float, float]]:
    """Seconds and MiB to import and build one event of each of `events` classes, per design, fresh interpreters."""
    from generate import synthesise

    from netmera_codegen.bundle import bundle_events
    from netmera_codegen.load import load_schemas
    from netmera_codegen.validators.assemble import compile_validator_package

    results: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory(prefix="netmera-designs-") as folder:
        work = Path(folder)
        synthesise(work / "schemas", events, seed)
        files, _ = load_schemas(work / "schemas")
        bundled, _ = bundle_events(files, work / "schemas")
        bundled.sort(key=lambda event: event.name)
        schemas = [json.loads((work / "schemas" / f"event_{index:04d}.json").read_text()) for index in range(events)]
        modules = {event.name: f"event_{int(event.name[5:9]):04d}" for event in bundled}
        package = work / "bench_pkg"
        (package / "_validators").mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "_validate.py").write_text((ROOT / "generator" / "runtime" / "_validate.py").read_text())
        for name, source in compile_validator_package(bundled, modules).items():
            (package / "_validators" / name).write_text(source)
        (work / "design_base.py").write_text(_BASE)
        samples = work / "samples.json"
        samples.write_text(json.dumps([_sample_kwargs(schema) for schema in schemas]))
        writers = {
            "plain classes": _plain_module,
            "msgspec Struct": _msgspec_module,
            "pydantic tuned": _pydantic_module,
        }
        for label, writer in writers.items():
            target = work / f"design_{len(results)}"
            target.mkdir()
            (target / "__init__.py").write_text("")
            for index, schema in enumerate(schemas):
                (target / f"event_{index:04d}.py").write_text(writer(index, schema))
            # Bytecode is compiled once beforehand, as pip does when it installs the generated package.
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(work)], check=True)
            script = _FIRST_USE.format(work=str(work), samples=str(samples), package=target.name)
            ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
            if ran.returncode != 0:
                raise SystemExit(f"{label}: {ran.stderr[-3000:]}")
            seconds, mib = json.loads(ran.stdout)
            results[label] = (seconds, mib)
        results["generated package (chosen design)"] = first_use_generated(work, samples, schemas)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--loops", type=int, default=20_000)
    args = parser.parse_args()
    same_json(dict_json_cancel, pydantic_cancel, msgspec_cancel, plain_cancel, msgspec_convert_cancel, generated_cancel)
    same_json(dict_json_completed, pydantic_completed, plain_completed, msgspec_convert_completed, generated_completed)
    print(f"{os.cpu_count()} CPU(s); microseconds a call, best of 5 x {args.loops}; ratio to msgspec convert + encode")
    rows = [
        (
            "OrderCancelEvent build + to_json",
            [
                ("dict + json (no check)", dict_json_cancel),
                ("dict + orjson (no check)", dict_orjson_cancel),
                ("msgspec convert + encode (baseline)", msgspec_convert_cancel),
                ("pydantic tuned", pydantic_cancel),
                ("msgspec Struct + compiled check", msgspec_cancel),
                ("plain classes + compiled check, json", plain_cancel),
                ("plain classes + compiled check, orjson", lambda: plain_cancel(PlainOrderCancelOrjson)),
                ("generated package (chosen design)", generated_cancel),
            ],
        ),
        (
            "OrderCompleted (nested) build + to_json",
            [
                ("dict + json (no check)", dict_json_completed),
                ("dict + orjson (no check)", dict_orjson_completed),
                ("msgspec convert + encode (baseline)", msgspec_convert_completed),
                ("pydantic tuned", pydantic_completed),
                ("msgspec Struct + compiled check", msgspec_completed),
                ("plain classes + compiled check, json", plain_completed),
                ("plain classes + compiled check, orjson", lambda: plain_completed(PlainOrderCompletedOrjson)),
                ("generated package (chosen design)", generated_completed),
            ],
        ),
    ]
    for title, cases in rows:
        print(title)
        timings = [(label, per_call(function, args.loops)) for label, function in cases]
        baseline = dict(timings)["msgspec convert + encode (baseline)"]
        for label, micros in timings:
            print(f"  {label:<38}{micros:8.2f} us  {micros / baseline:5.2f}x")
    if args.events:
        print(f"first use of {args.events} classes (import + build one of each, fresh interpreter)")
        for label, (seconds, mib) in first_use(args.events, args.seed).items():
            print(f"  {label:<38}{seconds:8.2f} s  {mib:7.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
