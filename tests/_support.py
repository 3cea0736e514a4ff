"""What several test folders share: the API's path, its status -> error class table, and a
connection object as the API returns it. Fixtures built on these live in ``tests/conftest.py``.
"""

from __future__ import annotations

from typing import Any, Final

import pictory_vimeo as pv

#: The resource's collection path; one connection is ``f"{PATH}/{id}"``.
PATH: Final = "/pictoryapis/v1/vimeo-connections"

#: Every error status the API documents, and the class the SDK raises for it (README,
#: "Errors"). A ``409`` whose body names its conflict is a subclass of ``ConflictError``.
STATUS_ERRORS: Final[dict[int, type[pv.APIStatusError]]] = {
    400: pv.BadRequestError,
    401: pv.AuthenticationError,
    403: pv.PermissionDeniedError,
    404: pv.NotFoundError,
    409: pv.ConflictError,
    422: pv.UnprocessableEntityError,
    429: pv.RateLimitError,
    500: pv.InternalServerError,
    502: pv.InternalServerError,
    503: pv.InternalServerError,
}
#: Statuses with no class of their own that the retry policy still names.
OTHER_STATUS_ERRORS: Final[dict[int, type[pv.APIStatusError]]] = {
    408: pv.APIStatusError,
    504: pv.InternalServerError,
}
#: Statuses worth another attempt (README, "Retries and concurrency"), with their classes.
RETRIED_STATUSES: Final = {
    status: cls
    for status, cls in sorted({**STATUS_ERRORS, **OTHER_STATUS_ERRORS}.items())
    if status in (408, 429, 500, 502, 503, 504)
}
#: Statuses retrying cannot change, with their classes: sent once, raised at once.
FINAL_STATUSES: Final = {
    status: cls for status, cls in STATUS_ERRORS.items() if status not in RETRIED_STATUSES
}


def connection_json(**overrides: Any) -> dict[str, Any]:
    """A connection object as the API returns it; overrides replace fields, ``...`` drops one."""
    body: dict[str, Any] = {
        "connectionId": "20251222155613307xv0nodhitf9cd0f",
        "name": "Test Vimeo Connection",
        "description": "Testing Vimeo connection via API",
        "clientIdentifier": "test_client_id_123",
        "type": "VIMEO",
        "enabled": True,
        "createdDate": "2025-12-22T15:56:12.309Z",
        "updatedDate": "2025-12-22T16:19:16.058Z",
        "version": 1,
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not ...}
