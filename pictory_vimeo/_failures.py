"""A failed exchange in plain words, the same on every pool, classed as the retry policy needs.

Each pool's failures (aiohttp's, httpx's, the OS's under asyncio or trio) become one of a
few httpx exception classes carrying one of the phrases below. The class is what
``_retry`` decides by: a ``ConnectError``/``ConnectTimeout`` means the request never left
(a write was not applied); a ``ReadError``, ``WriteError``, ``ReadTimeout``,
``WriteTimeout`` or ``RemoteProtocolError`` means it may have reached the server
("unclear"). When in doubt, a failure is classed as unclear: a write that may have
landed must never pass for one that never left.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from typing import Final

import httpx

from ._wire import HEADER_LIMIT

__all__ = [
    "CLOSED",
    "CONNECT_FAILED",
    "CONNECT_TIMEOUT",
    "CUT",
    "HEADERS_TOO_LARGE",
    "MALFORMED",
    "NOT_SENDABLE",
    "NO_NAME",
    "PROXY_FAILED",
    "READ_TIMEOUT",
    "REFUSED",
    "RESET",
    "TLS_FAILED",
    "UNSUPPORTED",
    "WRITE_FAILED",
    "WRITE_TIMEOUT",
    "causes",
    "connect_failure",
    "connect_words",
    "from_httpx",
]

REFUSED: Final = "connection refused"
NO_NAME: Final = "host name not found"
TLS_FAILED: Final = "TLS handshake failed"
CONNECT_FAILED: Final = "could not connect"
CONNECT_TIMEOUT: Final = "timed out connecting"
RESET: Final = "connection reset by the server"
CLOSED: Final = "the server closed the connection before answering"
CUT: Final = "the server closed the connection partway through its answer"
MALFORMED: Final = "the answer is not valid HTTP"
HEADERS_TOO_LARGE: Final = f"the answer's headers are larger than {HEADER_LIMIT // 1024} KiB"
READ_TIMEOUT: Final = "timed out waiting for the answer"
WRITE_FAILED: Final = "the connection failed while the request was being sent"
WRITE_TIMEOUT: Final = "timed out sending the request"
PROXY_FAILED: Final = "the proxy refused or failed the connection"
NOT_SENDABLE: Final = "the request could not be sent as HTTP (a header is not valid)"
UNSUPPORTED: Final = "the URL's scheme is not one this pool can request"


def causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and everything it was raised from or during, groups opened, each once."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            stack.extend(current.exceptions)
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                stack.append(linked)


def connect_words(exc: BaseException) -> str:
    """What stopped a connection from opening, from the OS's (or TLS's) exceptions."""
    text = ""
    for error in causes(exc):
        if isinstance(error, ssl.SSLError | ssl.CertificateError):
            return TLS_FAILED
        if isinstance(error, socket.gaierror):
            return NO_NAME
        if isinstance(error, ConnectionRefusedError):
            return REFUSED
        text += f" {error}".lower()
    if "certificate" in text or "ssl" in text or "tls" in text:
        return TLS_FAILED
    if "name or service not known" in text or "nodename nor servname" in text:
        return NO_NAME
    if "connection refused" in text or "connect call failed" in text:
        return REFUSED
    return CONNECT_FAILED


def connect_failure(exc: BaseException) -> httpx.TransportError:
    """A connection that did not open: the request never left."""
    return httpx.ConnectError(connect_words(exc))


def from_httpx(exc: httpx.HTTPError) -> httpx.HTTPError:
    """httpx's exception (from its pool or a caller's) in plain words, its class kept."""
    text = str(exc)
    if isinstance(exc, httpx.ProxyError):
        return httpx.ProxyError(PROXY_FAILED)
    if isinstance(exc, httpx.ConnectTimeout):
        return httpx.ConnectTimeout(CONNECT_TIMEOUT)
    if isinstance(exc, httpx.ReadTimeout):
        return httpx.ReadTimeout(READ_TIMEOUT)
    if isinstance(exc, httpx.WriteTimeout):
        return httpx.WriteTimeout(WRITE_TIMEOUT)
    if isinstance(exc, httpx.PoolTimeout):
        return httpx.PoolTimeout(CONNECT_TIMEOUT)
    if isinstance(exc, httpx.ConnectError):
        return httpx.ConnectError(connect_words(exc))
    if isinstance(exc, httpx.ReadError):
        return httpx.ReadError(RESET)
    if isinstance(exc, httpx.WriteError):
        return httpx.WriteError(WRITE_FAILED)
    if isinstance(exc, httpx.RemoteProtocolError):
        lowered = text.lower()
        if "without sending" in lowered and "response" in lowered:
            return httpx.RemoteProtocolError(CLOSED)
        if "complete message body" in lowered or "incomplete" in lowered:
            return httpx.RemoteProtocolError(CUT)
        if "buffer too long" in lowered or "too long" in lowered:
            return httpx.RemoteProtocolError(HEADERS_TOO_LARGE)
        if text.startswith("Invalid URL in location header"):
            return exc  # told apart by the call (an answer did come)
        return httpx.RemoteProtocolError(MALFORMED)
    if isinstance(exc, httpx.LocalProtocolError):
        return httpx.LocalProtocolError(NOT_SENDABLE)
    if isinstance(exc, httpx.UnsupportedProtocol):
        return httpx.UnsupportedProtocol(UNSUPPORTED)
    # Any other httpx failure (a caller's transport may raise its own kinds): its class
    # kept for the retry policy, its text (which may quote the request) left behind.
    try:
        return type(exc)(f"{type(exc).__name__} from the HTTP library")
    except TypeError:  # a class that takes other arguments: unclear, as anything unknown
        return httpx.RemoteProtocolError(f"{type(exc).__name__} from the HTTP library")
