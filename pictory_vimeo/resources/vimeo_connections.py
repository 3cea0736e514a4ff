"""``client.vimeo_connections``: the five calls of the Vimeo Connections API.

The one hand-written declaration of the resource: ``sync_vimeo_connections.py`` is
generated from it by ``scripts/gen_sync.py``. Each call checks its input against the
documented rules before anything is sent, runs one :class:`~.._call.Call`, and reads the
answer into a model; writes hand the call a reconciliation step for a ``409`` met after
an attempt whose outcome was unclear.
"""

from __future__ import annotations

from functools import partial

from .._call import Call, CallContext, Keep, PerCall, encode_body
from .._config import DEFAULT_MAX_EMPTY_PAGES
from .._conflicts import for_create
from .._errors import ConflictError, ValidationError
from .._models import (
    Page,
    VimeoConnection,
    VimeoConnectionCreate,
    VimeoConnectionUpdate,
    to_body,
)
from .._optimistic import Mutate, optimistic_update_async
from .._pagination import AsyncPaginator
from .._raw_response import raw
from .._rules import (
    FieldError,
    check_count,
    check_create,
    check_update,
    is_utf8_encodable,
    unsendable,
)
from .._secret import Secret
from .._types import NOT_GIVEN, Headers, NotGiven
from ._bodies import (
    COLLECTION,
    connection_path,
    id_problems,
    parse_connection,
    parse_deleted,
    parse_page,
    parse_this_connection,
)
from ._reconcile import reconcile_create, reconcile_update

__all__ = ["AsyncRawResponses", "AsyncVimeoConnections"]


