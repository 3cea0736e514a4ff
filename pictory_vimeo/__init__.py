"""pictory_vimeo: the asyncio-first SDK for Pictory's Vimeo Connections API.

Start with :class:`AsyncPictoryClient` (or :class:`PictoryClient`, the same surface,
synchronous); every error is a :class:`PictoryError`.
The local emulator lives in ``pictory_vimeo.emulator`` (the ``emulator`` extra).
"""

from types import FunctionType
from typing import TYPE_CHECKING as _TYPE_CHECKING

from ._budget import RetryBudget
from ._client import AsyncPictoryClient
from ._config import is_testing, set_testing
from ._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
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
from ._logging import configure_from_environment as _configure_logging
from ._models import Page, VimeoConnection, VimeoConnectionCreate, VimeoConnectionUpdate
from ._optimistic import optimistic_update
from ._pagination import AsyncPaginator
from ._raw_response import RawResponse
from ._rules import FieldError
from ._sync._client import PictoryClient
from ._sync._pagination import SyncPaginator
from ._sync._vimeo_connections import SyncVimeoConnections
from ._traffic import ClientStats
from ._types import NOT_GIVEN, NotGiven
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
    "ClientClosedError",
    "ClientStats",
    "ConflictError",
    "DuplicateNameError",
    "FieldError",
    "InternalServerError",
    "InvalidResponseError",
    "NOT_GIVEN",
    "NotFoundError",
    "NotGiven",
    "OptimisticLockError",
    "Page",
    "PaginationError",
    "PermissionDeniedError",
    "PictoryClient",
    "PictoryError",
    "RateLimitError",
    "RawResponse",
    "RetryBudget",
    "SyncPaginator",
    "SyncVimeoConnections",
    "UnprocessableEntityError",
    "ValidationError",
    "VersionConflictError",
    "VimeoConnection",
    "VimeoConnectionCreate",
    "VimeoConnectionUpdate",
    "__version__",
    "is_testing",
    "optimistic_update",
    "set_testing",
]

if _TYPE_CHECKING:
    from . import emulator as emulator
else:

    def __getattr__(name: str) -> object:
        """Import ``pv.emulator`` on first use, so the SDK alone never imports Starlette."""
        if name == "emulator":
            import importlib

            return importlib.import_module(".emulator", __name__)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_configure_logging()  # PICTORY_LOG=debug|info: the SDK's records on stderr

# Public names report the public module, as httpx does, so reprs and docs say pictory_vimeo.X.
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type | FunctionType) and not _name.startswith("__"):
        _obj.__module__ = __name__
del _name, _obj, FunctionType
