"""What StackStorm itself provides: runners, runner parameters, core triggers/actions.

Only the parts a rule, alias or policy of this pack may reasonably reference are listed;
extend the tables when the pack starts using another core action or trigger.
"""

from __future__ import annotations

from typing import Any

#: Runner types of StackStorm 3.8/3.9.
KNOWN_RUNNERS = frozenset(
    {
        "action-chain",
        "announcement",
        "http-request",
        "inquirer",
        "local-shell-cmd",
        "local-shell-script",
        "noop",
        "orquesta",
        "python-script",
        "remote-shell-cmd",
        "remote-shell-script",
        "winrm-cmd",
        "winrm-ps-cmd",
        "winrm-ps-script",
    }
)

#: Runners whose actions need an ``entry_point`` file.
RUNNERS_WITH_ENTRY_POINT = frozenset(
    {
        "action-chain",
        "local-shell-script",
        "orquesta",
        "python-script",
        "remote-shell-script",
        "winrm-ps-script",
    }
)

_TIMEOUT = {"type": "integer", "description": "Action timeout in seconds."}
_ENV = {"type": "object", "description": "Environment variables."}
_LOCAL_SHELL = {
    "cmd": {"type": "string"},
    "cwd": {"type": "string"},
    "env": _ENV,
    "kwarg_op": {"type": "string", "default": "--"},
    "sudo": {"type": "boolean", "default": False},
    "sudo_password": {"type": "string", "secret": True},
    "timeout": {**_TIMEOUT, "default": 60},
}
_REMOTE_SHELL = {
    **_LOCAL_SHELL,
    "hosts": {"type": "string", "required": True},
    "username": {"type": "string"},
    "password": {"type": "string", "secret": True},
    "private_key": {"type": "string", "secret": True},
    "port": {"type": "integer", "default": 22},
    "parallel": {"type": "boolean", "default": True},
    "bastion_host": {"type": "string"},
    "dir": {"type": "string"},
}

#: Runner parameters by runner type. An action parameter of the same name is a runner
#: parameter: it is NEVER passed to ``run()`` and may only override the attributes in
#: ``RUNNER_OVERRIDABLE``.
RUNNER_PARAMETERS: dict[str, dict[str, dict[str, Any]]] = {
    "python-script": {
        "timeout": {**_TIMEOUT, "default": 600},
        "env": _ENV,
        "debug": {"type": "boolean", "default": False},
        "log_level": {
            "type": "string",
            "default": "DEBUG",
            "enum": ["AUDIT", "CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"],
        },
        "content_version": {"type": "string"},
    },
    "local-shell-cmd": _LOCAL_SHELL,
    "local-shell-script": {k: v for k, v in _LOCAL_SHELL.items() if k != "cmd"},
    "remote-shell-cmd": _REMOTE_SHELL,
    "remote-shell-script": {k: v for k, v in _REMOTE_SHELL.items() if k != "cmd"},
    "http-request": {
        "url": {"type": "string", "required": True},
        "method": {"type": "string", "default": "GET"},
        "headers": {"type": "object"},
        "cookies": {"type": "object"},
        "body": {"type": "string"},
        "params": {"type": "object"},
        "auth": {"type": "string"},
        "username": {"type": "string"},
        "password": {"type": "string", "secret": True},
        "allow_redirects": {"type": "boolean", "default": False},
        "verify_ssl_cert": {"type": "boolean", "default": True},
        "timeout": {"type": "number", "default": 60},
    },
    "orquesta": {},
    "action-chain": {"skip_notify": {"type": "array"}, "display_published": {}},
    "noop": {},
}

#: Runner parameters an override may restate ``type`` of (the same type only): every
#: other runner parameter is overridden without ``type`` (see ``RUNNER_OVERRIDABLE``).
OVERRIDABLE_RUNNER_PARAMETERS = frozenset({"timeout"})

#: Attributes of a runner parameter an action may override (StackStorm's list).
RUNNER_OVERRIDABLE = frozenset(
    {"default", "description", "enum", "immutable", "required"}
)


