"""What the emulator stores and the interface every store offers, with the in-memory store.

A store is plain synchronous code behind a ``threading.Lock``: every call is short, so the
ASGI handlers call it directly, from whichever thread and event loop serves them.
Connections are kept per account (a hash of the API key, never the key itself) and carry a
per-store sequence number that only ever grows: listings walk it in order, which is what
makes keyset pagination immune to creates and deletes during a walk.
"""

from __future__ import annotations

import bisect
import os
import secrets
import string
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Final, Protocol

import attrs

__all__ = [
    "Changes",
    "MemoryStore",
    "NameTaken",
    "NewConnection",
    "NoSuchConnection",
    "Record",
    "StaleVersion",
    "Store",
    "StoreError",
    "format_ms",
    "new_connection_id",
    "now_ms",
]

_ID_ALPHABET: Final = string.ascii_lowercase + string.digits
_ID_SUFFIX_LENGTH: Final = 15
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)

#: Column name -> new value, for the columns an update may change.
Changes = Mapping[str, str | bool | None]
#: The columns an update may change (``description`` may become ``None``).
UPDATABLE: Final = frozenset(
    {"name", "description", "enabled", "client_identifier", "client_secret", "access_token"}
)


class StoreError(Exception):
    """A write the stored state does not allow.

    The names say what the state is, not what the SDK raises: the API turns each into an
    answer, and none may be mistaken for ``pictory_vimeo``'s public errors.
    """


class NoSuchConnection(StoreError):  # noqa: N818 - a state the API answers, not an error
    """No connection with this ID in this account."""


class NameTaken(StoreError):  # noqa: N818 - a state the API answers, not an error
    """Another connection of the account already has this name."""


class StaleVersion(StoreError):  # noqa: N818 - a state the API answers, not an error
    """The version sent is not the stored one."""


@attrs.frozen
class NewConnection:
    """The fields of a connection about to be created. Secrets stay out of its repr."""

    name: str
    description: str | None
    enabled: bool
    client_identifier: str
    client_secret: str = attrs.field(repr=False)
    access_token: str = attrs.field(repr=False)


@attrs.frozen
class Record(NewConnection):
    """A stored connection: its fields as they stand now, its identity and its history."""

    seq: int
    account: str
    connection_id: str
    created_ms: int
    updated_ms: int
    version: int

    @classmethod
    def first(
        cls, seq: int, account: str, connection_id: str, new: NewConnection, created_ms: int
    ) -> Record:
        """Version 1 of a connection created from ``new`` at ``created_ms``."""
        return cls(
            seq=seq,
            account=account,
            connection_id=connection_id,
            created_ms=created_ms,
            updated_ms=created_ms,
            version=1,
            **attrs.asdict(new),
        )


class Store(Protocol):
    """The operations the API needs; every implementation is safe to call from any thread."""

    def create(self, account: str, new: NewConnection) -> Record:
        """Store a new connection (version 1); ``NameTaken`` if the name is taken."""
        ...

    def get(self, account: str, connection_id: str) -> Record | None:
        """The account's connection with this ID, or ``None``."""
        ...

    def page(self, account: str, after: int, limit: int) -> tuple[list[Record], bool]:
        """Up to ``limit`` connections with ``seq > after`` in order, and whether more follow."""
        ...

    def update(self, account: str, connection_id: str, version: int, changes: Changes) -> Record:
        """Apply ``changes`` if ``version`` is the stored one; bump version and updatedDate."""
        ...

    def delete(self, account: str, connection_id: str) -> bool:
        """Delete the connection; whether it existed."""
        ...

    def records(self, account: str | None) -> list[Record]:
        """Every connection of ``account`` (``None``: of every account), in creation order."""
        ...

    def page_key_secret(self) -> bytes:
        """The secret that signs this store's page keys (stable for the store's lifetime)."""
        ...

    def reset(self) -> None:
        """Forget every connection of every account (sequence numbers keep growing)."""
        ...

    def close(self) -> None:
        """Release the store's resources."""
        ...


def now_ms() -> int:
    """The current UTC time in whole milliseconds since the epoch."""
    return time.time_ns() // 1_000_000


