"""Property-based requests from the emulator's own OpenAPI document, sent over loopback.

Each operation gets a bounded, reproducible run (derandomized Hypothesis, no example
database) with a valid ``pictai_`` key: no answer may be a 5xx, and every answer must use
a documented status, content type, headers and schema. Item operations aim at a real
connection half of the time, so the runs reach past 404 into the real handlers.
"""

from __future__ import annotations

from typing import Any, Final

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import checks
from schemathesis.core.result import Ok

from pictory_vimeo import emulator

pytestmark = [pytest.mark.integration]

KEY: Final = "pictai_schemathesis_account"
LIST: Final = "GET /pictoryapis/v1/vimeo-connections"
OPERATIONS: Final = (
    LIST,
    "POST /pictoryapis/v1/vimeo-connections",
    "GET /pictoryapis/v1/vimeo-connections/{connectionid}",
    "PUT /pictoryapis/v1/vimeo-connections/{connectionid}",
    "DELETE /pictoryapis/v1/vimeo-connections/{connectionid}",
)
CONFORMANCE: Final = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]
BOUNDED: Final = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _operation(
    served: emulator.RunningEmulator, label: str
) -> schemathesis.APIOperation[Any, Any, Any, Any]:
    schema = schemathesis.openapi.from_url(served.base_url + "/openapi.json")
    operations = {}
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"the emulator's OpenAPI document is invalid: {result}"
        operations[result.ok().label] = result.ok()
    assert sorted(operations) == sorted(OPERATIONS)
    return operations[label]


def _seed_connection(served: emulator.RunningEmulator) -> str:
    response = httpx.post(
        served.base_url + "/pictoryapis/v1/vimeo-connections",
        headers={"Authorization": KEY},
        json={
            "name": "Schemathesis Seed",
            "enabled": True,
            "clientIdentifier": "seed-client",
            "clientSecret": "seed-secret",
            "accessToken": "seed-token",
        },
    )
    assert response.status_code == 201, response.text
    connection_id = response.json()["connectionId"]
    assert isinstance(connection_id, str)
    return connection_id


def _run(
    served: emulator.RunningEmulator,
    label: str,
    mode: schemathesis.GenerationMode,
    extra_checks: list[Any],
) -> dict[int, int]:
    """Run one operation's bounded property test; the count of each status answered."""
    operation = _operation(served, label)
    real_id = _seed_connection(served)
    statuses: dict[int, int] = {}

    @BOUNDED
    @given(case=operation.as_strategy(generation_mode=mode), aim_at_real=st.booleans())
    def check(case: schemathesis.Case[Any], aim_at_real: bool) -> None:
        if aim_at_real and "connectionid" in case.path_parameters:
            case.path_parameters["connectionid"] = real_id
        case.headers["Authorization"] = KEY
        response = case.call_and_validate(
            base_url=served.base_url, checks=[*CONFORMANCE, *extra_checks]
        )
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if label == LIST and response.status_code == 400:
            assert response.json()["code"] == "INVALID_PAGE_KEY"

    check()
    return statuses


@pytest.mark.parametrize("label", OPERATIONS)
def test_schema_valid_requests_are_answered_as_documented(
    served_in_thread: emulator.RunningEmulator, label: str
) -> None:
    """Schema-valid requests: never a 5xx, always a documented answer; valid data accepted."""
    # Listing's nextPageKey is opaque: a made-up one is rightly refused (400), so the
    # acceptance check only applies where every schema-valid request must be taken.
    acceptance = [] if label == LIST else [checks.positive_data_acceptance]
    statuses = _run(served_in_thread, label, schemathesis.GenerationMode.POSITIVE, acceptance)
    assert sum(statuses.values()) > 1
    assert any(200 <= status < 300 for status in statuses)
    assert all(status < 500 for status in statuses)


@pytest.mark.parametrize("label", OPERATIONS)
def test_schema_invalid_requests_are_rejected_as_documented(
    served_in_thread: emulator.RunningEmulator, label: str
) -> None:
    """Schema-breaking requests: never a 5xx, always a documented (4xx) rejection."""
    statuses = _run(
        served_in_thread,
        label,
        schemathesis.GenerationMode.NEGATIVE,
        [checks.negative_data_rejection],
    )
    assert sum(statuses.values()) > 1
    assert all(status < 500 for status in statuses)
