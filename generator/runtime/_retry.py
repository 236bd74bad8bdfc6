"""When to try a request again, and how long to wait first.

Only failures that may be temporary are retried: connection errors and timeouts, 5xx, 408 and 429. A
400 or a 403 means the request itself is wrong and is never retried. fireEvents has no idempotency
key, so a retry after a timeout or a 5xx can record events twice on Netmera's side; results and
counters report how many events were re-sent so that the possible duplicates are known.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

__all__ = ["NO_RETRIES", "RetryPolicy"]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter, a cap per wait, a cap on attempts and a total time budget.

    Before attempt ``n + 1`` the wait is ``min(max_delay, initial_delay * 2 ** (n - 1))``, shortened
    by a random fraction of up to ``jitter`` so that many clients failing together do not retry
    together; a ``Retry-After`` from the server raises the wait to at least what it asked. No
    attempt starts after ``total_timeout`` seconds from the first one, and an attempt under way is cut
    short when they are up: one batch never holds a call longer than ``total_timeout`` or, if that
    is longer, the client's request timeout (which bounds every attempt as a whole).
    """

    max_attempts: int = 5
    initial_delay: float = 0.5
    max_delay: float = 10.0
    total_timeout: float = 30.0
    jitter: float = 0.5

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1 (1 means no retries)")
        for name in ("initial_delay", "max_delay", "total_timeout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"{name} must be a number of seconds, not {value!r}")
            # NaN compares false with everything and infinity never arrives: a deadline computed
            # from either would not bound anything.
            if not math.isfinite(value) or value < 0:
                raise ValueError(
                    f"{name} must be a finite number of seconds, 0 or more, not {value!r}"
                )
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("jitter must be between 0 and 1")

    def delay_before_retry(
        self,
        attempts: int,
        elapsed: float,
        retry_after: float | None = None,
        rng: random.Random | None = None,
    ) -> float | None:
        """Seconds to wait after ``attempts`` failed attempts, or ``None`` when no further attempt
        may start."""
        if attempts >= self.max_attempts:
            return None
        backoff = min(self.max_delay, self.initial_delay * 2.0 ** (attempts - 1))
        backoff *= 1.0 - self.jitter * (rng or _RNG).random()
        delay = max(backoff, retry_after or 0.0)
        if elapsed + delay > self.total_timeout:
            return None
        return delay


#: The default used by both clients and the background sender.
DEFAULT_RETRY_POLICY = RetryPolicy()

#: One attempt only.
NO_RETRIES = RetryPolicy(max_attempts=1)

_RNG = random.Random()


def is_retryable_status(status_code: int) -> bool:
    """5xx, 408 (request timeout) and 429 (too many requests) may succeed later; nothing else."""
    return status_code >= 500 or status_code in (408, 429)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), ``None`` if absent or
    unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = moment.timestamp() - time.time()
    if math.isnan(seconds):
        return None
    # A wait longer than the retry budget is not shortened: the policy then gives up and the error
    # carries it.
    return max(0.0, seconds)
