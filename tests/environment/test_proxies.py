"""Proxies: read once when the client is made, with one meaning on every pool.

Every proxy here is the recording relay on 127.0.0.2 (or an address never connected to:
a refusal happens before any connection); a proxied request names a host that does not
exist, and the relay forwards it to the emulator on loopback.
"""

from __future__ import annotations

import base64
import importlib.machinery
import sys
import types
from typing import Any

import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator
from pictory_vimeo._proxies import resolve_proxy
from pictory_vimeo._transports import resolve_name
from tests._support import Pool, threads_started
from tests.environment._relay import Relay

KEY = "pictai_proxies"
REMOTE_HTTP = "http://api.pictory.test"
REMOTE_HTTPS = "https://api.pictory.test"
#: A proxy that no test ever connects to (refusals and decisions happen before that).
FAR_PROXY = "http://10.1.2.3:3128"
FIELDS: dict[str, Any] = {
    "client_identifier": "c",
    "client_secret": "s-proxies",
    "access_token": "t-proxies",
}


def _field(error: pv.ValidationError) -> str:
    (problem,) = error.errors
    return problem.field


def test_a_value_without_a_scheme_means_http(monkeypatch: pytest.MonkeyPatch) -> None:
    """``HTTPS_PROXY=host:port`` is ``http://host:port``, on every pool alike."""
    monkeypatch.setenv("HTTPS_PROXY", "10.1.2.3:3128")
    proxy = resolve_proxy(REMOTE_HTTPS)
    assert proxy is not None
    assert str(proxy.url) == FAR_PROXY
    assert proxy.variable == "HTTPS_PROXY"
    assert proxy.for_httpx().url == proxy.url
    assert proxy.for_aiohttp() == FAR_PROXY


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "http_proxy", "ALL_PROXY"])
@pytest.mark.parametrize("value", ["ftp://user:hunter2@10.1.2.3:21", "socks4://10.1.2.3:1080"])
@pytest.mark.parametrize("transport", ["auto", "aiohttp", "httpx"])
def test_an_unsupported_scheme_is_refused_when_the_client_is_made(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, transport: Pool
) -> None:
    """Whichever variable, base URL or pool: a ``ValidationError`` naming the variable,
    at construction, that never echoes the value (it may hold a password)."""
    monkeypatch.setenv(variable, value)
    for base_url in (REMOTE_HTTPS, "http://127.0.0.1:9"):
        with pytest.raises(pv.ValidationError) as caught:
            pv.AsyncPictoryClient(KEY, base_url, transport=transport)
        assert _field(caught.value) == variable
        assert "hunter2" not in str(caught.value)
        assert value.split("://")[0] in str(caught.value)


def test_the_sync_client_refuses_a_bad_proxy_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """``PictoryClient`` raises the same error and leaves no thread behind."""
    monkeypatch.setenv("HTTP_PROXY", "gopher://10.1.2.3")
    new_threads = threads_started()
    with pytest.raises(pv.ValidationError) as caught:
        pv.PictoryClient(KEY, REMOTE_HTTPS)
    assert _field(caught.value) == "HTTP_PROXY"
    assert new_threads() == 0


@pytest.mark.parametrize("transport", ["auto", "aiohttp", "httpx"])
def test_socks_without_its_extra_is_refused(
    monkeypatch: pytest.MonkeyPatch, transport: Pool
) -> None:
    """A SOCKS proxy without ``socksio`` installed: a ``ValidationError`` naming the
    variable and the extra, not an ``ImportError`` at the first request."""
    monkeypatch.setitem(sys.modules, "socksio", None)  # not installed, whatever the venv has
    monkeypatch.setenv("ALL_PROXY", "socks5://10.1.2.3:1080")
    with pytest.raises(pv.ValidationError) as caught:
        pv.AsyncPictoryClient(KEY, REMOTE_HTTPS, transport=transport)
    assert _field(caught.value) == "ALL_PROXY"
    assert "pictory-vimeo[socks]" in str(caught.value)


