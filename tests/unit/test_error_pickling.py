"""Every ``PictoryError`` pickles to an equal error, with no secret in the bytes.

What crosses a process (a ``ProcessPoolExecutor`` worker's error, a task queue's) is the
type, the text and the fields; the raw response, which holds the request and its key,
arrives as ``None``.
"""

from __future__ import annotations

import pickle
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import httpx
import pytest

import pictory_vimeo as pv
from pictory_vimeo._rules import FieldError

KEY = "pictai_pickled_key_5e1d"
SECRET = "pickled-client-secret"
TOKEN = "pickled-access-token"

FIELDS = (
    "status_code",
    "code",
    "request_id",
    "retry_after",
    "errors",
    "attempts",
    "outcome_unknown",
    "message",
    "body",
    "connection_id",
)


def _response(status: int) -> httpx.Response:
    """An answer whose request carries the key and a body with both secrets."""
    request = httpx.Request(
        "POST",
        "https://api.test/pictoryapis/v1/vimeo-connections",
        headers={"Authorization": KEY},
        json={"clientSecret": SECRET, "accessToken": TOKEN},
    )
    return httpx.Response(status, request=request, json={"message": "nope"})


def every_error() -> list[pv.PictoryError]:
    """One error of every class, with every field set that it has."""
    status: dict[type[pv.APIStatusError], int] = {
        pv.APIStatusError: 418,
        pv.BadRequestError: 400,
        pv.AuthenticationError: 401,
        pv.PermissionDeniedError: 403,
        pv.NotFoundError: 404,
        pv.ConflictError: 409,
        pv.DuplicateNameError: 409,
        pv.VersionConflictError: 409,
        pv.UnprocessableEntityError: 422,
        pv.RateLimitError: 429,
        pv.InternalServerError: 503,
    }
    errors: list[pv.PictoryError] = [
        cls(
            "it failed",
            response=_response(code),
            code="SOME_CODE",
            body={"message": "it failed"},
            request_id="req-1",
            retry_after=2.5,
            attempts=3,
        )
        for cls, code in status.items()
    ]
    errors += [
        pv.ValidationError([FieldError("name", "is required"), FieldError("version", "bad")]),
        pv.ValidationError([FieldError("client_secret", "must be valid Unicode text")]),
        pv.APIConnectionError("POST /x failed: reset", attempts=2),
        pv.APITimeoutError("POST /x: the call's deadline passed", attempts=4),
        pv.InvalidResponseError("GET /x answered 200 with junk", response=_response(200)),
        pv.PaginationError("the server repeated a nextPageKey"),
        pv.OptimisticLockError("20251222155613307xv0nodhitf9cd0f", 5),
        pv.ClientClosedError(),
    ]
    for marked in errors:  # a 429 and a timeout after an unclear write
        if type(marked) in (pv.RateLimitError, pv.APITimeoutError):
            marked.outcome_unknown = True
    return errors


def _shape(error: BaseException) -> tuple[Any, ...]:
    """What must survive a pickle: the type, the text and every field."""
    return (type(error), str(error), *(getattr(error, name, None) for name in FIELDS))


@pytest.mark.parametrize("error", every_error(), ids=lambda e: type(e).__name__)
def test_every_error_pickles_to_an_equal_error_without_secrets(error: pv.PictoryError) -> None:
    """Same type, text and fields; the response is None; no key or secret in the bytes."""
    data = pickle.dumps(error)
    for secret in (KEY, SECRET, TOKEN):
        assert secret.encode() not in data
    copy = pickle.loads(data)  # noqa: S301 - bytes this test made
    assert _shape(copy) == _shape(error)
    assert getattr(copy, "response", None) is None
    assert isinstance(copy, pv.PictoryError)


def _raise_in_worker(index: int) -> None:
    """Raise the ``index``-th of ``every_error()`` (run in another process)."""
    raise every_error()[index]


def test_errors_cross_a_process_pool() -> None:
    """Raised in a worker, each arrives in the parent as itself (not ``BrokenProcessPool``)."""
    expected = every_error()
    with ProcessPoolExecutor(max_workers=1) as pool:
        futures = [pool.submit(_raise_in_worker, i) for i in range(len(expected))]
        arrived = [future.exception() for future in futures]
    assert [_shape(e) for e in arrived if e is not None] == [_shape(e) for e in expected]
