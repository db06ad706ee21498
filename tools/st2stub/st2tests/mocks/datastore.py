"""An in-memory, optionally file-backed, datastore with StackStorm's service API.

``get_value``/``set_value``/``delete_value``/``list_values`` have the signatures of
StackStorm's datastore service. Local keys (``local=True``, the default) are named the
way StackStorm names them: ``<pack>.<ClassName>:<name>``. ``list_values`` returns
``KeyValuePair`` objects with the FULL name, as StackStorm does.

With ``path`` the items live in a JSON file that is re-read before and atomically
replaced after every change, so state survives between processes (the local action
runner uses this). Secrets are stored in clear text there: it is a developer file.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from st2common._stub import stderr_logger, stub_encrypt
from st2common.constants.keyvalue import DATASTORE_KEY_SEPARATOR, SYSTEM_SCOPE

__all__ = ["KeyValuePair", "ManualClock", "MockDatastoreService"]

_FILE_FORMAT_VERSION = 1


@dataclass
class KeyValuePair:
    """A datastore item, with the attribute names of st2client's ``KeyValuePair``."""

    name: str
    value: str
    scope: str = SYSTEM_SCOPE
    secret: bool = False
    ttl: int | None = None
    expire_timestamp: str | None = None

    @property
    def id(self) -> str:
        """StackStorm uses the full key name as the item id."""
        return self.name


class ManualClock:
    """A clock tests move by hand, for deterministic ttl expiry."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        """Start at ``start`` (seconds since the epoch)."""
        self.now = start

    def __call__(self) -> float:
        """Current time in seconds since the epoch."""
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds``."""
        self.now += seconds


