"""The page's files and the accounts route it reads, over HTTP (the browser test drives it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from pictory_vimeo import emulator

Create = Callable[..., Awaitable[dict[str, Any]]]
PATH = "/pictoryapis/v1/vimeo-connections"
CONTROL_TOKEN = "page-control-token"


@pytest.mark.anyio
@pytest.mark.parametrize("url", ["/_emulator/", "/", "/_emulator"])
async def test_the_page_is_served_with_a_strict_policy(
    emu_http: httpx.AsyncClient, url: str
) -> None:
    """The page, at both addresses, allows only its own files to run or load."""
    page = await emu_http.get(url)
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    # Nothing from the network: every file the page names is one of its own.
    assert 'src="/_emulator/page.js"' in page.text
    assert 'href="/_emulator/page.css"' in page.text
    assert "http" not in page.text.replace('name="viewport"', "")


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("name", "kind"), [("page.js", "text/javascript"), ("page.css", "text/css")]
)
async def test_the_page_files_ship_in_the_package(
    emu_http: httpx.AsyncClient, name: str, kind: str
) -> None:
    """Its script and style come from the installed package (CI installs the wheel)."""
    served = await emu_http.get(f"/_emulator/{name}")
    assert served.status_code == 200
    assert served.headers["content-type"] == f"{kind}; charset=utf-8"
    assert len(served.content) > 1000
    assert "http://" not in served.text
    assert "https://" not in served.text


def test_the_script_never_writes_html() -> None:
    """Every value reaches the page as text: no HTML-parsing sink appears in the script."""
    from importlib import resources

    script = resources.files("pictory_vimeo.emulator").joinpath("_static", "page.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script
    assert "localStorage" not in script  # the token stays in the tab's sessionStorage


@pytest.mark.anyio
async def test_the_page_needs_no_token_but_its_data_does() -> None:
    """Off loopback, the page loads for anyone; what it reads asks for the control token."""
    emu = emulator.Emulator(control_token=CONTROL_TOKEN)
    transport = emu.transport()
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as http:
            for url in ("/", "/_emulator/", "/_emulator/page.js", "/_emulator/page.css"):
                assert (await http.get(url)).status_code == 200
            assert (await http.get("/_emulator/accounts")).status_code == 401
            headers = {"X-Emulator-Token": CONTROL_TOKEN}
            assert (await http.get("/_emulator/accounts", headers=headers)).status_code == 200
    finally:
        emu.close()


@pytest.mark.anyio
async def test_accounts_show_connections_by_key_fingerprint(
    emu: emulator.Emulator,
    emu_http: httpx.AsyncClient,
    other_emu_http: httpx.AsyncClient,
    create: Create,
    key: str,
    other_key: str,
    secrets: tuple[str, str],
) -> None:
    """Each account by its key's fingerprint, its connections as stored, secrets masked."""
    first = await create(name="First")
    theirs = await create(other_emu_http, name="Theirs", description=None)
    second = await create(name="Second")
    answer = await emu_http.get("/_emulator/accounts")
    assert answer.status_code == 200
    accounts = answer.json()["accounts"]
    assert [a["account"] for a in accounts] == [
        emulator.fingerprint(key),
        emulator.fingerprint(other_key),
    ]
    assert [a["connectionCount"] for a in accounts] == [2, 1]
    assert accounts[0]["connections"] == emu.connections(key)
    assert accounts[1]["connections"] == emu.connections(other_key)
    ids = [[c["connectionId"] for c in a["connections"]] for a in accounts]
    assert ids == [[first["connectionId"], second["connectionId"]], [theirs["connectionId"]]]
    shown = answer.text
    for secret in (key, other_key, *secrets):
        assert secret not in shown
    assert emulator.fingerprint(secrets[0]) in shown


@pytest.mark.anyio
async def test_accounts_show_the_first_connections_up_to_the_limit(
    emu_http: httpx.AsyncClient, create: Create
) -> None:
    """``?limit=`` caps each account's list; the count still says how many it holds."""
    for index in range(3):
        await create(name=f"Conn {index}")
    accounts = (await emu_http.get("/_emulator/accounts?limit=2")).json()["accounts"]
    assert accounts[0]["connectionCount"] == 3
    assert [c["name"] for c in accounts[0]["connections"]] == ["Conn 0", "Conn 1"]
    unlimited = (await emu_http.get("/_emulator/accounts")).json()["accounts"]
    assert len(unlimited[0]["connections"]) == 3


@pytest.mark.anyio
async def test_the_request_log_shows_the_latest_entries_up_to_the_limit(
    emu_http: httpx.AsyncClient,
) -> None:
    """``GET /_emulator/requests?limit=N``: the latest N entries, oldest first; all without."""
    for query in ("a=1", "a=2", "a=3"):
        await emu_http.get(PATH + "?" + query)
    latest = (await emu_http.get("/_emulator/requests?limit=2")).json()["requests"]
    assert [entry["query"] for entry in latest] == ["a=2", "a=3"]
    every = (await emu_http.get("/_emulator/requests")).json()["requests"]
    assert [entry["query"] for entry in every] == ["a=1", "a=2", "a=3"]
    after = every[0]["seq"]
    both = await emu_http.get("/_emulator/requests", params={"after": after, "limit": 1})
    assert [entry["query"] for entry in both.json()["requests"]] == ["a=3"]


@pytest.mark.anyio
@pytest.mark.parametrize("route", ["/_emulator/accounts", "/_emulator/requests"])
@pytest.mark.parametrize("limit", ["0", "-1", "10001", "1.5", "x", "", "01"])
async def test_a_bad_limit_is_refused(emu_http: httpx.AsyncClient, route: str, limit: str) -> None:
    """A limit that is not a whole number from 1 to 10,000 is a 400 naming ``limit``."""
    refused = await emu_http.get(route, params={"limit": limit})
    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        {"field": "limit", "message": "must be a whole number from 1 to 10000"}
    ]


@pytest.mark.anyio
async def test_reset_empties_the_accounts(
    emu: emulator.Emulator, emu_http: httpx.AsyncClient, create: Create
) -> None:
    """After a reset no account is listed."""
    await create()
    assert (await emu_http.post("/_emulator/reset")).status_code == 204
    assert (await emu_http.get("/_emulator/accounts")).json() == {"accounts": []}
