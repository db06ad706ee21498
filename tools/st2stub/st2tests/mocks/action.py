"""The action service StackStorm hands to python-script actions (datastore access)."""

from __future__ import annotations

from st2tests.mocks.datastore import MockDatastoreService

__all__ = ["ActionService", "MockActionService"]


class MockActionService(MockDatastoreService):
    """``self.action_service`` of an action: the datastore methods, local to the action.

    Construct with ``pack_name`` and ``class_name`` (local keys become
    ``<pack>.<ClassName>:<name>``), and optionally ``path`` for a JSON-file-backed
    store that survives between runs, and ``clock`` for ttl tests.
    """


#: The name the pack's design documents use.
ActionService = MockActionService
