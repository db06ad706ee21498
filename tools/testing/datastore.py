"""A datastore for the pack's tests that behaves like StackStorm's, and a manual clock.

st2tests' ``MockDatastoreService`` keeps values as given and ignores ``ttl``,
``encrypt``/``decrypt`` and ``scope``. ``DatastoreService`` extends it (same
constructor, same ``<pack>.<ClassName>:<name>`` local keys) with what StackStorm's
datastore service does behind its API, so that the pack's use of ttl (hypervisor
states, campaign locks) and secrets is tested:

- an item set with ``ttl`` is gone once its clock passes the expiry; setting it again
  without ``ttl`` makes it permanent;
- an ``encrypt=True`` value reads back as ciphertext (``tools.testing.crypto``) unless
  read with ``decrypt=True``, in ``list_values`` too;
- a scope other than ``system`` raises ``ValueError("Scope user is unsupported.")``;
- ``list_values`` returns ``KeyValuePair`` objects with the full name, sorted by name,
  honouring ``limit`` and ``offset``.

Deliberately stricter than StackStorm: values must be strings (StackStorm stores
``str(value)``, a dict's Python repr) and a ttl a positive integer. With ``path`` the
items live in a JSON file, re-read before and atomically replaced after every change,
so state survives between processes (``./run_action.sh`` uses this; secrets are in
clear text there: it is a developer file).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from st2common.constants.keyvalue import SYSTEM_SCOPE
from st2tests.mocks.datastore import KeyValuePair, MockDatastoreService

from tools.testing import crypto

__all__ = ["DatastoreService", "ManualClock"]

_FILE_FORMAT_VERSION = 1


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
    scope: str = SYSTEM_SCOPE
    secret: bool = False
    ttl: int | None = None
    expires_at: float | None = None


class DatastoreService(MockDatastoreService):
    """st2tests' mock datastore with StackStorm's ttl, encryption and scope rules."""

    def __init__(
        self,
        logger: logging.Logger | None = None,
        pack_name: str = "openstack_ops",
        class_name: str = "Test",
        api_username: str | None = None,
        *,
        clock: Callable[[], float] = time.time,
        path: str | os.PathLike[str] | None = None,
    ) -> None:
        """An empty store (or the one in the JSON file ``path``); ``clock`` (seconds
        since the epoch) decides ttl expiry and may be replaced later."""
        logger = logger or logging.getLogger(f"datastore.{pack_name}.{class_name}")
        super().__init__(logger, pack_name, class_name, api_username)
        self._prefix = f"{pack_name}.{class_name}{self.DATASTORE_NAME_SEPARATOR}"
        self.clock = clock
        self.path = Path(path) if path is not None else None
        self._items: dict[str, _Item] = {}

    def list_values(
        self,
        local: bool = True,
        limit: int | None = None,
        prefix: str | None = None,
        offset: int = 0,
    ) -> list[Any]:
        """Unexpired items whose full name starts with the (local) prefix, by name."""
        start = (self._prefix if local else "") + (prefix or "")
        found = [
            self._to_kvp(name, item)
            for name, item in sorted(self._live().items())
            if name.startswith(start)
        ]
        found = found[offset or 0 :]
        return found[:limit] if limit else found

    def get_value(
        self,
        name: str,
        local: bool = True,
        scope: str = SYSTEM_SCOPE,
        decrypt: bool = False,
    ) -> str | None:
        """The value of ``name`` (ciphertext for a secret unless ``decrypt``), or
        ``None`` when absent or expired."""
        _check_scope(scope)
        item = self._live().get(self._name(name, local))
        if item is None:
            return None
        return crypto.encrypt(item.value) if item.secret and not decrypt else item.value

    def set_value(
        self,
        name: str,
        value: Any,
        ttl: int | None = None,
        local: bool = True,
        scope: str = SYSTEM_SCOPE,
        encrypt: bool = False,
    ) -> bool:
        """Store the string ``value`` under ``name``, expiring after ``ttl`` seconds."""
        _check_scope(scope)
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
        items = self._live()
        expires_at = self.clock() + ttl if ttl else None
        items[self._name(name, local)] = _Item(value, scope, encrypt, ttl, expires_at)
        self._store(items)
        return True

    def delete_value(
        self, name: str, local: bool = True, scope: str = SYSTEM_SCOPE
    ) -> bool:
        """Delete ``name``; ``False`` when it did not exist (or had expired)."""
        _check_scope(scope)
        items = self._live()
        if items.pop(self._name(name, local), None) is None:
            return False
        self._store(items)
        return True

    def _name(self, name: str, local: bool) -> str:
        """The stored (full) name of ``name``."""
        return self._prefix + name if local else name

    def _live(self) -> dict[str, _Item]:
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
        return {name: _Item(**raw) for name, raw in data.get("items", {}).items()}

    def _write_file(self, items: dict[str, _Item]) -> None:
        """Write to a temporary file beside ``path`` and rename it over ``path``."""
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "version": _FILE_FORMAT_VERSION,
            "items": {name: asdict(item) for name, item in sorted(items.items())},
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
    def _to_kvp(name: str, item: _Item) -> Any:
        """The API model of a stored item (a secret's value stays ciphertext)."""
        expire = None
        if item.expires_at is not None:
            when = datetime.fromtimestamp(item.expires_at, tz=UTC)
            expire = when.isoformat()
        return KeyValuePair(
            name=name,
            value=crypto.encrypt(item.value) if item.secret else item.value,
            scope=item.scope,
            secret=item.secret,
            ttl=item.ttl,
            expire_timestamp=expire,
        )


def _check_scope(scope: str) -> None:
    """StackStorm's datastore service only supports the system scope."""
    if scope != SYSTEM_SCOPE:
        raise ValueError(f"Scope {scope} is unsupported.")
