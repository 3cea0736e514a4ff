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
    "CLOSED_UNDER_IT",
    "CONNECT_FAILED",
    "CONNECT_TIMEOUT",
    "CUT",
    "HEADERS_TOO_LARGE",
    "MALFORMED",
    "NO_NAME",
    "PROXY_FAILED",
    "REFUSED",
    "RESET",
    "TLS_FAILED",
    "UNSUPPORTED",
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
CLOSED_UNDER_IT: Final = "the client was closed while the request was out"
MALFORMED: Final = "the answer is not valid HTTP"
HEADERS_TOO_LARGE: Final = f"the answer's headers are larger than {HEADER_LIMIT // 1024} KiB"
PROXY_FAILED: Final = "the proxy refused or failed the connection"
UNSUPPORTED: Final = "the URL's scheme is not one this pool can request"

#: What stopped a connection from opening, in the order it is looked for: the exception
#: classes that say so, and the words that say so in the text of those that do not (an
#: OS error wrapped in a library's own, or a library's own words).
_CONNECT_CAUSES: Final[tuple[tuple[str, tuple[type[BaseException], ...], tuple[str, ...]], ...]] = (
    (TLS_FAILED, (ssl.SSLError, ssl.CertificateError), ("certificate", "ssl", "tls")),
    (NO_NAME, (socket.gaierror,), ("name or service not known", "nodename nor servname")),
    (REFUSED, (ConnectionRefusedError,), ("connection refused", "connect call failed")),
)
#: The httpx failures whose class alone says what happened, with the words for each (those
#: no other pool's failure maps to are written here, not named above).
_WORDS_BY_CLASS: Final[tuple[tuple[type[httpx.HTTPError], str], ...]] = (
    (httpx.ProxyError, PROXY_FAILED),
    (httpx.ConnectTimeout, CONNECT_TIMEOUT),
    (httpx.PoolTimeout, CONNECT_TIMEOUT),
    (httpx.ReadTimeout, "timed out waiting for the answer"),
    (httpx.WriteTimeout, "timed out sending the request"),
    (httpx.ReadError, RESET),
    (httpx.WriteError, "the connection failed while the request was being sent"),
    (httpx.LocalProtocolError, "the request could not be sent as HTTP (a header is not valid)"),
    (httpx.UnsupportedProtocol, UNSUPPORTED),
)


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
        for words, classes, _ in _CONNECT_CAUSES:
            if isinstance(error, classes):
                return words
        text += f" {error}".lower()
    for words, _, phrases in _CONNECT_CAUSES:
        if any(phrase in text for phrase in phrases):
            return words
    return CONNECT_FAILED


def connect_failure(exc: BaseException) -> httpx.TransportError:
    """A connection that did not open: the request never left."""
    return httpx.ConnectError(connect_words(exc))


def from_httpx(exc: httpx.HTTPError) -> httpx.HTTPError:
    """httpx's exception (from its pool or a caller's) in plain words, its class kept."""
    for cls, words in _WORDS_BY_CLASS:
        if isinstance(exc, cls):
            return cls(words)
    if isinstance(exc, httpx.ConnectError):
        return httpx.ConnectError(connect_words(exc))
    if isinstance(exc, httpx.RemoteProtocolError):
        text = str(exc)
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
    # Any other httpx failure (a caller's transport may raise its own kinds): its class
    # kept for the retry policy, its text (which may quote the request) left behind.
    try:
        return type(exc)(f"{type(exc).__name__} from the HTTP library")
    except TypeError:  # a class that takes other arguments: unclear, as anything unknown
        return httpx.RemoteProtocolError(f"{type(exc).__name__} from the HTTP library")
