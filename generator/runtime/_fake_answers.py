"""What the fake Netmera answers with: Netmera's error codes, and the bodies it sends for each
check a request fails (its own ``{"code", "error"}`` documents, and problem documents for requests
that never reach fireEvents).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ._constants import JSON_CONTENT_TYPE
from ._validate import Violation

__all__ = [
    "EVENT_NOT_FOUND",
    "FIELD_TYPE_MISMATCH",
    "INTERNAL_ERROR",
    "INVALID_API_KEY",
    "INVALID_JSON",
    "MISSING_PARAMETER",
    "Answer",
    "netmera_error",
    "problem",
    "schema_error",
]

#: Netmera's error codes that the fake answers with.
INTERNAL_ERROR = 2001
INVALID_JSON = 2009
INVALID_API_KEY = 2010
MISSING_PARAMETER = 2020
EVENT_NOT_FOUND = 5028
FIELD_TYPE_MISMATCH = 2004


@dataclass
class Answer:
    """One HTTP answer of the fake, with the events it accepts (recorded as it is sent)."""

    status_code: int
    body: bytes = b""
    content_type: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    events: list[dict[str, Any]] = field(default_factory=list)


def netmera_error(status_code: int, code: int, message: str) -> Answer:
    body = json.dumps({"code": code, "error": message}).encode()
    return Answer(status_code, body, JSON_CONTENT_TYPE)


def problem(status_code: int, title: str, detail: str) -> Answer:
    document = {"type": "about:blank", "title": title, "status": status_code, "detail": detail}
    return Answer(status_code, json.dumps(document).encode(), "application/problem+json")


def _code_for(violation: Violation) -> int:
    if violation.keyword == "unknown-event":
        return EVENT_NOT_FOUND
    if violation.keyword == "required":
        return MISSING_PARAMETER
    return FIELD_TYPE_MISMATCH


_PRECEDENCE = {MISSING_PARAMETER: 0, EVENT_NOT_FOUND: 1, FIELD_TYPE_MISMATCH: 2}


def schema_error(violations: Sequence[Violation]) -> Answer:
    """Netmera names the first problem it meets, not the item holding it (the batch fails whole)."""
    first = min(violations, key=lambda v: (v.index, _PRECEDENCE[_code_for(v)]))
    code = _code_for(first)
    if code == EVENT_NOT_FOUND:
        message = f"Event not found: {first.event}"
    elif code == MISSING_PARAMETER:
        message = f"Missing required parameter: {first.message}"
    else:
        message = f"Field type mismatch: {first.pointer.lstrip('/') or first.message}"
    return netmera_error(400, code, message)
