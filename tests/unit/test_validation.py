"""Every documented field rule, at its boundaries, raised before any request is sent."""

from __future__ import annotations

import json
import string
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pictory_vimeo as pv

ID = "20251222155613307xv0nodhitf9cd0f"
NAME_RULE = "must be 1-100 characters of letters, digits, spaces, '_' or '-'"
NAME_CHARS = string.ascii_letters + string.digits + " _-"
#: Python spelling of each text field -> (shortest, longest) valid length.
TEXT_LIMITS = {
    "name": (1, 100),
    "description": (0, 250),
    "client_identifier": (1, 500),
    "client_secret": (1, 500),
    "access_token": (1, 500),
}
SECRET_FIELDS = ("client_secret", "access_token")
#: ``create_with(**fields)``, as the fixture of that name gives it.
CreateWith = Callable[..., Awaitable[pv.VimeoConnection]]


@pytest.fixture
def any_route(router: respx.MockRouter) -> respx.Route:
    """A route catching every request, so a test can prove none was sent."""
    return router.route().respond(500)


@pytest.fixture
def create_with(conns: pv.AsyncVimeoConnections, create_args: dict[str, Any]) -> CreateWith:
    """``create_with(**fields)``: a create of valid arguments but for ``fields``, not awaited."""

    def create(**fields: Any) -> Awaitable[pv.VimeoConnection]:
        return conns.create(**{**create_args, **fields})

    return create


def as_kwargs(field: str, value: object) -> dict[str, Any]:
    """One keyword argument, typed loosely so any value can be passed to any field."""
    return {field: value}


async def rejected(call: Any, route: respx.Route) -> pv.ValidationError:
    """Await ``call``, expecting a ValidationError and no request on the wire."""
    with pytest.raises(pv.ValidationError) as caught:
        await call
    assert not route.called
    assert isinstance(caught.value, ValueError)
    return caught.value


@pytest.mark.anyio
@pytest.mark.parametrize("field", sorted(TEXT_LIMITS))
async def test_text_at_the_edges_of_its_rule(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections, create_with: CreateWith, field: str
) -> None:
    """Too short, too long or not valid Unicode fails unsent, naming the field; in range is sent."""
    post = router.post("/pictoryapis/v1/vimeo-connections").respond(201, json={"x": 1})
    put = router.put(f"/pictoryapis/v1/vimeo-connections/{ID}").respond(200, json={"x": 1})
    shortest, longest = TEXT_LIMITS[field]
    out_of_range = ["a" * n for n in {shortest - 1, longest + 1} - {-1}]
    # Lone surrogates: text JSON cannot carry is refused by name, not an encoding crash.
    for bad in [*out_of_range, "ok\ud800", "\udfff"]:
        for error in [
            await rejected(create_with(**{field: bad}), post),
            await rejected(conns.update(ID, version=1, **as_kwargs(field, bad)), put),
        ]:
            assert [e.field for e in error.errors] == [field]
            assert ("valid Unicode text" in str(error)) == (bad not in out_of_range)
    for good in (shortest, longest):
        # The stub's answer is not a connection: an InvalidResponseError proves it was sent.
        with pytest.raises(pv.InvalidResponseError):
            await create_with(**{field: "a" * good})
        with pytest.raises(pv.InvalidResponseError):
            await conns.update(ID, version=1, **as_kwargs(field, "a" * good))
    assert (post.call_count, put.call_count) == (2, 2)
    assert json.loads(post.calls.last.request.content)[_camel(field)] == "a" * longest


def _camel(name: str) -> str:
    """The wire name of a snake_case field."""
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


@pytest.mark.anyio
@pytest.mark.parametrize(
    "name",
    ["a/b", "a.b", "tab\there", "new\nline", "Café", "名前", "ünïcödé", "a\u00a0b", "x!", "١٢٣"],
)
async def test_name_characters_are_ascii_letters_digits_space_underscore_hyphen(
    create_with: CreateWith, any_route: respx.Route, name: str
) -> None:
    """The reference's 'letters, numbers' are ASCII ones; any other character is refused."""
    error = await rejected(create_with(name=name), any_route)
    assert str(error.errors[0]) == f"name: {NAME_RULE} (got {name!r})"


