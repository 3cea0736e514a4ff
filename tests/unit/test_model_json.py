"""``to_dict()``, ``to_json()``, ``VimeoConnection.from_dict()``: the API's JSON, no secrets."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

import pictory_vimeo as pv
from pictory_vimeo._models import converter, structure_connection
from tests import _support

FULL = _support.connection_json(version=3)
#: What the create endpoint answers: no type, no dates, no description here.
CREATED = {
    "name": "Made",
    "enabled": True,
    "clientIdentifier": "cid",
    "connectionId": "20251222155613307xv0nodhitf9cd0f",
    "version": 1,
}


def test_to_dict_is_the_api_shape_in_the_reference_order() -> None:
    """camelCase keys in the reference's order, ISO-8601 UTC dates with milliseconds and Z."""
    connection = pv.VimeoConnection.from_dict(FULL)
    assert connection.to_dict() == FULL
    assert list(connection.to_dict()) == list(FULL)


def test_every_field_is_always_present_missing_ones_as_null() -> None:
    """A create answer's connection has the same keys as a get's: what it lacks is null."""
    created = pv.VimeoConnection.from_dict(CREATED).to_dict()
    assert list(created) == list(FULL)
    assert created["type"] is None
    assert created["createdDate"] is None
    assert created["description"] is None


def test_to_json_is_to_dict_as_text() -> None:
    """``to_json`` is ``json.dumps(to_dict())``, non-ASCII kept, options passed through."""
    connection = pv.VimeoConnection.from_dict({**FULL, "name": "Café"})
    assert json.loads(connection.to_json()) == connection.to_dict()
    assert "Café" in connection.to_json()
    assert connection.to_json(indent=2).count("\n") == len(FULL) + 1


def test_an_offset_date_is_written_back_in_utc() -> None:
    """A date with an offset comes back normalised to UTC with Z."""
    connection = pv.VimeoConnection.from_dict(
        {**FULL, "createdDate": "2025-12-22T17:56:12.309+02:00"}
    )
    assert connection.to_dict()["createdDate"] == "2025-12-22T15:56:12.309Z"


@pytest.mark.parametrize(
    "data",
    [
        {**FULL, "version": "3"},
        {**FULL, "enabled": 1},
        {**FULL, "createdDate": "yesterday"},
        {key: value for key, value in FULL.items() if key != "name"},
        ["not", "a", "mapping"],
    ],
    ids=["version-as-text", "enabled-as-int", "bad-date", "no-name", "a-list"],
)
def test_from_dict_refuses_what_is_not_a_connection(data: object) -> None:
    """A wrong type, a bad date or a missing field is a ValidationError naming ``data``."""
    with pytest.raises(pv.ValidationError) as caught:
        pv.VimeoConnection.from_dict(data)  # type: ignore[arg-type]
    assert [e.field for e in caught.value.errors] == ["data"]
    assert "yesterday" not in str(caught.value)


def test_unknown_fields_are_tolerated_and_secrets_never_appear() -> None:
    """Fields the model does not know are ignored, so an echoed secret never reaches to_dict."""
    echoed = {**FULL, "clientSecret": "s3cr3t-value", "accessToken": "t0k3n-value"}
    text = pv.VimeoConnection.from_dict(echoed).to_json()
    assert "s3cr3t" not in text
    assert "t0k3n" not in text


names = st.text(min_size=1, max_size=20)
moments = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)


#: A moment in UTC, or the same instant in another whole-minute offset.
in_any_offset = st.builds(
    datetime.astimezone,
    moments,
    st.integers(min_value=-720, max_value=720).map(lambda m: timezone(timedelta(minutes=m))),
)
connections = st.builds(
    pv.VimeoConnection,
    connection_id=st.just("20251222155613307xv0nodhitf9cd0f"),
    name=names,
    client_identifier=st.just("cid"),
    enabled=st.booleans(),
    version=st.integers(min_value=1, max_value=2**53),
    description=st.none() | st.text(max_size=30),
    type=st.just("VIMEO"),
    created_date=st.none() | in_any_offset,
    updated_date=st.none() | moments,
)


@given(connection=connections)
def test_from_dict_inverts_to_dict(connection: pv.VimeoConnection) -> None:
    """``from_dict(to_dict(c)) == c`` for any connection, whatever the date's offset."""
    again = pv.VimeoConnection.from_dict(json.loads(connection.to_json()))
    assert again == connection
    assert again.to_dict() == connection.to_dict()


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=2**63),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(["2025-12-22T15:56:12.309Z", "2025-12-22T17:56:12+02:00", "\ud800", "VIMEO"]),
    st.lists(st.integers(), max_size=2),
)


@given(
    st.dictionaries(
        st.sampled_from([*FULL, "extra"]),
        values,
        max_size=len(FULL) + 1,
    ).map(lambda d: {**FULL, **d}),
    st.sets(st.sampled_from(list(FULL))),
)
def test_the_direct_path_and_the_converter_agree(
    overrides: dict[str, object], dropped: set[str]
) -> None:
    """The direct path gives the converter's model for any object, or both refuse it."""
    data = {k: v for k, v in overrides.items() if k not in dropped}
    try:
        expected: object = converter.structure(data, pv.VimeoConnection)
    except Exception:
        expected = "refused"
    try:
        got: object = structure_connection(data)
    except Exception:
        got = "refused"
    assert got == expected
