"""What ``gen_sync.py`` renames and where the generated modules import names from.

Kept apart from the generator, so the tables read in one place and the generator stays
short; ``gen_sync.py`` imports them (it runs as a script, with this folder on its path).
"""

from __future__ import annotations

__all__ = ["HOMES", "SECRET_ARGUMENTS", "THIRD_PARTY", "TYPES", "WORDING"]

#: Async wording -> sync wording, applied to docstrings in order.
WORDING = [
    (r"``await`` it for the first page", "``first_page()`` gives the first page"),
    (r"``async for`` it for", "iterate over it for"),
    (r"``async for``", "``for``"),
    (r"``async with``", "``with``"),
    (r"\bawait\b ", ""),
    (r"\basync client\b", "client"),
    (r"\bAsyncPictoryClient\b", "PictoryClient"),
    (r"\bAsyncVimeoConnections\b", "SyncVimeoConnections"),
    (r"\bAsyncPaginator\b", "SyncPaginator"),
]
#: Async type names -> their sync twins, in annotations.
TYPES = {"AsyncPaginator": "SyncPaginator", "AsyncRawResponses": "SyncRawResponses"}
#: Stands for a third-party module imported whole (``import httpx``).
THIRD_PARTY = ""
#: Where the names an annotation or default may use are imported from (absolute modules).
HOMES = {
    "Any": "typing",
    "Backend": "pictory_vimeo._sync._portal",
    "ClientStats": "pictory_vimeo._traffic",
    "DEFAULT_RETRY_BUDGET": "pictory_vimeo._budget",
    "RateLimit": "pictory_vimeo._traffic",
    "RetryBudget": "pictory_vimeo._budget",
    "DEFAULT_MAX_EMPTY_PAGES": "pictory_vimeo._config",
    "DEFAULT_MAX_RETRIES": "pictory_vimeo._config",
    "DEFAULT_MAX_RESPONSE_BYTES": "pictory_vimeo._config",
    "DEFAULT_TIMEOUT": "pictory_vimeo._config",
    "TransportName": "pictory_vimeo._config",
    "httpx": THIRD_PARTY,
    "Headers": "pictory_vimeo._types",
    "Mapping": "collections.abc",
    "NOT_GIVEN": "pictory_vimeo._types",
    "NotGiven": "pictory_vimeo._types",
    "Page": "pictory_vimeo._models",
    "Self": "typing",
    "SyncPaginator": "pictory_vimeo._sync._pagination",
    "VimeoConnection": "pictory_vimeo._models",
    "Secret": "pictory_vimeo._secret",
}
#: Parameters that carry a secret: never kept raw in a local of a generated frame.
SECRET_ARGUMENTS = frozenset({"client_secret", "access_token", "api_key"})
