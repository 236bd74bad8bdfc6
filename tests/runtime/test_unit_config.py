"""Client settings checked at construction, imported from the runtime's source (no server needed)."""

from __future__ import annotations

import pickle
import warnings

import httpx
import pytest

from netmera_codegen.runtime._config import (
    DEFAULT_HTTP_TIMEOUT,
    ClientSettings,
    Secret,
    fire_events_url,
    resolve_api_key,
    resolve_timeout,
)
from netmera_codegen.runtime._constants import API_KEY_ENV_VAR, DEFAULT_CONNECT_TIMEOUT
from netmera_codegen.runtime._errors import InsecureBaseURLWarning
from netmera_codegen.runtime._retry import NO_RETRIES


def test_a_secret_never_shows_itself() -> None:
    secret = Secret("key-0123456789")
    assert "0123456789" not in repr(secret) + str(secret) + f"{secret}"
    assert secret.reveal() == "key-0123456789"
    assert secret.redact("server said key-0123456789 is wrong") == "server said ******** is wrong"
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(secret)


def test_the_key_comes_from_the_argument_or_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(API_KEY_ENV_VAR, " from-env\n")
    assert resolve_api_key(None).reveal() == "from-env"
    assert resolve_api_key("given").reveal() == "given"
    monkeypatch.delenv(API_KEY_ENV_VAR)
    with pytest.raises(ValueError, match=API_KEY_ENV_VAR):
        resolve_api_key(None)


def test_a_key_that_cannot_travel_in_a_header_is_refused_without_quoting_it() -> None:
    with pytest.raises(ValueError, match="cannot be sent in an HTTP header") as caught:
        resolve_api_key("bad\x00key-zzz")
    assert "zzz" not in str(caught.value)


def test_the_fire_events_url_is_under_the_base_url() -> None:
    assert fire_events_url("https://restapi.netmera.com") == "https://restapi.netmera.com/rest/3.0/fireEvents"
    assert fire_events_url("https://proxy.example/netmera/") == "https://proxy.example/netmera/rest/3.0/fireEvents"
    for bad in ("ftp://host", "https://", "https://host/?q=1", "not a url"):
        with pytest.raises(ValueError, match="base_url"):
            fire_events_url(bad)


def test_plain_http_warns_except_on_loopback() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for local in ("http://127.0.0.1:8080", "http://localhost", "http://[::1]:1"):
            fire_events_url(local)
    with pytest.warns(InsecureBaseURLWarning):
        fire_events_url("http://netmera.internal")


def test_timeouts_must_bound_every_phase() -> None:
    assert resolve_timeout(3.0) == httpx.Timeout(3.0)
    assert DEFAULT_HTTP_TIMEOUT.connect == DEFAULT_CONNECT_TIMEOUT
    for bad in (None, 0, -1.0, httpx.Timeout(None)):
        with pytest.raises(ValueError):
            resolve_timeout(bad)  # type: ignore[arg-type]


def test_settings_are_checked_once_and_hold_the_key_only_as_a_secret() -> None:
    settings = ClientSettings.create(
        api_key="k",
        base_url="https://restapi.netmera.com",
        timeout=2.0,
        retry=NO_RETRIES,
        max_ext_ids_per_request=10,
        max_request_bytes=4096,
        isolate_rejected=True,
        max_connections=2,
    )
    assert settings.url.endswith("/rest/3.0/fireEvents") and settings.batch_limits.max_ext_ids == 10
    assert isinstance(settings.api_key, Secret) and settings.api_key.reveal() == "k"
    assert "'k'" not in repr(settings)
    with pytest.raises(ValueError, match="max_connections"):
        ClientSettings.create(
            api_key="k",
            base_url="https://restapi.netmera.com",
            timeout=2.0,
            retry=NO_RETRIES,
            max_ext_ids_per_request=10,
            max_request_bytes=4096,
            isolate_rejected=True,
            max_connections=0,
        )
