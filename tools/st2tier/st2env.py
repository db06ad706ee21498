"""StackStorm's own code, set up for the real-StackStorm tier.

Imported by the tier's tests (run by StackStorm's virtualenv python) and by the sensor
driver (run by the pack virtualenv's python with StackStorm's packages first, as the
sensor container runs a sensor). It configures StackStorm from a generated st2.conf,
points mongoengine at an in-memory MongoDB (mongomock), registers the pack with
StackStorm's registrars and stores secrets encrypted as `st2 key set --encrypt` does.
Nothing here re-implements StackStorm: every check goes through StackStorm's functions.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PACK = "openstack_ops"

_LOGGING_CONF = """\
[loggers]
keys=root

[handlers]
keys=console

[formatters]
keys=plain

[logger_root]
level=WARNING
handlers=console

[handler_console]
class=StreamHandler
level=WARNING
formatter=plain
args=(sys.stderr,)

[formatter_plain]
format=%(asctime)s %(levelname)s [%(name)s] %(message)s
"""


@dataclass(frozen=True)
class TierLayout:
    """Where the tier's StackStorm host lives (see build.sh)."""

    root: Path

    @property
    def st2_conf(self) -> Path:
        return self.root / "st2.conf"

    @property
    def packs(self) -> Path:
        return self.root / "packs"

    @property
    def pack_dir(self) -> Path:
        return self.packs / PACK

    @property
    def configs(self) -> Path:
        return self.root / "configs"

    @property
    def pack_config(self) -> Path:
        return self.configs / f"{PACK}.yaml"

    @property
    def key_file(self) -> Path:
        return self.root / "keyvalue.key"

    @property
    def pack_python(self) -> Path:
        return self.root / "virtualenvs" / PACK / "bin" / "python"


def layout_from_env() -> TierLayout:
    """The layout named by ST2TIER_OUT (set by run_tests.sh --st2)."""
    root = os.environ.get("ST2TIER_OUT")
    if not root:
        raise RuntimeError(
            "ST2TIER_OUT is not set: run this tier with ./run_tests.sh --st2 DIR"
        )
    return TierLayout(Path(root))


def write_st2_conf(layout: TierLayout) -> Path:
    """Write the st2.conf of the tier's StackStorm host (idempotent)."""
    (layout.root / "system-packs").mkdir(parents=True, exist_ok=True)
    logging_conf = layout.root / "logging.conf"
    logging_conf.write_text(_LOGGING_CONF)
    text = f"""\
[system]
base_path = {layout.root}
validate_trigger_payload = True

[content]
packs_base_paths = {layout.packs}
system_packs_base_path = {layout.root / "system-packs"}

[database]
db_name = st2tier
host = 127.0.0.1
port = 27017

[keyvalue]
encryption_key_path = {layout.key_file}

[actionrunner]
stream_output = False
python_binary = {sys.executable}

[sensorcontainer]
logging = {logging_conf}

[coordination]
url =
"""
    layout.st2_conf.write_text(text)
    return layout.st2_conf


def use_mongomock() -> None:
    """Make mongoengine's connect() open an in-memory mongomock client.

    StackStorm's db_setup() calls mongoengine.connection.connect with pymongo options;
    mongomock accepts and ignores them, so the real db_setup (indexes included) runs.
    """
    import mongoengine.connection
    import mongomock

    real_connect = mongoengine.connection.connect
    if getattr(real_connect, "_st2tier", False):
        return

    def connect(*args: Any, **kwargs: Any) -> Any:
        kwargs["mongo_client_class"] = mongomock.MongoClient
        return real_connect(*args, **kwargs)

    connect._st2tier = True  # type: ignore[attr-defined]
    mongoengine.connection.connect = connect


def silence_message_bus() -> None:
    """There is no RabbitMQ here: StackStorm's publishers record nothing and succeed.

    Persistence calls publish after every write; without a broker they would log a
    traceback per object. The tier checks what reaches the bus where it matters (the
    sensor driver records delivered triggers itself).
    """
    import importlib
    import pkgutil

    import st2common.transport
    from st2common.transport.publishers import PoolPublisher

    # Persistence classes reach their publisher as st2common.transport.<module>; the
    # services import those modules, so do it here too.
    for module in pkgutil.iter_modules(st2common.transport.__path__):
        importlib.import_module(f"st2common.transport.{module.name}")
    PoolPublisher.publish = lambda self, payload, exchange, routing_key="", **kw: None


def ensure_key(layout: TierLayout) -> None:
    """Create the datastore encryption key with StackStorm's own generator."""
    if layout.key_file.exists():
        return
    from st2common.util.crypto import AESKey

    key = AESKey.generate()
    layout.key_file.write_text(key.to_json())


