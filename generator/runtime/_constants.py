"""Facts about Netmera's REST API and the runtime's defaults.

Every default here can be overridden with a keyword argument of the clients; the names say what each
one is for.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "API_KEY_ENV_VAR",
    "API_KEY_HEADER",
    "DEFAULT_BASE_URL",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_MAX_REQUEST_BYTES",
    "DEFAULT_TIMEOUT",
    "FIRE_EVENTS_PATH",
    "JSON_CONTENT_TYPE",
    "MAX_ERROR_TEXT",
    "MAX_EXT_IDS_PER_REQUEST",
]

# --- Netmera's fireEvents endpoint (documented) ---------------------------------------------------

#: The only documented host. Private deployments pass their own ``base_url``.
DEFAULT_BASE_URL: Final = "https://restapi.netmera.com"
FIRE_EVENTS_PATH: Final = "/rest/3.0/fireEvents"
API_KEY_HEADER: Final = "X-netmera-api-key"
API_KEY_ENV_VAR: Final = "NETMERA_API_KEY"
JSON_CONTENT_TYPE: Final = "application/json"

#: Netmera accepts at most this many distinct external ids (users) in one request.
MAX_EXT_IDS_PER_REQUEST: Final = 1000

# --- Defaults (inferred or chosen by us) ----------------------------------------------------------

#: No request body limit is documented. Half a MiB keeps well under common proxy limits (nginx
#: refuses bodies over 1 MiB by default) while still fitting a full batch of 1000 typical events.
DEFAULT_MAX_REQUEST_BYTES: Final = 512 * 1024

#: Seconds to establish a connection, and seconds for every other phase (write, read, wait for a
#: pooled connection). A request never waits without limit.
DEFAULT_CONNECT_TIMEOUT: Final = 5.0
DEFAULT_TIMEOUT: Final = 10.0

#: Connections kept per client. One client is safe to share between threads; each thread sending at
#: the same time uses its own connection.
DEFAULT_MAX_CONNECTIONS: Final = 10

#: Non-2xx answers whose text is not JSON are quoted in exceptions up to this many characters (an
#: HTML error page from a proxy can be large).
MAX_ERROR_TEXT: Final = 500
