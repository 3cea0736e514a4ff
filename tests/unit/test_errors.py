"""Every error status maps to its class, with status_code, message, code and request_id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import respx

import pictory_vimeo as pv
from tests._support import STATUS_ERRORS

ID = "20251222155613307xv0nodhitf9cd0f"
ITEM_PATH = f"/pictoryapis/v1/vimeo-connections/{ID}"


@pytest.mark.anyio
@pytest.mark.parametrize(("status", "error"), STATUS_ERRORS.items())
async def test_status_maps_to_its_error_class(
    router: respx.MockRouter,
    conns: pv.AsyncVimeoConnections,
    status: int,
    error: type[pv.APIStatusError],
) -> None:
    """Each documented status raises its own class carrying every detail of the answer."""
    route = router.get(ITEM_PATH).respond(
        status,
        json={"message": "It went wrong", "code": "SOME_CODE"},
        headers={"x-request-id": "req-123"},
    )
    with pytest.raises(error) as caught:
        await conns.get(ID)
    exc = caught.value
    assert type(exc) is error
    assert isinstance(exc, pv.APIStatusError)
    assert isinstance(exc, pv.PictoryError)
    assert exc.status_code == status
    # A 404 also names the ID it looked for.
    named = f" (connection_id {ID!r})" if status == 404 else ""
    assert exc.message == "It went wrong" + named
    assert exc.code == "SOME_CODE"
    assert exc.request_id == "req-123"
    assert exc.response.status_code == status
    assert route.call_count == 1
    text = str(exc)
    assert "\n" not in text
    assert text.startswith(f"{status} ")
    assert "It went wrong" in text
    assert "code=SOME_CODE" in text
    assert "request_id=req-123" in text


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "answer", "message"),
    [
        pytest.param(418, {"json": {"message": "teapot"}}, "teapot", id="teapot"),
        # Say, http to https: reported, not silently followed with the key.
        pytest.param(
            301,
            {"headers": {"Location": "https://elsewhere.test/"}},
            "Moved Permanently",
            id="redirect-not-followed",
        ),
    ],
)
async def test_unlisted_status_is_a_plain_api_status_error(
    router: respx.MockRouter,
    conns: pv.AsyncVimeoConnections,
    status: int,
    answer: dict[str, Any],
    message: str,
) -> None:
    """A status without its own class (418, a redirect) is still an APIStatusError, unfollowed."""
    route = router.get(ITEM_PATH).respond(status, **answer)
    with pytest.raises(pv.APIStatusError) as caught:
        await conns.get(ID)
    assert type(caught.value) is pv.APIStatusError
    assert caught.value.status_code == status
    assert caught.value.message == message
    assert route.call_count == 1


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-request-id": "abc"}, "abc"),
        ({"x-amzn-requestid": "0b6d7f5c-amzn"}, "0b6d7f5c-amzn"),
        ({"x-amzn-RequestId": "Mixed-Case"}, "Mixed-Case"),
        ({}, None),
    ],
)
async def test_request_id_comes_from_either_header(
    router: respx.MockRouter,
    conns: pv.AsyncVimeoConnections,
    headers: dict[str, str],
    expected: str | None,
) -> None:
    """The request id is read from x-request-id or API Gateway's x-amzn-requestid."""
    router.get(ITEM_PATH).respond(404, json={"message": "Not found"}, headers=headers)
    with pytest.raises(pv.NotFoundError) as caught:
        await conns.get(ID)
    assert caught.value.request_id == expected
    assert ("request_id=" in str(caught.value)) is (expected is not None)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"message": "Version mismatch", "code": "VERSION_CONFLICT"}, pv.VersionConflictError),
        ({"message": "Conflict", "code": "VERSION_MISMATCH"}, pv.VersionConflictError),
        ({"message": "The version does not match the stored one"}, pv.VersionConflictError),
        ({"message": "Conflict", "code": "DUPLICATE_NAME"}, pv.DuplicateNameError),
        ({"message": "A connection with this name already exists"}, pv.DuplicateNameError),
        ({"message": "Connection 'Marketing' already exists"}, pv.DuplicateNameError),
        (
            {"success": False, "error": {"error_message": "Duplicate connection name"}},
            pv.DuplicateNameError,
        ),
        ({"message": "Conflict"}, pv.ConflictError),
        ({}, pv.ConflictError),
    ],
)
async def test_conflicts_are_told_apart(
    router: respx.MockRouter,
    conns: pv.AsyncVimeoConnections,
    body: dict[str, Any],
    error: type[pv.ConflictError],
) -> None:
    """A 409 is a version conflict or a taken name by its code or message, else a ConflictError."""
    router.put(ITEM_PATH).respond(409, json=body)
    with pytest.raises(pv.ConflictError) as caught:
        await conns.update(ID, version=1, name="Marketing")
    assert type(caught.value) is error
    assert caught.value.status_code == 409


