"""The SDK's ValidationError and the emulator's 400 agree on every input.

For arbitrary field values (text of any code points, control characters and lone
surrogates included; lengths at and around each limit; wrong types; ``None``), the same
body goes to the in-process emulator twice: once through ``conns.create``/``update``, once
sent raw as JSON. Either both refuse it, naming the same fields (the SDK by their Python
names, the emulator by the API's), or neither does.

"The same body" is the one the emulator decodes: values are passed through a JSON round
trip first, since JSON cannot tell a surrogate pair in a Python string from the character
it stands for. Example counts are modest; ``PICTORY_TEST_THOROUGH=1`` runs twenty times as
many.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from typing import Any, Final

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import pictory_vimeo as pv
from pictory_vimeo import emulator
from pictory_vimeo._models import to_camel
from pictory_vimeo._rules import FIELD_RULES

from ._support import KEY

THOROUGH: Final = os.environ.get("PICTORY_TEST_THOROUGH") == "1"
pytestmark = [
    pytest.mark.timeout(60 * (20 if THOROUGH else 1)),
    # Hypothesis reuses values across fields and examples: a text sent as one connection's
    # client secret may come back as another's name, which a ValidationError rightly
    # quotes (names are not secret). The leak guard would take that for a leak.
    pytest.mark.shows_secrets_on_purpose,
]
AGREE = settings(
    max_examples=150 * (20 if THOROUGH else 1),
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
BASE_URL: Final = "http://localhost"
COLLECTION: Final = "/pictoryapis/v1/vimeo-connections"
#: The API name of each field, by the name the SDK takes it under.
API_NAME: Final = {rule.python_name: rule.api_name for rule in FIELD_RULES.values()}

NAME_CHARS: Final = "abcXYZ019 _-"
#: Any code point, with lone surrogates, control characters and line separators favoured.
ANY_CHAR = st.one_of(
    st.characters(exclude_categories=()),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    st.characters(max_codepoint=0x1F),
    st.sampled_from("\x7f\x85\u2028\u202e\ufeff\U0001d518"),
)
WRONG_TYPES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def around(limit: int, alphabet: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Text of exactly ``limit - 2`` to ``limit + 2`` characters."""
    return st.integers(max(0, limit - 2), limit + 2).flatmap(
        lambda n: st.text(alphabet, min_size=n, max_size=n)
    )


def _text_field(low: int, high: int) -> st.SearchStrategy[object]:
    return st.one_of(
        around(low, ANY_CHAR), around(high, ANY_CHAR), st.text(ANY_CHAR, max_size=20), WRONG_TYPES
    )


FIELDS: Final[dict[str, st.SearchStrategy[object]]] = {
    "name": st.one_of(
        around(1, st.sampled_from(NAME_CHARS)),
        around(100, st.sampled_from(NAME_CHARS)),
        st.text(ANY_CHAR, max_size=105),
        WRONG_TYPES,
    ),
    "description": st.one_of(around(250, ANY_CHAR), st.text(ANY_CHAR, max_size=20), WRONG_TYPES),
    "enabled": st.booleans() | WRONG_TYPES,
    "client_identifier": _text_field(1, 500),
    "client_secret": _text_field(1, 500),
    "access_token": _text_field(1, 500),
}
VERSIONS = st.one_of(
    st.integers(min_value=-2, max_value=3),
    st.integers(min_value=2**62, max_value=2**70),
    WRONG_TYPES,
)


def as_received(fields: dict[str, object]) -> dict[str, Any] | None:
    """``fields`` as the emulator decodes them from JSON, or None when JSON cannot carry
    them at all (which the strategies never make; kept as a guard).
    """
    try:
        decoded: dict[str, Any] = json.loads(json.dumps(fields, allow_nan=False))
    except (TypeError, ValueError):
        return None
    return decoded


@pytest.fixture
async def apis() -> AsyncIterator[tuple[pv.AsyncVimeoConnections, httpx.AsyncClient, str]]:
    """The SDK and a raw client on one in-process emulator, and a connection to update."""
    emu = emulator.Emulator()
    async with (
        pv.AsyncPictoryClient(KEY, BASE_URL, transport=emu.transport(), max_retries=0) as sdk,
        httpx.AsyncClient(
            transport=emu.transport(), base_url=BASE_URL, headers={"Authorization": KEY}
        ) as raw,
    ):
        made = await sdk.vimeo_connections.create(
            name="Target", client_identifier="c", client_secret="s", access_token="t"
        )
        yield sdk.vimeo_connections, raw, made.connection_id
    emu.close()


async def sdk_verdict(call: Any) -> set[str] | None:
    """The fields the SDK refuses (by their API names), or None when it sends the body."""
    answered: pv.APIStatusError | None = None
    try:
        await call
    except pv.ValidationError as refused:
        return {API_NAME[error.field] for error in refused.errors}
    except pv.APIStatusError as error:  # a 409 or 404: sent, and not refused as invalid
        answered = error
    assert answered is None or answered.status_code != 400, f"sent, then refused: {answered}"
    return None


async def emulator_verdict(response: httpx.Response) -> set[str] | None:
    """The fields the emulator's 400 names, or None when it takes the body."""
    if response.status_code != 400:
        return None
    errors = response.json().get("errors")
    assert errors, f"a 400 that names no field: {response.text}"
    return {error["field"] for error in errors}


@pytest.mark.anyio
@AGREE
@given(fields=st.fixed_dictionaries(FIELDS, optional={}), describe=st.booleans())
async def test_create_agrees(
    apis: tuple[pv.AsyncVimeoConnections, httpx.AsyncClient, str],
    fields: dict[str, object],
    describe: bool,
) -> None:
    """create(...) refuses exactly what POST refuses, naming the same fields."""
    conns, raw, _ = apis
    if not describe:
        del fields["description"]
    received = as_received(fields)
    assume(received is not None)
    assert received is not None
    body = {to_camel(name): value for name, value in received.items()}
    answer = await raw.post(COLLECTION, content=json.dumps(body), headers=_JSON)
    assert await sdk_verdict(conns.create(**received)) == await emulator_verdict(answer)


@pytest.mark.anyio
@AGREE
@given(
    version=VERSIONS,
    fields=st.fixed_dictionaries({}, optional=FIELDS),
)
async def test_update_agrees(
    apis: tuple[pv.AsyncVimeoConnections, httpx.AsyncClient, str],
    version: object,
    fields: dict[str, object],
) -> None:
    """update(...) refuses exactly what PUT refuses, naming the same fields."""
    conns, raw, connection_id = apis
    received = as_received({"version": version, **fields})
    assume(received is not None)
    assert received is not None
    body = {to_camel(name): value for name, value in received.items()}
    answer = await raw.put(f"{COLLECTION}/{connection_id}", content=json.dumps(body), headers=_JSON)
    assert await sdk_verdict(conns.update(connection_id, **received)) == await emulator_verdict(
        answer
    )


_JSON: Final = {"Content-Type": "application/json"}
