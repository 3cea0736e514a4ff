"""The public surface: a curated, sorted ``__all__`` that names everything the README documents
and every name the package exports for its per-call settings, raw responses and testing mode.
"""

from __future__ import annotations

import pictory_vimeo as pv

#: The clients, resources, models, errors and helpers the README's examples and tables use.
README_NAMES = {
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncPictoryClient",
    "AsyncVimeoConnections",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConflictError",
    "DuplicateNameError",
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
    "optimistic_update",
}
#: What the package added for per-call settings, raw responses, the synchronous client and
#: applications' own tests; removing any of these breaks code written against it.
SECOND_WAVE_NAMES = {
    "AsyncPaginator",
    "FieldError",
    "NOT_GIVEN",
    "NotGiven",
    "PictoryClient",
    "RawResponse",
    "SyncPaginator",
    "SyncVimeoConnections",
    "VimeoConnectionCreate",
    "VimeoConnectionUpdate",
    "__version__",
    "is_testing",
    "set_testing",
}


def test_all_is_sorted_and_unique() -> None:
    """``__all__`` is sorted and lists each name once."""
    assert list(pv.__all__) == sorted(set(pv.__all__))


def test_all_names_exist() -> None:
    """Every name in ``__all__`` is importable from the package."""
    for name in pv.__all__:
        assert hasattr(pv, name), name


def test_all_covers_the_documented_surface() -> None:
    """Every public name the README documents, and every second-wave name, is exported."""
    assert set(pv.__all__) >= README_NAMES | SECOND_WAVE_NAMES


def test_all_is_complete() -> None:
    """No public (non-underscore, non-module) attribute is missing from ``__all__``."""
    public = {
        name
        for name, value in vars(pv).items()
        if not name.startswith("_") and type(value).__name__ != "module"
    }
    assert public <= set(pv.__all__)


def test_every_error_is_a_pictory_error() -> None:
    """Every exported exception derives from ``PictoryError``."""
    for name in pv.__all__:
        value = getattr(pv, name)
        if isinstance(value, type) and issubclass(value, BaseException):
            assert issubclass(value, pv.PictoryError), name


def test_public_names_report_the_public_module() -> None:
    """Classes say ``pictory_vimeo``, not a private module, in reprs and tracebacks."""
    assert pv.AsyncPictoryClient.__module__ == "pictory_vimeo"
    assert pv.NotFoundError.__module__ == "pictory_vimeo"
