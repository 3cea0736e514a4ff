"""Client configuration: key and base URL sources, settings validation, pool ownership."""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable
from typing import Any, ClassVar

import httpx
import pytest
import respx

import pictory_vimeo as pv

ConnectionJson = Callable[..., dict[str, Any]]
ID = "20251222155613307xv0nodhitf9cd0f"
ITEM_PATH = f"/pictoryapis/v1/vimeo-connections/{ID}"


class RecordingClient(httpx.AsyncClient):
    """An httpx.AsyncClient that remembers every instance made, to inspect the SDK's pool."""

    made: ClassVar[list[RecordingClient]] = []

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        RecordingClient.made.append(self)


@pytest.fixture
def owned_pools(monkeypatch: pytest.MonkeyPatch) -> list[RecordingClient]:
    """The httpx clients the SDK creates for itself during the test."""
    made: list[RecordingClient] = []
    monkeypatch.setattr(RecordingClient, "made", made)
    monkeypatch.setattr(httpx, "AsyncClient", RecordingClient)
    return made


def closed(http: httpx.AsyncClient) -> bool:
    """Whether ``http`` is closed (a call, so each check reads the state afresh)."""
    return http.is_closed


def mock_http(connection_json: ConnectionJson) -> tuple[httpx.AsyncClient, list[httpx.Request]]:
    """A caller's own httpx client (no respx) answering every request with a connection."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=connection_json())

    return httpx.AsyncClient(transport=httpx.MockTransport(answer)), seen


@pytest.mark.anyio
async def test_api_key_argument_wins_over_the_environment(
    router: respx.MockRouter, monkeypatch: pytest.MonkeyPatch, connection_json: ConnectionJson
) -> None:
    """api_key= is sent when given; $PICTORY_API_KEY is used only when it is not."""
    monkeypatch.setenv("PICTORY_API_KEY", "pictai_from_env")
    route = router.get(ITEM_PATH).respond(200, json=connection_json())
    async with pv.AsyncPictoryClient(base_url="https://api.test", transport="httpx") as from_env:
        await from_env.vimeo_connections.get(ID)
    assert route.calls.last.request.headers["Authorization"] == "pictai_from_env"
    async with pv.AsyncPictoryClient(
        "pictai_argument", base_url="https://api.test", transport="httpx"
    ) as given:
        await given.vimeo_connections.get(ID)
    assert route.calls.last.request.headers["Authorization"] == "pictai_argument"


@pytest.mark.parametrize("env", [None, ""])
def test_a_missing_key_names_both_sources(monkeypatch: pytest.MonkeyPatch, env: str | None) -> None:
    """No api_key and no (or an empty) $PICTORY_API_KEY: a ValidationError naming both."""
    if env is not None:
        monkeypatch.setenv("PICTORY_API_KEY", env)
    with pytest.raises(pv.ValidationError) as caught:
        pv.AsyncPictoryClient(transport="httpx")
    assert [e.field for e in caught.value.errors] == ["api_key"]
    assert "api_key" in str(caught.value)
    assert "PICTORY_API_KEY" in str(caught.value)


@pytest.mark.parametrize("key", ["", 12345, b"pictai_bytes"])
def test_an_unusable_key_argument_is_refused(key: object) -> None:
    """An empty or non-string api_key is a ValidationError naming api_key."""
    with pytest.raises(pv.ValidationError, match="api_key"):
        pv.AsyncPictoryClient(api_key=key, transport="httpx")  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_a_foreign_key_logs_a_warning_and_still_works(
    router: respx.MockRouter, caplog: pytest.LogCaptureFixture, connection_json: ConnectionJson
) -> None:
    """A key without pictai_ gets a WARNING log record (not a Python warning) and is used."""
    route = router.get(ITEM_PATH).respond(200, json=connection_json())
    caplog.set_level(logging.WARNING, logger="pictory_vimeo")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        async with pv.AsyncPictoryClient(
            "sk_other_key_1234", base_url="https://api.test", transport="httpx"
        ) as sdk:
            await sdk.vimeo_connections.get(ID)
    warned = [r for r in caplog.records if r.name == "pictory_vimeo"]
    assert [r.levelno for r in warned] == [logging.WARNING]
    assert "pictai_" in warned[0].getMessage()
    assert "sk_other_key_1234" not in warned[0].getMessage()
    assert route.calls.last.request.headers["Authorization"] == "sk_other_key_1234"


def test_a_pictai_key_logs_nothing(caplog: pytest.LogCaptureFixture, api_key: str) -> None:
    """A normal key is accepted silently."""
    caplog.set_level(logging.DEBUG, logger="pictory_vimeo")
    pv.AsyncPictoryClient(api_key=api_key, transport="httpx")
    assert [r for r in caplog.records if r.name == "pictory_vimeo"] == []


def test_base_url_sources(monkeypatch: pytest.MonkeyPatch, api_key: str) -> None:
    """base_url= beats $PICTORY_BASE_URL, which beats https://api.pictory.ai; '/' is trimmed."""
    assert pv.AsyncPictoryClient(api_key, transport="httpx").base_url == "https://api.pictory.ai"
    monkeypatch.setenv("PICTORY_BASE_URL", "http://127.0.0.1:8765/")
    assert pv.AsyncPictoryClient(api_key, transport="httpx").base_url == "http://127.0.0.1:8765"
    given = pv.AsyncPictoryClient(api_key, base_url="https://api.test/", transport="httpx")
    assert given.base_url == "https://api.test"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://api.test",
        "api.pictory.ai",
        "https://",
        "http://[::1",
        "https://api.test/?debug=1",
        "https://api.test/#top",
        42,
    ],
)
def test_an_invalid_base_url_is_refused(api_key: str, url: object) -> None:
    """Anything but an http(s) URL with a host (and no query or fragment) is refused."""
    with pytest.raises(pv.ValidationError) as caught:
        pv.AsyncPictoryClient(api_key, base_url=url, transport="httpx")  # type: ignore[arg-type]
    assert [e.field for e in caught.value.errors] == ["base_url"]


