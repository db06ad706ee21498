"""Stand-in for ``st2tests.pack_resource``: the base of pack test cases."""

from __future__ import annotations

import inspect
import os
from unittest import TestCase

__all__ = ["BasePackResourceTestCase"]


class BasePackResourceTestCase(TestCase):
    """A test case of a pack resource, with access to the pack's test fixtures."""

    def get_fixture_content(self, fixture_path: str) -> str:
        """The text of ``tests/fixtures/<fixture_path>`` of the pack, found as the
        parent of the directory holding the test's file."""
        path = os.path.join(self._get_base_pack_path(), "tests/fixtures/", fixture_path)
        with open(path, encoding="utf-8") as handle:
            return handle.read()

    def _get_base_pack_path(self) -> str:
        """The directory above the one that holds this test case's file."""
        test_dir = os.path.dirname(inspect.getfile(type(self)))
        return os.path.abspath(os.path.join(test_dir, ".."))
