"""Fault injection: latency, random server errors, per-account rate limits, dropped answers.

Every random choice comes from one ``random.Random`` (seeded through ``Emulator(seed=...)``)
so a test sees the same faults on every run; a lock guards it, the token buckets and the
counters, because the server thread and the caller's thread both reach them.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Final, Literal, TypeGuard, get_args

import anyio
import attrs

from .. import _rules
from ._http import DROP_KINDS, DropKind, settings_from_json

__all__ = [
    "DROP_MODES",
    "FAULT_FIELDS",
    "DropMode",
    "FaultInjector",
    "Faults",
    "InjectedError",
    "faults_from_json",
    "latency_sleep",
]

#: Faults field -> its JSON name on the control route.
FAULT_FIELDS: Final = {
    "latency_ms": "latencyMs",
    "error_rate": "errorRate",
    "rate_limit": "rateLimit",
    "drop_after_commit_rate": "dropAfterCommitRate",
    "latency_jitter_ms": "latencyJitterMs",
    "drop_after_commit_mode": "dropAfterCommitMode",
}
#: How a randomly dropped answer is lost: always one ``DropKind``, or (``"mixed"``) one of
#: the three drawn anew for each drop.
DropMode = Literal["close", "cut", "reset", "mixed"]
DROP_MODES: Final[tuple[DropMode, ...]] = get_args(DropMode)
_ERROR_STATUSES: Final = (500, 502, 503)
_MAX_LATENCY_MS: Final = 600_000


def _number(value: object) -> TypeGuard[int | float]:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float: no use as a setting
        return False


def _latency(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not (_number(value) and 0 <= value <= _MAX_LATENCY_MS):
        raise ValueError(
            f"{attribute.name} must be a number of milliseconds from 0 to {_MAX_LATENCY_MS}"
            f" (got {value!r:.60})"
        )


def _probability(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not (_number(value) and 0 <= value <= 1):
        raise ValueError(f"{attribute.name} must be a number from 0 to 1 (got {value!r:.60})")


def _rate(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not (_number(value) and value > 0):
        raise ValueError(
            f"{attribute.name} must be a number > 0, or None for no limit (got {value!r:.60})"
        )


def _drop_mode(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value not in DROP_MODES:
        shown = ", ".join(repr(mode) for mode in DROP_MODES)
        raise ValueError(f"{attribute.name} must be one of {shown} (got {value!r:.60})")


@attrs.frozen
class Faults:
    """What the emulator does wrong on purpose. The defaults do nothing wrong.

    ``latency_ms`` delays every API request; ``error_rate`` is the chance of a 500/502/503
    before anything changes; ``rate_limit`` is requests per second per account (``None``: no
    limit); ``drop_after_commit_rate`` is the chance that a successful write is applied and
    then its answer is lost, in the way ``drop_after_commit_mode`` says (``"close"``: the
    connection closed before the answer's first byte; ``"cut"``: closed after the status
    line and part of the body; ``"reset"``: a TCP reset; ``"mixed"``, the default: one of
    the three drawn for each drop, since a real network loses answers in all these ways);
    ``latency_jitter_ms`` adds a random extra delay of up to that much to each request,
    drawn anew every time (so requests sent together are handled in a shuffled order).
    """

    latency_ms: float = attrs.field(default=0.0, validator=_latency)
    error_rate: float = attrs.field(default=0.0, validator=_probability)
    rate_limit: float | None = attrs.field(default=None, validator=_rate)
    drop_after_commit_rate: float = attrs.field(default=0.0, validator=_probability)
    latency_jitter_ms: float = attrs.field(default=0.0, validator=_latency)
    drop_after_commit_mode: DropMode = attrs.field(default="mixed", validator=_drop_mode)

    def to_json(self) -> dict[str, float | str | None]:
        """The control route's view: camelCase keys."""
        return {api: getattr(self, field) for field, api in FAULT_FIELDS.items()}


