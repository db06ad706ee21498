"""Stand-in for ``st2tests.base``, where pack tests import their base classes from."""

from st2tests.actions import BaseActionTestCase
from st2tests.sensors import BaseSensorTestCase

__all__ = ["BaseActionTestCase", "BaseSensorTestCase"]
