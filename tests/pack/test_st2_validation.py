"""StackStorm's validation semantics, as the pack's tests rely on them.

The first tests use only ``st2common.util.schema``'s StackStorm API (``validate``,
``CustomValidator``): they hold for StackStorm's module and the stand-in alike. The
rest exercise the pack's validating sensor service (``tools.testing.services``, on
that same module) and its model of StackStorm's config loading (``tools.st2_config``)
with the pack's own sensors and example config.
"""

from __future__ import annotations

import binascii
import copy
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from st2common.util.schema import CustomValidator, validate

from tools.st2_config import ContentPackConfigLoader
from tools.testing.datastore import DatastoreService
from tools.testing.services import PackSensorService

PACK_DIR = Path(__file__).resolve().parents[2]


def st2_validate(instance: Any, schema: dict[str, Any]) -> Any:
    """Validate as StackStorm's trigger dispatcher, executions and configs do."""
    return validate(
        instance, schema, cls=CustomValidator, use_default=True, allow_default_none=True
    )


def _object(**properties: Any) -> dict[str, Any]:
    """An object schema with these properties."""
    return {"type": "object", "properties": properties}


# ---------------------------------------------------------------- the validator


@pytest.mark.parametrize(
    "schema",
    [
        {**_object(a={"type": "string"}), "required": ["a"]},
        _object(
            users={
                "type": "array",
                "items": {**_object(n={"type": "string"}), "required": ["n"]},
            }
        ),
    ],
    ids=["top-level", "in-items"],
)
def test_required_list_is_a_schema_error(schema: dict[str, Any]) -> None:
    """Draft-4 ``required: [list]`` fails StackStorm's meta-schema: nothing validates."""
    with pytest.raises(jsonschema.SchemaError):
        st2_validate({"a": "x", "users": []}, schema)


def test_required_true_makes_a_property_mandatory_at_any_depth() -> None:
    """``required: true`` on a property is StackStorm's way, nested items included."""
    item = _object(n={"type": "string", "required": True})
    schema = _object(
        a={"type": "string", "required": True},
        users={"type": "array", "items": item},
    )
    assert st2_validate({"a": "x", "users": [{"n": "u"}]}, schema)
    with pytest.raises(jsonschema.ValidationError, match="'a' is a required property"):
        st2_validate({"users": []}, schema)
    with pytest.raises(jsonschema.ValidationError, match="'n' is a required property"):
        st2_validate({"a": "x", "users": [{}]}, schema)


def test_defaults_are_filled_and_optional_values_may_be_null() -> None:
    """use_default fills defaults (in given objects too); allow_default_none lets an
    optional property be null; the returned copy has the defaults."""
    schema = _object(
        limit={"type": "integer", "default": 5},
        name={"type": "string"},
        opts=_object(depth={"type": "integer", "default": 2}),
    )
    given = {"name": None, "opts": {}}
    assert st2_validate(given, schema) == {
        "name": None,
        "limit": 5,
        "opts": {"depth": 2},
    }
    assert given == {"name": None, "opts": {}}
    with pytest.raises(jsonschema.ValidationError):
        st2_validate({"name": None}, _object(name={"type": "string", "required": True}))


def test_an_untyped_optional_property_only_takes_strings() -> None:
    """StackStorm's allow_default_none turns a missing ``type`` into string-or-null."""
    schema = _object(anything={"description": "no type"})
    assert st2_validate({"anything": "text"}, schema)
    with pytest.raises(jsonschema.ValidationError, match="is not of type"):
        st2_validate({"anything": 3}, schema)


# ---------------------------------------------------------------- the pack's triggers

HYPERVISOR_EVENT = {
    "hypervisor_name": "hv1",
    "previous_state": None,
    "current_state": "DOWN",
    "reason": "compute service down",
    "observed_at": "2030-02-01T08:00:00Z",
}
INACTIVE_USERS = {
    "env": "training",
    "threshold_days": 90,
    "protected": False,
    "users": [{"name": "u1", "last_activity": None}],
}
PACK_TRIGGERS = {
    "openstack_ops.hypervisor.state_change": HYPERVISOR_EVENT,
    "openstack_ops.jupyter.inactive_users": INACTIVE_USERS,
}


def _pack_sensor_service() -> PackSensorService:
    """A validating sensor service knowing the pack's trigger types."""
    return PackSensorService("Test")


