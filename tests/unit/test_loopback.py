"""One loopback rule for the SDK's plain-http check and the emulator's control routes."""

from __future__ import annotations

import pytest

from pictory_vimeo._loopback import is_loopback


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.255.255.254", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),
        ("[::ffff:127.9.9.9]", True),
        ("localhost.", True),
        ("LOCALHOST", True),
        ("127.0.0.1.", True),
        ("::ffff:10.0.0.1", False),
        ("0.0.0.0", False),  # noqa: S104 - a host to judge, not one to bind
        ("localhost.example.com", False),
        ("[::2]", False),
        ("", False),
    ],
)
def test_brackets_case_trailing_dots_and_mapped_addresses_are_read_alike(
    host: str, loopback: bool
) -> None:
    """The same answer whichever way a URL or a socket spells the host."""
    assert is_loopback(host) is loopback
