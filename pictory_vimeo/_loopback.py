"""Whether a host names this machine: one rule for the SDK and the emulator.

The SDK sends the key over plain http only to loopback and never proxies a loopback base
URL; the emulator opens its control routes to loopback callers only. Both ask this module,
which imports nothing else of the package, so the emulator may use it.
"""

from __future__ import annotations

import ipaddress

__all__ = ["is_loopback"]


def is_loopback(host: str) -> bool:
    """Whether ``host`` is ``localhost``, in ``127.0.0.0/8``, ``::1`` or ``::ffff:127.x.y.z``.

    Brackets around an IPv6 literal, a trailing dot and letter case are ignored.
    """
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback
