"""No form of any secret the SDK sent ever shows in an error, its chain or its traceback.

Mock servers here echo what they were sent in every way a server can: in the message, in
the body (FastAPI's ``{"detail": [{"input": body}]}``), in a request ID, JSON- and
HTML-escaped, as a Python repr, in a redirect's Location, in a 2xx body field that fails
to structure, and in a transport failure's text (``test_secrets_over_loopback`` adds what
only a socket can send). Secrets come in the awkward shapes users hold them in.
``e.response`` stays the raw response.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable

import httpx
import pytest

import pictory_vimeo as pv

from ._leaks import assert_no_secret, secret_calls
from ._support import AWKWARD_SECRETS, ID, KEY, connection_json

BASE_URL = "https://api.test"


@pytest.mark.anyio
async def test_a_secret_sent_earlier_is_masked_in_a_later_error() -> None:
    """A server that dumps a stored secret into the error of a later call (one that did
    not send it) does not get it past the client that sent it.
    """
    secret, token = "earlier-client-secret", "earlier-access-token"

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(
                201,
                json={
                    "connectionId": ID,
                    "name": "n",
                    "clientIdentifier": "c",
                    "enabled": True,
                    "version": 1,
                },
            )
        dump = {"clientSecret": secret, "accessToken": token}
        return httpx.Response(500, json={"message": f"failed on {dump}", "record": dump})

    async with pv.AsyncPictoryClient(
        KEY, BASE_URL, transport=httpx.MockTransport(handler), max_retries=0
    ) as client:
        await client.vimeo_connections.create(
            name="n", client_identifier="c", client_secret=secret, access_token=token
        )
        with pytest.raises(pv.InternalServerError) as caught:
            await client.with_options(timeout=5).vimeo_connections.get(ID)
    assert_no_secret(caught.value, secret, token, KEY)
    assert caught.value.body == {
        "message": "failed on {'clientSecret': '**********', 'accessToken': '**********'}",
        "record": {"clientSecret": "**********", "accessToken": "**********"},
    }
    assert secret in caught.value.response.text  # the raw response, as documented


def test_a_client_remembers_a_bounded_number_of_sent_secrets() -> None:
    """The memory of sent secrets keeps the most recent ones, never more than its cap."""
    client = pv.AsyncPictoryClient(KEY, BASE_URL, transport="httpx")
    session = client._session
    for n in range(100):
        scrubber = session.scrubber([f"secret-number-{n}", f"token-number-{n}"])
    masked = scrubber.text(" ".join(f"secret-number-{n} token-number-{n}" for n in range(100)))
    assert masked.count("**********") == 32
    assert "secret-number-99" not in masked
    assert "secret-number-0 " in masked
    assert session.scrubber() is scrubber  # nothing new: the same scrubber, forms kept


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("secret", "echoed"),
    [
        ("token with  inner\twhitespace", "token with\ninner   whitespace"),
        ("client-secret-from-a-file\n", "client-secret-from-a-file"),
        ("  padded secret  ", "padded\r\nsecret"),
        ("tab\tesc\x1bbell\x07", "tab esc\x1bbell\x07"),
    ],
)
async def test_a_secret_echoed_with_other_whitespace_is_masked(secret: str, echoed: str) -> None:
    """The message is scrubbed before and after its whitespace is folded: a server that
    folds a secret's whitespace its own way does not get it into the one-line message.
    """

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, text=f"rejected:\n{echoed}\n", headers={"x-request-id": "r1"})

    async with pv.AsyncPictoryClient(
        KEY, BASE_URL, transport=httpx.MockTransport(handler), max_retries=0
    ) as client:
        with pytest.raises(pv.BadRequestError) as caught:
            await client.vimeo_connections.create(
                name="n", client_identifier="c", client_secret=secret, access_token="t0k3n"
            )
    assert_no_secret(caught.value, secret)
    assert caught.value.message == "rejected: **********"


@pytest.mark.anyio
async def test_control_characters_from_the_server_are_escaped() -> None:
    """An escape sequence in a message, code or request ID reaches no terminal as is."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            409,
            json={"message": "taken\x1b[2J\u202eeman", "code": "X\x00Y"},
            headers=[(b"x-request-id", b"\x1b]0;title\x07id")],
        )

    async with pv.AsyncPictoryClient(
        KEY, BASE_URL, transport=httpx.MockTransport(handler), max_retries=0
    ) as client:
        with pytest.raises(pv.ConflictError) as caught:
            await client.vimeo_connections.get(ID)
    error = caught.value
    assert error.message == "taken\\x1b[2J\\u202eeman"
    assert error.code == "X\\x00Y"
    assert error.request_id == "\\x1b]0;title\\x07id"
    assert str(error).isprintable()


def echo_of(request: httpx.Request) -> str:
    """Everything the request carried, as a careless server would quote it back."""
    headers = "\n".join(f"{name}: {value}" for name, value in request.headers.items())
    return f"{request.content.decode()}\n\n{request.method} {request.url}\n{headers}"


def _body_of(request: httpx.Request) -> object:
    return json.loads(request.content) if request.content else dict(request.headers)


def _fail(error: httpx.TransportError) -> httpx.Response:
    """A transport that fails with ``error`` (whose text quotes the request)."""
    raise error


