"""pack_common: config lookups, errors and the datastore-backed store."""

from __future__ import annotations

import pytest

from pack_common import (
    ActionServiceStore,
    ConfigError,
    InputError,
    find_named_entry,
    require_fields,
    require_named_entry,
)
from tools.testing.datastore import DatastoreService, ManualClock
from tools.testing.services import PackActionService

CONFIG = {
    "smtp_accounts": [{"name": "ops", "host": "h"}, {"name": "other", "host": "x"}],
    "default_smtp_account": "other",
}


def test_find_named_entry() -> None:
    assert find_named_entry(CONFIG, "smtp_accounts", "ops") == {
        "name": "ops",
        "host": "h",
    }
    assert find_named_entry(CONFIG, "smtp_accounts", "none") is None
    assert find_named_entry({}, "smtp_accounts", "ops") is None


def test_find_named_entry_rejects_a_non_list() -> None:
    with pytest.raises(ConfigError, match="'clouds' must be a list"):
        find_named_entry({"clouds": {"a": 1}}, "clouds", "a")


def test_require_named_entry_unknown_name_lists_known() -> None:
    with pytest.raises(ConfigError) as err:
        require_named_entry(CONFIG, "smtp_accounts", "nope", "smtp_account")
    message = str(err.value)
    assert "parameter 'smtp_account'" in message
    assert "'smtp_accounts'" in message
    assert "ops, other" in message


def test_require_named_entry_uses_the_default_key() -> None:
    entry = require_named_entry(
        CONFIG, "smtp_accounts", None, "smtp_account", "default_smtp_account"
    )
    assert entry["name"] == "other"


def test_require_named_entry_without_name_or_default() -> None:
    with pytest.raises(ConfigError, match="has no 'default_smtp_account'"):
        require_named_entry(
            {}, "smtp_accounts", "", "smtp_account", "default_smtp_account"
        )
    with pytest.raises(ConfigError, match="parameter 'jupyter_env' is empty"):
        require_named_entry({}, "jupyter_envs", None, "jupyter_env")


def test_require_fields_names_every_missing_field() -> None:
    with pytest.raises(ConfigError) as err:
        require_fields(
            {"name": "a", "host": ""}, "smtp_accounts", ("host", "from_address")
        )
    assert "'host', 'from_address'" in str(err.value)
    assert "'smtp_accounts' entry 'a'" in str(err.value)


def test_input_error_names_the_parameter() -> None:
    err = InputError("days", "must be positive")
    assert str(err) == "parameter 'days': must be positive"
    assert err.parameter == "days"


def test_store_round_trips_json_values_locally() -> None:
    service = PackActionService("WorkflowActions")
    store = ActionServiceStore(service)
    store.set("campaign.a.sent", ["x@example.org"])
    store.set("campaign.a.total", 3)
    store.set("other", {"k": 1})
    assert store.get("campaign.a.sent") == ["x@example.org"]
    assert store.get("missing") is None
    assert store.list("campaign.a.") == {
        "campaign.a.sent": ["x@example.org"],
        "campaign.a.total": 3,
    }
    assert store.delete("other") is True
    assert store.delete("other") is False
    # stored as pack-local JSON strings, as the StackStorm datastore holds strings
    raw = service.get_value("campaign.a.total", local=True)
    assert raw == "3"


def test_store_honours_ttl() -> None:
    clock = ManualClock()
    datastore = DatastoreService(class_name="WorkflowActions", clock=clock)
    service = PackActionService("WorkflowActions", datastore)
    store = ActionServiceStore(service)
    store.set("k", "v", ttl=60)
    assert store.get("k") == "v"
    clock.advance(61)
    assert store.get("k") is None


def test_store_namespace_isolates_keys() -> None:
    service = PackActionService("WorkflowActions")
    ActionServiceStore(service, namespace="a:").set("k", 1)
    ActionServiceStore(service, namespace="b:").set("k", 2)
    assert ActionServiceStore(service, namespace="a:").get("k") == 1
    assert ActionServiceStore(service, namespace="b:").list() == {"k": 2}
