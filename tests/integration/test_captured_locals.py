"""No frame of the package on a raised error's traceback holds a secret in any local.

Error trackers (Sentry's default) and ``pytest --showlocals`` record every frame's locals
with ``repr``. Secrets are wrapped from the moment they enter (``Secret``, masked models),
bodies are built in frames that are gone before anything raises, and raw parameters are
dropped once wrapped. The suite-wide guard in ``tests/conftest.py`` checks every error of
every test this way; these tests make sure the paths it relies on are taken, on every
pool, and that every ``repr`` in the package works on a half-built object.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import traceback
from pathlib import Path
from typing import Any

import anyio
import attrs
import httpx
import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator
from tests._support import MakeClient

KEY = "pictai_captured_locals_key"
SECRET = "captured-locals-secret"
TOKEN = "captured-locals-token"
PACKAGE = str(Path(pv.__file__).parent)


def package_locals(error: BaseException) -> str:
    """Every local of every package frame on ``error``'s traceback and chain, as recorded."""
    summary = traceback.TracebackException.from_exception(error, capture_locals=True)
    "".join(summary.format())  # must not raise
    texts: list[str] = []
    pending = [summary]
    while pending:
        current = pending.pop()
        pending += [e for e in (current.__cause__, current.__context__) if e is not None]
        for frame in current.stack:
            if frame.filename.startswith(PACKAGE):
                texts += [f"{frame.name}.{k}={v}" for k, v in (frame.locals or {}).items()]
    return "\n".join(texts)


def assert_clean(error: BaseException, *secrets: str) -> None:
    """No secret in the captured locals of ``error``'s package frames."""
    text = package_locals(error)
    for secret in secrets:
        assert secret not in text, f"{secret!r} in the locals:\n{text}"


@pytest.mark.anyio
async def test_a_failed_create_keeps_no_secret_in_its_frames(
    make_client: MakeClient, served: emulator.RunningEmulator
) -> None:
    """A create that fails after retries, and one refused as a duplicate after a lost answer."""
    conns = make_client(api_key=KEY, max_retries=1).vimeo_connections
    fields: dict[str, Any] = {"client_identifier": "c", "client_secret": SECRET}
    served.emulator.fail_next(503, method="POST", times=2)
    served.emulator.fail_next(503, method="GET", times=2)
    with pytest.raises(pv.InternalServerError) as failed:
        await conns.create(name="Locals", access_token=TOKEN, **fields)
    assert_clean(failed.value, KEY, SECRET, TOKEN)
    await conns.create(name="Taken", access_token=TOKEN, **fields)
    served.emulator.fail_next(503, method="POST")
    with pytest.raises(pv.DuplicateNameError) as taken:
        await conns.create(name="Taken", access_token=TOKEN, **{**fields, "description": "x"})
    assert_clean(taken.value, KEY, SECRET, TOKEN)


@pytest.fixture
def conns(make_client: MakeClient) -> pv.AsyncVimeoConnections:
    """The connections of a client of the served emulator, under this module's key."""
    return make_client(api_key=KEY).vimeo_connections


@pytest.mark.anyio
async def test_a_timed_out_update_keeps_no_secret_in_its_frames(
    conns: pv.AsyncVimeoConnections, served: emulator.RunningEmulator
) -> None:
    """The deadline's error and its context chain: no key, no secret."""
    fields: dict[str, Any] = {"client_identifier": "c", "client_secret": SECRET}
    made = await conns.create(name="Slow", access_token=TOKEN, **fields)
    served.emulator.set_faults(latency_ms=400)
    with pytest.raises(pv.APITimeoutError) as timed_out:
        await conns.update(made.connection_id, version=1, access_token=TOKEN, timeout=0.05)
    assert_clean(timed_out.value, KEY, SECRET, TOKEN)
    # Sent, unanswered, and no time left to read it back: the outcome is unknown.
    assert timed_out.value.outcome_unknown is True


