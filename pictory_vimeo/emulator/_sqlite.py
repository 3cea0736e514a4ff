"""The SQLite store: the same operations as the memory store, durable in one file.

WAL mode with ``synchronous=NORMAL``: a commit is in the operating system's hands before
the API answers, so anything answered 2xx survives the process being killed (kill -9);
only a power cut or kernel crash could lose the last commits, which an emulator may.
One connection, guarded by a lock, serves every thread; ``AUTOINCREMENT`` keeps sequence
numbers growing even across deletes, resets and restarts, and the page-key secret lives
in the file so page keys stay valid after a restart.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from typing import Any, Final

from ._store import (
    UPDATABLE,
    Changes,
    NameTaken,
    NewConnection,
    NoSuchConnection,
    Record,
    StaleVersion,
    new_connection_id,
    next_updated_ms,
    now_ms,
)

__all__ = ["SQLiteStore"]

_INT64_MAX: Final = 2**63 - 1
_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS connections (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    connection_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT,
    enabled INTEGER NOT NULL,
    client_identifier TEXT NOT NULL,
    client_secret TEXT NOT NULL,
    access_token TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (account, name)
);
CREATE INDEX IF NOT EXISTS connections_by_account ON connections (account, seq);
"""
_COLUMNS: Final = (
    "seq, account, connection_id, name, description, enabled, client_identifier,"
    " client_secret, access_token, created_ms, updated_ms, version"
)


def _record(row: Any) -> Record:
    return Record(
        seq=row[0],
        account=row[1],
        connection_id=row[2],
        name=row[3],
        description=row[4],
        enabled=bool(row[5]),
        client_identifier=row[6],
        client_secret=row[7],
        access_token=row[8],
        created_ms=row[9],
        updated_ms=row[10],
        version=row[11],
    )


class SQLiteStore:
    """A store in one SQLite file (or ``":memory:"``)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._lock = threading.Lock()
        # Autocommit mode: each write below opens its own transaction explicitly.
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._db.executescript(_SCHEMA)
            self._secret = self._load_secret()
        except BaseException:
            self._db.close()
            raise

    def _load_secret(self) -> bytes:
        self._db.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('page_key_secret', ?)",
            (os.urandom(32),),
        )
        row = self._db.execute("SELECT value FROM meta WHERE key = 'page_key_secret'").fetchone()
        value = row[0]
        assert isinstance(value, bytes)
        return value

    def create(self, account: str, new: NewConnection) -> Record:
        """Store a new connection (version 1); ``NameTaken`` if the name is taken."""
        with self._lock:
            taken = self._db.execute(
                "SELECT 1 FROM connections WHERE account = ? AND name = ?", (account, new.name)
            ).fetchone()
            if taken:
                raise NameTaken(new.name)
            created = now_ms()
            while True:
                connection_id = new_connection_id(created)
                try:
                    cursor = self._db.execute(
                        "INSERT INTO connections (account, connection_id, name, description,"
                        " enabled, client_identifier, client_secret, access_token, created_ms,"
                        " updated_ms, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
                        (
                            account,
                            connection_id,
                            new.name,
                            new.description,
                            new.enabled,
                            new.client_identifier,
                            new.client_secret,
                            new.access_token,
                            created,
                            created,
                        ),
                    )
                except sqlite3.IntegrityError as exc:
                    # Another process sharing the file may have taken the name meanwhile.
                    if "connection_id" in str(exc):
                        continue
                    raise NameTaken(new.name) from None
                seq = cursor.lastrowid
                assert seq is not None
                return Record.first(seq, account, connection_id, new, created)

    def get(self, account: str, connection_id: str) -> Record | None:
        """The account's connection with this ID, or ``None``."""
        with self._lock:
            return self._get(account, connection_id)

    def _get(self, account: str, connection_id: str) -> Record | None:
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM connections WHERE account = ? AND connection_id = ?",  # noqa: S608
            (account, connection_id),
        ).fetchone()
        return None if row is None else _record(row)

    def page(self, account: str, after: int, limit: int) -> tuple[list[Record], bool]:
        """Up to ``limit`` connections with ``seq > after`` in order, and whether more follow."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM connections WHERE account = ? AND seq > ?"  # noqa: S608
                " ORDER BY seq LIMIT ?",
                (account, min(after, _INT64_MAX), limit + 1),
            ).fetchall()
        records = [_record(row) for row in rows[:limit]]
        return records, len(rows) > limit

    def update(self, account: str, connection_id: str, version: int, changes: Changes) -> Record:
        """Apply ``changes`` if ``version`` is the stored one; bump version and updatedDate."""
        unknown = set(changes) - UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                updated = self._update(account, connection_id, version, changes)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return updated

    def _update(self, account: str, connection_id: str, version: int, changes: Changes) -> Record:
        current = self._get(account, connection_id)
        if current is None:
            raise NoSuchConnection(connection_id)
        if current.version != version:
            raise StaleVersion(connection_id)
        name = changes.get("name", current.name)
        if name != current.name:
            taken = self._db.execute(
                "SELECT 1 FROM connections WHERE account = ? AND name = ?", (account, name)
            ).fetchone()
            if taken:
                raise NameTaken(str(name))
        updated_ms = next_updated_ms(current.updated_ms)
        columns = sorted(changes)  # names from UPDATABLE only, never from the request
        assignments = "".join(f"{column} = ?, " for column in columns)
        cursor = self._db.execute(
            f"UPDATE connections SET {assignments}version = version + 1, updated_ms = ?"  # noqa: S608
            " WHERE seq = ? AND version = ?",
            (*(changes[column] for column in columns), updated_ms, current.seq, version),
        )
        if cursor.rowcount != 1:  # compare-and-set lost to another writer of the same file
            raise StaleVersion(connection_id)
        refreshed = self._get(account, connection_id)
        assert refreshed is not None
        return refreshed

    def delete(self, account: str, connection_id: str) -> bool:
        """Delete the connection; whether it existed."""
        with self._lock:
            cursor = self._db.execute(
                "DELETE FROM connections WHERE account = ? AND connection_id = ?",
                (account, connection_id),
            )
            return cursor.rowcount > 0

    def records(self, account: str | None) -> list[Record]:
        """Every connection of ``account`` (``None``: of every account), in creation order."""
        query = f"SELECT {_COLUMNS} FROM connections"  # noqa: S608 - fixed column list
        with self._lock:
            if account is None:
                rows = self._db.execute(query + " ORDER BY seq").fetchall()
            else:
                rows = self._db.execute(
                    query + " WHERE account = ? ORDER BY seq", (account,)
                ).fetchall()
        return [_record(row) for row in rows]

    def page_key_secret(self) -> bytes:
        """The secret that signs this store's page keys, kept in the file."""
        return self._secret

    def reset(self) -> None:
        """Forget every connection of every account (sequence numbers keep growing)."""
        with self._lock:
            self._db.execute("DELETE FROM connections")

    def close(self) -> None:
        """Close the database file."""
        with self._lock:
            self._db.close()
