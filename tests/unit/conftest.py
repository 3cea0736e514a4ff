"""Fixtures of the unit suite: an SDK client whose every request lands on the root conftest's
respx router (``router``, ``api_key``, ``base_url``, ``tls_context`` and ``connection_json``
come from there).
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx

import pictory_vimeo as pv


@pytest.fixture
def unused_loopback_port() -> int:
    """A loopback port nothing listens on (bound, read, released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
async def respx_client(
    router: respx.MockRouter, api_key: str, base_url: str, tls_context: ssl.SSLContext
) -> AsyncIterator[pv.AsyncPictoryClient]:
    """An SDK client on the router, with no retries so each call is exactly one request.

    It runs over its own httpx client with the shared TLS context; the SDK-owned pool is
    covered by the client-configuration tests.
    """
    async with (
        httpx.AsyncClient(verify=tls_context) as http,
        pv.AsyncPictoryClient(
            api_key=api_key, base_url=base_url, max_retries=0, http_client=http
        ) as sdk,
    ):
        yield sdk


@pytest.fixture
def conns(respx_client: pv.AsyncPictoryClient) -> pv.AsyncVimeoConnections:
    """The client's ``vimeo_connections`` resource."""
    return respx_client.vimeo_connections


@pytest.fixture
def create_args() -> dict[str, Any]:
    """Valid keyword arguments of ``create``, with recognisable secrets."""
    return {
        "name": "Marketing",
        "client_identifier": "client-id-123",
        "client_secret": "SECRET-client-secret-value",
        "access_token": "TOKEN-access-token-value",
    }