@pytest.mark.parametrize(
    ("settings", "fields"),
    [
        ({"timeout": 0}, ["timeout"]),
        ({"timeout": -1.0}, ["timeout"]),
        ({"timeout": math.nan}, ["timeout"]),
        ({"timeout": "30"}, ["timeout"]),
        ({"timeout": True}, ["timeout"]),
        ({"max_retries": -1}, ["max_retries"]),
        ({"max_retries": 1.5}, ["max_retries"]),
        ({"max_retries": True}, ["max_retries"]),
        ({"max_retries": "2"}, ["max_retries"]),
        ({"timeout": 0, "max_retries": -1}, ["timeout", "max_retries"]),
    ],
)
def test_timeout_and_max_retries_are_checked(
    api_key: str, settings: dict[str, Any], fields: list[str]
) -> None:
    """timeout must be > 0 seconds and max_retries an int >= 0, in the client and with_options."""
    with pytest.raises(pv.ValidationError) as caught:
        pv.AsyncPictoryClient(api_key, **settings, transport="httpx")
    assert [e.field for e in caught.value.errors] == fields
    with pytest.raises(pv.ValidationError) as derived:
        pv.AsyncPictoryClient(api_key, transport="httpx").with_options(**settings)
    assert [e.field for e in derived.value.errors] == fields


def test_defaults_and_accepted_settings(api_key: str) -> None:
    """The defaults are 30 s and 2 retries; an int timeout and 0 retries are fine."""
    sdk = pv.AsyncPictoryClient(api_key, transport="httpx")
    assert (sdk.timeout, sdk.max_retries) == (30.0, 2)
    tuned = pv.AsyncPictoryClient(api_key, timeout=5, max_retries=0, transport="httpx")
    assert (tuned.timeout, tuned.max_retries) == (5.0, 0)
    assert isinstance(tuned.timeout, float)


@pytest.mark.anyio
async def test_async_with_closes_the_owned_pool(
    owned_pools: list[RecordingClient], api_key: str
) -> None:
    """The pool the SDK made is closed on leaving async with, and by aclose()."""
    async with pv.AsyncPictoryClient(api_key, transport="httpx") as sdk:
        assert isinstance(sdk, pv.AsyncPictoryClient)
        assert len(owned_pools) == 1
        assert not closed(owned_pools[0])
    assert closed(owned_pools[0])
    other = pv.AsyncPictoryClient(api_key, transport="httpx")
    await other.aclose()
    assert closed(owned_pools[1])


