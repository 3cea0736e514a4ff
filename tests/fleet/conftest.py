"""Fixtures of the fleet suite (retry budget, send rate, traces, stats): the root
conftest's ``served`` emulator over loopback and ``make_client``, on every pool.
"""

from __future__ import annotations
