"""pictory_vimeo: the asyncio-first SDK for Pictory's Vimeo Connections API.

Start with :class:`AsyncPictoryClient`; every error is a :class:`PictoryError`.
"""

from ._client import AsyncPictoryClient
from ._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DuplicateNameError,
    InternalServerError,
    InvalidResponseError,
    NotFoundError,
    OptimisticLockError,
    PaginationError,
    PermissionDeniedError,
    PictoryError,
    RateLimitError,
    UnprocessableEntityError,
    ValidationError,
    VersionConflictError,
)
from ._models import Page, VimeoConnection, VimeoConnectionCreate, VimeoConnectionUpdate
from ._optimistic import optimistic_update
from ._pagination import AsyncPaginator
from ._rules import FieldError
from ._version import __version__
from .resources.vimeo_connections import AsyncVimeoConnections

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncPaginator",
    "AsyncPictoryClient",
    "AsyncVimeoConnections",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "DuplicateNameError",
    "FieldError",
    "InternalServerError",
    "InvalidResponseError",
    "NotFoundError",
    "OptimisticLockError",
    "Page",
    "PaginationError",
    "PermissionDeniedError",
    "PictoryError",
    "RateLimitError",
    "UnprocessableEntityError",
    "ValidationError",
    "VersionConflictError",
    "VimeoConnection",
    "VimeoConnectionCreate",
    "VimeoConnectionUpdate",
    "__version__",
    "optimistic_update",
]

# Public names report the public module, as httpx does, so reprs and docs say pictory_vimeo.X.
for _name in __all__:
    _obj = globals()[_name]
    if hasattr(_obj, "__module__") and not _name.startswith("__"):
        _obj.__module__ = __name__
del _name, _obj
