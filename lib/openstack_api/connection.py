"""Open openstacksdk connections from the pack config or a clouds.yaml.

An action's ``cloud_account`` names an entry of the pack config ``clouds`` first, then
a cloud in a clouds.yaml on the StackStorm host (the standard openstacksdk search path,
or ``OS_CLIENT_CONFIG_FILE``). Empty means the pack config's ``default_cloud_account``.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from openstack.config import OpenStackConfig
from openstack.connection import Connection

from openstack_query.connect import CONNECT_RETRIES, DEFAULT_TIMEOUT, open_connection
from pack_common import (
    ConfigError,
    entry_names,
    find_named_entry,
    require_fields,
    validation,
)

if TYPE_CHECKING:
    from openstack.identity.v3._proxy import Proxy as IdentityV3
    from openstack.image.v2._proxy import Proxy as ImageV2

CONFIG_KEY = "clouds"
PARAMETER = "cloud_account"
APP_NAME = "openstack_ops"
# CONNECT_RETRIES and DEFAULT_TIMEOUT (seconds) are the Query library's, re-exported:
# every connection the pack opens has them (see openstack_query.connect).
__all__ = [
    "CONNECT_RETRIES",
    "DEFAULT_TIMEOUT",
    "CloudAccount",
    "connect",
    "identity_v3",
    "image_v2",
]
_REQUIRED = ("auth_url", "username", "password", "project_name")
_PSEUDO_CLOUDS = frozenset({"defaults", "envvars"})
#: The ``cloud_account`` each connection opened by ``connect`` is for.
_ACCOUNTS: weakref.WeakKeyDictionary[Connection, str] = weakref.WeakKeyDictionary()


def _remember(conn: Connection, name: str) -> Connection:
    """``conn``, recorded as opened for the ``cloud_account`` ``name``."""
    _ACCOUNTS[conn] = name
    return conn


def account_name(conn: Any) -> str | None:
    """The ``cloud_account`` ``conn`` was opened for by ``connect``, or None."""
    try:
        return _ACCOUNTS.get(conn)
    except TypeError:  # not weak-referenceable: not one of ours
        return None


@dataclass(frozen=True)
class CloudAccount:
    """Credentials of one pack config ``clouds`` entry (the password never in repr)."""

    name: str
    auth_url: str
    username: str
    password: str = field(repr=False)
    project_name: str
    user_domain_name: str = "Default"
    project_domain_name: str = "Default"
    region_name: str | None = None
    interface: str = "public"
    verify: bool = True
    cacert: str | None = None
    #: Seconds to connect and for each read of a response, per request.
    timeout: int = DEFAULT_TIMEOUT

    @classmethod
    def from_config(cls, entry: Mapping[str, Any]) -> CloudAccount:
        """Build from a pack config entry, naming the config key of any problem."""
        require_fields(entry, CONFIG_KEY, _REQUIRED)
        known = set(cls.__dataclass_fields__)
        values = {k: v for k, v in entry.items() if k in known and v is not None}
        values["timeout"] = validation.config_whole_number(
            f"pack config '{CONFIG_KEY}' entry {values.get('name')!r}: 'timeout'",
            values.get("timeout", DEFAULT_TIMEOUT),
            1,
            note="seconds",
        )
        return cls(**values)

    def connect(self) -> Connection:
        """A lazily-authenticating connection; nothing is sent until first use."""
        return open_connection(
            timeout=self.timeout,
            load_yaml_config=False,
            load_envvars=False,
            app_name=APP_NAME,
            auth_type="password",
            auth={
                "auth_url": self.auth_url,
                "username": self.username,
                "password": self.password,
                "project_name": self.project_name,
                "user_domain_name": self.user_domain_name,
                "project_domain_name": self.project_domain_name,
            },
            region_name=self.region_name,
            interface=self.interface,
            verify=self.verify,
            cacert=self.cacert,
        )


def clouds_yaml_names() -> list[str]:
    """Names of the clouds in the clouds.yaml files openstacksdk would read."""
    # Environment variables stay enabled: they carry OS_CLIENT_CONFIG_FILE.
    names = OpenStackConfig().get_cloud_names()
    # openstacksdk reports a pseudo-cloud "defaults" when no clouds.yaml exists.
    return sorted(n for n in names if n not in _PSEUDO_CLOUDS)


def connect(config: Mapping[str, Any], cloud_account: str | None) -> Connection:
    """Open a connection for ``cloud_account`` (see the module docstring).

    Raises ``ConfigError`` naming ``cloud_account`` and the config key ``clouds`` when
    the name is found nowhere.
    """
    name = cloud_account or config.get("default_cloud_account")
    if not name:
        raise ConfigError(
            f"parameter '{PARAMETER}' is empty and the pack config has no "
            "'default_cloud_account'"
        )
    entry = find_named_entry(config, CONFIG_KEY, name)
    if entry is not None:
        return _remember(CloudAccount.from_config(entry).connect(), name)
    yaml_names = clouds_yaml_names()
    if name in yaml_names:
        # clouds.yaml's own api_timeout applies, else DEFAULT_TIMEOUT.
        return _remember(open_connection(cloud=name, app_name=APP_NAME), name)
    configured = ", ".join(entry_names(config, CONFIG_KEY)) or "none"
    in_yaml = ", ".join(yaml_names) or "none"
    raise ConfigError(
        f"parameter '{PARAMETER}': no cloud named {name!r} in the pack config "
        f"'{CONFIG_KEY}' (configured: {configured}) nor in clouds.yaml "
        f"(found: {in_yaml})"
    )


# openstacksdk types ``conn.identity`` and ``conn.image`` as the union of every API
# version it knows (Keystone v2 | v3, Glance v1 | v2) since the version is negotiated
# at run time. The pack speaks only Keystone v3 and Glance v2 (Keystone dropped v2 in
# Queens, Glance v1 in Rocky), so these two say so to the type checker.


def identity_v3(conn: Connection) -> IdentityV3:
    """``conn.identity``: the Keystone v3 proxy."""
    return cast("IdentityV3", conn.identity)


def image_v2(conn: Connection) -> ImageV2:
    """``conn.image``: the Glance v2 proxy."""
    return cast("ImageV2", conn.image)
