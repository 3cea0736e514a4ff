"""Per-call ``timeout=``, ``max_retries=``, ``extra_headers=``; ``with_options``; ``validate``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio
import httpx
import pytest
import respx

import pictory_vimeo as pv

ConnectionJson = Callable[..., dict[str, Any]]

pytestmark = pytest.mark.anyio

ID = "20251222155613307xv0nodhitf9cd0f"
ITEM_PATH = f"/pictoryapis/v1/vimeo-connections/{ID}"
COLLECTION = "/pictoryapis/v1/vimeo-connections"


async def test_max_retries_per_call_overrides_the_clients(
    router: respx.MockRouter, api_key: str, base_url: str
) -> None:
    """``max_retries=`` on one call changes that call only."""
    route = router.get(ITEM_PATH).respond(503)
    async with pv.AsyncPictoryClient(api_key, base_url, max_retries=1, transport="httpx") as sdk:
        with pytest.raises(pv.InternalServerError) as caught:
            await sdk.vimeo_connections.get(ID, max_retries=4)
        assert caught.value.attempts == 5
        assert route.call_count == 5
        with pytest.raises(pv.InternalServerError):
            await sdk.vimeo_connections.get(ID)
        assert route.call_count == 7  # the client's own setting: one retry


async def test_timeout_per_call_bounds_that_call(
    router: respx.MockRouter, api_key: str, base_url: str, connection_json: ConnectionJson
) -> None:
    """``timeout=`` is that call's whole deadline; the next call has the client's again."""

    async def slow(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(0.3)
        return httpx.Response(200, json=connection_json())

    router.get(ITEM_PATH).mock(side_effect=slow)
    async with pv.AsyncPictoryClient(api_key, base_url, transport="httpx") as sdk:
        with pytest.raises(pv.APITimeoutError, match="deadline passed"):
            await sdk.vimeo_connections.get(ID, timeout=0.05, max_retries=0)
        assert (await sdk.vimeo_connections.get(ID)).connection_id == ID


async def test_extra_headers_ride_on_one_call_only(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections, connection_json: ConnectionJson
) -> None:
    """``extra_headers=`` are sent with that call, on top of the client's headers."""
    route = router.get(ITEM_PATH).respond(200, json=connection_json())
    await conns.get(ID, extra_headers={"X-Trace": "abc", "Accept-Language": "de"})
    await conns.get(ID)
    first, second = (call.request for call in route.calls)
    assert first.headers["X-Trace"] == "abc"
    assert first.headers["Accept-Language"] == "de"
    assert first.headers["Accept"] == "application/json"
    assert "X-Trace" not in second.headers


@pytest.mark.parametrize("spelling", ["Authorization", "authorization", "AUTHORIZATION"])
async def test_extra_headers_can_never_replace_the_key(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections, spelling: str
) -> None:
    """Any spelling of Authorization is refused before anything is sent."""
    route = router.route()
    with pytest.raises(pv.ValidationError, match="extra_headers: cannot set Authorization"):
        await conns.get(ID, extra_headers={spelling: "pictai_someone_else"})
    assert route.call_count == 0


@pytest.mark.parametrize(
    "headers",
    [{"X-Bad": "line\r\nbreak"}, {"Bad Name": "x"}, {"X-Number": 1}, ["not", "a", "mapping"]],
)
async def test_unsendable_extra_headers_are_refused(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections, headers: Any
) -> None:
    """A header that cannot be sent is a ValidationError naming extra_headers, not a crash."""
    with pytest.raises(pv.ValidationError) as caught:
        await conns.get(ID, extra_headers=headers)
    assert [e.field for e in caught.value.errors] == ["extra_headers"]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"timeout": 0}, "timeout"),
        ({"timeout": "5"}, "timeout"),
        ({"max_retries": -1}, "max_retries"),
    ],
)
async def test_bad_per_call_settings_are_refused_before_sending(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections, options: dict[str, Any], field: str
) -> None:
    """Per-call settings get the client's own checks."""
    route = router.route()
    with pytest.raises(pv.ValidationError) as caught:
        await conns.get(ID, **options)
    assert [e.field for e in caught.value.errors] == [field]
    assert route.call_count == 0


