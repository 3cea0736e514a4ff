"""OpenTelemetry over loopback, read with the SDK's in-memory exporters: a span per call
with a child span per attempt (HTTP client attributes), the call's retries, refusals and
waits, the request-duration metric, and never a secret in any of it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

import pictory_vimeo as pv
from pictory_vimeo import emulator
from tests._support import MakeClient

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

ITEM = "/pictoryapis/v1/vimeo-connections/{connectionId}"
COLLECTION = "/pictoryapis/v1/vimeo-connections"


class Telemetry:
    """The spans and metric points the SDK recorded during one test."""

    def __init__(self, exporter: InMemorySpanExporter, reader: InMemoryMetricReader) -> None:
        self.exporter = exporter
        self.reader = reader

    def spans(self) -> list[ReadableSpan]:
        """Finished spans, in the order they ended."""
        return list(self.exporter.get_finished_spans())

    def calls(self) -> list[ReadableSpan]:
        """The calls' spans."""
        return [s for s in self.spans() if s.name.startswith("vimeo_connections.")]

    def attempts(self, call: ReadableSpan) -> list[ReadableSpan]:
        """The attempt spans of ``call``, in order."""
        own = [s for s in self.spans() if s.parent is not None]
        return [s for s in own if s.parent and s.parent.span_id == call.context.span_id]

    def durations(self) -> list[dict[str, Any]]:
        """Each ``http.client.request.duration`` point: its attributes and count."""
        data = self.reader.get_metrics_data()
        points: list[dict[str, Any]] = []
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == "http.client.request.duration":
                        assert metric.unit == "s"
                        for point in metric.data.data_points:
                            assert isinstance(point, HistogramDataPoint)
                            points.append({**(point.attributes or {}), "count": point.count})
        return points