@pytest.mark.anyio
async def test_message_format(create_with: CreateWith, any_route: respx.Route) -> None:
    """The message names the field as passed, the rule and the rejected value."""
    error = await rejected(create_with(name="a/b"), any_route)
    assert str(error) == f"invalid input: name: {NAME_RULE} (got 'a/b')"
    assert error.errors == (pv.FieldError("name", f"{NAME_RULE} (got 'a/b')"),)


@pytest.mark.anyio
@pytest.mark.parametrize("enabled", ["yes", 1, 0, None])
async def test_enabled_must_be_a_boolean(
    conns: pv.AsyncVimeoConnections, any_route: respx.Route, create_with: CreateWith, enabled: Any
) -> None:
    """enabled is required on create and must be a real bool (not 1, 0 or 'yes')."""
    error = await rejected(create_with(enabled=enabled), any_route)
    assert [e.field for e in error.errors] == ["enabled"]
    if enabled is not None:
        error = await rejected(conns.update(ID, version=1, enabled=enabled), any_route)
        assert [e.field for e in error.errors] == ["enabled"]
        assert "must be true or false" in str(error)


@pytest.mark.anyio
@pytest.mark.parametrize("version", [None, 0, -1, True, False, 1.0, "1", "2"])
async def test_update_version_must_be_a_positive_integer(
    conns: pv.AsyncVimeoConnections, any_route: respx.Route, version: object
) -> None:
    """version is required on update: missing, not an int, a bool or < 1 is refused."""
    error = await rejected(conns.update(ID, version=version, enabled=True), any_route)  # type: ignore[arg-type]
    assert [e.field for e in error.errors] == ["version"]


@pytest.mark.anyio
async def test_update_without_version_is_a_type_error(conns: pv.AsyncVimeoConnections) -> None:
    """version is a required keyword: leaving it out fails at the call itself."""
    with pytest.raises(TypeError, match="version"):
        await conns.update(ID, enabled=True)  # type: ignore[call-arg]


@pytest.mark.anyio
async def test_an_update_of_only_version_is_sent_as_documented(
    router: respx.MockRouter,
    conns: pv.AsyncVimeoConnections,
    connection_json: Callable[..., dict[str, Any]],
) -> None:
    """The reference requires only ``version``; a body of just that is sent, as the API allows."""
    put = router.put(f"/pictoryapis/v1/vimeo-connections/{ID}").respond(
        200, json=connection_json(version=4)
    )
    updated = await conns.update(ID, version=3)
    assert json.loads(put.calls.last.request.content) == {"version": 3}
    assert updated.version == 4


@pytest.mark.anyio
@pytest.mark.parametrize("field", ["name", "client_identifier", "client_secret", "access_token"])
async def test_create_requires_each_field(
    any_route: respx.Route, create_with: CreateWith, field: str
) -> None:
    """A required create field given as None is reported as required."""
    error = await rejected(create_with(**{field: None}), any_route)
    assert [str(e) for e in error.errors] == [f"{field}: is required"]


@pytest.mark.anyio
@pytest.mark.parametrize("value", [5, b"bytes", ["a"]])
async def test_text_fields_must_be_strings(
    any_route: respx.Route, create_with: CreateWith, value: object
) -> None:
    """A non-string in a text field is refused, whatever its length."""
    error = await rejected(create_with(client_identifier=value, description=value), any_route)
    assert [e.field for e in error.errors] == ["description", "client_identifier"]


@pytest.mark.anyio
async def test_every_bad_field_is_listed_in_one_error(
    conns: pv.AsyncVimeoConnections, any_route: respx.Route
) -> None:
    """Several broken rules give one ValidationError naming each of them."""
    call = conns.create(
        name="",
        description="d" * 251,
        enabled="no",  # type: ignore[arg-type]
        client_identifier="c" * 501,
        client_secret="",
        access_token="t" * 501,
    )
    error = await rejected(call, any_route)
    fields = [e.field for e in error.errors]
    assert fields == [
        "name",
        "description",
        "enabled",
        "client_identifier",
        "client_secret",
        "access_token",
    ]
    assert str(error).startswith("6 invalid fields: name: ")
    assert "\n" not in str(error)
    for field in fields:
        assert f"{field}: " in str(error)