def _params(**specs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Helper to write parameter tables compactly."""
    return specs


#: Core actions a rule, alias or policy may reference, with their parameters (the
#: runner's parameters are added by ``core_action_parameters``).
CORE_ACTIONS: dict[str, tuple[str, dict[str, dict[str, Any]]]] = {
    "core.local": (
        "local-shell-cmd",
        _params(cmd={"type": "string", "required": True}),
    ),
    "core.local_sudo": (
        "local-shell-cmd",
        _params(cmd={"type": "string", "required": True}),
    ),
    "core.remote": (
        "remote-shell-cmd",
        _params(cmd={"type": "string", "required": True}),
    ),
    "core.remote_sudo": (
        "remote-shell-cmd",
        _params(cmd={"type": "string", "required": True}),
    ),
    "core.http": ("http-request", {}),
    "core.noop": ("noop", {}),
    "core.echo": (
        "local-shell-cmd",
        _params(message={"type": "string", "required": True}),
    ),
    "core.sendmail": (
        "local-shell-script",
        _params(
            to={"type": "string", "required": True},
            **{"from": {"type": "string", "default": "stanley"}},
            subject={"type": "string", "required": True},
            body={"type": "string", "required": True},
            content_type={"type": "string", "default": "text/html"},
            send_empty_body={"type": "boolean", "default": True},
            sendmail_binary={"type": "string", "default": "/usr/sbin/sendmail"},
            attachments={"type": "string"},
        ),
    ),
    "core.inject_trigger": (
        "python-script",
        _params(
            trigger={"type": "string", "required": True},
            payload={"type": "object"},
            trace_tag={"type": "string"},
        ),
    ),
    "core.pause": (
        "python-script",
        _params(max_pause={"type": "integer", "required": True}),
    ),
}


def core_action_parameters(ref: str) -> dict[str, dict[str, Any]]:
    """All parameters of core action ``ref``: its own plus its runner's."""
    runner, params = CORE_ACTIONS[ref]
    return {**RUNNER_PARAMETERS.get(runner, {}), **params}


_TIMER_PAYLOAD = {
    "type": "object",
    "properties": {"executed_at": {"type": "string"}, "schedule": {"type": "object"}},
}

#: Core trigger types, with the parameters a rule must give and their payload.
CORE_TRIGGERS: dict[str, dict[str, Any]] = {
    "core.st2.IntervalTimer": {
        "parameters": {"unit": True, "delta": True},
        "payload_schema": _TIMER_PAYLOAD,
    },
    "core.st2.CronTimer": {
        "parameters": dict.fromkeys(
            (
                "timezone",
                "year",
                "month",
                "day",
                "week",
                "day_of_week",
                "hour",
                "minute",
                "second",
            ),
            False,
        ),
        "payload_schema": _TIMER_PAYLOAD,
    },
    "core.st2.DateTimer": {
        "parameters": {"timezone": False, "date": True},
        "payload_schema": _TIMER_PAYLOAD,
    },
    "core.st2.webhook": {
        "parameters": {"url": True},
        "payload_schema": {
            "type": "object",
            "properties": {"headers": {"type": "object"}, "body": {}},
        },
    },
    "core.st2.generic.actiontrigger": {"parameters": {}, "payload_schema": None},
    "core.st2.generic.notifytrigger": {"parameters": {}, "payload_schema": None},
    "core.st2.generic.inquiry": {"parameters": {}, "payload_schema": None},
    "core.st2.action.file_written": {"parameters": {}, "payload_schema": None},
    "core.st2.key_value_pair.create": {"parameters": {}, "payload_schema": None},
    "core.st2.key_value_pair.update": {"parameters": {}, "payload_schema": None},
    "core.st2.key_value_pair.value_change": {"parameters": {}, "payload_schema": None},
    "core.st2.key_value_pair.delete": {"parameters": {}, "payload_schema": None},
    "core.st2.sensor.process_spawn": {"parameters": {}, "payload_schema": None},
    "core.st2.sensor.process_exit": {"parameters": {}, "payload_schema": None},
}

#: Rule criteria operators (``type``) StackStorm knows.
CRITERIA_OPERATORS = frozenset(
    {
        "equals",
        "eq",
        "nequals",
        "neq",
        "iequals",
        "contains",
        "icontains",
        "ncontains",
        "incontains",
        "startswith",
        "istartswith",
        "endswith",
        "iendswith",
        "matchregex",
        "regex",
        "iregex",
        "matchwildcard",
        "lessthan",
        "lt",
        "greaterthan",
        "gt",
        "timediff_lt",
        "timediff_gt",
        "exists",
        "nexists",
        "inside",
        "in",
        "ninside",
        "nin",
        "search",
    }
)

#: Operators that take no ``pattern``.
UNARY_OPERATORS = frozenset({"exists", "nexists"})
