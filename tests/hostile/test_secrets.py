"""No form of any secret the SDK sent ever shows in an error, its chain or its traceback.

Servers here echo what they were sent in every way a server can: in the message, in the
body (FastAPI's ``{"detail": [{"input": body}]}``), in a request ID, JSON- and HTML-escaped,
in a header line so illegal that the HTTP parser gives up, in a redirect's Location, in a
2xx body field that fails to structure, and in a transport failure's text. Secrets come
in the awkward shapes users hold them in. ``e.response`` stays the raw response.
"""

from __future__ import annotations

import json
import traceback

import httpx
import pytest

import pictory_vimeo as pv
from pictory_vimeo import _redact

from .conftest import ID, KEY, mock_loops

loop_and_pool = mock_loops()

BASE_URL = "https://api.test"


def shown(error: BaseException) -> dict[str, str]:
    """Every text of ``error`` a user or a log may see, by where it comes from."""
    texts = {
        "str": str(error),
        "repr": repr(error),
        "traceback": "".join(traceback.format_exception(error)),
    }
    for attribute in ("message", "code", "request_id"):
        value = getattr(error, attribute, None)
        if value is not None:
            texts[attribute] = str(value)
    if hasattr(error, "body"):
        texts["body"] = json.dumps(error.body, ensure_ascii=False) + repr(error.body)
    return texts


def assert_no_secret(error: BaseException, *secrets: str) -> None:
    """No form of any of ``secrets`` shows anywhere in ``error``."""
    forms = set().union(*(_redact._forms(secret) for secret in secrets))
    for where, text in shown(error).items():
        for form in forms:
            assert form not in text, f"{form!r} shows in {where}: {text}"


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