def test_the_sync_client_keeps_no_secret_in_its_frames(
    served_in_thread: emulator.RunningEmulator,
) -> None:
    """The portal's call, the generated method and the constructor's checks."""
    fields: dict[str, Any] = {"client_identifier": "c", "client_secret": SECRET}
    with pv.PictoryClient(KEY, served_in_thread.base_url) as client:
        conns = client.vimeo_connections
        with pytest.raises(pv.ValidationError) as refused:
            conns.create(name="a/b", access_token=TOKEN, **fields)
        assert_clean(refused.value, KEY, SECRET, TOKEN)
        conns.create(name="Dup", access_token=TOKEN, **fields)
        with pytest.raises(pv.DuplicateNameError) as taken:
            conns.create(name="Dup", access_token=TOKEN, **fields)
        assert_clean(taken.value, KEY, SECRET, TOKEN)
    for build in (pv.PictoryClient, pv.AsyncPictoryClient):
        with pytest.raises(pv.ValidationError) as bad_option:
            build(KEY, "http://127.0.0.1:9", timeout=-1)
        assert_clean(bad_option.value, KEY)


def _classes_with_repr() -> list[type[Any]]:
    """Every class of the package that defines its own ``__repr__`` by hand.

    Not those attrs, dataclasses or named tuples generate: their ``__init__`` sets every
    field before any validator or ``__post_init__`` can raise, so none is ever half-built.
    """
    found: list[type[Any]] = []
    for info in pkgutil.walk_packages(pv.__path__, "pictory_vimeo."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            generated = attrs.has(cls) or dataclasses.is_dataclass(cls) or issubclass(cls, tuple)
            if cls.__module__ == info.name and "__repr__" in vars(cls) and not generated:
                found.append(cls)
    return found


@pytest.mark.parametrize("cls", _classes_with_repr(), ids=lambda cls: cls.__qualname__)
def test_every_repr_works_on_a_half_built_object(cls: type[Any]) -> None:
    """``repr`` of an object whose ``__init__`` never ran (or raised) does not raise."""
    new: Any = cls.__new__  # the class's own (a dict subclass needs dict's)
    half_built = new(cls)
    assert isinstance(repr(half_built), str)


class _CallersOwnError(Exception):
    """An exception of the caller's own, raised by the transport it gave the client."""


class _RaisingTransport(httpx.AsyncBaseTransport):
    """A caller's transport that raises its own exception for every request."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Raise, as a caller's transport may, with the request built and on its way."""
        raise _CallersOwnError("the caller's transport stopped this request")


@pytest.mark.anyio
async def test_a_callers_exception_from_the_pool_finds_no_secret_in_its_frames() -> None:
    """The caller's own exception passes the frames that hold the request: none shows a secret."""
    async with pv.AsyncPictoryClient(
        api_key=KEY, base_url="http://127.0.0.1:9", transport=_RaisingTransport()
    ) as client:
        with pytest.raises(_CallersOwnError) as raised:
            await client.vimeo_connections.create(
                name="n", client_identifier="c", client_secret=SECRET, access_token=TOKEN
            )
    assert_clean(raised.value, KEY, SECRET, TOKEN)


@pytest.mark.anyio
async def test_a_write_cancelled_in_flight_keeps_no_secret_in_its_frames(
    conns: pv.AsyncVimeoConnections, served: emulator.RunningEmulator
) -> None:
    """Cancelled while the pool waits for the answer: the frames it passes show no secret."""
    served.emulator.set_faults(latency_ms=2_000)
    caught: list[BaseException] = []

    async def create() -> None:
        try:
            await conns.create(
                name="Cancelled", client_identifier="c", client_secret=SECRET, access_token=TOKEN
            )
        except BaseException as exc:  # the cancellation, as it leaves the call
            caught.append(exc)
            raise

    with anyio.move_on_after(0.3):
        await create()
    assert len(caught) == 1
    # The cancellation reached the call inside its pool's exchange, with the body on its way.
    assert "\nexchange.outgoing=" in package_locals(caught[0])
    assert_clean(caught[0], KEY, SECRET, TOKEN)