def faults_from_json(current: Faults, body: Mapping[str, Any]) -> Faults | list[_rules.FieldError]:
    """``current`` with the JSON subset ``body`` applied, or every problem with ``body``."""
    changes, problems = settings_from_json(
        body,
        FAULT_FIELDS,
        lambda field, value: attrs.evolve(current, **{field: value}),
        "is not a fault setting",
    )
    return problems or attrs.evolve(current, **changes)


async def latency_sleep(seconds: float) -> None:
    """Delay a request; looked up at call time, so tests can record delays instead."""
    await anyio.sleep(seconds)


@attrs.frozen
class InjectedError:
    """A server error to answer instead of handling the request."""

    status: int
    html: bool


@attrs.define
class _Bucket:
    tokens: float
    stamp: float


def _zero_counts() -> dict[str, int]:
    return {"requests": 0, "errors": 0, "rateLimited": 0, "dropped": 0}


class FaultInjector:
    """Decides, request by request, which fault (if any) happens, and counts them."""

    def __init__(
        self,
        faults: Faults,
        seed: int | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lock = threading.Lock()
        self._faults = faults
        self._rng = random.Random(seed)
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._counts = _zero_counts()

    @property
    def faults(self) -> Faults:
        """The fault settings in force."""
        return self._faults

    def set_faults(self, faults: Faults) -> None:
        """Put new settings in force; rate-limit buckets start afresh."""
        with self._lock:
            self._faults = faults
            self._buckets.clear()

    def request_seen(self) -> float:
        """Count one API request; return how long to delay it, in seconds."""
        faults = self._faults
        extra = 0.0
        with self._lock:
            self._counts["requests"] += 1
            if faults.latency_jitter_ms > 0:
                extra = self._rng.uniform(0.0, float(faults.latency_jitter_ms))
        return (float(faults.latency_ms) + extra) / 1000.0

    def retry_after(self, account: str) -> int | None:
        """Take a token from the account's bucket; if it is empty, the whole seconds to wait."""
        rate = self._faults.rate_limit
        if rate is None:
            return None
        capacity = max(1.0, float(rate))  # a second's worth of requests may come in a burst
        with self._lock:
            now = self._clock()
            bucket = self._buckets.setdefault(account, _Bucket(capacity, now))
            bucket.tokens = min(capacity, bucket.tokens + (now - bucket.stamp) * rate)
            bucket.stamp = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return None
            self._counts["rateLimited"] += 1
            return max(1, math.ceil((1.0 - bucket.tokens) / rate))

    def injected_error(self) -> InjectedError | None:
        """A server error to answer with, by ``error_rate``; ``None`` most of the time."""
        rate = self._faults.error_rate
        if rate <= 0:
            return None
        with self._lock:
            if self._rng.random() >= rate:
                return None
            error = InjectedError(self._rng.choice(_ERROR_STATUSES), self._rng.random() < 0.5)
            self._counts["errors"] += 1
            return error

    def drop_now(self) -> DropKind | None:
        """How to lose the answer of this committed write, by the drop rate and mode; ``None``
        (most of the time): answer it.
        """
        faults = self._faults
        if faults.drop_after_commit_rate <= 0:
            return None
        with self._lock:
            if self._rng.random() >= faults.drop_after_commit_rate:
                return None
            self._counts["dropped"] += 1
            mode = faults.drop_after_commit_mode
            return self._rng.choice(DROP_KINDS) if mode == "mixed" else mode

    def count_scripted(self, status: int | None) -> None:
        """Count a scripted failure under its kind: a 5xx, a 429, or (``None``) a drop."""
        counter = {None: "dropped", 429: "rateLimited"}.get(status)
        if counter is None and status is not None and status >= 500:
            counter = "errors"
        if counter is not None:
            with self._lock:
                self._counts[counter] += 1

    def stats(self) -> dict[str, int]:
        """The counters: requests, injected errors, rate-limited requests, dropped answers."""
        with self._lock:
            return dict(self._counts)

    def reset(self) -> None:
        """Zero the counters and empty the rate-limit buckets."""
        with self._lock:
            self._counts = _zero_counts()
            self._buckets.clear()