def test_socks_with_its_extra_goes_to_httpx_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the extra, ``"auto"`` takes httpx's pool under asyncio (aiohttp speaks HTTP
    proxies only), httpcore2's under trio as always (it speaks SOCKS too), and a forced
    ``transport="aiohttp"`` is refused, naming the variable."""
    installed = types.ModuleType("socksio")  # found, never imported: no pool is opened
    installed.__spec__ = importlib.machinery.ModuleSpec("socksio", None)
    monkeypatch.setitem(sys.modules, "socksio", installed)
    monkeypatch.setenv("ALL_PROXY", "socks5h://10.1.2.3:1080")
    proxy = resolve_proxy(REMOTE_HTTPS)
    assert proxy is not None
    assert proxy.socks
    assert resolve_name("auto", "asyncio", proxy) == "httpx"
    assert resolve_name("auto", "trio", proxy) == "httpcore2"
    with pytest.raises(pv.ValidationError) as caught:
        pv.AsyncPictoryClient(KEY, REMOTE_HTTPS, transport="aiohttp")
    assert _field(caught.value) == "ALL_PROXY"


def test_the_lowercase_variable_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    """As urllib reads them: ``http_proxy`` over ``HTTP_PROXY``; ``ALL_PROXY`` last."""
    monkeypatch.setenv("HTTP_PROXY", "http://10.9.9.9:1")
    monkeypatch.setenv("http_proxy", FAR_PROXY)
    monkeypatch.setenv("ALL_PROXY", "http://10.8.8.8:1")
    proxy = resolve_proxy(REMOTE_HTTP, allow_insecure_http=True)
    assert proxy is not None
    assert (str(proxy.url), proxy.variable) == (FAR_PROXY, "http_proxy")
    proxy = resolve_proxy(REMOTE_HTTPS)
    assert proxy is not None
    assert proxy.variable == "ALL_PROXY"


@pytest.mark.parametrize(
    "no_proxy", ["api.pictory.test", ".pictory.test", "pictory.test", "*", "x.org,api.pictory.test"]
)
def test_no_proxy_is_honoured(monkeypatch: pytest.MonkeyPatch, no_proxy: str) -> None:
    """A host ``NO_PROXY`` names (exactly, by domain, or ``*``) goes directly."""
    monkeypatch.setenv("HTTPS_PROXY", FAR_PROXY)
    monkeypatch.setenv("NO_PROXY", no_proxy)
    assert resolve_proxy(REMOTE_HTTPS) is None
    monkeypatch.setenv("NO_PROXY", "other.test")
    assert resolve_proxy(REMOTE_HTTPS) is not None


@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1:8000",
        "http://localhost",
        "https://LOCALHOST.:8443",
        "http://[::1]:80",
        "https://127.5.0.1",
        "http://[::ffff:127.0.0.1]:8000",
    ],
)
def test_a_loopback_base_url_is_never_proxied(
    monkeypatch: pytest.MonkeyPatch, base_url: str
) -> None:
    """Every proxy variable set, no ``NO_PROXY``: loopback still goes directly."""
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(variable, FAR_PROXY)
    assert resolve_proxy(base_url) is None


def test_plain_http_to_a_proxy_elsewhere_needs_allow_insecure_http(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An ``http://`` base URL through a proxy off this machine would carry the key in clear
    to it: refused like a plain-http base URL. Through a loopback proxy, or to an
    ``https://`` base URL (a ``CONNECT`` tunnel: the key stays in TLS), it is fine."""
    monkeypatch.setenv("HTTP_PROXY", FAR_PROXY)
    monkeypatch.setenv("HTTPS_PROXY", FAR_PROXY)
    with pytest.raises(pv.ValidationError) as caught:
        resolve_proxy(REMOTE_HTTP)
    assert _field(caught.value) == "HTTP_PROXY"
    assert "allow_insecure_http" in str(caught.value)
    assert resolve_proxy(REMOTE_HTTP, allow_insecure_http=True) is not None
    assert resolve_proxy(REMOTE_HTTPS) is not None
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.2:3128")
    assert resolve_proxy(REMOTE_HTTP) is not None