@pytest.fixture(scope="session")
def _providers() -> Telemetry:
    """The process's tracer and meter providers (OpenTelemetry lets them be set once)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    reader = InMemoryMetricReader()
    metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
    return Telemetry(exporter, reader)


@pytest.fixture
def telemetry(_providers: Telemetry) -> Iterator[Telemetry]:
    """The recorded spans and metrics, emptied before the test."""
    _providers.exporter.clear()
    _providers.reader.get_metrics_data()  # drains nothing cumulative; read as a baseline
    yield _providers
    _providers.exporter.clear()


async def test_a_call_is_a_span_with_one_child_span_per_attempt(
    served: emulator.RunningEmulator, make_client: MakeClient, telemetry: Telemetry
) -> None:
    """A retried get: ``vimeo_connections.get`` with two CLIENT spans under it."""
    client = make_client()
    created = await client.vimeo_connections.create(
        name="traced",
        client_identifier="cid",
        client_secret="s3cr3t-value",
        access_token="t0k3n-value",
    )
    telemetry.exporter.clear()
    served.emulator.fail_next(503, method="GET")
    await client.vimeo_connections.get(created.connection_id)
    [call] = telemetry.calls()
    assert call.name == "vimeo_connections.get"
    assert call.kind == SpanKind.INTERNAL
    assert call.attributes is not None
    assert call.attributes["pictory.attempts"] == 2
    assert call.attributes["pictory.retries"] == 1
    assert call.attributes["pictory.retry_budget_refusals"] == 0
    first, second = telemetry.attempts(call)
    port = int(served.base_url.rsplit(":", 1)[1])
    for span in (first, second):
        assert span.kind == SpanKind.CLIENT
        assert span.name == f"GET {ITEM}"
        assert span.attributes is not None
        assert span.attributes["http.request.method"] == "GET"
        assert span.attributes["url.template"] == ITEM
        assert span.attributes["server.address"] == "127.0.0.1"
        assert span.attributes["server.port"] == port
    assert first.attributes is not None
    assert second.attributes is not None
    assert first.attributes["http.response.status_code"] == 503
    assert first.attributes["error.type"] == "503"
    assert "http.request.resend_count" not in first.attributes
    assert second.attributes["http.response.status_code"] == 200
    assert second.attributes["http.request.resend_count"] == 1
    assert "error.type" not in second.attributes


@pytest.mark.parametrize(
    ("operation", "template"),
    [("create", COLLECTION), ("list", COLLECTION), ("update", ITEM), ("delete", ITEM)],
)
async def test_each_operation_names_its_span(
    make_client: MakeClient, telemetry: Telemetry, operation: str, template: str
) -> None:
    """The span is named for the operation; the attempts carry the URL template."""
    conns = make_client().vimeo_connections
    created = await conns.create(
        name="op", client_identifier="c", client_secret="sec-x", access_token="tok-x"
    )
    telemetry.exporter.clear()
    if operation == "create":
        await conns.create(
            name="op2", client_identifier="c", client_secret="sec-y", access_token="tok-y"
        )
    elif operation == "list":
        await conns.list_page()
    elif operation == "update":
        await conns.update(created.connection_id, version=created.version, description="new")
    else:
        await conns.delete(created.connection_id)
    [call] = telemetry.calls()
    assert call.name == f"vimeo_connections.{operation}"
    [attempt] = telemetry.attempts(call)
    assert attempt.attributes is not None
    assert attempt.attributes["url.template"] == template


async def test_a_refused_retry_and_a_failure_are_on_the_call_span(
    served: emulator.RunningEmulator, make_client: MakeClient, telemetry: Telemetry
) -> None:
    """A call the budget refused: its span is an error, with the refusal counted."""
    client = make_client(retry_budget=pv.RetryBudget(capacity=1))
    served.emulator.fail_next(503, times=5)
    with pytest.raises(pv.InternalServerError):
        await client.vimeo_connections.list_page()
    [call] = telemetry.calls()
    assert call.attributes is not None
    assert call.attributes["pictory.retry_budget_refusals"] == 1
    assert call.attributes["pictory.attempts"] == 1
    assert call.attributes["error.type"] == "InternalServerError"
    assert call.status.status_code == trace.StatusCode.ERROR


async def test_rate_limiter_waits_are_on_the_call_span(
    make_client: MakeClient, telemetry: Telemetry
) -> None:
    """At a fixed 4/s, of three calls started together one waits at least 0.4 s."""
    conns = make_client(rate_limit=4).vimeo_connections
    async with anyio.create_task_group() as tg:
        for _ in range(3):
            tg.start_soon(conns.list_page)
    waits = sorted(
        float(str(c.attributes["pictory.rate_limit_wait_s"]))
        for c in telemetry.calls()
        if c.attributes
    )
    assert len(waits) == 3
    assert waits[0] == 0
    assert waits[2] >= 0.4


async def test_no_key_or_secret_in_any_span_or_metric(
    served: emulator.RunningEmulator, make_client: MakeClient, telemetry: Telemetry, api_key: str
) -> None:
    """Names, attributes, events and metric attributes never hold the key or a secret."""
    conns = make_client().vimeo_connections
    served.emulator.fail_next(503, method="POST")
    created = await conns.create(
        name="secret-check",
        client_identifier="cid",
        client_secret="cl13nt-s3cr3t",
        access_token="acc3ss-t0k3n",
    )
    served.emulator.fail_next(409, method="PUT")
    new_token = "n3w-t0k3n"  # named, so the traceback's source line does not show it
    with pytest.raises(pv.ConflictError):
        await conns.update(created.connection_id, version=created.version, access_token=new_token)
    spans = telemetry.spans()
    assert len(spans) >= 5
    dumped = json.dumps(
        [
            [
                s.name,
                dict(s.attributes or {}),
                [(e.name, dict(e.attributes or {})) for e in s.events],
                s.status.description,
            ]
            for s in spans
        ]
        + telemetry.durations(),
        default=str,
    )
    for secret in (api_key, "cl13nt-s3cr3t", "acc3ss-t0k3n", "n3w-t0k3n"):
        assert secret not in dumped


async def test_the_request_duration_metric(make_client: MakeClient, telemetry: Telemetry) -> None:
    """Each attempt adds a point to ``http.client.request.duration`` with its attributes."""

    def listings() -> list[dict[str, Any]]:
        return [
            p
            for p in telemetry.durations()
            if p.get("url.template") == COLLECTION
            and p["http.request.method"] == "GET"
            and p.get("http.response.status_code") == 200
        ]

    before = sum(p["count"] for p in listings())
    conns = make_client().vimeo_connections
    await conns.list_page()
    await conns.list_page()
    points = listings()
    assert sum(p["count"] for p in points) == before + 2
    assert all(isinstance(p["server.port"], int) for p in points)


def test_without_opentelemetry_nothing_is_imported() -> None:
    """A call made where the application never imported OpenTelemetry imports none of it."""
    code = """
import sys, anyio, httpx, pictory_vimeo as pv
def answer(request):
    return httpx.Response(200, json={"Items": []})
async def main():
    async with pv.AsyncPictoryClient("pictai_k", "http://127.0.0.1:9",
                                     transport=httpx.MockTransport(answer)) as client:
        await client.vimeo_connections.list_page()
anyio.run(main)
print(sorted(m for m in sys.modules if m.startswith("opentelemetry")))
"""
    out = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


async def test_a_cancelled_call_still_ends_its_spans(
    served: emulator.RunningEmulator, make_client: MakeClient, telemetry: Telemetry
) -> None:
    """Cancelled mid-attempt, the call's and the attempt's spans end (marked as errors)."""
    conns = make_client().vimeo_connections
    served.emulator.set_faults(latency_ms=1500)
    with anyio.move_on_after(0.3):
        await conns.list_page()
    [call] = telemetry.calls()
    [attempt] = telemetry.attempts(call)
    assert call.status.status_code == trace.StatusCode.ERROR
    assert attempt.end_time is not None
