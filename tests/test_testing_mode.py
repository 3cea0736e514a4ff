"""``pv.set_testing``: applications' own test suites can run the SDK's retries without waiting."""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import anyio.lowlevel
import httpx
import pytest
import respx

import pictory_vimeo as pv

BASE = "https://api.test"
ID = "20251222155613307xv0nodhitf9cd0f"
ITEM = f"/pictoryapis/v1/vimeo-connections/{ID}"
CONNECTION = {
    "connectionId": ID,
    "name": "Testing",
    "clientIdentifier": "client",
    "enabled": True,
    "version": 1,
}


@pytest.fixture(autouse=True)
def _testing_mode() -> Iterator[None]:
    """Off here (the suite's default is on): these tests switch it themselves."""
    with pv.set_testing(False):
        yield


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record every sleep the SDK asks anyio for (and yield instead of sleeping)."""
    asked: list[float] = []

    async def sleep(seconds: float) -> None:
        asked.append(seconds)
        await anyio.lowlevel.checkpoint()

    monkeypatch.setattr(anyio, "sleep", sleep)
    return asked


async def three_attempts() -> None:
    """A get answered 429 (Retry-After: 3), 503, then 200."""
    with respx.mock(base_url=BASE) as router:
        route = router.get(ITEM).mock(
            side_effect=[
                httpx.Response(429, headers={"Retry-After": "3"}),
                httpx.Response(503),
                httpx.Response(200, json=CONNECTION),
            ]
        )
        async with pv.AsyncPictoryClient(
            api_key="pictai_test", base_url=BASE, transport="httpx"
        ) as client:
            connection = await client.vimeo_connections.get(ID)
        assert route.call_count == 3
    assert connection.name == "Testing"


@pytest.mark.anyio
async def test_the_testing_mode_skips_every_wait(waits: list[float]) -> None:
    """With the testing mode on, retries still happen but no wait is longer than zero."""
    assert not pv.is_testing()
    with pv.set_testing(True):
        assert pv.is_testing()
        await three_attempts()
    assert waits == [0, 0]
    assert not pv.is_testing()


@pytest.mark.anyio
async def test_a_plain_call_stays_in_force(waits: list[float]) -> None:
    """Called without ``with``, the setting holds until it is changed again."""
    pv.set_testing(True)
    assert pv.is_testing()
    await three_attempts()
    assert waits == [0, 0]
    pv.set_testing(False)
    assert not pv.is_testing()


@pytest.mark.anyio
async def test_without_the_testing_mode_the_sdk_waits(waits: list[float]) -> None:
    """Off (the default), the server's Retry-After and the backoff are really waited for."""
    await three_attempts()
    assert waits[0] == 3
    assert 0 <= waits[1] <= 1.0


def test_set_testing_takes_only_a_bool() -> None:
    """A truthy non-bool is refused rather than guessed at."""
    with pytest.raises(pv.ValidationError, match="testing: must be True or False"):
        pv.set_testing("yes")  # type: ignore[arg-type]
    assert not pv.is_testing()


@pytest.mark.parametrize("before", [False, True])
@pytest.mark.parametrize("inside", [False, True])
def test_the_with_form_restores_the_previous_state(before: bool, inside: bool) -> None:
    """``with pv.set_testing(x)`` sets ``x`` at once and restores what was before on exit."""
    pv.set_testing(before)
    with pv.set_testing(inside) as entered:
        assert entered is None
        assert pv.is_testing() is inside
    assert pv.is_testing() is before


def test_the_with_form_restores_it_when_the_block_raises() -> None:
    """An exception leaving the block still restores the previous state, and propagates."""

    def fails_in_testing_mode() -> None:
        with pv.set_testing(True):
            raise LookupError("inside")

    with pytest.raises(LookupError, match="inside"):
        fails_in_testing_mode()
    assert not pv.is_testing()


def test_nested_with_forms_unwind_in_order() -> None:
    """Each block restores the state its own call found, innermost first."""
    with pv.set_testing(True):
        with pv.set_testing(False):
            with pv.set_testing(True):
                assert pv.is_testing()
            assert not pv.is_testing()
        assert pv.is_testing()
    assert not pv.is_testing()


def test_the_switch_takes_effect_before_with_is_entered() -> None:
    """The call itself switches, as in stamina; ``with`` only adds the restoring."""
    mode = pv.set_testing(True)
    assert pv.is_testing()
    assert repr(mode) == "<testing mode on>"
    with mode:
        assert pv.is_testing()
    assert not pv.is_testing()