def setup_st2(layout: TierLayout, parse_config: bool = True) -> None:
    """Configure StackStorm from the tier's st2.conf and connect to mongomock."""
    from oslo_config import cfg

    if parse_config:
        from st2common import config as st2_config

        st2_config.parse_args(args=["--config-file", str(layout.st2_conf)])
    use_mongomock()
    from st2common.models.db import db_setup

    db_setup(
        cfg.CONF.database.db_name,
        cfg.CONF.database.host,
        cfg.CONF.database.port,
        ensure_indexes=True,
    )


def register_pack(layout: TierLayout) -> dict[str, int]:
    """Register the pack with StackStorm's registrars, failing on the first error.

    The same calls, in the same order, as `st2ctl reload --register-all`
    (st2common/content/bootstrap.py), with configs validated against the schema.
    """
    import st2common
    from st2common.bootstrap import (
        actionsregistrar,
        aliasesregistrar,
        configsregistrar,
        policiesregistrar,
        rulesregistrar,
        ruletypesregistrar,
        runnersregistrar,
        sensorsregistrar,
        triggersregistrar,
    )
    from st2common.constants.triggers import TIMER_TRIGGER_TYPES
    from st2common.services.triggers import add_trigger_models
    from st2common.triggers import register_internal_trigger_types

    pack_dir = str(layout.pack_dir)
    counts: dict[str, int] = {}
    # What StackStorm's services do at start: the system trigger types a rule may
    # name (st2common's internal ones; the timers, as st2timersengine registers them).
    register_internal_trigger_types()
    add_trigger_models(list(TIMER_TRIGGER_TYPES.values()))
    counts["triggers"] = triggersregistrar.register_triggers(
        pack_dir=pack_dir, fail_on_failure=True
    )
    counts["sensors"] = sensorsregistrar.register_sensors(
        pack_dir=pack_dir, fail_on_failure=True
    )[0]
    counts["runners"] = runnersregistrar.register_runners(fail_on_failure=True)
    counts["actions"] = actionsregistrar.register_actions(
        pack_dir=pack_dir, fail_on_failure=True, use_runners_cache=True
    )[0]
    ruletypesregistrar.register_rule_types()
    counts["rules"] = rulesregistrar.register_rules(
        pack_dir=pack_dir, fail_on_failure=True
    )[0]
    counts["aliases"] = aliasesregistrar.register_aliases(
        pack_dir=pack_dir, fail_on_failure=True
    )[0]
    policiesregistrar.register_policy_types(st2common)
    counts["policies"] = policiesregistrar.register_policies(
        pack_dir=pack_dir, fail_on_failure=True
    )
    if layout.pack_config.exists():
        counts["configs"] = configsregistrar.register_configs(
            pack_dir=pack_dir, fail_on_failure=True, validate_configs=True
        )
    return counts


def store_secret(name: str, value: str) -> None:
    """Store ``value`` encrypted in the datastore, as `st2 key set --encrypt` does."""
    store_key(name, value, secret=True)


def store_key(name: str, value: str, secret: bool = False) -> None:
    """Store a system-scope key, as `st2 key set NAME VALUE [--encrypt]` does."""
    from st2common.exceptions.keyvalue import DataStoreKeyNotFoundError
    from st2common.models.api.keyvalue import KeyValuePairAPI
    from st2common.persistence.keyvalue import KeyValuePair

    api = KeyValuePairAPI(name=name, value=value, secret=secret, scope="st2kv.system")
    model = KeyValuePairAPI.to_model(api)
    try:
        model.id = KeyValuePair.get_by_scope_and_name("st2kv.system", name).id
    except DataStoreKeyNotFoundError:
        pass
    KeyValuePair.add_or_update(model)


def delete_key(name: str) -> None:
    """Remove a system-scope key if it is stored, as `st2 key delete NAME` does."""
    from st2common.exceptions.keyvalue import DataStoreKeyNotFoundError
    from st2common.persistence.keyvalue import KeyValuePair

    try:
        KeyValuePair.delete(KeyValuePair.get_by_scope_and_name("st2kv.system", name))
    except DataStoreKeyNotFoundError:
        pass


def load_pack_config() -> dict[str, Any]:
    """The pack config as StackStorm hands it to actions and sensors."""
    from st2common.util.config_loader import ContentPackConfigLoader

    return ContentPackConfigLoader(pack_name=PACK).get_config()


def dump(value: Any) -> str:
    """JSON for a result line (sorted, one line)."""
    return json.dumps(value, sort_keys=True, default=str)
