"""Fixtures for the integration tier: the running devcloud and connections to it.

The devcloud is found through ``$OPENSTACK_OPS_DEVCLOUD_DIR`` (default
``<checkout>/.devcloud``): its ``clouds.yaml`` (or ``$OS_CLIENT_CONFIG_FILE``)
must define the clouds ``devcloud-admin`` and ``devcloud-user``, and
``seed.json`` records the seeded estate. When the cloud does not answer, the
tests fail (never skip): start it with ``./tools/devcloud/devcloud up``.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openstack
import pytest
import yaml
from openstack import exceptions
from openstack.connection import Connection

# The shared fixture modules are imported by test modules (for their helpers) as well
# as loaded as plugins: have pytest rewrite their asserts whichever comes first.
pytest.register_assert_rewrite(
    "os_fixtures_compute",
    "os_fixtures_projects",
    "alertmanager_server",
    "icinga_server",
    "jupyterhub_server",
)

CHECKOUT = Path(__file__).resolve().parents[2]
NOT_RUNNING = "devcloud is not running: ./tools/devcloud/devcloud up"
ADMIN_CLOUD = "devcloud-admin"
USER_CLOUD = "devcloud-user"


def state_dir() -> Path:
    """The devcloud state directory."""
    return Path(os.environ.get("OPENSTACK_OPS_DEVCLOUD_DIR") or CHECKOUT / ".devcloud")


def clouds_file() -> Path:
    """The clouds.yaml the tests use."""
    return Path(os.environ.get("OS_CLIENT_CONFIG_FILE") or state_dir() / "clouds.yaml")


@pytest.fixture(scope="session")
def clouds() -> dict[str, Any]:
    """The ``clouds`` mapping of clouds.yaml, after checking Keystone answers."""
    path = clouds_file()
    if not path.exists():
        pytest.fail(f"{NOT_RUNNING} (no {path})", pytrace=False)
    config = yaml.safe_load(path.read_text())["clouds"]
    for name in (ADMIN_CLOUD, USER_CLOUD):
        if name not in config:
            pytest.fail(f"{path} has no cloud {name!r}", pytrace=False)
    auth_url = config[ADMIN_CLOUD]["auth"]["auth_url"]
    try:
        urllib.request.urlopen(auth_url, timeout=10).close()
    except (urllib.error.URLError, OSError) as error:
        pytest.fail(f"{NOT_RUNNING} ({auth_url}: {error})", pytrace=False)
    return config


def _connect(clouds: dict[str, Any], name: str) -> Connection:
    cloud = clouds[name]
    return openstack.connect(
        connect_retries=2,  # see openstack_api.connection.CONNECT_RETRIES
        region_name=cloud.get("region_name"),
        interface=cloud.get("interface", "public"),
        **cloud["auth"],
    )


@pytest.fixture(scope="session")
def admin_conn(clouds: dict[str, Any]) -> Iterator[Connection]:
    """Connection as the devcloud admin (admin project)."""
    conn = _connect(clouds, ADMIN_CLOUD)
    try:
        conn.authorize()
    except exceptions.SDKException as error:
        pytest.fail(f"{NOT_RUNNING} (admin cannot log in: {error})", pytrace=False)
    yield conn
    conn.close()


@pytest.fixture(scope="session")
def user_conn(clouds: dict[str, Any]) -> Iterator[Connection]:
    """Connection as the ordinary member user (non-admin project)."""
    conn = _connect(clouds, USER_CLOUD)
    yield conn
    conn.close()


@pytest.fixture(scope="session")
def seed(clouds: dict[str, Any]) -> dict[str, Any]:
    """The seeded estate recorded by ``devcloud seed`` (names, ids, expected answers)."""
    path = state_dir() / "seed.json"
    if not path.exists():
        pytest.fail(
            f"devcloud is not seeded: ./tools/devcloud/devcloud seed (no {path})",
            pytrace=False,
        )
    return json.loads(path.read_text())


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> Callable[[str], str]:
    """Make names unique to this test run: ``unique_name("net")`` -> ``it-net-1a2b3c4d``."""
    token = uuid.uuid4().hex[:8]

    def make(label: str = "res") -> str:
        return f"it-{label}-{token}"

    return make


@pytest.fixture
def cleanup() -> Iterator[Callable[..., None]]:
    """Register ``cleanup(func, *args)`` calls run in reverse order after the test.

    Resources already gone (NotFound) are fine; other errors fail the teardown.
    """
    calls: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []

    def register(func: Callable[..., Any], *args: Any) -> None:
        calls.append((func, args))

    yield register
    errors = []
    for func, args in reversed(calls):
        try:
            func(*args)
        except exceptions.NotFoundException:
            pass
        except Exception as error:
            errors.append(f"{getattr(func, '__name__', func)}{args}: {error}")
    if errors:
        pytest.fail("cleanup failed: " + "; ".join(errors))
