"""Netmera's attribute types (the panel's data types) and what each admits, shared by every stage that checks values.

Integer and Long are 32- and 64-bit signed integers. Date and Timestamp sent as integers are epoch milliseconds
unless `x-netmera-epoch` (or the project's `epoch` setting) says seconds, limited to the instants a Python datetime
can hold (years 1 to 9999), so that every payload the validator accepts also builds its typed event.
"""

from __future__ import annotations

NETMERA_TYPES = ("String", "Integer", "Long", "Double", "Boolean", "Date", "Timestamp")

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
EPOCH_MILLIS = (-62135596800000, 253402300799999)
"""Epoch milliseconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z."""
EPOCH_SECONDS = (-62135596800, 253402300799)
"""Epoch seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z."""
EPOCH_UNITS = ("milliseconds", "seconds")
DEFAULT_EPOCH = "milliseconds"
"""Unit of an epoch integer (`x-netmera-type` Date or Timestamp) unless `x-netmera-epoch` or the project says."""

INTEGER_RANGES: dict[str, tuple[int, int]] = {
    "Integer": INT32,
    "Long": INT64,
    "Date": EPOCH_MILLIS,
    "Timestamp": EPOCH_MILLIS,
}
"""The range an integer annotated with each Netmera type must lie in."""

JSON_TYPES_OF: dict[str, frozenset[str]] = {
    "String": frozenset({"string"}),
    "Integer": frozenset({"integer"}),
    "Long": frozenset({"integer"}),
    "Double": frozenset({"number"}),
    "Boolean": frozenset({"boolean"}),
    "Date": frozenset({"integer", "string"}),
    "Timestamp": frozenset({"integer", "string"}),
}
"""The JSON Schema types each Netmera type may be declared with."""

ANNOTATIONS = ("x-netmera-type", "x-netmera-code", "x-netmera-private", "x-netmera-epoch")
"""The `x-netmera-*` keywords a schema may carry; any other spelling is a lint warning."""
