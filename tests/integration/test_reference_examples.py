"""The reference pages' own examples, run against the emulator over loopback.

Every ``curl`` command in the reference pages (copies in ``reference/``) is parsed into its
method, URL, headers and JSON body; placeholders become a real key, a real connection ID
and its current version; the request is sent with httpx; and the answer must have the
status and the shape (keys, value types, formats) of the page's own response example.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import attrs
import httpx
import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator
from tests.integration._support import NewConnection

pytestmark = [pytest.mark.integration]

REFERENCE: Final = Path(__file__).parent / "reference"
PAGES: Final = (
    "create-connection.txt",
    "delete-connection.txt",
    "get-connection.txt",
    "list-connections.txt",
    "update-connection.txt",
)
DOCUMENTED_BASE: Final = "https://api.pictory.ai"
KEY_PLACEHOLDERS: Final = ("<authorization>", "YOUR_API_KEY")
ID_PLACEHOLDERS: Final = ("{connectionid}", "CONNECTION_ID", "YOUR_CONNECTION_ID", "<connectionId>")
#: Values for the reference template's ``"<string>"`` fields that obey the documented rules.
TEMPLATE_VALUES: Final = {
    "name": "Reference Template Name",
    "description": "Filled in from the reference template",
    "clientIdentifier": "template_client_id",
    "clientSecret": "template_client_secret",
    "accessToken": "template_access_token",
}
#: Write-only fields: sent in the examples, never answered.
SECRETS: Final = frozenset({"clientSecret", "accessToken"})
#: How the reference's example values look, for the fields whose format is fixed.
FORMATS: Final = {
    "connectionId": re.compile(r"\d{17}[a-z0-9]{15}"),
    "createdDate": re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"),
    "updatedDate": re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"),
}


@attrs.frozen
class CurlCall:
    """One ``curl`` command of a reference page, as parsed."""

    page: str
    method: str
    url: str
    headers: dict[str, str]
    data: str | None

    @property
    def endpoint(self) -> str:
        """The reference page the command belongs to (``create-connection`` ...)."""
        return self.page.removesuffix(".txt")


def _command_text(text: str, start: int) -> str:
    """The command starting at ``start``: up to an unquoted line end or pipe.

    Quotes may span lines (the ``--data`` JSON does); a backslash before a line end
    continues the command, as in a shell.
    """
    out: list[str] = []
    quote: str | None = None
    index = start
    while index < len(text):
        char = text[index]
        if quote is not None:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "\\" and text.startswith("\n", index + 1):
            out.append(" ")
            index += 2
            continue
        elif char in "\n|":
            break
        out.append(char)
        index += 1
    assert quote is None, f"unterminated quote in {text[start : start + 80]!r}"
    return "".join(out)


def parse_curl(page: str, command: str) -> CurlCall:
    """Method, URL, headers and body of one curl command (unknown options fail loudly)."""
    words = shlex.split(command)
    assert words[0] == "curl"
    method, url, data = "GET", None, None
    headers: dict[str, str] = {}
    rest = iter(words[1:])
    for word in rest:
        if word in ("--request", "-X"):
            method = next(rest).upper()
        elif word == "--url":
            url = next(rest)
        elif word in ("--header", "-H"):
            name, _, value = next(rest).partition(":")
            headers[name.strip()] = value.strip()
        elif word in ("--data", "-d", "--data-raw"):
            data = next(rest)
            if method == "GET":
                method = "POST"
        elif not word.startswith("-") and url is None:
            url = word
        else:
            raise AssertionError(f"{page}: curl option {word!r} is not understood")
    assert url is not None, f"{page}: a curl command without a URL: {command!r}"
    return CurlCall(page, method, url, headers, data)


def curl_calls() -> list[CurlCall]:
    """Every curl command of every reference page, in page order."""
    calls = []
    for page in PAGES:
        text = (REFERENCE / page).read_text(encoding="utf-8")
        for match in re.finditer(r"(?m)^curl\s", text):
            calls.append(parse_curl(page, _command_text(text, match.start())))
    return calls


def response_example(page: str) -> dict[str, Any] | None:
    """The JSON object under a page's "Response Examples" heading (None: no content)."""
    text = (REFERENCE / page).read_text(encoding="utf-8")
    heading = text.index("Response Examples")
    after = text[heading + len("Response Examples") :].lstrip()
    if after.startswith("No content returned"):
        return None
    example, _ = json.JSONDecoder().raw_decode(after)
    assert isinstance(example, dict)
    return example


def assert_shape(actual: object, example: Mapping[str, Any], where: str) -> None:
    """Same keys as ``example``, each value of the same JSON type (and format, if fixed)."""
    assert isinstance(actual, dict), f"{where}: {actual!r} is not an object"
    assert set(actual) == set(example), f"{where}: keys {sorted(actual)} != {sorted(example)}"
    for key, value in example.items():
        assert type(actual[key]) is type(value), f"{where}: {key} is {actual[key]!r}"
        pattern = FORMATS.get(key)
        if pattern is not None:
            assert pattern.fullmatch(value), f"the reference's own {key} {value!r}"
            assert pattern.fullmatch(actual[key]), f"{where}: {key} is {actual[key]!r}"