@pytest.mark.anyio
async def test_a_callers_http_client_is_used_and_left_open(
    api_key: str, connection_json: ConnectionJson
) -> None:
    """Requests go through the caller's httpx client; neither aclose nor async with closes it."""
    http, seen = mock_http(connection_json)
    async with pv.AsyncPictoryClient(api_key, base_url="https://x.test", http_client=http) as sdk:
        got = await sdk.vimeo_connections.get(ID)
    assert got.connection_id == ID
    assert [r.url.raw_path for r in seen] == [ITEM_PATH.encode()]
    assert seen[0].headers["Authorization"] == api_key
    assert not closed(http)
    await sdk.aclose()
    assert not closed(http)
    await http.aclose()


@pytest.mark.anyio
async def test_with_options_shares_the_pool(
    owned_pools: list[RecordingClient],
    router: respx.MockRouter,
    api_key: str,
    connection_json: ConnectionJson,
) -> None:
    """A with_options client sends through the same pool; closing it leaves the pool open."""
    route = router.get(ITEM_PATH).respond(503)
    parent = pv.AsyncPictoryClient(
        api_key, base_url="https://api.test", max_retries=0, transport="httpx"
    )
    derived = parent.with_options(max_retries=3, timeout=10)
    assert len(owned_pools) == 1
    assert (derived.max_retries, derived.timeout, derived.base_url) == (3, 10.0, parent.base_url)
    assert (parent.max_retries, parent.timeout) == (0, 30.0)
    with pytest.raises(pv.InternalServerError):
        await derived.vimeo_connections.get(ID)
    assert route.call_count == 4
    async with derived:
        pass
    await derived.aclose()
    assert not closed(owned_pools[0])
    route.respond(200, json=connection_json())
    assert (await parent.vimeo_connections.get(ID)).connection_id == ID
    await parent.aclose()
    assert closed(owned_pools[0])
    assert len(owned_pools) == 1


@pytest.mark.parametrize(
    "key", ["pictai_SECRETKEY123\n", "pictai_SECRET KEY123", "pictai_SECRETKEYé", "\tpictai_x"]
)
def test_a_key_that_cannot_be_a_header_is_refused_without_echoing_it(key: str) -> None:
    """A key with whitespace or non-ASCII fails at construction, naming the rule, not the key."""
    with pytest.raises(pv.ValidationError) as caught:
        pv.AsyncPictoryClient(api_key=key, base_url="https://api.test", transport="httpx")
    assert [e.field for e in caught.value.errors] == ["api_key"]
    assert "newline" in str(caught.value)
    assert "SECRET" not in str(caught.value)
    assert "SECRET" not in repr(caught.value)


@pytest.mark.anyio
async def test_a_callers_http_client_keeps_its_own_behaviour(
    api_key: str, connection_json: ConnectionJson
) -> None:
    """A caller's client sends through ``send()``: its event hooks run for every request."""
    seen: list[str] = []

    async def hook(request: httpx.Request) -> None:
        seen.append(request.url.path)

    http, _ = mock_http(connection_json)
    http.event_hooks["request"] = [hook]
    async with pv.AsyncPictoryClient(api_key, base_url="https://x.test", http_client=http) as sdk:
        await sdk.vimeo_connections.get(ID)
    assert seen == [ITEM_PATH]
    await http.aclose()


@pytest.mark.anyio
async def test_a_proxy_in_the_environment_is_used_by_the_sdks_own_pool(
    monkeypatch: pytest.MonkeyPatch, api_key: str, unused_loopback_port: int
) -> None:
    """With ``HTTPS_PROXY`` set, requests go to the proxy (here: nothing listens there)."""
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{unused_loopback_port}")
    async with pv.AsyncPictoryClient(
        api_key, "https://api.test", max_retries=0, transport="httpx"
    ) as sdk:
        with pytest.raises(pv.APIConnectionError) as caught:
            await sdk.vimeo_connections.get(ID)
    # Refused by the proxy's port, not a lookup of api.test (which tests never reach).
    assert "loopback only" not in str(caught.value)