@pytest.mark.parametrize("trigger", sorted(PACK_TRIGGERS))
def test_the_pack_triggers_are_dispatched(trigger: str) -> None:
    """A correct payload of each pack trigger gets through StackStorm's validation."""
    service = _pack_sensor_service()
    service.dispatch(trigger, copy.deepcopy(PACK_TRIGGERS[trigger]))
    assert service.rejected_triggers == []
    assert [d["trigger"] for d in service.dispatched_triggers] == [trigger]


@pytest.mark.parametrize(
    ("trigger", "drop"),
    [
        ("openstack_ops.hypervisor.state_change", ("previous_state",)),
        ("openstack_ops.jupyter.inactive_users", ("protected",)),
        ("openstack_ops.jupyter.inactive_users", ("users", 0, "last_activity")),
    ],
)
def test_the_pack_triggers_keep_every_field_required(
    trigger: str, drop: tuple[Any, ...]
) -> None:
    """The payload contract is unchanged: each field (items' too) is mandatory."""
    payload = copy.deepcopy(PACK_TRIGGERS[trigger])
    target = payload
    for part in drop[:-1]:
        target = target[part]
    del target[drop[-1]]
    service = _pack_sensor_service()
    service.dispatch(trigger, payload)
    assert service.dispatched_triggers == []
    assert "is a required property" in service.rejected_triggers[0].reason


def test_a_required_list_schema_drops_every_payload() -> None:
    """With a draft-4 ``required: [list]`` even a correct payload is not dispatched."""
    schema = {**_object(server_id={"type": "string"}), "required": ["server_id"]}
    service = PackSensorService(
        "Test", {"demo.t": {"name": "t", "payload_schema": schema}}, pack="demo"
    )
    service.dispatch("demo.t", {"server_id": "s1"})
    assert service.dispatched_triggers == []
    assert "not dispatching" in service.rejected_triggers[0].reason


# ---------------------------------------------------------------- config loading

SECRETS = {
    "openstack_password": "os-pass",
    "smtp_password": "smtp-pass",
    "jupyter_training_token": "tok-training",
    "jupyter_prod_token": "tok-prod",
}


def _loader(
    values: dict[str, Any], schema: dict[str, Any] | None = None
) -> ContentPackConfigLoader:
    """The pack's model of StackStorm's config loader over the pack schema and a
    datastore holding the secrets encrypted."""
    datastore = DatastoreService()
    for name, value in SECRETS.items():
        datastore.set_value(name, value, local=False, encrypt=True)
    datastore.set_value("plain_host", "smtp.internal", local=False)
    if schema is None:
        schema = yaml.safe_load((PACK_DIR / "config.schema.yaml").read_text())
    return ContentPackConfigLoader(
        "openstack_ops", schema=schema, values=values, datastore=datastore
    )


def test_the_example_config_loads_with_its_secrets_decrypted() -> None:
    """The shipped example loads: secret items decrypted once, defaults filled."""
    example = yaml.safe_load((PACK_DIR / "openstack_ops.yaml.example").read_text())
    config = _loader(example).get_config()
    assert config["clouds"][0]["password"] == "os-pass"
    assert config["smtp_accounts"][0]["password"] == "smtp-pass"
    assert [e["token"] for e in config["jupyter_envs"]] == ["tok-training", "tok-prod"]
    assert "timeout" in config["jupyter_envs"][1]  # a default inside an array item


def test_decrypt_kv_on_a_secret_item_fails_to_load() -> None:
    """``| decrypt_kv`` on a ``secret: true`` item decrypts twice, as in StackStorm."""
    values = {
        "smtp_accounts": [
            {
                "name": "m",
                "host": "smtp.example.org",
                "from_address": "ops@example.org",
                "password": "{{ st2kv.system.smtp_password | decrypt_kv }}",
            }
        ]
    }
    with pytest.raises(binascii.Error, match="Odd-length string"):
        _loader(values).get_config()


def test_config_loading_renders_fills_nested_defaults_and_keeps_extra_keys() -> None:
    """Non-secret items keep the stored value; absent objects get their defaults."""
    schema = {
        "host": {"type": "string"},
        "token": {"type": "string", "secret": True},
        "limits": _object(depth={"type": "integer", "default": 3}),
        "empty": {"type": "string"},
    }
    values = {
        "host": "{{ st2kv.system.plain_host }}",
        "token": "{{ st2kv.system.smtp_password }}",
        "empty": "{{ st2kv.system.no_such_key }}",
        "extra": {"kept": True},
    }
    assert _loader(values, schema).get_config() == {
        "host": "smtp.internal",
        "token": "smtp-pass",
        "empty": None,
        "limits": {"depth": 3},
        "extra": {"kept": True},
    }