def test_the_proxy_password_is_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither the decision's ``repr`` nor the client's shows the proxy's password."""
    monkeypatch.setenv("HTTPS_PROXY", "http://me:hunter2@10.1.2.3:3128")
    proxy = resolve_proxy(REMOTE_HTTPS)
    assert proxy is not None
    assert "hunter2" not in repr(proxy)
    assert "hunter2" not in repr(pv.AsyncPictoryClient(KEY, REMOTE_HTTPS))


@pytest.mark.anyio
async def test_a_remote_base_url_goes_through_the_proxy(
    monkeypatch: pytest.MonkeyPatch, relay: Relay, sdk_transport: Pool
) -> None:
    """``HTTP_PROXY=host:port`` (no scheme): every request reaches the proxy in absolute
    form, with its credentials, on every pool; the answers come back through it."""
    monkeypatch.setenv("HTTP_PROXY", f"me:s3cret-proxy@{relay.url.removeprefix('http://')}")
    async with pv.AsyncPictoryClient(
        KEY, REMOTE_HTTP, transport=sdk_transport, allow_insecure_http=True
    ) as client:
        conns = client.vimeo_connections
        made = await conns.create(name="via proxy", **FIELDS)
        assert (await conns.get(made.connection_id)).name == "via proxy"
    seen = relay.requests()
    assert [s.method for s in seen] == ["POST", "GET"]
    assert all(s.target.startswith(f"{REMOTE_HTTP}/pictoryapis/") for s in seen)
    expected = "Basic " + base64.b64encode(b"me:s3cret-proxy").decode()
    assert all(s.headers.get("proxy-authorization") == expected for s in seen)
    assert [s.headers.get("authorization") for s in seen] == [KEY, KEY]


@pytest.mark.anyio
async def test_a_loopback_base_url_never_touches_the_proxy(
    monkeypatch: pytest.MonkeyPatch,
    relay: Relay,
    served_in_thread: emulator.RunningEmulator,
    sdk_transport: Pool,
) -> None:
    """Every proxy variable names the relay: the emulator on 127.0.0.1 is still reached
    directly, and the relay sees nothing."""
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(variable, relay.url)
    async with pv.AsyncPictoryClient(
        KEY, served_in_thread.base_url, transport=sdk_transport
    ) as client:
        made = await client.vimeo_connections.create(name="direct", **FIELDS)
        assert made.name == "direct"
    assert relay.requests() == []


@pytest.mark.anyio
async def test_an_https_base_url_tunnels_through_an_http_proxy(
    monkeypatch: pytest.MonkeyPatch, relay: Relay, sdk_transport: Pool
) -> None:
    """An ``https://`` base URL through an ``http://`` proxy asks for a ``CONNECT`` tunnel:
    the proxy sees the host and port, never the key (here it refuses: no TLS server)."""
    monkeypatch.setenv("HTTPS_PROXY", relay.url)
    async with pv.AsyncPictoryClient(
        KEY, REMOTE_HTTPS, transport=sdk_transport, max_retries=0, timeout=10
    ) as client:
        with pytest.raises(pv.APIConnectionError):
            await client.vimeo_connections.get("c1")
    (seen,) = relay.requests()
    assert (seen.method, seen.target) == ("CONNECT", "api.pictory.test:443")
    assert "authorization" not in seen.headers
    assert KEY not in repr(seen)


@pytest.mark.anyio
async def test_no_proxy_sends_a_remote_host_directly(
    monkeypatch: pytest.MonkeyPatch, relay: Relay, sdk_transport: Pool
) -> None:
    """A host in ``NO_PROXY`` is reached directly, not through the proxy (here the test
    guard refuses to resolve it, so nothing leaves the machine)."""
    monkeypatch.setenv("HTTP_PROXY", relay.url)
    monkeypatch.setenv("no_proxy", "localhost,api.pictory.test")
    async with pv.AsyncPictoryClient(
        KEY, REMOTE_HTTP, transport=sdk_transport, allow_insecure_http=True, max_retries=0
    ) as client:
        with pytest.raises(pv.APIConnectionError):
            await client.vimeo_connections.get("c1")
    assert relay.requests() == []
