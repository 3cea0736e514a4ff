"""The SDK's log records, and the ``PICTORY_LOG`` switch that shows them on stderr.

Every record goes to the ``pictory_vimeo`` logger and carries its facts twice: in the
message, and as ``pictory_*`` attributes for structured logging. No record is ever built
from a key, a header or a body, so none can hold a secret.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Final

from ._config import LOG_ENV
from ._names import LOGGER_NAME

__all__ = ["configure_from_environment", "log_attempt", "log_conflict", "log_retry", "logger"]

#: The SDK's logger.
logger: Final = logging.getLogger(LOGGER_NAME)
_LEVELS: Final = {"debug": logging.DEBUG, "info": logging.INFO}
_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _EnvironmentHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The stderr handler ``PICTORY_LOG`` adds; a class of its own so it is added once."""


def configure_from_environment() -> None:
    """With ``PICTORY_LOG=debug`` or ``info``, log the SDK's records to stderr at that level.

    Done once, at import; does nothing when the variable is unset, or when such a handler
    is already attached. An unknown value is ignored rather than breaking an import.
    """
    level = _LEVELS.get(os.environ.get(LOG_ENV, "").strip().lower())
    if level is None or any(isinstance(h, _EnvironmentHandler) for h in logger.handlers):
        return
    handler = _EnvironmentHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.setLevel(level)
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > level:
        logger.setLevel(level)


def log_attempt(
    method: str, path: str, attempt: int, outcome: int | str, elapsed_ms: float | None = None
) -> None:
    """One DEBUG line per attempt; ``outcome`` is the status, or what ended it without one."""
    if not logger.isEnabledFor(logging.DEBUG):
        return
    extra = {
        "pictory_event": "attempt",
        "pictory_method": method,
        "pictory_path": path,
        "pictory_attempt": attempt,
        "pictory_status": outcome if isinstance(outcome, int) else None,
        "pictory_outcome": str(outcome),
        "pictory_elapsed_ms": elapsed_ms,
    }
    if elapsed_ms is None:
        logger.debug("%s %s -> %s (attempt %d)", method, path, outcome, attempt, extra=extra)
    else:
        logger.debug(
            "%s %s -> %s (%.1f ms, attempt %d)",
            method,
            path,
            outcome,
            elapsed_ms,
            attempt,
            extra=extra,
        )


def log_retry(
    method: str, path: str, attempt: int, max_attempts: int, wait: float, reason: str
) -> None:
    """One DEBUG line before each retry: what failed and how long the wait is."""
    if not logger.isEnabledFor(logging.DEBUG):
        return
    logger.debug(
        "retrying %s %s in %.2f s: attempt %d of %d failed (%s)",
        method,
        path,
        wait,
        attempt,
        max_attempts,
        reason,
        extra={
            "pictory_event": "retry",
            "pictory_method": method,
            "pictory_path": path,
            "pictory_attempt": attempt,
            "pictory_wait_s": wait,
            "pictory_reason": reason,
        },
    )


def log_conflict(connection_id: str, attempt: int, max_attempts: int, wait: float | None) -> None:
    """One DEBUG line per version conflict ``optimistic_update`` meets (and its wait, if any)."""
    if not logger.isEnabledFor(logging.DEBUG):
        return
    then = "giving up" if wait is None else f"trying again in {wait:.2f} s"
    logger.debug(
        "optimistic update of %s: version conflict on attempt %d of %d; %s",
        connection_id,
        attempt,
        max_attempts,
        then,
        extra={
            "pictory_event": "conflict",
            "pictory_connection_id": connection_id,
            "pictory_attempt": attempt,
            "pictory_wait_s": wait,
        },
    )
