"""When to retry, how long to wait (backoff with jitter, Retry-After first), and the loop."""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})

# By default a server that answers 429 or 503 is taken not to have acted, so even a POST may be
# sent again. Writes pass their template's own list (`rejected_before_acting` in the catalogue):
# a gateway that times out answers 503 while the application behind it commits.
NOT_ACTED_STATUSES = frozenset({429, 503})
RETRIABLE_STATUSES = frozenset({429, 500, 502, 503, 504})

# Errors raised before the request could reach the server: safe to retry for any method.
NOT_SENT_ERRORS: tuple[type[Exception], ...] = (httpx.ConnectError, httpx.ConnectTimeout)
# Errors after the request may have reached the server: retry only idempotent requests.
MAYBE_SENT_ERRORS: tuple[type[Exception], ...] = (
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.PoolTimeout,
)


def status_is_retriable(
    status: int, idempotent: bool, not_acted: frozenset[int] = NOT_ACTED_STATUSES
) -> bool:
    """True when a response with `status` may be retried for this kind of request.

    `not_acted`: statuses that prove a non-idempotent request was refused before acting.
    """
    if status not in RETRIABLE_STATUSES:
        return False
    return idempotent or status in not_acted


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Seconds asked for by a Retry-After header (delta seconds or HTTP date), if any.

    None when there is none, it cannot be read, or it asks for no wait (0, negative, a date
    past): the normal backoff applies then. It may be `inf` (`inf`, `1e999`, a far date): the
    caller bounds it (`bounded_wait`)."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
            seconds = float(when.timestamp()) - time.time()
        except (TypeError, ValueError, OverflowError, IndexError):
            return None
    if math.isnan(seconds) or seconds <= 0:
        return None
    return seconds


def bounded_wait(asked: float, least: float, most: float) -> float | None:
    """A server's wait clamped up to `least`; None when it is beyond `most` (give up now)."""
    if not asked <= most:  # inf included
        return None
    return max(asked, least)


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Delay before retry number `attempt` (1-based): half fixed, half jitter, doubling, capped."""
    ceiling = min(cap, base * 2.0 ** (attempt - 1))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to try: attempts and total time are both bounded (as stamina does)."""

    max_attempts: int
    max_seconds: float
    backoff_base: float
    backoff_cap: float

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """The wait after failed attempt number `attempt` when the server asked for none."""
        return backoff_delay(attempt, self.backoff_base, self.backoff_cap, rng)


@dataclass(frozen=True, slots=True)
class Retry:
    """An attempt that failed in a way that may be tried again.

    `wait` is what the server asked for (Retry-After); `fallback` is returned instead of raising
    when the attempts run out (an error response the caller asked to see).
    """

    failure: Exception
    reason: str
    wait: float | None = None
    fallback: httpx.Response | None = None


def retry_loop(
    attempt: Callable[[int], httpx.Response | Retry],
    policy: RetryPolicy,
    *,
    backoff: Callable[[int], float],
    give_up: Callable[[Retry, int], Exception],
    on_retry: Callable[[Retry, int, float], None],
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> httpx.Response:
    """Call `attempt(1)`, `attempt(2)`, ... until it returns a result or the policy says stop."""
    started = clock()
    number = 0
    while True:
        number += 1
        outcome = attempt(number)
        if not isinstance(outcome, Retry):
            return outcome
        delay = outcome.wait if outcome.wait is not None else backoff(number)
        out_of_time = clock() - started + delay > policy.max_seconds
        if number >= policy.max_attempts or out_of_time:
            if outcome.fallback is not None:
                return outcome.fallback
            raise give_up(outcome, number)
        on_retry(outcome, number, delay)
        sleep(delay)
