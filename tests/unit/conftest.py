"""Fixtures of the unit suite: an SDK client whose every request lands on a respx router."""

from __future__ import annotations

import socket
import ssl
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
import respx

import pictory_vimeo as pv

ConnectionJson = Callable[..., dict[str, Any]]


@pytest.fixture
def api_key() -> str:
    """The API key every unit-test client sends."""
    return "pictai_unit_test_key"


@pytest.fixture
def base_url() -> str:
    """The base URL every unit-test client talks to (only respx answers there)."""
    return "https://api.test"


@pytest.fixture
def collection_path() -> str:
    """The resource's collection path."""
    return "/pictoryapis/v1/vimeo-connections"


@pytest.fixture(autouse=True)
def sleeps(retry_waits: list[float]) -> list[float]:
    """The retry waits the SDK asked for (the testing mode skips them)."""
    return retry_waits


@pytest.fixture
def unused_loopback_port() -> int:
    """A loopback port nothing listens on (bound, read, released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def router(base_url: str) -> Iterator[respx.MockRouter]:
    """A respx router mocking every httpx request; an unrouted request fails the test."""
    with respx.mock(base_url=base_url, assert_all_called=False) as mock:
        yield mock


@pytest.fixture(scope="session")
def tls_context() -> ssl.SSLContext:
    """One TLS context for the whole run: building one per client is most of a test's time."""
    return ssl.create_default_context()


@pytest.fixture
async def client(
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
def conns(client: pv.AsyncPictoryClient) -> pv.AsyncVimeoConnections:
    """The client's ``vimeo_connections`` resource."""
    return client.vimeo_connections


@pytest.fixture
def connection_json() -> ConnectionJson:
    """A connection object as the API returns it; overrides replace fields, ``...`` drops one."""

    def build(**overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "connectionId": "20251222155613307xv0nodhitf9cd0f",
            "name": "Test Vimeo Connection",
            "description": "Testing Vimeo connection via API",
            "clientIdentifier": "test_client_id_123",
            "type": "VIMEO",
            "enabled": True,
            "createdDate": "2025-12-22T15:56:12.309Z",
            "updatedDate": "2025-12-22T16:19:16.058Z",
            "version": 1,
        }
        body.update(overrides)
        return {key: value for key, value in body.items() if value is not ...}

    return build


@pytest.fixture
def create_args() -> dict[str, Any]:
    """Valid keyword arguments of ``create``, with recognisable secrets."""
    return {
        "name": "Marketing",
        "client_identifier": "client-id-123",
        "client_secret": "SECRET-client-secret-value",
        "access_token": "TOKEN-access-token-value",
    }