@dataclass
class _Item:
    """One stored item: the value plus what StackStorm keeps about it."""

    value: str
    scope: str
    secret: bool
    ttl: int | None
    expires_at: float | None

    def to_json(self) -> dict[str, Any]:
        """Plain-data form for the JSON file."""
        return {
            "value": self.value,
            "scope": self.scope,
            "secret": self.secret,
            "ttl": self.ttl,
            "expires_at": self.expires_at,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> _Item:
        """Inverse of ``to_json``."""
        return cls(
            value=str(data["value"]),
            scope=str(data.get("scope", SYSTEM_SCOPE)),
            secret=bool(data.get("secret", False)),
            ttl=data.get("ttl"),
            expires_at=data.get("expires_at"),
        )


class MockDatastoreService:
    """StackStorm's datastore service API over a dict (and optionally a JSON file)."""

    DATASTORE_NAME_SEPARATOR = DATASTORE_KEY_SEPARATOR

    def __init__(
        self,
        logger: logging.Logger | None = None,
        pack_name: str = "tests",
        class_name: str = "Unknown",
        path: str | os.PathLike[str] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """Create an empty store (or one backed by the JSON file at ``path``).

        ``pack_name`` and ``class_name`` form the local namespace, ``clock`` (seconds
        since the epoch, default ``time.time``) decides ttl expiry.
        """
        self._pack_name = pack_name
        self._class_name = class_name
        self._logger = logger or stderr_logger(f"st2stub.datastore.{class_name}")
        self.path = Path(path) if path is not None else None
        self.clock: Callable[[], float] = clock or time.time
        self._items: dict[str, _Item] = {}

    # ------------------------------------------------------------------ public API

    def list_values(
        self, local: bool = True, prefix: str | None = None
    ) -> list[KeyValuePair]:
        """Items whose full name starts with the (local) prefix, sorted by name."""
        key_prefix = self._full_prefix(local=local, prefix=prefix)
        items = self._live_items()
        return [
            self._to_kvp(name, item)
            for name, item in sorted(items.items())
            if name.startswith(key_prefix)
        ]

    def get_value(
        self,
        name: str,
        local: bool = True,
        scope: str = SYSTEM_SCOPE,
        decrypt: bool = False,
    ) -> str | None:
        """The value of ``name``, or ``None`` when absent or expired.

        A value stored with ``encrypt=True`` and read with ``decrypt=False`` comes back
        as the stand-in's hex "ciphertext" (``st2common._stub.stub_encrypt``), as
        StackStorm returns the ciphertext; ``decrypt_kv`` in a config undoes it.
        """
        self._check_scope(scope)
        item = self._live_items().get(self._full_name(name, local))
        if item is None:
            return None
        if item.secret and not decrypt:
            return stub_encrypt(item.value)
        return item.value

    def set_value(
        self,
        name: str,
        value: str,
        ttl: int | None = None,
        local: bool = True,
        scope: str = SYSTEM_SCOPE,
        encrypt: bool = False,
    ) -> bool:
        """Store ``value`` (a string) under ``name``, expiring after ``ttl`` seconds."""
        self._check_scope(scope)
        if not isinstance(value, str):
            raise TypeError(
                f"datastore value for {name!r} must be a str, got "
                f"{type(value).__name__} (serialise it, e.g. with json.dumps)"
            )
        if ttl is not None and (
            isinstance(ttl, bool) or not isinstance(ttl, int) or ttl <= 0
        ):
            raise ValueError(
                f"ttl for {name!r} must be a positive integer, got {ttl!r}"
            )
        full_name = self._full_name(name, local)
        items = self._live_items()
        items[full_name] = _Item(
            value=value,
            scope=scope,
            secret=bool(encrypt),
            ttl=ttl,
            expires_at=self.clock() + ttl if ttl else None,
        )
        self._store(items)
        self._logger.debug("Setting value in the datastore (name=%s)", full_name)
        return True

    def delete_value(
        self, name: str, local: bool = True, scope: str = SYSTEM_SCOPE
    ) -> bool:
        """Delete ``name``; ``False`` when it did not exist (or had expired)."""
        self._check_scope(scope)
        full_name = self._full_name(name, local)
        items = self._live_items()
        if full_name not in items:
            return False
        del items[full_name]
        self._store(items)
        return True

    # ------------------------------------------------------------------ internals

    @staticmethod
    def _check_scope(scope: str) -> None:
        """StackStorm's service only supports the system scope."""
        if scope != SYSTEM_SCOPE:
            raise ValueError(f"Scope {scope} is unsupported.")

    def _local_prefix(self) -> str:
        """``<pack>.<ClassName>:``, the namespace of local keys."""
        return f"{self._pack_name}.{self._class_name}{self.DATASTORE_NAME_SEPARATOR}"

    def _full_name(self, name: str, local: bool) -> str:
        """The stored name of ``name``."""
        return self._local_prefix() + name if local else name

    def _full_prefix(self, local: bool, prefix: str | None) -> str:
        """The stored-name prefix ``list_values`` filters on."""
        return (self._local_prefix() if local else "") + (prefix or "")

    def _live_items(self) -> dict[str, _Item]:
        """All unexpired items (re-read from the file when file-backed)."""
        if self.path is not None:
            self._items = self._read_file()
        now = self.clock()
        return {
            name: item
            for name, item in self._items.items()
            if item.expires_at is None or item.expires_at > now
        }

    def _store(self, items: dict[str, _Item]) -> None:
        """Replace the items (and the file, atomically, when file-backed)."""
        self._items = items
        if self.path is not None:
            self._write_file(items)

    def _read_file(self) -> dict[str, _Item]:
        """Items in the JSON file; an absent file is an empty store."""
        assert self.path is not None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return {
            name: _Item.from_json(raw) for name, raw in data.get("items", {}).items()
        }

    def _write_file(self, items: dict[str, _Item]) -> None:
        """Write to a temporary file beside ``path`` and rename it over ``path``."""
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "version": _FILE_FORMAT_VERSION,
            "items": {name: item.to_json() for name, item in sorted(items.items())},
        }
        fd, tmp = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
        )
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(payload, handle, indent=2, sort_keys=True)
                handle.write("\n")
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @staticmethod
    def _to_kvp(name: str, item: _Item) -> KeyValuePair:
        """The API model of a stored item (secret values stay masked)."""
        expire = (
            datetime.fromtimestamp(item.expires_at, tz=UTC).isoformat()
            if item.expires_at is not None
            else None
        )
        return KeyValuePair(
            name=name,
            value=stub_encrypt(item.value) if item.secret else item.value,
            scope=item.scope,
            secret=item.secret,
            ttl=item.ttl,
            expire_timestamp=expire,
        )