@pytest.mark.anyio
async def test_code_decides_over_a_message_quoting_the_name(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections
) -> None:
    """A name quoted in the message (here containing 'version') does not decide the class."""
    body = {"message": "Name 'Version 2' is already taken", "code": "DUPLICATE_NAME"}
    router.put(ITEM_PATH).respond(409, json=body)
    with pytest.raises(pv.DuplicateNameError):
        await conns.update(ID, version=1, name="Version 2")
    router.put(ITEM_PATH).respond(409, json={"message": "Name 'Version 2' is already taken"})
    with pytest.raises(pv.DuplicateNameError):
        await conns.update(ID, version=1, name="Version 2")


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("value", "expected"),
    [("7", 7.0), ("0", 0.0), ("1.5", 1.5), ("soon", None), (None, None)],
)
async def test_rate_limit_carries_retry_after(
    router: respx.MockRouter,
    conns: pv.AsyncVimeoConnections,
    value: str | None,
    expected: float | None,
) -> None:
    """429's Retry-After (delta-seconds) is exposed as retry_after; junk or none is None."""
    headers = {} if value is None else {"Retry-After": value}
    router.get(ITEM_PATH).respond(429, json={"message": "Slow down"}, headers=headers)
    with pytest.raises(pv.RateLimitError) as caught:
        await conns.get(ID)
    assert caught.value.retry_after == expected


@pytest.mark.anyio
async def test_rate_limit_retry_after_as_http_date(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections
) -> None:
    """An HTTP-date Retry-After becomes the seconds until then (never negative)."""
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    router.get(ITEM_PATH).respond(429, headers={"Retry-After": later})
    with pytest.raises(pv.RateLimitError) as caught:
        await conns.get(ID)
    assert caught.value.retry_after is not None
    assert 60 < caught.value.retry_after <= 120
    past = format_datetime(datetime.now(UTC) - timedelta(days=1), usegmt=True)
    router.get(ITEM_PATH).respond(429, headers={"Retry-After": past})
    with pytest.raises(pv.RateLimitError) as caught:
        await conns.get(ID)
    assert caught.value.retry_after == 0.0


@pytest.mark.anyio
@pytest.mark.parametrize("status", [429, 500, 502, 503])
async def test_retryable_statuses_raise_after_the_retries(
    router: respx.MockRouter,
    api_key: str,
    base_url: str,
    retry_waits: list[float],
    status: int,
) -> None:
    """With retries allowed, a persisting transient status is raised after every attempt."""
    route = router.get(ITEM_PATH).respond(status, json={"message": "busy"})
    async with pv.AsyncPictoryClient(
        api_key=api_key, base_url=base_url, max_retries=2, transport="httpx"
    ) as sdk:
        with pytest.raises(pv.APIStatusError) as caught:
            await sdk.vimeo_connections.get(ID)
    assert caught.value.status_code == status
    assert route.call_count == 3
    assert caught.value.attempts == 3
    assert len(retry_waits) == 2
    assert "[after 3 attempts]" in str(caught.value)


@pytest.mark.anyio
@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
async def test_client_errors_are_not_retried(
    router: respx.MockRouter, api_key: str, base_url: str, status: int
) -> None:
    """A 4xx other than 429 says the request itself is wrong: it is sent once."""
    route = router.put(ITEM_PATH).respond(status, json={"message": "no"})
    async with pv.AsyncPictoryClient(
        api_key=api_key, base_url=base_url, max_retries=2, transport="httpx"
    ) as sdk:
        with pytest.raises(pv.APIStatusError):
            await sdk.vimeo_connections.update(ID, version=1, enabled=True)
    assert route.call_count == 1
