"""The API key, client secret and access token never show in a repr, an error or a log line."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

import pictory_vimeo as pv

ConnectionJson = Callable[..., dict[str, Any]]
ID = "20251222155613307xv0nodhitf9cd0f"
LIST_PATH = "/pictoryapis/v1/vimeo-connections"
ITEM_PATH = f"{LIST_PATH}/{ID}"
SECRET = "SECRET-client-secret-value"
TOKEN = "TOKEN-access-token-value"
DEBUG_LINE = re.compile(
    r"^(GET|POST|PUT|DELETE) (/\S+) -> (\d{3}) \((\d+\.\d) ms, attempt (\d+)\)$"
)


def assert_hidden(text: str, *secrets: str) -> None:
    """None of ``secrets`` (nor a long piece of one) appears in ``text``."""
    for secret in secrets:
        assert secret not in text
        assert secret[:12] not in text


def test_client_repr_hides_the_key(api_key: str) -> None:
    """repr(client) shows its settings, not its key; so does a with_options copy."""
    sdk = pv.AsyncPictoryClient(api_key=api_key, base_url="https://api.test", transport="httpx")
    derived = sdk.with_options(timeout=5)
    for text in (repr(sdk), str(sdk), repr(derived), repr(vars(sdk))):
        assert_hidden(text, api_key)
    assert "https://api.test" in repr(sdk)
    assert "timeout=5" in repr(derived)


def test_write_models_redact_secrets() -> None:
    """Create and update models show '**********' for set secrets, None for unset ones."""
    create = pv.VimeoConnectionCreate(
        name="n", client_identifier="c", client_secret=SECRET, access_token=TOKEN
    )
    update = pv.VimeoConnectionUpdate(version=1, client_secret=SECRET, access_token=TOKEN)
    partial = pv.VimeoConnectionUpdate(version=1, access_token=TOKEN)
    for model in (create, update, partial):
        assert_hidden(repr(model), SECRET, TOKEN)
        assert_hidden(str(model), SECRET, TOKEN)
    assert "client_secret='**********'" in repr(create)
    assert "access_token='**********'" in repr(create)
    assert "client_secret='**********'" in repr(update)
    assert "client_secret=NOT_GIVEN" in repr(partial)
    assert "access_token='**********'" in repr(partial)
    assert create.client_secret == SECRET


@pytest.mark.anyio
async def test_server_echoes_are_scrubbed_from_errors(
    router: respx.MockRouter,
    conns: pv.AsyncVimeoConnections,
    api_key: str,
    create_args: dict[str, Any],
) -> None:
    """A server quoting back the key or a secret the call sent does not put it in the error."""
    echo = f"key {api_key} with secret {SECRET} and token {TOKEN} rejected"
    router.post(LIST_PATH).respond(400, json={"message": echo, "code": api_key})
    router.put(ITEM_PATH).respond(422, text=echo)
    key_echo = f"key {api_key} rejected"
    router.get(ITEM_PATH).respond(
        401, json={"success": False, "error": {"error_message": key_echo}}
    )
    with pytest.raises(pv.BadRequestError) as create_error:
        await conns.create(**create_args)
    with pytest.raises(pv.UnprocessableEntityError) as update_error:
        await conns.update(ID, version=1, client_secret=SECRET, access_token=TOKEN)
    with pytest.raises(pv.AuthenticationError) as get_error:
        await conns.get(ID)
    for caught in (create_error, update_error, get_error):
        exc = caught.value
        for text in (str(exc), repr(exc), exc.message, exc.code or ""):
            assert_hidden(text, api_key, SECRET, TOKEN)
        assert "rejected" in exc.message
        assert "**********" in exc.message


@pytest.mark.anyio
@pytest.mark.parametrize("field", ["client_secret", "access_token"])
async def test_validation_errors_hide_secrets(
    conns: pv.AsyncVimeoConnections, create_args: dict[str, Any], field: str
) -> None:
    """A ValidationError about a secret's length never quotes the secret."""
    long_secret = "S3cr3t-" * 80
    with pytest.raises(pv.ValidationError) as caught:
        await conns.create(**{**create_args, field: long_secret, "name": "a/b"})
    assert_hidden(str(caught.value), long_secret, SECRET, TOKEN)
    assert_hidden(repr(caught.value), long_secret)
    assert_hidden(repr(caught.value.errors), long_secret)
    assert "name: " in str(caught.value)