def format_ms(ms: int) -> str:
    """``2025-12-22T15:56:12.309Z``: ISO-8601 UTC with milliseconds, as the API writes dates."""
    moment = _EPOCH + timedelta(milliseconds=ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def new_connection_id(created_ms: int) -> str:
    """An ID in the API's shape: UTC ``yyyyMMddHHmmssSSS`` + 15 random lowercase letters/digits."""
    moment = _EPOCH + timedelta(milliseconds=created_ms)
    suffix = "".join(secrets.choice(_ID_ALPHABET) for _ in range(_ID_SUFFIX_LENGTH))
    return moment.strftime("%Y%m%d%H%M%S") + f"{created_ms % 1000:03d}" + suffix


def next_updated_ms(previous: int) -> int:
    """Now, but always later than ``previous``: updatedDate moves on every update."""
    return max(now_ms(), previous + 1)


@attrs.define
class _Account:
    by_id: dict[str, Record] = attrs.Factory(dict)
    by_name: dict[str, str] = attrs.Factory(dict)
    order: list[int] = attrs.Factory(list)  # the seqs of live records, ascending
    id_of_seq: dict[int, str] = attrs.Factory(dict)


class MemoryStore:
    """A store that lives in the process: fast, and gone when the process ends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._accounts: dict[str, _Account] = {}
        self._ids: set[str] = set()
        self._last_seq = 0
        self._secret = os.urandom(32)

    def create(self, account: str, new: NewConnection) -> Record:
        """Store a new connection (version 1); ``NameTaken`` if the name is taken."""
        with self._lock:
            space = self._accounts.setdefault(account, _Account())
            if new.name in space.by_name:
                raise NameTaken(new.name)
            created = now_ms()
            connection_id = new_connection_id(created)
            while connection_id in self._ids:
                connection_id = new_connection_id(created)
            self._last_seq += 1
            record = Record.first(self._last_seq, account, connection_id, new, created)
            self._ids.add(connection_id)
            space.by_id[connection_id] = record
            space.by_name[record.name] = connection_id
            space.order.append(record.seq)  # seqs only grow, so appending keeps it sorted
            space.id_of_seq[record.seq] = connection_id
            return record

    def get(self, account: str, connection_id: str) -> Record | None:
        """The account's connection with this ID, or ``None``."""
        with self._lock:
            space = self._accounts.get(account)
            return None if space is None else space.by_id.get(connection_id)

    def page(self, account: str, after: int, limit: int) -> tuple[list[Record], bool]:
        """Up to ``limit`` connections with ``seq > after`` in order, and whether more follow."""
        with self._lock:
            space = self._accounts.get(account)
            if space is None:
                return [], False
            start = bisect.bisect_right(space.order, after)
            seqs = space.order[start : start + limit + 1]
            records = [space.by_id[space.id_of_seq[seq]] for seq in seqs[:limit]]
            return records, len(seqs) > limit

    def update(self, account: str, connection_id: str, version: int, changes: Changes) -> Record:
        """Apply ``changes`` if ``version`` is the stored one; bump version and updatedDate."""
        unknown = set(changes) - UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        with self._lock:
            space = self._accounts.get(account)
            current = None if space is None else space.by_id.get(connection_id)
            if space is None or current is None:
                raise NoSuchConnection(connection_id)
            if current.version != version:
                raise StaleVersion(connection_id)
            name = changes.get("name", current.name)
            if name != current.name and name in space.by_name:
                raise NameTaken(name)
            updated = attrs.evolve(
                current,
                version=current.version + 1,
                updated_ms=next_updated_ms(current.updated_ms),
                **changes,  # type: ignore[arg-type]  # columns checked against UPDATABLE
            )
            space.by_id[connection_id] = updated
            if updated.name != current.name:
                del space.by_name[current.name]
                space.by_name[updated.name] = connection_id
            return updated

    def delete(self, account: str, connection_id: str) -> bool:
        """Delete the connection; whether it existed."""
        with self._lock:
            space = self._accounts.get(account)
            record = None if space is None else space.by_id.pop(connection_id, None)
            if space is None or record is None:
                return False
            del space.by_name[record.name]
            del space.id_of_seq[record.seq]
            space.order.pop(bisect.bisect_left(space.order, record.seq))
            self._ids.discard(connection_id)
            return True

    def records(self, account: str | None) -> list[Record]:
        """Every connection of ``account`` (``None``: of every account), in creation order."""
        with self._lock:
            if account is None:
                spaces = list(self._accounts.values())
            else:
                spaces = [self._accounts[account]] if account in self._accounts else []
            found = [record for space in spaces for record in space.by_id.values()]
        return sorted(found, key=lambda record: record.seq)

    def page_key_secret(self) -> bytes:
        """The secret that signs this store's page keys."""
        return self._secret

    def reset(self) -> None:
        """Forget every connection of every account (sequence numbers keep growing)."""
        with self._lock:
            self._accounts.clear()
            self._ids.clear()

    def close(self) -> None:
        """Nothing to release: the data simply goes with the object."""
