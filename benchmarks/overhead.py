"""SDK overhead per call, with the network taken out: both sides talk to httpx.MockTransport.

The baseline is what a careful hand-written client does for the same call: build the
request with the key, send it, check the status, parse the JSON. The difference is what
the SDK adds: validation, the retry loop, the deadline, error mapping and typed models.
"""

from __future__ import annotations

import json

import httpx

import pictory_vimeo as pv

from ._harness import Row, best_of

KEY = "pictai_benchmark"
BASE = "https://api.pictory.ai"
PATH = "/pictoryapis/v1/vimeo-connections"
CONNECTION = {
    "connectionId": "20251222155613307xv0nodhitf9cd0f",
    "name": "Benchmark",
    "description": "a connection",
    "clientIdentifier": "client",
    "type": "VIMEO",
    "enabled": True,
    "createdDate": "2025-12-22T15:56:12.309Z",
    "updatedDate": "2025-12-22T15:56:12.309Z",
    "version": 1,
}
_BODY = json.dumps(CONNECTION).encode()
_PAGE = json.dumps({"Items": [CONNECTION] * 25}).encode()


def _answer(request: httpx.Request) -> httpx.Response:
    body = _PAGE if request.url.path == PATH else _BODY
    return httpx.Response(200, content=body, headers={"content-type": "application/json"})


async def run(calls: int, rounds: int) -> list[Row]:
    """Per-call cost of get, update and a 25-item page: raw httpx vs the SDK."""
    http = httpx.AsyncClient(transport=httpx.MockTransport(_answer))
    headers = {"Authorization": KEY}
    url = f"{BASE}{PATH}/{CONNECTION['connectionId']}"
    rows: list[Row] = []
    async with pv.AsyncPictoryClient(api_key=KEY, base_url=BASE, http_client=http) as client:
        conns = client.vimeo_connections

        async def raw_get() -> None:
            for _ in range(calls):
                response = await http.get(url, headers=headers)
                response.raise_for_status()
                json.loads(response.content)

        async def sdk_get() -> None:
            for _ in range(calls):
                await conns.get(str(CONNECTION["connectionId"]))

        async def raw_update() -> None:
            for _ in range(calls):
                body = {"version": 1, "description": "new"}
                response = await http.put(url, json=body, headers=headers)
                response.raise_for_status()
                json.loads(response.content)

        async def sdk_update() -> None:
            for _ in range(calls):
                await conns.update(str(CONNECTION["connectionId"]), version=1, description="new")

        async def raw_page() -> None:
            for _ in range(calls):
                response = await http.get(BASE + PATH, headers=headers)
                response.raise_for_status()
                json.loads(response.content)

        async def sdk_page() -> None:
            for _ in range(calls):
                await conns.list_page()

        for scenario, raw, sdk in (
            ("get (in-process)", raw_get, sdk_get),
            ("update (in-process)", raw_update, sdk_update),
            ("list_page of 25 (in-process)", raw_page, sdk_page),
        ):
            baseline = await best_of(rounds, raw) / calls * 1e6
            ours = await best_of(rounds, sdk) / calls * 1e6
            rows.append(Row(scenario, "µs/call", "raw httpx + json", baseline, ours))
    await http.aclose()
    return rows
