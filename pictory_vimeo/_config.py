"""Settings shared by both clients and the command: defaults, environment, checks, testing mode.

Everything a client is configured with is checked here, once, with errors that name the
argument; the clients, the command line and ``with_options`` all go through these
functions, so no rule about a setting is written twice (a count's rule is ``_rules``'s
``check_count``, shared with the resources). Its place in the layers is the import
contracts' (pyproject.toml); it imports only ``_errors`` and leaf modules.
"""

from __future__ import annotations

import os
import platform
import re
from collections.abc import Callable, Mapping
from typing import Final, Literal, ParamSpec, TypeAlias, TypeVar, cast

import attrs
import httpx

from ._errors import ValidationError
from ._loopback import is_loopback
from ._rules import FieldError, api_key_problem, check_count
from ._secret import Secret
from ._types import NOT_GIVEN, NotGiven
from ._version import __version__

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "DEFAULT_BASE_URL",
    "AIOHTTP_MAX_CONCURRENCY",
    "DEFAULT_MAX_EMPTY_PAGES",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "HTTPCORE2_MAX_CONCURRENCY",
    "HTTPX_MAX_CONCURRENCY",
    "LOG_ENV",
    "TRANSPORT_NAMES",
    "USER_AGENT",
    "Checks",
    "ClientSettings",
    "RequestOptions",
    "TestingMode",
    "TransportName",
    "check_headers",
    "check_max_concurrency",
    "check_max_response_bytes",
    "check_transport",
    "client_settings",
    "is_testing",
    "request_options",
    "resolve_api_key",
    "resolve_base_url",
    "set_testing",
]

DEFAULT_BASE_URL: Final = "https://api.pictory.ai"
DEFAULT_TIMEOUT: Final = 30.0
DEFAULT_MAX_RETRIES: Final = 2
#: The largest answer body (raw, and decoded) taken unless set; a page of 25 is ~10 KB.
DEFAULT_MAX_RESPONSE_BYTES: Final = 8 * 1024 * 1024
#: In-flight requests per client when ``max_concurrency`` is not given, by pool. Measured
#: (benchmarks/README.md): on aiohttp's pool the SDK's throughput is as high with 512 in
#: flight as with 256 (the client's core is the limit by then), and lower when calls wait
#: for slots; httpcore's pool loses throughput beyond a few dozen, and holds steady at 16.
AIOHTTP_MAX_CONCURRENCY: Final = 512
HTTPX_MAX_CONCURRENCY: Final = 16
#: httpcore2's pool (trio's default when installed) holds its throughput with more in
#: flight, but its CPU per request grows with its connections: 128 was best, measured
#: against 64, 96, 192 and 256 (64 capped it at ~1,200 calls/s at 50 ms; 192 and up cost
#: more CPU per call than they gained).
HTTPCORE2_MAX_CONCURRENCY: Final = 128
#: Consecutive empty pages that still carry a nextPageKey before a listing gives up.
DEFAULT_MAX_EMPTY_PAGES: Final = 100
API_KEY_ENV: Final = "PICTORY_API_KEY"
BASE_URL_ENV: Final = "PICTORY_BASE_URL"
LOG_ENV: Final = "PICTORY_LOG"
USER_AGENT: Final = (
    f"pictory-vimeo-python/{__version__} httpx/{httpx.__version__} "
    f"python/{platform.python_version()}"
)

TransportName: TypeAlias = Literal["auto", "aiohttp", "httpx", "httpcore2"]
TRANSPORT_NAMES: Final = ("auto", "aiohttp", "httpx", "httpcore2")

P = ParamSpec("P")
T = TypeVar("T")

_HEADER_SAFE: Final = re.compile(r"[!-~]+")
_HEADER_VALUE_SAFE: Final = re.compile(r"[\t\x20-\x7e\x80-\xff]*")


