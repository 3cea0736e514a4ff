"""The sync surface is the async one, parameter by parameter (it is generated from it)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

import pytest

import pictory_vimeo as pv

#: Async names and the sync names that stand for them in annotations.
TWINS = {"AsyncPaginator": "SyncPaginator", "AsyncRawResponses": "SyncRawResponses"}


def _public_methods(cls: type) -> dict[str, Callable[..., Any]]:
    return {
        name: member
        for name, member in vars(cls).items()
        if not name.startswith("_") and inspect.isfunction(member)
    }


def _sync_annotation(annotation: object) -> str:
    text = str(annotation)
    for async_name, sync_name in TWINS.items():
        text = re.sub(rf"\b{async_name}\b", sync_name, text)
    return text


def _parameters(function: Callable[..., Any]) -> list[tuple[str, object, object, str]]:
    return [
        (p.name, p.kind, p.default, _sync_annotation(p.annotation))
        for p in inspect.signature(function).parameters.values()
        if p.name != "self"
    ]


ASYNC_METHODS = _public_methods(pv.AsyncVimeoConnections)


def test_the_sync_resource_has_every_async_method_and_no_other() -> None:
    """Same public methods on both resources."""
    assert set(_public_methods(pv.SyncVimeoConnections)) == set(ASYNC_METHODS)


@pytest.mark.parametrize("name", sorted(ASYNC_METHODS))
def test_each_sync_method_takes_the_async_parameters(name: str) -> None:
    """Names, kinds, defaults and types match one for one; the result is the sync twin."""
    async_method = ASYNC_METHODS[name]
    sync_method = getattr(pv.SyncVimeoConnections, name)
    assert _parameters(sync_method) == _parameters(async_method)
    returned = inspect.signature(async_method).return_annotation
    assert inspect.signature(sync_method).return_annotation == _sync_annotation(returned)


@pytest.mark.parametrize("name", sorted(ASYNC_METHODS))
def test_each_sync_docstring_speaks_synchronously(name: str) -> None:
    """The wording is the async docstring's, with no ``await`` or ``async for`` left."""
    doc = inspect.getdoc(getattr(pv.SyncVimeoConnections, name)) or ""
    assert doc
    assert "await" not in doc
    assert "async " not in doc


def _request_methods(raw_responses: object) -> dict[str, Callable[..., Any]]:
    return {
        name: member
        for name, member in vars(raw_responses).items()
        if not name.startswith("_") and callable(member)
    }


def test_raw_response_methods_match_the_plain_ones() -> None:
    """``with_raw_response`` offers each request method with its parameters, async and sync,
    and says what it returns.
    """
    async_raw = pv.AsyncPictoryClient("pictai_surface", "http://localhost").vimeo_connections
    requests = sorted(name for name in ASYNC_METHODS if name != "list")
    with pv.PictoryClient("pictai_surface", "http://localhost") as client:
        sync_raw = _request_methods(client.vimeo_connections.with_raw_response)
    async_methods = _request_methods(async_raw.with_raw_response)
    assert sorted(async_methods) == sorted(sync_raw) == requests
    for name in requests:
        plain = inspect.signature(ASYNC_METHODS[name])
        for method in (async_methods[name], sync_raw[name]):
            assert _parameters(method) == _parameters(ASYNC_METHODS[name])
            returned = inspect.signature(method).return_annotation
            assert returned == f"RawResponse[{plain.return_annotation}]"


def test_the_sync_client_takes_every_async_argument_and_backend() -> None:
    """``PictoryClient`` accepts each ``AsyncPictoryClient`` argument (same default), plus one."""
    async_init = dict(inspect.signature(pv.AsyncPictoryClient.__init__).parameters)
    sync_init = dict(inspect.signature(pv.PictoryClient.__init__).parameters)
    assert set(sync_init) - set(async_init) == {"backend"}
    for name, parameter in async_init.items():
        twin = sync_init[name]
        assert (twin.kind, twin.default, twin.annotation) == (
            parameter.kind,
            parameter.default,
            parameter.annotation,
        ), name


def test_the_sync_client_passes_every_setting_and_with_options_through() -> None:
    """Each async property and ``with_options`` exist on the sync client with the same shape."""
    async_members = {
        name: member
        for name, member in vars(pv.AsyncPictoryClient).items()
        if not name.startswith("_") and isinstance(member, property)
    }
    for name, member in async_members.items():
        twin = inspect.getattr_static(pv.PictoryClient, name)
        assert isinstance(twin, property), name
        assert member.fget is not None
        assert twin.fget is not None
        assert inspect.signature(twin.fget).return_annotation == str(
            inspect.signature(member.fget).return_annotation
        )
    assert _parameters(pv.PictoryClient.with_options) == _parameters(
        pv.AsyncPictoryClient.with_options
    )
