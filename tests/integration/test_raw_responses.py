"""``conns.with_raw_response.<method>()``: the response behind each result, over loopback."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

FIELDS: dict[str, Any] = {
    "client_identifier": "cid",
    "client_secret": "raw-secret",
    "access_token": "raw-token",
}


async def test_each_request_method_gives_its_response_and_result(
    conns: pv.AsyncVimeoConnections,
) -> None:
    """create, get, list_page, update, delete: status, headers, request id and parse()."""
    raw = conns.with_raw_response
    created = await raw.create(name="Raw", **FIELDS)
    assert created.status_code == 201
    made = created.parse()
    assert isinstance(made, pv.VimeoConnection)
    assert made.name == "Raw"
    assert created.request_id == created.headers["x-request-id"]
    assert created.retries_taken == 0
    assert isinstance(created.elapsed, timedelta)
    assert created.elapsed > timedelta(0)

    got = await raw.get(made.connection_id)
    assert (got.status_code, got.parse()) == (200, await conns.get(made.connection_id))
    page = await raw.list_page()
    assert [c.name for c in page.parse().items] == ["Raw"]
    updated = await raw.update(made.connection_id, version=1, enabled=False)
    assert updated.parse().version == 2
    deleted = await raw.delete(made.connection_id)
    assert (deleted.status_code, deleted.parse()) == (204, None)
    assert "RawResponse [204] DELETE" in repr(deleted)


async def test_retries_taken_counts_the_attempts_after_the_first(
    conns: pv.AsyncVimeoConnections, served: emulator.RunningEmulator
) -> None:
    """Two scripted 503s before the answer: ``retries_taken`` is 2."""
    made = await conns.create(name="Retried", **FIELDS)
    served.emulator.fail_next(503, times=2, method="GET")
    answer = await conns.with_raw_response.get(made.connection_id)
    assert answer.retries_taken == 2
    assert answer.status_code == 200


async def test_a_failure_raises_exactly_as_the_plain_method(
    conns: pv.AsyncVimeoConnections,
) -> None:
    """A 404 and a bad argument raise what the plain call raises."""
    missing = "20250101000000000aaaaaaaaaaaaaaa"
    with pytest.raises(pv.NotFoundError) as plain:
        await conns.get(missing)
    with pytest.raises(pv.NotFoundError) as raw:
        await conns.with_raw_response.get(missing)
    assert (raw.value.status_code, raw.value.message) == (
        plain.value.status_code,
        plain.value.message,
    )
    assert missing in raw.value.message
    with pytest.raises(pv.ValidationError, match="connection_id"):
        await conns.with_raw_response.delete("..")


async def test_a_reconciled_write_answers_with_the_read_that_confirmed_it(
    conns: pv.AsyncVimeoConnections, served: emulator.RunningEmulator, drop_kind: emulator.DropKind
) -> None:
    """An update whose answer was lost: the raw response is the GET that proved it landed."""
    made = await conns.create(name="Lost", **FIELDS)
    served.emulator.fail_next(method="PUT", drop_after_commit=True, drop=drop_kind)
    answer = await conns.with_raw_response.update(made.connection_id, version=1, enabled=False)
    assert answer.parse().version == 2
    assert answer.http_response.request.method == "GET"
    assert answer.retries_taken == 1


def test_the_sync_client_gives_raw_responses_too(
    served_in_thread: emulator.RunningEmulator,
) -> None:
    """The same through ``PictoryClient``: a ``RawResponse`` whose ``parse()`` is the result."""
    with pv.PictoryClient("pictai_integration_account_a", served_in_thread.base_url) as client:
        raw = client.vimeo_connections.with_raw_response
        created = raw.create(name="Sync Raw", **FIELDS)
        assert created.status_code == 201
        assert created.parse().name == "Sync Raw"
        listed = raw.list_page()
        assert [c.name for c in listed.parse().items] == ["Sync Raw"]
        assert isinstance(listed, pv.RawResponse)