#: Servers that quote the request back, each in its own way.
ECHOES: dict[str, Callable[[httpx.Request], httpx.Response]] = {
    "message": lambda r: httpx.Response(400, json={"message": echo_of(r), "code": "BAD"}),
    "plain-text-500": lambda r: httpx.Response(500, text=echo_of(r)),
    "code": lambda r: httpx.Response(409, json={"message": "taken", "code": echo_of(r)}),
    "fastapi-422": lambda r: httpx.Response(
        422,
        json={"detail": [{"loc": ["body"], "msg": "bad", "type": "x", "input": _body_of(r)}]},
    ),
    "errors-list-of-objects": lambda r: httpx.Response(
        400,
        json={"message": "bad", "errors": [{"field": _body_of(r), "message": _body_of(r)}]},
    ),
    "problem-detail": lambda r: httpx.Response(
        400, json={"type": "about:blank", "title": "Bad", "detail": echo_of(r)}
    ),
    "json-escaped-text": lambda r: httpx.Response(400, text=json.dumps(echo_of(r))),
    "ascii-json-escaped-text": lambda r: httpx.Response(
        400, text=json.dumps({"raw": echo_of(r)}, ensure_ascii=True)
    ),
    "html-escaped-page": lambda r: httpx.Response(
        502,
        text=f"<html><title>{html.escape(echo_of(r))}</title><body>{html.escape(echo_of(r))}",
        headers={"content-type": "text/html"},
    ),
    "python-repr-text": lambda r: httpx.Response(400, text=repr(_body_of(r))),
    "bytes-repr-text": lambda r: httpx.Response(400, text=repr(r.content)),
    "request-id": lambda r: httpx.Response(
        400,
        json={"message": "bad"},
        headers=[(b"x-request-id", " ".join(echo_of(r).split()).encode())],
    ),
    "latin-1-request-id": lambda r: httpx.Response(
        400,
        json={"message": "bad"},
        headers=[
            (b"x-request-id", " ".join(echo_of(r).split()).encode()),
            (b"x-other", b"\xff"),  # one non-UTF-8 byte: httpx reads every header as Latin-1
        ],
    ),
    "redirect-location": lambda r: httpx.Response(
        302,
        headers=[
            (b"location", b"https://elsewhere/?q=" + httpx.URL(params={"e": echo_of(r)}).query)
        ],
    ),
    "bad-2xx-field": lambda r: httpx.Response(
        200, json={**connection_json(), "version": _body_of(r), "name": _body_of(r)}
    ),
    "bad-2xx-items": lambda r: httpx.Response(
        200, json={"Items": [_body_of(r)], "nextPageKey": _body_of(r)}
    ),
    "transport-error-quoting-the-request": lambda r: _fail(
        httpx.RemoteProtocolError(f"peer sent garbage after: {echo_of(r)!r}", request=r)
    ),
    "timeout-quoting-the-request": lambda r: _fail(
        httpx.ReadTimeout(f"read timed out for {echo_of(r)}", request=r)
    ),
}


@pytest.mark.anyio
@pytest.mark.parametrize("echo", list(ECHOES))
@pytest.mark.parametrize(
    ("secret", "token"), AWKWARD_SECRETS, ids=[f"secrets{i}" for i in range(len(AWKWARD_SECRETS))]
)
async def test_an_echoing_server_never_gets_a_secret_into_the_error(
    echo: str, secret: str, token: str
) -> None:
    """Whatever the echo, no form of the key, client secret or access token shows in str,
    repr, message, code, body, request_id or the traceback with its chain.
    """
    async with pv.AsyncPictoryClient(
        KEY, BASE_URL, transport=httpx.MockTransport(ECHOES[echo]), max_retries=1
    ) as client:
        for name, call in secret_calls(secret, token).items():
            with pytest.raises(pv.PictoryError) as caught:
                await call(client.vimeo_connections)
            assert_no_secret(caught.value, KEY, secret, token)
            response = getattr(caught.value, "response", None)
            if response is not None and echo not in ("redirect-location",):
                # The raw response, as documented: the echo is still there.
                assert response.request.headers["authorization"] == KEY, name


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("secret", "token"), AWKWARD_SECRETS, ids=[f"secrets{i}" for i in range(len(AWKWARD_SECRETS))]
)
async def test_e_body_is_scrubbed_and_e_response_stays_raw(secret: str, token: str) -> None:
    """FastAPI's 422 quotes the whole request body back: e.body masks the secrets, every
    other field as it came; e.response.content still holds them.
    """
    async with pv.AsyncPictoryClient(
        KEY, BASE_URL, transport=httpx.MockTransport(ECHOES["fastapi-422"]), max_retries=0
    ) as client:
        with pytest.raises(pv.UnprocessableEntityError) as caught:
            await client.vimeo_connections.create(
                name="n", client_identifier="cid", client_secret=secret, access_token=token
            )
    echoed = caught.value.body["detail"][0]["input"]  # type: ignore[index]
    assert echoed == {
        "name": "n",
        "clientIdentifier": "cid",
        "enabled": True,
        "clientSecret": "**********",
        "accessToken": "**********",
    }
    raw = caught.value.response.json()["detail"][0]["input"]
    assert (raw["clientSecret"], raw["accessToken"]) == (secret, token)
