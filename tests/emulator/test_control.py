"""The control routes and the OpenAPI document."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from pictory_vimeo import _rules, emulator
from pictory_vimeo.emulator._openapi import NAME_PATTERN, openapi_document

PATH = "/pictoryapis/v1/vimeo-connections"
Create = Callable[..., Awaitable[dict[str, Any]]]


@pytest.mark.anyio
async def test_faults_can_be_read_and_patched_over_http(
    emu: emulator.Emulator, emu_http: httpx.AsyncClient
) -> None:
    """GET shows the knobs in camelCase; PATCH changes a subset and answers the result."""
    assert (await emu_http.get("/_emulator/faults")).json() == {
        "latencyMs": 0.0,
        "errorRate": 0.0,
        "rateLimit": None,
        "dropAfterCommitRate": 0.0,
        "latencyJitterMs": 0.0,
        "dropAfterCommitMode": "mixed",
    }
    patched = await emu_http.patch("/_emulator/faults", json={"errorRate": 0.5, "rateLimit": 10})
    assert patched.status_code == 200
    assert patched.json() == {
        "latencyMs": 0.0,
        "errorRate": 0.5,
        "rateLimit": 10,
        "dropAfterCommitRate": 0.0,
        "latencyJitterMs": 0.0,
        "dropAfterCommitMode": "mixed",
    }
    assert emu.faults == emulator.Faults(error_rate=0.5, rate_limit=10)
    cleared = await emu_http.patch("/_emulator/faults", json={"rateLimit": None})
    assert cleared.json()["rateLimit"] is None


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("sent", "fields"),
    [
        ({"errorRate": 2}, ["errorRate"]),
        ({"errorRate": "0.5"}, ["errorRate"]),
        ({"latencyMs": -1, "dropAfterCommitRate": True}, ["latencyMs", "dropAfterCommitRate"]),
        ({"rateLimit": 0}, ["rateLimit"]),
        ({"latency_ms": 5}, ["latency_ms"]),
        ({"errorRate": 0.1, "bogus": 1}, ["bogus"]),
        ({"dropAfterCommitMode": "sometimes"}, ["dropAfterCommitMode"]),
        ({"dropAfterCommitMode": None, "errorRate": 0.1}, ["dropAfterCommitMode"]),
    ],
)
async def test_bad_fault_patches_change_nothing(
    emu: emulator.Emulator, emu_http: httpx.AsyncClient, sent: dict[str, Any], fields: list[str]
) -> None:
    """A PATCH with any bad key or value is a 400 listing each, and applies nothing."""
    response = await emu_http.patch("/_emulator/faults", json=sent)
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert [error["field"] for error in response.json()["errors"]] == fields
    assert emu.faults == emulator.Faults()


@pytest.mark.anyio
async def test_fault_patch_needs_a_json_object(emu_http: httpx.AsyncClient) -> None:
    """A PATCH body that is not a JSON object is a 400 too."""
    for content in (b"[]", b"nope"):
        response = await emu_http.patch(
            "/_emulator/faults", content=content, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400
        assert response.json()["code"] == "INVALID_JSON"


@pytest.mark.anyio
async def test_stats_reset_and_health(
    emu: emulator.Emulator, emu_http: httpx.AsyncClient, create: Create
) -> None:
    """Stats count API requests only; reset answers 204 and empties; health is ok."""
    await create()
    await emu_http.get(PATH)
    assert (await emu_http.get("/_emulator/stats")).json() == {
        "requests": 2,
        "errors": 0,
        "rateLimited": 0,
        "dropped": 0,
    }
    assert emu.stats()["requests"] == 2
    reset = await emu_http.post("/_emulator/reset")
    assert reset.status_code == 204
    assert (await emu_http.get(PATH)).json() == {"Items": []}
    assert (await emu_http.get("/_emulator/stats")).json()["requests"] == 1
    assert (await emu_http.get("/_emulator/health")).json() == {"status": "ok"}


@pytest.fixture
def document() -> dict[str, Any]:
    """The OpenAPI document as the emulator builds it."""
    return openapi_document("http://emulator")


def test_openapi_lists_the_five_operations(document: dict[str, Any]) -> None:
    """Five operations, on the reference's paths, with their success statuses."""
    assert document["openapi"].startswith("3.")
    operations = {
        (path, method): spec["responses"]
        for path, item in document["paths"].items()
        for method, spec in item.items()
        if method != "parameters"
    }
    collection, item_path = PATH, PATH + "/{connectionid}"
    assert set(operations) == {
        (collection, "get"),
        (collection, "post"),
        (item_path, "get"),
        (item_path, "put"),
        (item_path, "delete"),
    }
    success = {key: next(s for s in spec if s.startswith("2")) for key, spec in operations.items()}
    assert success[(collection, "post")] == "201"
    assert success[(item_path, "delete")] == "204"
    for responses in operations.values():
        assert {"401", "429", "500", "502", "503"} <= set(responses)
    assert {"404", "409"} <= set(operations[(item_path, "put")])
    assert document["servers"][0]["url"] == "http://emulator"


def test_openapi_security_is_the_raw_key_header(document: dict[str, Any]) -> None:
    """apiKey security in the Authorization header, applied to every operation."""
    ((name, scheme),) = document["components"]["securitySchemes"].items()
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert document["security"] == [{name: []}]


def test_openapi_request_schemas_carry_the_shared_rules(document: dict[str, Any]) -> None:
    """Lengths, the name pattern and required fields come from the SDK's rule module."""
    schemas = document["components"]["schemas"]
    create = schemas["CreateConnectionRequest"]
    update = schemas["UpdateConnectionRequest"]
    assert set(create["required"]) == set(_rules.CREATE_FIELDS) - {"description"}
    assert update["required"] == ["version"]
    assert create["additionalProperties"] is False
    for name, rule in _rules.FIELD_RULES.items():
        if name == "version":
            version = update["properties"]["version"]
            assert (version["type"], version["minimum"]) == ("integer", 1)
            continue
        prop = create["properties"][name]
        assert prop == update["properties"][name]
        if rule.kind == "text":
            assert prop["maxLength"] == rule.max_length
            assert prop.get("minLength", 0) == rule.min_length
    assert create["properties"]["name"]["pattern"] == NAME_PATTERN
    for sample in ("Ok name_-1", "a/b", "dot.", "ü", "tab\t"):
        shared = _rules.FIELD_RULES["name"].violation(sample) is None
        assert (re.fullmatch(NAME_PATTERN.strip("^$"), sample) is not None) is shared


@pytest.mark.anyio
async def test_openapi_is_served_with_the_callers_base_url(emu_http: httpx.AsyncClient) -> None:
    """GET /openapi.json needs no key and lists the emulator itself as the first server."""
    response = await emu_http.get("/openapi.json", headers={"Authorization": ""})
    assert response.status_code == 200
    assert response.json()["servers"][0]["url"] == "http://emulator"
    assert response.json()["paths"].keys() == openapi_document()["paths"].keys()
