"""Process-wide settings: the testing mode that turns off retry waits.

Like stamina's, so the test suites of applications built on this SDK run retries (and
``optimistic_update``'s conflict backoff) at full speed without patching anything private.
"""

from __future__ import annotations

__all__ = ["is_testing", "set_testing"]


class _Config:
    """The mutable process-wide state, kept in one object so it is easy to find."""

    testing: bool = False


_CONFIG = _Config()


def set_testing(testing: bool) -> None:
    """Turn the testing mode on or off: when on, the SDK never waits between attempts.

    Retries still happen, as often as ``max_retries`` allows, and ``Retry-After`` is still
    checked against its cap and the call's deadline; only the waiting is skipped.
    """
    if not isinstance(testing, bool):
        raise TypeError(f"testing must be True or False (got {type(testing).__name__})")
    _CONFIG.testing = testing


def is_testing() -> bool:
    """Whether the testing mode is on."""
    return _CONFIG.testing