async def test_every_method_takes_the_per_call_settings(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections, connection_json: ConnectionJson
) -> None:
    """create, get, list_page, list, update and delete all accept and send them."""
    router.post(COLLECTION).respond(201, json=connection_json())
    router.get(COLLECTION).respond(200, json={"Items": [connection_json()]})
    router.get(ITEM_PATH).respond(200, json=connection_json())
    router.put(ITEM_PATH).respond(200, json=connection_json(version=2))
    router.delete(ITEM_PATH).respond(204)
    per_call: dict[str, Any] = {"timeout": 5, "max_retries": 0, "extra_headers": {"X-Op": "1"}}
    await conns.create(
        name="N", client_identifier="c", client_secret="s", access_token="t", **per_call
    )
    await conns.get(ID, **per_call)
    await conns.list_page(**per_call)
    assert [c.connection_id async for c in conns.list(**per_call)] == [ID]
    await conns.update(ID, version=1, enabled=False, **per_call)
    await conns.delete(ID, **per_call)
    assert all(call.request.headers["X-Op"] == "1" for call in router.calls)
    assert len(router.calls) == 6


async def test_with_options_takes_headers_and_concurrency_and_shares_the_pool(
    router: respx.MockRouter, api_key: str, base_url: str, connection_json: ConnectionJson
) -> None:
    """``with_options`` replaces default headers and concurrency; both clients share one pool."""
    route = router.get(ITEM_PATH).respond(200, json=connection_json())
    parent = pv.AsyncPictoryClient(
        api_key, base_url, default_headers={"X-Team": "a"}, transport="httpx"
    )
    child = parent.with_options(
        default_headers={"X-Team": "b"}, max_concurrency=3, timeout=9, validate=False
    )
    assert (child.max_concurrency, child.timeout, child.validate) == (3, 9.0, False)
    # Unset, max_concurrency is the pool's own best: 16 on httpx's.
    assert (parent.max_concurrency, parent.timeout, parent.validate) == (16, 30.0, True)
    assert parent.with_options(timeout=1).max_concurrency == 16
    assert child.transport == parent.transport == "httpx"
    await parent.vimeo_connections.get(ID)
    await child.vimeo_connections.get(ID)
    assert [c.request.headers["X-Team"] for c in route.calls] == ["a", "b"]
    with pytest.raises(pv.ValidationError) as caught:
        parent.with_options(max_concurrency=0, default_headers={"Authorization": "x"})
    assert {e.field for e in caught.value.errors} == {"max_concurrency", "default_headers"}
    await child.aclose()
    await parent.vimeo_connections.get(ID)  # the child's close leaves the shared pool open
    await parent.aclose()


async def test_validate_false_sends_what_the_rules_would_refuse(
    router: respx.MockRouter, api_key: str, base_url: str, connection_json: ConnectionJson
) -> None:
    """``validate=False`` sends a non-ASCII name; ID escaping and header checks stay on."""
    route = router.post(COLLECTION).respond(201, json=connection_json(name="Café"))
    strict = pv.AsyncPictoryClient(api_key, base_url, transport="httpx")
    with pytest.raises(pv.ValidationError, match="name"):
        await strict.vimeo_connections.create(
            name="Café", client_identifier="c", client_secret="s", access_token="t"
        )
    assert route.call_count == 0
    relaxed = strict.with_options(validate=False)
    made = await relaxed.vimeo_connections.create(
        name="Café", client_identifier="c", client_secret="s", access_token="t"
    )
    assert made.name == "Café"
    assert (
        route.calls.last.request.content
        == (
            '{"name":"Café","clientIdentifier":"c","clientSecret":"s",'
            '"accessToken":"t","enabled":true}'
        ).encode()
    )
    with pytest.raises(pv.ValidationError, match="connection_id"):
        await relaxed.vimeo_connections.get("..")
    with pytest.raises(pv.ValidationError, match="extra_headers"):
        await relaxed.vimeo_connections.get(ID, extra_headers={"Authorization": "x"})
    with pytest.raises(pv.ValidationError, match="body: cannot be sent as JSON"):
        await relaxed.vimeo_connections.update(ID, version=1, name=float("nan"))  # type: ignore[arg-type]
    await strict.aclose()


async def test_description_none_clears_it_and_an_omitted_field_is_not_sent(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections, connection_json: ConnectionJson
) -> None:
    """``description=None`` is sent as null; leaving a keyword out sends nothing for it."""
    route = router.put(ITEM_PATH).respond(200, json=connection_json(version=2, description=...))
    await conns.update(ID, version=1, description=None)
    await conns.update(ID, version=1, enabled=True)
    first, second = (call.request.content for call in route.calls)
    assert first == b'{"version":1,"description":null}'
    assert second == b'{"version":1,"enabled":true}'
    with pytest.raises(pv.ValidationError, match="name"):
        await conns.update(ID, version=1, name=None)  # type: ignore[arg-type]
    assert pv.NOT_GIVEN is pv.NotGiven()
    assert repr(pv.NOT_GIVEN) == "NOT_GIVEN"
    assert not pv.NOT_GIVEN