CALLS: Final = curl_calls()


def test_every_curl_command_of_the_reference_is_found() -> None:
    """The parser finds each command the pages hold, with a method and an API URL."""
    found = {page: [c for c in CALLS if c.page == page] for page in PAGES}
    for page in PAGES:
        text = (REFERENCE / page).read_text(encoding="utf-8")
        assert len(found[page]) == len(re.findall(r"(?m)^curl\s", text))
    assert [len(found[page]) for page in PAGES] == [2, 2, 0, 0, 3]
    assert {(c.endpoint, c.method) for c in CALLS} == {
        ("create-connection", "POST"),
        ("delete-connection", "DELETE"),
        ("update-connection", "PUT"),
    }
    assert all(c.url.startswith(DOCUMENTED_BASE + "/pictoryapis/v1/") for c in CALLS)
    assert all(c.headers.get("Authorization") in KEY_PLACEHOLDERS for c in CALLS)


def _fill_body(call: CurlCall, version: int) -> dict[str, Any] | None:
    if call.data is None:
        return None
    body = json.loads(call.data)
    assert isinstance(body, dict), f"{call.page}: --data is not a JSON object"
    for field, value in body.items():
        if value == "<string>":
            body[field] = TEMPLATE_VALUES[field]
    if "version" in body:
        body["version"] = version
    return body


def _fill_url(call: CurlCall, base_url: str, connection_id: str) -> str:
    url = base_url + call.url.removeprefix(DOCUMENTED_BASE)
    for placeholder in ID_PLACEHOLDERS:
        url = url.replace(placeholder, connection_id)
    assert not re.search(r"[{}<>]|YOUR_|CONNECTION_ID", url), f"unfilled placeholder: {url}"
    return url


def _fill_headers(call: CurlCall, api_key: str) -> dict[str, str]:
    return {
        name: api_key if value in KEY_PLACEHOLDERS else value
        for name, value in call.headers.items()
    }


@pytest.mark.anyio
@pytest.mark.parametrize("call", CALLS, ids=[f"{c.endpoint}-{i}" for i, c in enumerate(CALLS)])
async def test_reference_curl_example_answers_as_documented(
    call: CurlCall,
    served: emulator.RunningEmulator,
    api_key: str,
    conns: pv.AsyncVimeoConnections,
    new_connection: NewConnection,
) -> None:
    """The example request succeeds with the documented status and response shape."""
    target = await new_connection("Example Target", description="made before the example")
    body = _fill_body(call, target.version)
    async with httpx.AsyncClient() as http:
        response = await http.request(
            call.method,
            _fill_url(call, served.base_url, target.connection_id),
            headers=_fill_headers(call, api_key),
            content=None if body is None else json.dumps(body).encode(),
        )
    example = response_example(call.page)
    if example is None:
        assert response.status_code == 204, response.text
        assert response.content == b""
        with pytest.raises(pv.NotFoundError):
            await conns.get(target.connection_id)
        return
    # The reference gives no status for create: any success will do; update is a plain 200.
    expected_statuses = (200,) if call.method == "PUT" else (200, 201)
    assert response.status_code in expected_statuses, response.text
    answered = response.json()
    assert_shape(answered, example, call.endpoint)
    assert body is not None
    expected = {field: value for field, value in body.items() if field not in SECRETS}
    if "version" in body:
        expected["version"] = target.version + 1
    assert {field: answered[field] for field in expected} == expected
    stored = await conns.get(answered["connectionId"])
    assert stored.version == answered["version"]


@pytest.mark.anyio
async def test_get_and_list_answer_in_the_documented_shape(
    raw: httpx.AsyncClient, path: str, new_connection: NewConnection, page_size: int
) -> None:
    """get and list objects match the published examples (list: with and without description)."""
    listing_example = json.loads(
        (REFERENCE / "list-response-example.json").read_text(encoding="utf-8")
    )
    without, with_description = listing_example["Items"]
    assert "description" not in without
    # The get page lost its example; it documents the same object as update and list.
    connection_example = response_example("update-connection.txt")
    assert connection_example is not None
    assert set(connection_example) == set(with_description)

    described = await new_connection("Described", description="has one")
    plain = await new_connection("Plain")
    fetched = await raw.get(f"{path}/{described.connection_id}")
    assert fetched.status_code == 200
    assert_shape(fetched.json(), connection_example, "get")
    assert_shape((await raw.get(f"{path}/{plain.connection_id}")).json(), without, "get")

    for index in range(page_size):
        await new_connection(f"Filler {index}")
    listing = await raw.get(path)
    assert listing.status_code == 200
    page = listing.json()
    assert set(page) == {"Items", "nextPageKey"}
    assert isinstance(page["nextPageKey"], str)
    assert_shape(page["Items"][0], with_description, "list")
    assert_shape(page["Items"][1], without, "list")
    last = await raw.get(path, params={"nextPageKey": page["nextPageKey"]})
    assert set(last.json()) == set(listing_example)  # the last page has no nextPageKey
