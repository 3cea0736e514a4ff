"""OpenTelemetry traces and the request-duration metric, when the application has them.

The SDK never imports OpenTelemetry itself: an application that configured a tracer or a
meter provider has imported ``opentelemetry.trace`` / ``opentelemetry.metrics`` already, so
this module looks them up in ``sys.modules``. Without them (or with only the API's default
no-op providers) a call pays for one dictionary lookup and one type check, and nothing is
recorded.

Each call is a span named for its operation (``vimeo_connections.update``); each attempt
a child ``CLIENT`` span with OpenTelemetry's HTTP client attributes. No attribute, event
or name carries the key, a header, a body or a query: only the method, the URL template,
the server's host and port, the status and the error's type.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Awaitable
from typing import Any, Final, TypeVar

T = TypeVar("T")

__all__ = ["CallTrace", "start_trace", "traced"]

_COLLECTION: Final = "/pictoryapis/v1/vimeo-connections"
_ITEM: Final = _COLLECTION + "/{connectionId}"
#: The operation a method names, on one connection (True) or on the collection (False).
_OPERATIONS: Final = {
    ("POST", False): "create",
    ("GET", False): "list",
    ("GET", True): "get",
    ("PUT", True): "update",
    ("DELETE", True): "delete",
}
_NO_OP_PROVIDERS: Final = frozenset(
    {"ProxyTracerProvider", "NoOpTracerProvider", "_ProxyMeterProvider", "NoOpMeterProvider"}
)
_SCOPE: Final = "pictory_vimeo"


class _Cache:
    """The tracer and histogram of the providers last seen (looked up again if they change)."""

    tracer_provider: object = None
    tracer: Any = None
    meter_provider: object = None
    histogram: Any = None


_CACHE: Final = _Cache()


def _tracer() -> Any:
    trace = sys.modules.get("opentelemetry.trace")
    if trace is None:
        return None
    provider = trace.get_tracer_provider()
    if type(provider).__name__ in _NO_OP_PROVIDERS:
        return None
    if provider is not _CACHE.tracer_provider:
        from ._version import __version__

        _CACHE.tracer = provider.get_tracer(_SCOPE, __version__)
        _CACHE.tracer_provider = provider
    return _CACHE.tracer


def _histogram() -> Any:
    metrics = sys.modules.get("opentelemetry.metrics")
    if metrics is None:
        return None
    provider = metrics.get_meter_provider()
    if type(provider).__name__ in _NO_OP_PROVIDERS:
        return None
    if provider is not _CACHE.meter_provider:
        meter = provider.get_meter(_SCOPE)
        _CACHE.histogram = meter.create_histogram(
            "http.client.request.duration",
            unit="s",
            description="Duration of HTTP client requests.",
        )
        _CACHE.meter_provider = provider
    return _CACHE.histogram


def start_trace(method: str, path: str, base_url: str) -> CallTrace | None:
    """The trace of a call about to start, or ``None`` when nothing records one."""
    tracer = _tracer()
    histogram = _histogram()
    if tracer is None and histogram is None:
        return None
    return CallTrace(tracer, histogram, method, path, base_url)


class CallTrace:
    """A call's span, its attempts' spans, and their durations for the metric."""

    def __init__(self, tracer: Any, histogram: Any, method: str, path: str, base_url: str) -> None:
        import httpx

        self._tracer = tracer
        self._histogram = histogram
        on_item = path.startswith(_COLLECTION + "/")
        url = httpx.URL(base_url)
        port = url.port or (443 if url.scheme == "https" else 80)
        self._common: dict[str, str | int] = {
            "http.request.method": method,
            "url.template": _ITEM if on_item else _COLLECTION,
            "server.address": url.host,
            "server.port": port,
        }
        operation = _OPERATIONS.get((method, on_item), method.lower())
        self.name = f"vimeo_connections.{operation}"
        self.attempts = 0
        self.retries = 0
        self.budget_refusals = 0
        self.rate_limit_wait = 0.0
        self._span: Any = None
        self._context: Any = None
        if tracer is not None:
            from opentelemetry import trace

            self._span = tracer.start_span(self.name, kind=trace.SpanKind.INTERNAL)
            self._context = trace.set_span_in_context(self._span)

    def attempt(self) -> tuple[Any, float]:
        """Start an attempt's span; what ``attempt_done`` takes."""
        self.attempts += 1
        span = None
        if self._tracer is not None:
            from opentelemetry import trace

            attributes = dict(self._common)
            if self.attempts > 1:
                attributes["http.request.resend_count"] = self.attempts - 1
            span = self._tracer.start_span(
                f"{self._common['http.request.method']} {self._common['url.template']}",
                context=self._context,
                kind=trace.SpanKind.CLIENT,
                attributes=attributes,
            )
        return span, time.perf_counter()

    def attempt_done(
        self, started: tuple[Any, float], status: int | None, error_type: str | None
    ) -> None:
        """End an attempt: its status (``None``: no answer) and its error's type, if any."""
        span, began = started
        if status is not None and status >= 400 and error_type is None:
            error_type = str(status)
        if span is not None:
            if status is not None:
                span.set_attribute("http.response.status_code", status)
            if error_type is not None:
                from opentelemetry.trace import StatusCode

                span.set_attribute("error.type", error_type)
                span.set_status(StatusCode.ERROR)
            span.end()
        if self._histogram is not None:
            attributes = dict(self._common)
            if status is not None:
                attributes["http.response.status_code"] = status
            if error_type is not None:
                attributes["error.type"] = error_type
            self._histogram.record(time.perf_counter() - began, attributes)

    def end(self, error: BaseException | None) -> None:
        """End the call's span, with what the call did and how it ended."""
        span = self._span
        if span is None:
            return
        span.set_attribute("pictory.attempts", self.attempts)
        span.set_attribute("pictory.retries", self.retries)
        span.set_attribute("pictory.retry_budget_refusals", self.budget_refusals)
        span.set_attribute("pictory.rate_limit_wait_s", self.rate_limit_wait)
        if error is not None:
            from opentelemetry.trace import StatusCode

            span.set_attribute("error.type", type(error).__name__)
            if getattr(error, "outcome_unknown", False) is True:
                span.set_attribute("pictory.outcome_unknown", True)
            # The class name only: an error's message may quote the server's words.
            span.set_status(StatusCode.ERROR, type(error).__name__)
        span.end()


async def traced(trace: CallTrace | None, work: Awaitable[T]) -> T:
    """``await work``, the call's span ended with how it went (when there is one)."""
    if trace is None:
        return await work
    try:
        value = await work
    except BaseException as exc:
        trace.end(exc)
        raise
    trace.end(None)
    return value
