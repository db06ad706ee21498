"""Stand-in for ``st2tests.mocks.action``: the action service of action tests."""

from __future__ import annotations

import logging
from typing import Any
from unittest.mock import Mock

from st2tests.mocks.datastore import MockDatastoreService
from st2tests.mocks.datastore import _DatastoreMethods as _ActionService

__all__ = ["MockActionService", "MockActionWrapper"]


class MockActionWrapper:
    """What the action service knows of the running action: pack and class name."""

    def __init__(self, pack: str, class_name: str) -> None:
        """Name the action's pack and class."""
        self._pack = pack
        self._class_name = class_name


class MockActionService(_ActionService):
    """``self.action_service`` of an action under test: the datastore methods over a
    ``MockDatastoreService`` local to the wrapper's pack and class; its logger is a
    ``Mock`` (assert calls on it)."""

    def __init__(self, action_wrapper: MockActionWrapper) -> None:
        """A fresh, empty datastore for ``action_wrapper``'s pack and class."""
        self._action_wrapper = action_wrapper
        self._logger = Mock(spec=logging.RootLogger)
        self._datastore_service = MockDatastoreService(
            logger=self._logger,
            pack_name=action_wrapper._pack,
            class_name=action_wrapper._class_name,
        )

    @property
    def datastore_service(self) -> Any:
        """The datastore the service's methods use."""
        return self._datastore_service