def _check(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationError(errors)


def _request(
    model: VimeoConnectionCreate | VimeoConnectionUpdate,
    problems: list[FieldError],
    *,
    validate: bool,
) -> tuple[Secret[bytes], Secret[tuple[str, ...]]]:
    """A write's body (masked) and the secrets it carries; a ``ValidationError`` if it breaks
    a rule (``problems`` too), or cannot be sent at all whatever ``validate`` says.

    The body dict lives only in ``_encoded``'s frame, gone before anything is raised.
    """
    problems = problems + _problems(model, validate=validate)
    if problems:
        raise ValidationError(problems)
    encoded = _encoded(model)
    if isinstance(encoded, FieldError):
        raise ValidationError([encoded])
    return encoded, _secrets_of(model)


def _problems(
    model: VimeoConnectionCreate | VimeoConnectionUpdate, *, validate: bool
) -> list[FieldError]:
    body = to_body(model)
    if validate:  # the rules refuse a lone surrogate too, with every other problem
        check = check_update if isinstance(model, VimeoConnectionUpdate) else check_create
        return check(body, naming="python")
    # A value with no UTF-8 form (a lone surrogate) can be neither sent nor masked.
    return unsendable(body, naming="python")


def _encoded(model: VimeoConnectionCreate | VimeoConnectionUpdate) -> Secret[bytes] | FieldError:
    return encode_body(to_body(model))


def _secrets_of(model: VimeoConnectionCreate | VimeoConnectionUpdate) -> Secret[tuple[str, ...]]:
    return Secret(tuple(s for s in (model.client_secret, model.access_token) if isinstance(s, str)))


class AsyncVimeoConnections:
    """The Vimeo connections of the client's account: ``client.vimeo_connections``.

    Every method also takes ``timeout=`` (seconds for the whole call), ``max_retries=`` and
    ``extra_headers=``, which apply to that call only. Input is checked against the
    documented rules before anything is sent (unless the client has ``validate=False``):
    a :class:`ValidationError` lists every broken rule. Transient failures are retried, and
    a retried write is applied at most once.
    """

    def __init__(self, context: CallContext) -> None:
        self._context = context

    @property
    def with_raw_response(self) -> AsyncRawResponses:
        """Each call again, returning a ``RawResponse`` (``.parse()``: the result).

        Returns:
            An object with the same methods (``create``, ``get``, ``list_page``, ``update``,
            ``delete``) and arguments, each returning a :class:`RawResponse` whose
            ``.parse()`` is what the plain method returns.
        """
        return AsyncRawResponses(self)

    async def create(
        self,
        *,
        name: str,
        client_identifier: str,
        client_secret: str,
        access_token: str,
        description: str | None = None,
        enabled: bool = True,
        timeout: float | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Headers | NotGiven | None = NOT_GIVEN,
    ) -> VimeoConnection:
        """Create a connection; its name must be unique in the account.

        Args:
            name: 1-100 characters of letters, digits, spaces, ``_`` or ``-``; unique in
                the account.
            client_identifier: The Vimeo app's client identifier, 1-500 characters.
            client_secret: The Vimeo app's client secret, 1-500 characters. Write-only:
                stored, never returned, logged or shown in a repr.
            access_token: The Vimeo access token, 1-500 characters. Write-only, as
                ``client_secret``.
            description: At most 250 characters; ``None`` (the default): none.
            enabled: Whether the connection is enabled (default ``True``).
            timeout: Seconds for the whole call (every attempt, every wait between them
                and any reconciliation read); default: the client's.
            max_retries: Retries of a transient failure for this call; default: the
                client's.
            extra_headers: More headers for this call's request (never ``Authorization``).

        Returns:
            The new connection, at ``version`` 1 (the API's create answer has no ``type``
            or dates: those fields are ``None`` until the next ``get``).

        Raises:
            ValidationError: A field breaks its rule (nothing was sent).
            DuplicateNameError: The account already has a connection with this name.
            AuthenticationError: The API key is missing, wrong or expired.
            APIConnectionError: No usable answer after retries (``APITimeoutError``: time's up).
            APIStatusError: Another error status (a subclass naming it).
            InvalidResponseError: A 2xx whose body is not a connection.
        """
        model = VimeoConnectionCreate(
            name=name,
            client_identifier=client_identifier,
            client_secret=client_secret,
            access_token=access_token,
            description=description,
            enabled=enabled,
        )
        # From here on the secrets are in the model, whose repr masks them: no local of
        # this frame (on the traceback of whatever it raises) holds one raw.
        del client_secret, access_token
        content, secrets = _request(model, [], validate=self._context.options.validate)
        call = self._context.start(
            "POST", COLLECTION, PerCall(timeout, max_retries, extra_headers), secrets=secrets
        )
        try:
            return await call.run(
                parse_connection, content=content, reconcile=partial(reconcile_create, model)
            )
        except ConflictError as conflict:
            error = for_create(conflict)
        raise error

    async def get(
        self,
        connection_id: str,
        *,
        timeout: float | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Headers | NotGiven | None = NOT_GIVEN,
    ) -> VimeoConnection:
        """The connection with this ID.

        Args:
            connection_id: The connection's ID, as the API gave it (case-sensitive; sent
                escaped as one path segment; ``""``, ``.`` and ``..`` are refused).
            timeout: Seconds for the whole call (every attempt, every wait between them
                and any reconciliation read); default: the client's.
            max_retries: Retries of a transient failure for this call; default: the
                client's.
            extra_headers: More headers for this call's request (never ``Authorization``).

        Returns:
            The connection.

        Raises:
            ValidationError: The ID is empty, ``.`` or ``..`` (nothing was sent).
            NotFoundError: The account has no connection with this ID.
            AuthenticationError: The API key is missing, wrong or expired.
            APIConnectionError: No usable answer after retries (``APITimeoutError``: time's up).
            APIStatusError: Another error status (a subclass naming it).
            InvalidResponseError: A 2xx whose body is not a connection.
        """
        call = self._on(connection_id, "GET", PerCall(timeout, max_retries, extra_headers))
        return await call.run(parse_this_connection(connection_id))

    async def list_page(
        self,
        *,
        next_page_key: str | None = None,
        timeout: float | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Headers | NotGiven | None = NOT_GIVEN,
    ) -> Page[VimeoConnection]:
        """One page of the account's connections; pass ``next_page_key`` for the next one.

        Args:
            next_page_key: The previous page's ``next_page_key``, passed back exactly as
                received; ``None`` (the default): the first page.
            timeout: Seconds for the whole call (every attempt, every wait between them
                and any reconciliation read); default: the client's.
            max_retries: Retries of a transient failure for this call; default: the
                client's.
            extra_headers: More headers for this call's request (never ``Authorization``).

        Returns:
            A :class:`Page`: its ``items`` and the ``next_page_key`` of the next page
            (``None`` on the last one).

        Raises:
            ValidationError: ``next_page_key`` is not a string (nothing was sent).
            AuthenticationError: The API key is missing, wrong or expired.
            APIConnectionError: No usable answer after retries (``APITimeoutError``: time's up).
            APIStatusError: Another error status (a subclass naming it).
            InvalidResponseError: A 2xx whose body is not a page of connections.
        """
        if next_page_key is not None and not (
            isinstance(next_page_key, str) and is_utf8_encodable(next_page_key)
        ):
            raise ValidationError([FieldError("next_page_key", "must be a string, as received")])
        call = self._context.start("GET", COLLECTION, PerCall(timeout, max_retries, extra_headers))
        params = {"nextPageKey": next_page_key} if next_page_key else None
        return await call.run(parse_page, params=params)

    def list(
        self,
        *,
        next_page_key: str | None = None,
        limit: int | None = None,
        max_empty_pages: int | None = DEFAULT_MAX_EMPTY_PAGES,
        timeout: float | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Headers | NotGiven | None = NOT_GIVEN,
    ) -> AsyncPaginator[VimeoConnection]:
        """Every connection, page by page as iteration reaches it (at most ``limit`` items).

        ``await`` it for the first page; ``async for`` it for every connection, or over
        ``.pages()`` for every page. ``limit`` caps the items iteration yields; the first
        page and ``pages()`` are always whole pages. ``timeout`` and the other per-call
        settings apply to each page's request. After ``max_empty_pages`` pages in a row
        that bring nothing new (empty, or only connections already listed) and still carry
        a ``nextPageKey``, iteration raises ``PaginationError``.

        Args:
            next_page_key: Start from this page (a ``next_page_key`` received earlier);
                ``None`` (the default): from the first page.
            limit: Yield at most this many connections (an integer >= 0); ``None``: all.
            max_empty_pages: How many pages in a row that bring nothing new (empty, or
                only connections already listed) yet still carry a key are followed
                before giving up (an integer >= 1, default 100); ``None``: no limit.
            timeout: Seconds for the whole call (every attempt, every wait between them
                and any reconciliation read); default: the client's.
            max_retries: Retries of a transient failure for this call; default: the
                client's.
            extra_headers: More headers for each page's request (never ``Authorization``).

        Returns:
            An :class:`AsyncPaginator`; no request is sent until it is first used.

        Raises:
            ValidationError: ``limit`` or ``max_empty_pages`` breaks its rule (at once).
            PaginationError: While iterating: the server repeated a ``nextPageKey`` or
                sent ``max_empty_pages`` pages of nothing new in a row.
            PictoryError: While iterating: whatever :meth:`list_page` raises.
        """
        problems = [
            check_count("limit", limit, least=0, or_none=True),
            check_count("max_empty_pages", max_empty_pages, or_none=True),
        ]
        _check([problem for problem in problems if problem is not None])
        fetch = partial(
            self._list_from, timeout=timeout, max_retries=max_retries, extra_headers=extra_headers
        )
        return AsyncPaginator(
            fetch,
            next_page_key=next_page_key,
            limit=limit,
            max_empty_pages=max_empty_pages,
            spawn=self._context.session.read_ahead.start,
        )

    async def _list_from(
        self,
        key: str | None,
        *,
        timeout: float | NotGiven,
        max_retries: int | NotGiven,
        extra_headers: Headers | NotGiven | None,
    ) -> Page[VimeoConnection]:
        return await self.list_page(
            next_page_key=key, timeout=timeout, max_retries=max_retries, extra_headers=extra_headers
        )

    async def update(
        self,
        connection_id: str,
        *,
        version: int,
        name: str | NotGiven = NOT_GIVEN,
        description: str | NotGiven | None = NOT_GIVEN,
        enabled: bool | NotGiven = NOT_GIVEN,
        client_identifier: str | NotGiven = NOT_GIVEN,
        client_secret: str | NotGiven = NOT_GIVEN,
        access_token: str | NotGiven = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Headers | NotGiven | None = NOT_GIVEN,
    ) -> VimeoConnection:
        """Change only the fields passed; ``version`` must be the connection's current one.

        A field left out is left alone; ``description=None`` clears the description. To
        change a connection without knowing its version, use :func:`optimistic_update`.

        Args:
            connection_id: The connection's ID (case-sensitive; ``""``, ``.`` and ``..``
                are refused).
            version: The connection's current version (an integer >= 1), as read; the
                update applies only if it is still the stored one.
            name: A new name: 1-100 characters of letters, digits, spaces, ``_`` or
                ``-``, unique in the account.
            description: A new description of at most 250 characters, or ``None`` to
                clear it.
            enabled: Enable (``True``) or disable (``False``) the connection.
            client_identifier: A new client identifier, 1-500 characters.
            client_secret: A new client secret, 1-500 characters (write-only).
            access_token: A new access token, 1-500 characters (write-only).
            timeout: Seconds for the whole call (every attempt, every wait between them
                and any reconciliation read); default: the client's.
            max_retries: Retries of a transient failure for this call; default: the
                client's.
            extra_headers: More headers for this call's request (never ``Authorization``).

        Returns:
            The connection as stored after the change, its ``version`` one higher.

        Raises:
            ValidationError: A field or the ID breaks its rule (nothing was sent).
            VersionConflictError: ``version`` is stale (someone else updated it), or an
                earlier attempt's outcome cannot be confirmed.
            DuplicateNameError: Another connection in the account has the new name.
            NotFoundError: The account has no connection with this ID.
            AuthenticationError: The API key is missing, wrong or expired.
            APIConnectionError: No usable answer after retries (``APITimeoutError``: time's up).
            APIStatusError: Another error status (a subclass naming it).
            InvalidResponseError: A 2xx whose body is not a connection.
        """
        model = VimeoConnectionUpdate(
            version=version,
            name=name,
            description=description,
            enabled=enabled,
            client_identifier=client_identifier,
            client_secret=client_secret,
            access_token=access_token,
        )
        del client_secret, access_token  # held by the model only (see create)
        content, secrets = _request(
            model, id_problems(connection_id), validate=self._context.options.validate
        )
        call = self._on(
            connection_id, "PUT", PerCall(timeout, max_retries, extra_headers), secrets=secrets
        )
        reconcile = partial(reconcile_update, connection_id, model)
        # The answer must be about this connection, at the version this update makes.
        parse = parse_this_connection(connection_id, version + 1)
        return await call.run(parse, content=content, reconcile=reconcile)

    async def delete(
        self,
        connection_id: str,
        *,
        timeout: float | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Headers | NotGiven | None = NOT_GIVEN,
    ) -> None:
        """Delete the connection. Deleting one that is already gone is not an error.

        Args:
            connection_id: The connection's ID (case-sensitive; ``""``, ``.`` and ``..``
                are refused).
            timeout: Seconds for the whole call (every attempt, every wait between them
                and any reconciliation read); default: the client's.
            max_retries: Retries of a transient failure for this call; default: the
                client's.
            extra_headers: More headers for this call's request (never ``Authorization``).

        Returns:
            ``None``.

        Raises:
            ValidationError: The ID is empty, ``.`` or ``..`` (nothing was sent).
            AuthenticationError: The API key is missing, wrong or expired.
            APIConnectionError: No usable answer after retries (``APITimeoutError``: time's up).
            APIStatusError: Another error status (a subclass naming it).
        """
        call = self._on(connection_id, "DELETE", PerCall(timeout, max_retries, extra_headers))
        await call.run(parse_deleted(connection_id))

    async def __optimistic_update__(
        self, connection_id: str, mutate: Mutate, *, max_attempts: int = 10
    ) -> VimeoConnection:
        """``optimistic_update(conns, ...)`` on this resource: the loop, run here.

        Args:
            connection_id: The connection's ID (case-sensitive).
            mutate: Called with the current connection; returns the fields to change.
            max_attempts: How many read-modify-write rounds to try (an integer >= 1).

        Returns:
            The connection as last written (or as read, when there was nothing to change).
        """
        return await optimistic_update_async(self, connection_id, mutate, max_attempts=max_attempts)

    def _on(
        self,
        connection_id: str,
        method: str,
        per_call: PerCall,
        secrets: Secret[tuple[str, ...]] | None = None,
    ) -> Call:
        """A call of ``method`` on one connection (its ID checked and escaped)."""
        path = connection_path(connection_id)
        return self._context.start(
            method, path, per_call, connection_id=connection_id, secrets=secrets
        )


class AsyncRawResponses:
    """``conns.with_raw_response``: each request method, returning a ``RawResponse``."""

    def __init__(self, conns: AsyncVimeoConnections) -> None:
        context = conns._context  # the same module's class: its calls' context

        def keeping(keep: Keep) -> AsyncVimeoConnections:
            return AsyncVimeoConnections(context.keeping(keep))

        self.create = raw(conns.create, lambda keep: keeping(keep).create)
        self.get = raw(conns.get, lambda keep: keeping(keep).get)
        self.list_page = raw(conns.list_page, lambda keep: keeping(keep).list_page)
        self.update = raw(conns.update, lambda keep: keeping(keep).update)
        self.delete = raw(conns.delete, lambda keep: keeping(keep).delete)
