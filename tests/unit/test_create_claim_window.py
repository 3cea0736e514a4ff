"""``create`` after an unclear attempt, when the server's answers carry no ``Date`` header.

Then the SDK cannot measure the server's clock against its own, and claims a connection
with its name and readable fields only if it was created no earlier than ``CLOCK_SKEW``
seconds before the first unclear attempt (with a ``Date`` header the window is measured:
tests/retries/test_regressions.py).
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx

import pictory_vimeo as pv
from pictory_vimeo.resources._reconcile import CLOCK_SKEW

COLLECTION = "/pictoryapis/v1/vimeo-connections"
ConnectionJson = Callable[..., dict[str, Any]]


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("age", "claimed"),
    [(CLOCK_SKEW / 2, True), (CLOCK_SKEW * 2, False)],
    ids=["within-the-skew", "older-than-the-skew"],
)
async def test_without_a_date_header_the_stated_skew_is_allowed(
    router: respx.MockRouter,
    api_key: str,
    base_url: str,
    tls_context: ssl.SSLContext,
    connection_json: ConnectionJson,
    create_args: dict[str, Any],
    age: float,
    claimed: bool,
) -> None:
    """A connection with our fields made ``age`` seconds before the call is ours only if
    ``age`` is within ``CLOCK_SKEW``; an older one is somebody else's: ``DuplicateNameError``.
    """
    made = datetime.now(UTC) - timedelta(seconds=age)
    existing = connection_json(
        name=create_args["name"],
        clientIdentifier=create_args["client_identifier"],
        description=create_args.get("description", ...),
        enabled=create_args.get("enabled", True),
        createdDate=_iso(made),
        updatedDate=_iso(made),
    )
    router.post(COLLECTION).mock(
        side_effect=[
            httpx.ReadError("the answer was lost"),
            httpx.Response(409, json={"message": "name taken", "code": "DUPLICATE_NAME"}),
        ]
    )
    router.get(COLLECTION).mock(return_value=httpx.Response(200, json={"Items": [existing]}))
    async with (
        httpx.AsyncClient(verify=tls_context) as http,
        pv.AsyncPictoryClient(api_key, base_url, max_retries=2, http_client=http) as client,
    ):
        if claimed:
            connection = await client.vimeo_connections.create(**create_args)
            assert connection.connection_id == existing["connectionId"]
        else:
            with pytest.raises(pv.DuplicateNameError, match="created before this call"):
                await client.vimeo_connections.create(**create_args)
