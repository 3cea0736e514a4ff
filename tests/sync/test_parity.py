"""The sync client behaves exactly as the async one: same results, same errors, same fields."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal

import anyio
import attrs
import pytest

import pictory_vimeo as pv
from pictory_vimeo.testing import PictoryEmulator
from tests.sync._support import KEY, PAGE_SIZE, SECRET, TOKEN

MISSING_ID = "20251222155613307xv0nodhitf9cd0f"

#: One step: the method to call and, from the results so far, its arguments.
Step = tuple[str, Callable[[list[Any]], tuple[tuple[Any, ...], dict[str, Any]]]]


def _new(name: str, **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": name,
        "client_identifier": f"id-{name}",
        "client_secret": SECRET,
        "access_token": TOKEN,
    }
    values.update(fields)
    return values


SCENARIO: list[Step] = [
    ("create", lambda r: ((), _new("Alpha", description="first"))),
    ("create", lambda r: ((), _new("Beta", enabled=False))),
    ("create", lambda r: ((), _new("Gamma"))),
    ("create", lambda r: ((), _new("Alpha"))),  # the name is taken
    ("create", lambda r: ((), _new("no/slash", description="x" * 251))),  # two bad fields
    ("get", lambda r: ((r[0].connection_id,), {})),
    ("get", lambda r: ((MISSING_ID,), {})),
    ("get", lambda r: (("..",), {})),
    ("list_page", lambda r: ((), {})),
    ("list_page", lambda r: ((), {"next_page_key": r[8].next_page_key})),
    ("list_all", lambda r: ((), {})),
    ("list_all", lambda r: ((), {"limit": 1})),
    ("list_all", lambda r: ((), {"next_page_key": r[8].next_page_key})),
    ("update", lambda r: ((r[0].connection_id,), {"version": 1, "description": "second"})),
    ("update", lambda r: ((r[0].connection_id,), {"version": 1, "enabled": False})),  # stale
    ("update", lambda r: ((r[1].connection_id,), {"version": 1, "name": "Gamma"})),  # taken
    ("update", lambda r: ((r[1].connection_id,), {"version": 1})),  # changes nothing
    ("update", lambda r: ((MISSING_ID,), {"version": 1, "description": "x"})),
    ("delete", lambda r: ((r[2].connection_id,), {})),
    ("delete", lambda r: ((r[2].connection_id,), {})),  # already gone: not an error
    ("get", lambda r: ((r[2].connection_id,), {})),
    ("list_all", lambda r: ((), {"limit": -1})),
]


def _comparable(result: Any) -> Any:
    """A result with what differs between two runs (IDs, times, request IDs) left out."""
    if isinstance(result, pv.VimeoConnection):
        return attrs.evolve(result, connection_id="", created_date=None, updated_date=None)
    if isinstance(result, pv.Page):
        return ([_comparable(item) for item in result.items], result.next_page_key is not None)
    if isinstance(result, list):
        return [_comparable(item) for item in result]
    if isinstance(result, pv.ValidationError):
        return (type(result), str(result), result.errors)
    if isinstance(result, pv.APIStatusError):
        return (
            type(result),
            result.status_code,
            re.sub(r"'\d{17}[a-z0-9]{15}'", "'<id>'", result.message),
            result.code,
            result.attempts,
            result.request_id is not None,
        )
    return result


def _run_sync(conns: pv.SyncVimeoConnections) -> list[Any]:
    results: list[Any] = []
    for method, arguments in SCENARIO:
        args, kwargs = arguments(results)
        try:
            if method == "list_all":
                results.append(list(conns.list(*args, **kwargs)))
            else:
                results.append(getattr(conns, method)(*args, **kwargs))
        except pv.PictoryError as error:
            results.append(error)
    return results


async def _run_async(conns: pv.AsyncVimeoConnections) -> list[Any]:
    results: list[Any] = []
    for method, arguments in SCENARIO:
        args, kwargs = arguments(results)
        try:
            if method == "list_all":
                results.append([c async for c in conns.list(*args, **kwargs)])
            else:
                results.append(await getattr(conns, method)(*args, **kwargs))
        except pv.PictoryError as error:
            results.append(error)
    return results


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_the_same_scenario_gives_the_same_results_and_errors(
    pictory_emulator: PictoryEmulator, backend: Literal["asyncio", "trio"]
) -> None:
    """CRUD, listing and every error kind match the async client's, attribute for attribute."""
    sync_results = _run_sync(pictory_emulator.sync_client(backend=backend).vimeo_connections)

    with PictoryEmulator(page_size=PAGE_SIZE, api_key=KEY) as twin:

        async def through_async() -> list[Any]:
            async with twin.client() as client:
                return await _run_async(client.vimeo_connections)

        async_results = anyio.run(through_async, backend=backend)
    assert [_comparable(r) for r in sync_results] == [_comparable(r) for r in async_results]
    kinds = {type(r).__name__ for r in sync_results}
    assert kinds >= {
        "DuplicateNameError",
        "NotFoundError",
        "Page",
        "ValidationError",
        "VersionConflictError",
        "VimeoConnection",
    }


def test_an_error_is_raised_unchanged_through_the_portal(conns: pv.SyncVimeoConnections) -> None:
    """The sync call raises the async call's exception class, with its response attached."""
    with pytest.raises(pv.NotFoundError) as caught:
        conns.get(MISSING_ID)
    assert type(caught.value) is pv.NotFoundError
    assert caught.value.status_code == 404
    assert caught.value.response.request.url.path.endswith(MISSING_ID)
    assert caught.value.request_id


def test_validation_errors_raise_before_anything_is_sent(
    conns: pv.SyncVimeoConnections, pictory_emulator: PictoryEmulator
) -> None:
    """Bad input fails with ``ValidationError`` listing every field, and no request leaves."""
    with pytest.raises(pv.ValidationError) as caught:
        conns.create(name="", client_identifier="", client_secret="s", access_token="t")
    assert {e.field for e in caught.value.errors} == {"name", "client_identifier"}
    assert pictory_emulator.requests == []