@pytest.mark.anyio
async def test_a_bad_id_and_bad_fields_are_reported_together(
    conns: pv.AsyncVimeoConnections, any_route: respx.Route
) -> None:
    """update lists a bad connection_id along with its bad fields."""
    error = await rejected(conns.update("..", version=0, name="a/b"), any_route)
    assert [e.field for e in error.errors] == ["connection_id", "version", "name"]


@pytest.mark.anyio
@pytest.mark.parametrize("field", SECRET_FIELDS)
@pytest.mark.parametrize("length", [0, 501, 2000])
async def test_a_rejected_secret_is_never_shown(
    conns: pv.AsyncVimeoConnections,
    any_route: respx.Route,
    create_with: CreateWith,
    field: str,
    length: int,
) -> None:
    """A secret of a bad length is described by its length, never by its value."""
    secret = ("Sx" * length)[:length]
    calls: list[Callable[[], Awaitable[object]]] = [
        lambda: create_with(**{field: secret}),
        lambda: conns.update(ID, version=1, **as_kwargs(field, secret)),
    ]
    for call in calls:
        error = await rejected(call(), any_route)
        assert f"(got {length} characters)" in str(error)
        if secret:
            assert secret not in str(error)
            assert secret not in repr(error)
            assert secret[:8] not in str(error)


@pytest.mark.anyio
@pytest.mark.parametrize("field", SECRET_FIELDS)
async def test_a_non_string_secret_shows_only_its_type(
    any_route: respx.Route, create_with: CreateWith, field: str
) -> None:
    """A secret of the wrong type is described by its type name alone."""
    error = await rejected(create_with(**{field: 123456789}), any_route)
    assert "(got int)" in str(error)
    assert "123456789" not in str(error)


@pytest.mark.anyio
@pytest.mark.parametrize("limit", [-1, 1.5, "3", True])
async def test_list_limit_must_be_a_non_negative_int(
    conns: pv.AsyncVimeoConnections, any_route: respx.Route, limit: object
) -> None:
    """list(limit=) takes None or an int >= 0, checked when the listing is made."""
    with pytest.raises(pv.ValidationError, match="limit"):
        conns.list(limit=limit)  # type: ignore[arg-type]
    assert not any_route.called


@pytest.mark.anyio
async def test_next_page_key_must_be_a_string(
    conns: pv.AsyncVimeoConnections, any_route: respx.Route
) -> None:
    """A next_page_key that is not a string is refused before sending."""
    await rejected(conns.list_page(next_page_key=5), any_route)  # type: ignore[arg-type]


@pytest.mark.anyio
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=st.text(alphabet=NAME_CHARS, min_size=1, max_size=100))
async def test_valid_names_are_sent(
    router: respx.MockRouter, create_with: CreateWith, name: str
) -> None:
    """Any 1-100 characters of ASCII letters, digits, space, '_' and '-' is sent as is."""
    route = router.post("/pictoryapis/v1/vimeo-connections").respond(201, json={"x": 1})
    with pytest.raises(pv.InvalidResponseError):
        await create_with(name=name)
    assert json.loads(route.calls.last.request.content)["name"] == name


@pytest.mark.anyio
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    prefix=st.text(alphabet=NAME_CHARS, max_size=40),
    bad=st.characters().filter(lambda c: c not in NAME_CHARS),
    suffix=st.text(alphabet=NAME_CHARS, max_size=40),
)
async def test_names_with_a_forbidden_character_are_refused(
    router: respx.MockRouter, create_with: CreateWith, prefix: str, bad: str, suffix: str
) -> None:
    """One character outside the allowed set anywhere in the name is enough to refuse it."""
    route = router.route().respond(500)
    name = prefix + bad + suffix
    with pytest.raises(pv.ValidationError) as caught:
        await create_with(name=name)
    assert [e.field for e in caught.value.errors] == ["name"]
    assert not route.called
