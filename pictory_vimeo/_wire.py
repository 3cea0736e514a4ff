"""What an exchange on the wire may and may not do: every such decision, in one place.

Every pool the SDK sends over (aiohttp's, httpx's, a caller's ``transport=`` or
``http_client=``) is held to these, and ``tests/wire`` checks each on every pool:

- **No hidden resend.** A request is sent once per attempt; the SDK's retry loop
  (``_call``) is the only one, so ``retries_taken``, the deadline, the log and the
  reconciliation of writes see every send. aiohttp's re-send of an idempotent request on
  a reused connection that closed is turned off (``_aiohttp_exchange``); httpcore has none.
- **No redirects**: a 3xx is the answer it is. **No cookies** kept or sent. **No .netrc**
  and no proxy settings read per request (proxies are read once, when the pool opens).
- **No decompression behind our back**: bodies are read raw and decoded here
  (:class:`BodyReader`: gzip and deflate, the ``Accept-Encoding`` we send), so the size
  limit holds for the decoded body too. A body that does not decode as its
  ``Content-Encoding`` says is kept as received, and the call says so.
- **Bounded answers**: at most ``max_response_bytes`` (8 MiB unless set) of body, counted
  raw while streaming and decoded while inflating; past it the exchange raises
  :class:`ResponseTooLargeError` and the connection is closed, not returned to the pool.
- **Header limits alike**: a status line and headers of up to :data:`HEADER_LIMIT` bytes
  in all, on every pool (httpcore's own limit for h11; aiohttp is set to match).
- **One answer per request**: an answer that does not belong to its request (another
  connection's ID, a version the update did not make) is refused and its connection
  closed (``Answer.discard``).
"""

from __future__ import annotations

import zlib
from typing import Final

__all__ = [
    "ACCEPT_ENCODING",
    "HEADER_LIMIT",
    "BodyReader",
    "ResponseTooLargeError",
]

#: The status line and headers of an answer, in all: httpcore's limit for h11
#: (``MAX_INCOMPLETE_EVENT_SIZE``), which aiohttp's pool is made to match.
HEADER_LIMIT: Final = 100 * 1024
#: The encodings the SDK asks for, and the only ones it decodes.
ACCEPT_ENCODING: Final = "gzip, deflate"


class ResponseTooLargeError(Exception):
    """An answer's body went past the client's ``max_response_bytes``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"the answer's body is larger than max_response_bytes ({limit} bytes)")


class _UndecodableError(Exception):
    pass


class _Inflater:
    """One gzip or deflate layer, inflated incrementally with its output bounded."""

    def __init__(self, encoding: str) -> None:
        self._gzip = encoding != "deflate"
        self._first = True
        self._z = zlib.decompressobj(zlib.MAX_WBITS | 16 if self._gzip else zlib.MAX_WBITS)

    def feed(self, data: bytes, room: int) -> list[bytes]:
        """Inflate ``data``; ``_TooMuchError`` as soon as more than ``room`` bytes come out."""
        out: list[bytes] = []
        made = 0
        while data:
            try:
                chunk = self._z.decompress(data, room - made + 1)
            except zlib.error:
                if self._first and not self._gzip:
                    # "deflate" is sent raw by some servers (as httpx allows for).
                    self._first = False
                    self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise _UndecodableError from None
            self._first = False
            made += len(chunk)
            if made > room:
                raise _TooMuchError
            out.append(chunk)
            data = self._z.unconsumed_tail
        return out

    def flush(self, room: int) -> list[bytes]:
        """What the layer still holds (a window's worth at most)."""
        try:
            rest = self._z.flush()
        except zlib.error:
            raise _UndecodableError from None
        if len(rest) > room:
            raise _TooMuchError
        return [rest] if rest else []


class _TooMuchError(Exception):
    pass


class BodyReader:
    """An answer's body, fed chunk by chunk as it streams in, raw and decoded, both bounded.

    ``encoding`` is the ``Content-Encoding`` header (``None``: none); layers other than
    gzip and deflate are left alone, as httpx leaves them. When the body does not decode,
    the raw bytes are kept (their first ``_RAW_KEPT`` bytes, if it fails only after those)
    and :attr:`undecodable` names the encoding.
    """

    def __init__(self, encoding: str | None, limit: int) -> None:
        self.limit = limit
        self.undecodable: str | None = None
        self._raw: list[bytes] = []
        self._raw_size = 0
        #: Whether raw bytes past ``_RAW_KEPT`` were let go of (the body was decoding).
        self._cut = False
        self._layers: list[_Inflater] = []
        self._out: list[bytes] = []
        self._out_size = 0
        self._encoding = encoding
        if encoding:
            names = [part.strip().lower() for part in encoding.split(",")]
            self._layers = [_Inflater(name) for name in reversed(names) if name in _DECODED]

    def feed(self, chunk: bytes) -> None:
        """Take the next chunk of the raw body."""
        self._raw_size += len(chunk)
        if self._raw_size > self.limit:
            raise ResponseTooLargeError(self.limit)
        if not self._layers:
            self._out.append(chunk)
            return
        if self._raw_size <= _RAW_KEPT or (self.undecodable is not None and not self._cut):
            self._raw.append(chunk)
        elif not self._cut:
            # Past this, only the decoded body is kept: a body that decodes up to the limit
            # costs the limit, not twice it; one that then fails to decode keeps its start.
            self._raw.append(chunk[: len(chunk) - (self._raw_size - _RAW_KEPT)])
            self._cut = True
        if self.undecodable is None:
            self._inflate([chunk], final=False)

    def _inflate(self, chunks: list[bytes], *, final: bool) -> None:
        try:
            for layer in self._layers:
                next_chunks: list[bytes] = []
                for chunk in chunks:
                    next_chunks += layer.feed(chunk, self.limit - self._out_size)
                if final:
                    next_chunks += layer.flush(self.limit - self._out_size)
                chunks = next_chunks
        except _TooMuchError:
            raise ResponseTooLargeError(self.limit) from None
        except _UndecodableError:
            self.undecodable = self._encoding
            self._out = []
            return
        for chunk in chunks:
            self._out_size += len(chunk)
            if self._out_size > self.limit:
                raise ResponseTooLargeError(self.limit)
            self._out.append(chunk)

    def body(self) -> bytes:
        """The whole body: decoded, or as received when it did not decode."""
        if self._layers and self.undecodable is None:
            self._inflate([], final=True)
        if self.undecodable is not None:
            return b"".join(self._raw)
        out = self._out
        return out[0] if len(out) == 1 else b"".join(out)


_DECODED: Final = frozenset({"gzip", "x-gzip", "deflate"})
#: Raw bytes of an encoded body kept while it decodes, for the answer's text should it
#: turn out not to decode: enough for any error message, and bounded apart from the limit.
_RAW_KEPT: Final = 64 * 1024
