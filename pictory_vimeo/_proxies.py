"""Which proxy, if any, a client's requests go through: one decision, read once, for every pool.

The environment is read when the client is made (``HTTPS_PROXY``, ``HTTP_PROXY``,
``ALL_PROXY``, ``NO_PROXY`` and their lowercase forms, as ``urllib`` reads them: the
lowercase form wins), and the result is a :class:`Proxy` (or ``None``: connect directly)
that aiohttp's pool and httpx's consume alike, so a setting means the same on each.

- A value without a scheme (``proxy.corp:3128``) means ``http://``.
- ``http://`` and ``https://`` proxies work on every pool; ``socks5://`` and ``socks5h://``
  on httpx's, with the ``socks`` extra installed. Anything else is a ``ValidationError``
  naming the variable, as is SOCKS without its extra: at once, not at the first request.
- A loopback base URL (``localhost``, ``127.0.0.0/8``, ``::1``) is never proxied, as Go's
  ``net/http`` does: a proxy elsewhere would otherwise read a local server's traffic.
- A plain ``http://`` base URL sent through a proxy that is not on loopback carries the
  key unencrypted to it, so it is refused like a plain-http base URL unless
  ``allow_insecure_http=True``. (An ``https://`` base URL goes through an ``http://`` proxy
  by ``CONNECT``: the key stays inside TLS, so that is fine.)
"""

from __future__ import annotations

import importlib.util
import os
import urllib.request
from typing import Final

import attrs
import httpx

from ._errors import ValidationError
from ._loopback import is_loopback
from ._rules import FieldError

__all__ = ["Proxy", "resolve_proxy"]

#: The proxy variables the SDK reads, by the ``urllib`` key they fill.
_KEYS: Final = ("https", "http", "all")
_SCHEMES: Final = ("http", "https", "socks5", "socks5h")
_SOCKS: Final = ("socks5", "socks5h")


@attrs.frozen
class Proxy:
    """Where requests go first: the proxy's URL, and the variable that named it.

    ``repr`` shows neither the URL's user nor its password.
    """

    url: httpx.URL = attrs.field(repr=lambda url: str(url.copy_with(username=None, password=None)))
    variable: str

    @property
    def socks(self) -> bool:
        """Whether it is a SOCKS proxy (httpx's pool only: aiohttp speaks HTTP proxies)."""
        return self.url.scheme in _SOCKS

    def for_httpx(self) -> httpx.Proxy:
        """The proxy as ``httpx.AsyncHTTPTransport(proxy=...)`` takes it (credentials in it)."""
        return httpx.Proxy(self.url)

    def for_aiohttp(self) -> str:
        """``proxy=`` for an aiohttp request or session: aiohttp takes the credentials from
        the URL itself (its ``BasicAuth``, the other way, is deprecated).
        """
        return str(self.url)


def _variable(key: str) -> str:
    """The name of the variable ``urllib`` read ``key``'s proxy from (lowercase first)."""
    lower = f"{key}_proxy"
    if os.environ.get(lower):
        return lower
    for name, value in os.environ.items():
        if name.lower() == lower and value:
            return name
    return f"the system's {key} proxy setting"  # macOS and Windows keep their own


def _checked(key: str, value: str) -> Proxy:
    """``value`` as a proxy URL, or a ``ValidationError`` naming its variable.

    The value is never echoed: it may hold the proxy's password.
    """
    variable = _variable(key)
    text = value.strip()
    if "://" not in text:
        text = f"http://{text}"  # as curl and Go read a bare host:port
    scheme = text.partition("://")[0].lower()
    if scheme not in _SCHEMES:
        raise ValidationError(
            [
                FieldError(
                    variable,
                    f"names a proxy scheme the SDK cannot use ({scheme[:20]!r}): use "
                    "http://, https://, socks5:// or socks5h://",
                )
            ]
        )
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL:
        url = None
    if url is None or not url.host:
        raise ValidationError([FieldError(variable, "is not a proxy URL with a host")])
    if scheme in _SOCKS and importlib.util.find_spec("socksio") is None:
        raise ValidationError(
            [
                FieldError(
                    variable,
                    "names a SOCKS proxy, which needs the socks extra: "
                    "pip install 'pictory-vimeo[socks]'",
                )
            ]
        )
    return Proxy(url, variable)


def resolve_proxy(base_url: str, *, allow_insecure_http: bool = False) -> Proxy | None:
    """The proxy requests to ``base_url`` go through (``None``: directly), read now.

    Every proxy variable set is checked, whether or not ``base_url`` needs it, so a
    setting means one thing for every client and a bad one fails where it is made.
    """
    environment = urllib.request.getproxies_environment()
    # Without proxy variables, macOS and Windows have settings of their own.
    proxies = environment or urllib.request.getproxies()
    checked = {key: _checked(key, proxies[key]) for key in _KEYS if proxies.get(key)}
    url = httpx.URL(base_url)
    proxy = checked.get(url.scheme) or checked.get("all")
    if proxy is None or is_loopback(url.host) or _bypassed(url, environment):
        return None
    if url.scheme == "http" and not allow_insecure_http and not is_loopback(proxy.url.host):
        raise ValidationError(
            [
                FieldError(
                    proxy.variable,
                    f"sends plain http:// to the proxy at {proxy.url.host!r}, which would carry "
                    "the API key unencrypted: use an https:// base URL, or pass "
                    "allow_insecure_http=True (--allow-insecure-http) if you mean it",
                )
            ]
        )
    return proxy


def _bypassed(url: httpx.URL, environment: dict[str, str]) -> bool:
    """Whether ``NO_PROXY`` (or, without proxy variables, the system's exceptions) send
    ``url`` directly; ``NO_PROXY`` entries may name the host or ``host:port``.
    """
    if environment:
        netloc = url.host if url.port is None else f"{url.host}:{url.port}"
        # Public in urllib, though missing from its type stubs.
        bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
        return bool(bypass(netloc, environment))
    return bool(urllib.request.proxy_bypass(url.host))
