"""Load and poll one of the pack's sensors the way StackStorm's sensor container does.

Run by the tier's tests with the pack virtualenv's python and the PYTHONPATH that
st2reactor's process container gives a sensor (StackStorm's site-packages first). The
sensor is built by st2reactor's own SensorWrapper (config parsing, DB connection, class
loading by file path, the pack config through ContentPackConfigLoader, the real
SensorService); every payload it dispatches goes through StackStorm's
TriggerDispatcherService, i.e. through the real validate_trigger_payload. Only the
message bus (there is no RabbitMQ here) and the datastore's HTTP client (there is no
st2api here) are replaced: delivered triggers are recorded, datastore values are kept
in memory. Writes a JSON report to --out.

    python sensor_driver.py --tier DIR --file-path F --class-name C
        --trigger-types a,b --poll-interval N --polls K --secrets FILE --out FILE
"""

from __future__ import annotations

# As st2reactor's sensor_wrapper does, before anything else is imported.
from st2common.util.monkey_patch import monkey_patch

monkey_patch()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import traceback  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st2env  # noqa: E402


class MemoryKeys:
    """The part of st2client's ``client.keys`` manager the datastore service uses."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def get_all(self, **kwargs: Any) -> list[Any]:
        prefix = kwargs.get("prefix") or ""
        return [v for k, v in sorted(self.values.items()) if k.startswith(prefix)]

    def get_by_id(self, id: str, **kwargs: Any) -> Any:
        return self.values.get(id)

    def update(self, instance: Any, **kwargs: Any) -> Any:
        self.values[instance.name] = instance
        return instance

    def delete(self, instance: Any, **kwargs: Any) -> bool:
        return self.values.pop(instance.id, None) is not None


class MemoryClient:
    """Stands in for the st2client API client of SensorDatastoreService."""

    def __init__(self) -> None:
        self.keys = MemoryKeys()


def main() -> int:
    parser = argparse.ArgumentParser()
    for name in ("tier", "file-path", "class-name", "trigger-types", "secrets", "out"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--poll-interval", type=int, default=None)
    parser.add_argument("--polls", type=int, default=1)
    args = parser.parse_args()
    report: dict[str, Any] = {"delivered": [], "rejected": [], "error": None}
    try:
        run(args, report)
    except BaseException:  # the report must say what failed, whatever it was
        report["error"] = traceback.format_exc()
    Path(args.out).write_text(json.dumps(report, default=str))
    return 0


def run(args: argparse.Namespace, report: dict[str, Any]) -> None:
    layout = st2env.TierLayout(Path(args.tier))
    from oslo_config import cfg
    from st2common.services.datastore import SensorDatastoreService
    from st2common.services.trigger_dispatcher import TriggerDispatcherService
    from st2common.transport.reactor import TriggerDispatcher
    from st2common.validators.api.reactor import validate_trigger_payload
    from st2reactor.container.sensor_wrapper import SensorWrapper
    from st2reactor.sensor import config as sensor_config

    parent_args = ["--config-file", str(layout.st2_conf)]
    sensor_config.parse_args(args=parent_args)
    st2env.setup_st2(layout, parse_config=False)
    st2env.silence_message_bus()
    st2env.register_pack(layout)
    for name, value in json.loads(Path(args.secrets).read_text()).items():
        st2env.store_secret(name, value)

    def deliver(self: Any, trigger: Any, payload: Any = None, **kwargs: Any) -> None:
        report["delivered"].append({"trigger": trigger, "payload": payload})

    TriggerDispatcher.dispatch = deliver
    real_dispatch = TriggerDispatcherService.dispatch_with_context

    def dispatch_with_context(
        self: Any, trigger: Any, payload: Any = None, **kwargs: Any
    ) -> Any:
        before = len(report["delivered"])
        result = real_dispatch(self, trigger, payload=payload, **kwargs)
        if len(report["delivered"]) == before:
            try:
                validate_trigger_payload(
                    trigger_type_ref=trigger,
                    payload=payload,
                    throw_on_inexistent_trigger=True,
                )
                why = "not delivered"
            except Exception as exc:  # the reason StackStorm dropped it
                why = f"{type(exc).__name__}: {exc}"
            report["rejected"].append(
                {"trigger": trigger, "payload": payload, "why": why}
            )
        return result

    TriggerDispatcherService.dispatch_with_context = dispatch_with_context
    client = MemoryClient()
    SensorDatastoreService.get_api_client = lambda self: client

    wrapper = SensorWrapper(
        pack=st2env.PACK,
        file_path=args.file_path,
        class_name=args.class_name,
        trigger_types=args.trigger_types.split(","),
        poll_interval=args.poll_interval,
        parent_args=parent_args,
    )
    report["validate_trigger_payload"] = cfg.CONF.system.validate_trigger_payload
    sensor = wrapper._sensor_instance
    sensor.setup()
    for _ in range(args.polls):
        sensor.poll()
    sensor.cleanup()
    report["datastore_keys"] = sorted(client.keys.values)


if __name__ == "__main__":
    sys.exit(main())
