"""Stand-in for ``st2tests.mocks.datastore``: StackStorm's in-memory datastore mock.

Like StackStorm's mock (and unlike StackStorm's datastore) it keeps values as given,
ignores ``ttl`` (with a warning), ``scope``, ``encrypt`` and ``decrypt``, and lists
items in the order they were first set. Local keys are ``<pack>.<ClassName>:<name>``.
For ttl and encryption as StackStorm's datastore has them, the pack's tests use
``tools.testing.datastore``.
"""

from __future__ import annotations

import logging
from typing import Any

from st2common.constants.keyvalue import DATASTORE_KEY_SEPARATOR as _SEPARATOR
from st2common.constants.keyvalue import SYSTEM_SCOPE

__all__ = ["MockDatastoreService"]


class KeyValuePair:
    """st2client's ``KeyValuePair`` as the mock creates it: attributes from keywords
    (only those set exist) and ``id``, which is the name."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Set every keyword as an attribute."""
        for name, value in kwargs.items():
            setattr(self, name, value)

    @property
    def id(self) -> str:
        """The item's id: its full name."""
        return self.name

    @id.setter
    def id(self, value: str) -> None:
        """Ignored: the id is always the name."""

    def __repr__(self) -> str:
        """Name and value, like st2client's models."""
        return f"<KeyValuePair name={getattr(self, 'name', None)!r}>"


class MockDatastoreService:
    """The datastore methods of actions and sensors over a dict."""

    DATASTORE_NAME_SEPARATOR = _SEPARATOR

    def __init__(
        self,
        logger: logging.Logger,
        pack_name: str,
        class_name: str,
        api_username: str | None = None,
    ) -> None:
        """An empty store; local keys are prefixed ``<pack_name>.<class_name>:``."""
        self._pack_name = pack_name
        self._class_name = class_name
        self._username = api_username or "admin"
        self._logger = logger
        self._datastore_items: dict[str, KeyValuePair] = {}

    def get_user_info(self) -> dict[str, Any]:
        """The (admin) user the datastore calls would run as."""
        return {
            "username": self._username,
            "rbac": {"is_admin": True, "enabled": True, "roles": ["admin"]},
            "authentication": {"method": "authentication token", "location": "header"},
        }

    def list_values(
        self,
        local: bool = True,
        limit: int | None = None,
        prefix: str | None = None,
        offset: int = 0,
    ) -> list[KeyValuePair]:
        """Items whose full name starts with the (local) prefix; ``limit`` and
        ``offset`` are ignored."""
        key_prefix = self._get_full_key_prefix(local=local, prefix=prefix)
        return [
            item
            for name, item in self._datastore_items.items()
            if not key_prefix or name.startswith(key_prefix)
        ]

    def get_value(
        self,
        name: str,
        local: bool = True,
        scope: str = SYSTEM_SCOPE,
        decrypt: bool = False,
    ) -> Any:
        """The value stored under ``name``, or ``None``."""
        item = self._datastore_items.get(self._get_full_key_name(name, local))
        return None if item is None else item.value

    def set_value(
        self,
        name: str,
        value: Any,
        ttl: int | None = None,
        local: bool = True,
        scope: str = SYSTEM_SCOPE,
        encrypt: bool = False,
    ) -> bool:
        """Store ``value`` as given under ``name``; a ttl is recorded, not honoured."""
        full_name = self._get_full_key_name(name, local)
        item = KeyValuePair(name=full_name, value=value)
        if ttl:
            self._logger.warning(
                "MockDatastoreService is not able to expire keys based on ttl."
            )
            item.ttl = ttl
        self._datastore_items[full_name] = item
        return True

    def delete_value(
        self, name: str, local: bool = True, scope: str = SYSTEM_SCOPE
    ) -> bool:
        """Delete ``name``; ``False`` when it was not there."""
        full_name = self._get_full_key_name(name, local)
        return self._datastore_items.pop(full_name, None) is not None

    def _get_full_key_name(self, name: str, local: bool) -> str:
        """The stored name: local names get the pack/class prefix."""
        return self._get_local_key_name_prefix() + name if local else name

    def _get_full_key_prefix(
        self, local: bool, prefix: str | None = None
    ) -> str | None:
        """The name prefix ``list_values`` filters on (``None``: everything)."""
        if local:
            return self._get_local_key_name_prefix() + (prefix or "")
        return prefix

    def _get_local_key_name_prefix(self) -> str:
        """``<pack>.<ClassName>:``, the namespace of local keys."""
        return f"{self._pack_name}.{self._class_name}{self.DATASTORE_NAME_SEPARATOR}"


class _DatastoreMethods:
    """The datastore methods StackStorm's action and sensor services forward to
    their ``datastore_service``."""

    @property
    def datastore_service(self) -> Any:
        """The datastore the methods below use."""
        raise NotImplementedError

    def get_user_info(self) -> dict[str, Any]:
        """The user the datastore calls run as."""
        return self.datastore_service.get_user_info()

    def list_values(
        self,
        local: bool = True,
        prefix: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> list[Any]:
        """The datastore's ``list_values``."""
        return self.datastore_service.list_values(
            local=local, prefix=prefix, limit=limit, offset=offset
        )

    def get_value(
        self,
        name: str,
        local: bool = True,
        scope: str = SYSTEM_SCOPE,
        decrypt: bool = False,
    ) -> Any:
        """The datastore's ``get_value``."""
        return self.datastore_service.get_value(
            name=name, local=local, scope=scope, decrypt=decrypt
        )

    def set_value(
        self,
        name: str,
        value: Any,
        ttl: int | None = None,
        local: bool = True,
        scope: str = SYSTEM_SCOPE,
        encrypt: bool = False,
    ) -> bool:
        """The datastore's ``set_value``."""
        return self.datastore_service.set_value(
            name=name, value=value, ttl=ttl, local=local, scope=scope, encrypt=encrypt
        )

    def delete_value(
        self, name: str, local: bool = True, scope: str = SYSTEM_SCOPE
    ) -> bool:
        """The datastore's ``delete_value``."""
        return self.datastore_service.delete_value(name=name, local=local, scope=scope)