@pytest.mark.anyio
async def test_log_records_never_carry_secrets(
    router: respx.MockRouter,
    api_key: str,
    base_url: str,
    create_args: dict[str, Any],
    connection_json: ConnectionJson,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """At DEBUG, every call and error logs its line, and no record holds a secret."""
    caplog.set_level(logging.DEBUG)  # every logger, httpx's included
    echo = f"bad {api_key} {SECRET} {TOKEN}"
    router.post(LIST_PATH).respond(201, json=connection_json())
    router.put(ITEM_PATH).mock(
        side_effect=[
            httpx.Response(200, json=connection_json(version=2)),
            httpx.Response(409, json={"message": f"Version conflict {echo}"}),
        ]
    )
    router.get(ITEM_PATH).respond(200, json=connection_json())
    router.get(LIST_PATH).respond(200, json={"Items": [connection_json()]})
    router.delete(ITEM_PATH).respond(204)
    router.get(f"{LIST_PATH}/gone").respond(404, json={"message": echo})
    router.get(f"{LIST_PATH}/flaky").respond(503, text=echo)
    async with pv.AsyncPictoryClient(
        api_key=api_key, base_url=base_url, max_retries=1, transport="httpx"
    ) as sdk:
        conns = sdk.vimeo_connections
        await conns.create(**create_args)
        await conns.update(ID, version=1, client_secret=SECRET, access_token=TOKEN)
        await conns.get(ID)
        assert [c.connection_id async for c in conns.list()] == [ID]
        await conns.delete(ID)
        with pytest.raises(pv.VersionConflictError):
            await conns.update(ID, version=1, client_secret=SECRET)
        with pytest.raises(pv.NotFoundError):
            await conns.get("gone")
        with pytest.raises(pv.InternalServerError):
            await conns.get("flaky")
        with pytest.raises(pv.ValidationError):
            await conns.create(**{**create_args, "client_secret": SECRET * 30})
    for record in caplog.records:
        text = f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
        assert_hidden(text, api_key, SECRET, TOKEN)
    lines = [
        DEBUG_LINE.match(r.getMessage())
        for r in caplog.records
        if r.name == "pictory_vimeo" and r.levelno == logging.DEBUG
    ]
    requests = [(m[1], m[2], m[3], m[5]) for m in lines if m]
    assert requests == [
        ("POST", LIST_PATH, "201", "1"),
        ("PUT", ITEM_PATH, "200", "1"),
        ("GET", ITEM_PATH, "200", "1"),
        ("GET", LIST_PATH, "200", "1"),
        ("DELETE", ITEM_PATH, "204", "1"),
        ("PUT", ITEM_PATH, "409", "1"),
        ("GET", f"{LIST_PATH}/gone", "404", "1"),
        ("GET", f"{LIST_PATH}/flaky", "503", "1"),
        ("GET", f"{LIST_PATH}/flaky", "503", "2"),
    ]
    retries = [r.getMessage() for r in caplog.records if r.getMessage().startswith("retrying")]
    assert len(retries) == 1
    assert "status 503" in retries[0]


@pytest.mark.anyio
async def test_nothing_is_logged_above_debug_for_normal_calls(
    router: respx.MockRouter,
    conns: pv.AsyncVimeoConnections,
    connection_json: ConnectionJson,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Routine calls are quiet at INFO: the per-request lines are DEBUG only."""
    caplog.set_level(logging.INFO, logger="pictory_vimeo")
    router.get(ITEM_PATH).respond(200, json=connection_json())
    await conns.get(ID)
    assert [r for r in caplog.records if r.name.startswith("pictory_vimeo")] == []


@pytest.mark.anyio
async def test_transport_error_text_never_quotes_the_key(
    router: respx.MockRouter, api_key: str, base_url: str
) -> None:
    """An httpx error whose text quotes the key (as header errors do) reaches us in plain
    words of the SDK's own, which quote nothing of the request."""
    router.get("/pictoryapis/v1/vimeo-connections").mock(
        side_effect=httpx.LocalProtocolError(f"Illegal header value b'{api_key}'")
    )
    async with pv.AsyncPictoryClient(
        api_key=api_key, base_url=base_url, max_retries=0, transport="httpx"
    ) as sdk:
        with pytest.raises(pv.APIConnectionError) as caught:
            await sdk.vimeo_connections.list_page()
    assert api_key not in str(caught.value)
    assert "could not be sent as HTTP" in str(caught.value)
