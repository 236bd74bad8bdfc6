"""The runtime's facts about Netmera's API and its defaults, imported from the runtime's source."""

from __future__ import annotations

from netmera_codegen.runtime import _constants
from netmera_codegen.runtime._batching import BatchLimits
from netmera_codegen.runtime._config import DEFAULT_HTTP_TIMEOUT


def test_the_api_facts_are_netmeras() -> None:
    assert _constants.DEFAULT_BASE_URL == "https://restapi.netmera.com"
    assert _constants.FIRE_EVENTS_PATH == "/rest/3.0/fireEvents"
    assert _constants.API_KEY_HEADER == "X-netmera-api-key"
    assert _constants.MAX_EXT_IDS_PER_REQUEST == 1000


def test_the_defaults_are_the_ones_the_other_modules_use() -> None:
    limits = BatchLimits()
    assert (limits.max_ext_ids, limits.max_bytes) == (1000, _constants.DEFAULT_MAX_REQUEST_BYTES)
    assert (DEFAULT_HTTP_TIMEOUT.connect, DEFAULT_HTTP_TIMEOUT.read) == (
        _constants.DEFAULT_CONNECT_TIMEOUT,
        _constants.DEFAULT_TIMEOUT,
    )
    # A full batch of 1000 small events fits in a request of the default size.
    assert _constants.DEFAULT_MAX_REQUEST_BYTES >= 1000 * 200


def test_every_constant_is_exported_and_final() -> None:
    public = sorted(name for name in vars(_constants) if name.isupper())
    assert sorted(_constants.__all__) == public
    assert set(_constants.__annotations__) >= set(public)
