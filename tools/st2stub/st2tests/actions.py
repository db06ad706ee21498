"""Stand-in for ``st2tests.actions``: ``BaseActionTestCase``."""

from __future__ import annotations

from typing import Any, ClassVar

from st2common.runners.utils import get_action_class_instance
from st2tests.mocks.action import MockActionService, MockActionWrapper
from st2tests.pack_resource import BasePackResourceTestCase

__all__ = ["BaseActionTestCase"]


class BaseActionTestCase(BasePackResourceTestCase):
    """Base class of action tests; set ``action_cls`` to the action class.

    Every test gets a fresh ``self.action_service`` of pack ``"tests"`` (StackStorm
    does not look the pack up), so local keys are ``tests.<ClassName>:<name>``.
    """

    action_cls: ClassVar[Any] = None

    def setUp(self) -> None:
        """A fresh action service for ``action_cls``."""
        super().setUp()
        wrapper = MockActionWrapper(pack="tests", class_name=self.action_cls.__name__)
        self.action_service = MockActionService(action_wrapper=wrapper)

    def get_action_instance(self, config: dict[str, Any] | None = None) -> Any:
        """An instance of ``action_cls`` with ``config`` and this test's service."""
        return get_action_class_instance(
            action_cls=self.action_cls,
            config=config,
            action_service=self.action_service,
        )