class Checks:
    """Runs the checks of several settings, so one ``ValidationError`` names every bad one."""

    def __init__(self) -> None:
        self._problems: list[FieldError] = []

    def __call__(self, check: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``check(*args, **kwargs)``, its problems kept for :meth:`done` instead of raised."""
        try:
            return check(*args, **kwargs)
        except ValidationError as error:
            self._problems.extend(error.errors)
            # Never used: done() raises before anyone reads a failed check's result.
            return cast(T, None)

    def done(self) -> None:
        """Raise every problem found, as one ``ValidationError``."""
        if self._problems:
            raise ValidationError(self._problems)


@attrs.frozen
class RequestOptions:
    """What one call runs with: its deadline, its retries, and whether rules are checked."""

    timeout: float
    max_retries: int
    validate: bool = True

    def merged(
        self,
        *,
        timeout: float | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        validate: bool | NotGiven = NOT_GIVEN,
    ) -> RequestOptions:
        """These options with a call's (or ``with_options``') own settings on top, checked."""
        if (
            isinstance(timeout, NotGiven)
            and isinstance(max_retries, NotGiven)
            and isinstance(validate, NotGiven)
        ):
            return self  # the common case: nothing set per call, nothing to check
        return request_options(
            timeout=self.timeout if isinstance(timeout, NotGiven) else timeout,
            max_retries=self.max_retries if isinstance(max_retries, NotGiven) else max_retries,
            validate=self.validate if isinstance(validate, NotGiven) else validate,
        )


def request_options(
    *, timeout: object, max_retries: object, validate: object = True
) -> RequestOptions:
    """Checked options, or a ``ValidationError`` naming every bad setting."""
    errors: list[FieldError] = []
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
        errors.append(
            FieldError("timeout", f"must be a positive number of seconds (got {timeout!r:.40})")
        )
    if (problem := check_count("max_retries", max_retries, least=0)) is not None:
        errors.append(problem)
    if not isinstance(validate, bool):
        errors.append(FieldError("validate", "must be True or False"))
    if errors:
        raise ValidationError(errors)
    assert isinstance(timeout, int | float)
    assert isinstance(max_retries, int)
    return RequestOptions(float(timeout), max_retries, bool(validate))


def _header_problem(headers: object, field: str) -> FieldError | None:
    """Why ``headers`` cannot be sent with every request, or ``None``."""
    if not isinstance(headers, Mapping):
        return FieldError(field, "must be a mapping of header names to values")
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            return FieldError(field, "must map header names (str) to values (str)")
        if name.lower() == "authorization":
            # The client's key is the only credential a request carries.
            return FieldError(field, "cannot set Authorization: the client's api_key is sent")
        if not _HEADER_SAFE.fullmatch(name) or ":" in name:
            return FieldError(field, f"has a header name that is not a token ({name[:40]!r})")
        if not _HEADER_VALUE_SAFE.fullmatch(value):
            return FieldError(field, f"has a value with a line break or control character ({name})")
    return None


def check_headers(headers: object, field: str) -> dict[str, str]:
    """``default_headers`` or ``extra_headers`` as a dict, or a ``ValidationError``."""
    if headers is None:
        return {}
    problem = _header_problem(headers, field)
    if problem is not None:
        raise ValidationError([problem])
    assert isinstance(headers, Mapping)
    return dict(headers)


def resolve_api_key(api_key: object) -> str:
    """The key to send: ``api_key``, else ``$PICTORY_API_KEY``; never echoed in an error.

    ``api_key`` may come wrapped in a ``Secret`` (as the clients hand it on).
    """
    if isinstance(api_key, Secret):
        api_key = api_key.reveal()
    key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
    if not key:
        raise ValidationError(
            [FieldError("api_key", f"is required: pass api_key=... or set ${API_KEY_ENV}")]
        )
    if not isinstance(key, str):
        raise ValidationError([FieldError("api_key", "must be a string")])
    problem = api_key_problem(key)
    if problem is not None:
        # The key goes into a header as is; httpx would fail on each request and put the
        # key in its error text. Never echo it: say only what is wrong with it.
        raise ValidationError([FieldError("api_key", problem)])
    return key


def resolve_base_url(base_url: object, *, allow_insecure_http: object = False) -> str:
    """The API's base URL without a trailing slash: ``base_url``, ``$PICTORY_BASE_URL``, default.

    The key travels in a header, so plain ``http://`` is refused for anything but loopback
    unless ``allow_insecure_http`` says the caller means it.
    """
    url = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    problem = FieldError(
        "base_url",
        f"must be an http(s) URL with a host and no query or fragment (got {url!r:.100})",
    )
    if not isinstance(url, str):
        raise ValidationError([problem])
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        raise ValidationError([problem]) from None
    # Paths are appended to the base URL, so a query or fragment there would swallow them.
    if parsed.scheme not in ("http", "https") or not parsed.host or "?" in url or "#" in url:
        raise ValidationError([problem])
    if not isinstance(allow_insecure_http, bool):
        raise ValidationError([FieldError("allow_insecure_http", "must be True or False")])
    if parsed.scheme == "http" and not allow_insecure_http and not is_loopback(parsed.host):
        raise ValidationError(
            [
                FieldError(
                    "base_url",
                    f"is plain http:// to {parsed.host!r}, which would send the API key "
                    "unencrypted: use https://, or pass allow_insecure_http=True "
                    "(--allow-insecure-http) if you mean it",
                )
            ]
        )
    return url.rstrip("/")


def check_max_concurrency(value: object) -> int | None:
    """``max_concurrency`` as checked: an integer >= 1, or ``None`` (the pool's default)."""
    if (problem := check_count("max_concurrency", value, or_none=True)) is not None:
        raise ValidationError([problem])
    assert value is None or isinstance(value, int)
    return value


def check_max_response_bytes(value: object) -> int:
    """``max_response_bytes`` as checked: a positive integer (bytes of one answer's body)."""
    if (problem := check_count("max_response_bytes", value)) is not None:
        raise ValidationError([problem])
    assert isinstance(value, int)
    return value


def check_transport(value: object) -> TransportName | httpx.AsyncBaseTransport:
    """``transport`` as checked: a name, or an ``httpx.AsyncBaseTransport`` instance."""
    if isinstance(value, httpx.AsyncBaseTransport):
        return value
    if value == "auto" or value == "aiohttp" or value == "httpx" or value == "httpcore2":
        return value
    problem = f"must be one of {TRANSPORT_NAMES} or an httpx.AsyncBaseTransport (got {value!r:.60})"
    raise ValidationError([FieldError("transport", problem)])


@attrs.frozen
class ClientSettings:
    """A client's arguments, each checked: what both clients are built from."""

    api_key: str = attrs.field(repr=False)
    base_url: str
    options: RequestOptions
    default_headers: dict[str, str]
    max_concurrency: int | None
    transport: TransportName | httpx.AsyncBaseTransport
    http_client: httpx.AsyncClient | None
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES


def _check_http_client(http_client: object, transport: object) -> httpx.AsyncClient | None:
    if http_client is None:
        return None
    if not isinstance(http_client, httpx.AsyncClient):
        problem = (
            "must be an httpx.AsyncClient (to customise only the connection, "
            "pass transport= an httpx.AsyncBaseTransport instead)"
        )
        raise ValidationError([FieldError("http_client", problem)])
    if transport != "auto":
        raise ValidationError(
            [FieldError("transport", "cannot be given with http_client (it has its own)")]
        )
    return http_client


def client_settings(
    *,
    api_key: object,
    base_url: object,
    timeout: object,
    max_retries: object,
    default_headers: object,
    http_client: object,
    transport: object,
    max_concurrency: object,
    allow_insecure_http: object,
    validate: object,
    max_response_bytes: object = DEFAULT_MAX_RESPONSE_BYTES,
) -> ClientSettings:
    """Every argument of a client checked, or one ``ValidationError`` naming each bad one."""
    check = Checks()
    settings = ClientSettings(
        api_key=check(resolve_api_key, api_key),
        base_url=check(resolve_base_url, base_url, allow_insecure_http=allow_insecure_http),
        options=check(request_options, timeout=timeout, max_retries=max_retries, validate=validate),
        default_headers=check(check_headers, default_headers, "default_headers"),
        max_concurrency=check(check_max_concurrency, max_concurrency),
        transport=check(check_transport, transport),
        http_client=check(_check_http_client, http_client, transport),
        max_response_bytes=check(check_max_response_bytes, max_response_bytes),
    )
    # The key (if a caller passed it raw) is no local of the frame ``done()`` raises from.
    del api_key
    check.done()
    return settings


class _Testing:
    """The process-wide testing switch, in one object so it is easy to find."""

    on: bool = False


_TESTING: Final = _Testing()


class TestingMode:
    """What ``set_testing`` returns: the mode is already set; ``with`` restores the old one."""

    __test__ = False  # not a test class, whatever pytest's name pattern says

    def __init__(self, previous: bool) -> None:
        self._previous = previous

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> None:
        _TESTING.on = self._previous

    def __repr__(self) -> str:
        return f"<testing mode {'on' if _TESTING.on else 'off'}>"


def set_testing(testing: bool) -> TestingMode:
    """Turn the testing mode on or off: when on, the SDK never waits between attempts.

    Retries happen as ``max_retries`` and the retry budget allow; only waits are skipped
    (between retries, for the adaptive rate, a ``Retry-After``; a fixed rate holds). Takes
    effect at once, for the whole process; used as ``with pv.set_testing(True): ...`` it
    also restores the previous state when the block ends.

    Args:
        testing: ``True`` to turn waits between attempts off, ``False`` to turn them on.

    Returns:
        A context manager that, at the end of a ``with`` block, restores the state from
        before this call (ignore it when calling ``set_testing`` plainly).

    Raises:
        ValidationError: ``testing`` is not a ``bool``.
    """
    if not isinstance(testing, bool):
        raise ValidationError(
            [FieldError("testing", f"must be True or False (got {type(testing).__name__})")]
        )
    previous = _TESTING.on
    _TESTING.on = testing
    return TestingMode(previous)


def is_testing() -> bool:
    """Whether the testing mode is on.

    Returns:
        ``True`` when waits between attempts are off (see :func:`set_testing`).
    """
    return _TESTING.on
