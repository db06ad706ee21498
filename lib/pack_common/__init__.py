"""The few helpers shared by every API package and the entry point.

- ``ConfigError`` / ``InputError``: errors whose message names the pack config key or
  the action parameter at fault, reported to the operator as a failed execution.
- ``find_named_entry`` / ``require_named_entry``: look up ``{name: ...}`` entries of
  the pack config lists (``clouds``, ``smtp_accounts``, ``jupyter_envs``).
- ``Failure``: what a workflow returns to report a failed execution that still carries
  a result (e.g. "3 of 40 failed").
- ``KeyValueStore`` / ``ActionServiceStore``: the small key-value store workflows use
  for campaign progress and similar state, backed by the StackStorm datastore.
- ``ServiceFailure``: a failed call to a cloud, SMTP server or JupyterHub as an
  operator reads it (account, endpoint, cause); each API package describes its own
  errors with one (``network_cause`` finds the socket-level reason under any
  library's wrappers). ``redact`` keeps secrets out of error text.
- ``HTTPServiceError`` / ``HTTPClient``: the error and the request loop shared by the
  REST clients of pack config accounts (Alertmanager, Icinga, JupyterHub).
"""

from __future__ import annotations

import errno
import http.client
import json
import re
import socket
import ssl
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Protocol, Self

import requests

from pack_common import validation
from pack_common.errors import ConfigError, InputError

__all__ = ["ConfigError", "InputError", "validation"]


@dataclass
class Failure:
    """Returned by a workflow to fail the execution while still reporting ``result``."""

    result: Any


def entry_names(config: Mapping[str, Any], key: str) -> list[str]:
    """Names of the entries of the pack config list ``key`` (empty when absent)."""
    entries = config.get(key) or []
    return [str(e.get("name")) for e in entries if isinstance(e, Mapping)]


def find_named_entry(
    config: Mapping[str, Any], key: str, name: str
) -> dict[str, Any] | None:
    """The entry of the pack config list ``key`` whose ``name`` is ``name``, or None."""
    entries = config.get(key) or []
    if not isinstance(entries, list):
        raise ConfigError(f"pack config '{key}' must be a list of named entries")
    for entry in entries:
        if isinstance(entry, Mapping) and entry.get("name") == name:
            return dict(entry)
    return None


def require_named_entry(
    config: Mapping[str, Any],
    key: str,
    name: str | None,
    parameter: str,
    default_key: str | None = None,
) -> dict[str, Any]:
    """Like ``find_named_entry`` but a missing entry is an error naming both the action
    ``parameter`` and the pack config ``key``. An empty name falls back to the pack
    config's ``default_key`` when one is given."""
    if not name and default_key:
        name = config.get(default_key)
    if not name:
        hint = f" and the pack config has no '{default_key}'" if default_key else ""
        raise ConfigError(f"parameter '{parameter}' is empty{hint}")
    entry = find_named_entry(config, key, name)
    if entry is None:
        known = ", ".join(entry_names(config, key)) or "none configured"
        raise ConfigError(
            f"parameter '{parameter}': no entry named {name!r} in the pack config "
            f"'{key}' (known: {known})"
        )
    return entry


def require_fields(entry: Mapping[str, Any], key: str, fields: tuple[str, ...]) -> None:
    """Raise ``ConfigError`` naming ``key``.<field> for each required field missing."""
    missing = [f for f in fields if entry.get(f) in (None, "")]
    if missing:
        name = entry.get("name", "?")
        raise ConfigError(
            f"pack config '{key}' entry {name!r} lacks required "
            + ", ".join(f"'{f}'" for f in missing)
        )


def service_account_values(
    entry: Mapping[str, Any],
    key: str,
    fields: Iterable[str],
    required: tuple[str, ...],
) -> dict[str, Any]:
    """The values of a REST service's config entry (pack config ``key``): the
    ``required`` fields checked, only the account's ``fields`` kept (empty ones
    dropped, so the dataclass default applies), ``url`` without a trailing slash
    and starting with http:// or https://, ``timeout`` a whole number of seconds
    from 1. Every problem is a ``ConfigError`` naming the key and the entry."""
    require_fields(entry, key, required)
    known = set(fields)
    values = {k: v for k, v in entry.items() if k in known and v not in (None, "")}
    where = f"pack config '{key}' entry {values.get('name')!r}"
    values["url"] = str(values["url"]).rstrip("/")
    if not values["url"].startswith(("http://", "https://")):
        raise ConfigError(f"{where}: 'url' must start with https:// (or http://)")
    if "timeout" in values:
        values["timeout"] = validation.config_whole_number(
            f"{where}: 'timeout'", values["timeout"], 1, note="seconds"
        )
    return values


def tls_verify(verify: bool, ca_file: str | None) -> bool | str:
    """What ``requests`` takes as ``verify``: the CA file when verifying against
    one, else the flag."""
    return ca_file if verify and ca_file else verify


class KeyValueStore(Protocol):
    """What workflows may do with persistent state."""

    def get(self, key: str) -> Any | None: ...

    def set(self, key: str, value: Any, ttl: int | None = None) -> None: ...

    def delete(self, key: str) -> bool: ...

    def list(self, prefix: str = "") -> dict[str, Any]: ...


class ActionServiceStore:
    """``KeyValueStore`` over a StackStorm ``action_service`` (or its stand-in).

    Values are stored as JSON strings because the StackStorm datastore holds strings;
    keys are pack-local (``local=True``) so they cannot collide with other packs.
    """

    def __init__(self, action_service: Any, namespace: str = "") -> None:
        self._service = action_service
        self._namespace = namespace

    def _key(self, key: str) -> str:
        return f"{self._namespace}{key}"

    def get(self, key: str) -> Any | None:
        raw = self._service.get_value(self._key(key), local=True)
        return None if raw is None else json.loads(raw)

    def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        self._service.set_value(self._key(key), json.dumps(value), ttl=ttl, local=True)

    def delete(self, key: str) -> bool:
        return bool(self._service.delete_value(self._key(key), local=True))

    def list(self, prefix: str = "") -> dict[str, Any]:
        full_prefix = self._key(prefix)
        items = self._service.list_values(local=True, prefix=full_prefix) or []
        result: dict[str, Any] = {}
        for item in items:
            name = item.name.split(":", 1)[-1] if ":" in item.name else item.name
            if name.startswith(full_prefix):
                result[name[len(self._namespace) :]] = json.loads(item.value)
        return result


#: Exception types that are always a bug in the pack, even when raised while
#: handling a service error (which would otherwise be reported instead of the bug).
PROGRAMMING_ERRORS = (
    AssertionError,
    AttributeError,
    IndexError,
    KeyError,
    NameError,
    TypeError,
    ZeroDivisionError,
)


@dataclass
class ServiceFailure:
    """A call to a cloud, SMTP server or JupyterHub that failed, as an operator
    needs it: which account (named by the action parameter ``parameter``: cloud_account,
    smtp_account or jupyter_env), which endpoint (URL or host:port), and the cause in
    a few words ("connection refused", "401 Unauthorized: bad credentials", ...).
    ``detail`` is the library's own one-line message, for whoever debugs it."""

    parameter: str
    cause: str
    account: str | None = None
    endpoint: str | None = None
    service: str | None = None
    status: int | None = None
    detail: str | None = None

    def message(self) -> str:
        """One readable line: ``cloud_account 'prod': connection refused (URL)``."""
        who = f"{self.parameter} {self.account!r}" if self.account else self.parameter
        where = f" ({self.endpoint})" if self.endpoint else ""
        return f"{who}: {self.cause}{where}"

    def as_result(self) -> dict[str, Any]:
        """The failed execution's result: ``error`` plus the known fields."""
        result: dict[str, Any] = {"error": self.message()}
        for key in ("account", "endpoint", "cause", "service", "status", "detail"):
            value = getattr(self, key)
            if value is not None:
                result[key] = value
        result["account_parameter"] = self.parameter
        return result


class HTTPServiceError(RuntimeError):
    """A request to an HTTP service of a pack config account failed; ``status`` is
    None when no answer came (``failure()`` then says why: refused, timed out, reset,
    TLS ...). Each API package subclasses it with its account parameter, service
    name and wording of 401/403."""

    #: The action parameter naming the account (``alertmanager_account`` ...).
    parameter = "account"
    #: ``ServiceFailure.service`` and the name used in causes.
    service = "service"
    label = "the service"
    unauthorized = "the service refused the credentials"

    def __init__(
        self,
        account: str,
        call: str,
        status: int | None,
        message: str,
        url: str | None,
        subject: str = "",
    ) -> None:
        """``subject`` (``user 'alice'``) names what the call was about, if not
        only the account."""
        about = f", {subject}" if subject else ""
        super().__init__(
            f"{self.parameter} {account!r}{about}: {call} failed ({status}): {message}"
        )
        self.account = account
        self.call = call
        self.status = status
        self.url = url
        self.service_message = message
        #: The request's timeout in seconds, when it timed out (set by the client).
        self.timeout: float | None = None

    def forbidden(self) -> str:
        """The cause of a 403."""
        return "403 Forbidden: the account may not do this"

    def cause(self) -> str:
        """What went wrong in a few words: "connection refused", "timed out after
        30 s", "401 Unauthorized: ...", "503 Service Unavailable from ...: ..."."""
        if self.status is None:
            cause = network_cause(self) or one_line(self.service_message, 200)
            if cause == "timed out" and self.timeout is not None:
                cause = f"timed out after {self.timeout:g} s"
            return cause
        if self.status == 401:
            return f"401 Unauthorized: {self.unauthorized}"
        if self.status == 403:
            return self.forbidden()
        try:
            head = f"{self.status} {HTTPStatus(self.status).phrase}"
        except ValueError:
            head = str(self.status)
        return f"{head} from {self.label}: {one_line(self.service_message, 300)}"

    def failure(self) -> ServiceFailure:
        """This error as an operator reads it: account, URL and cause."""
        return ServiceFailure(
            parameter=self.parameter,
            cause=self.cause(),
            account=self.account,
            endpoint=self.url,
            service=self.service,
            status=self.status,
            detail=one_line(self),
        )


#: The HTTP methods whose request may be sent twice with the effect of once (RFC 9110).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


class HTTPClient:
    """The base of the pack's REST clients: one ``requests`` session (close it, or use
    ``with``) and ``send``, the one request loop they all go through."""

    def __init__(
        self,
        session: requests.Session,
        verify: bool | str,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
    ) -> None:
        """``verify`` (True, False or a CA bundle path) applies to every request;
        ``headers`` and basic ``auth`` are set on the session."""
        self._session = session
        self.verify = verify
        self._session.headers.update(headers or {})
        if auth is not None:
            self._session.auth = auth

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the HTTP connections."""
        self._session.close()

    def send(
        self,
        method: str,
        url: str,
        *,
        timeout: float,
        idempotent: bool,
        no_answer: Callable[[requests.RequestException], Exception],
        **kwargs: Any,
    ) -> requests.Response:
        """Send ``method url`` with ``timeout`` and the client's TLS ``verify`` (given
        per request: a session's ``verify`` loses to ``REQUESTS_CA_BUNDLE``) and return
        the answer, whatever its status.

        An ``idempotent`` request whose connection failed before any answer is sent
        once more; never one that timed out (the service may still be doing it) or
        failed TLS (it would fail again), and never a request that is not idempotent
        (a create whose reply was lost is found again by its key instead). When no
        answer comes, the exception ``no_answer`` makes of the failure is raised
        from it."""
        attempts = 2 if idempotent else 1
        attempt = 1
        while True:
            try:
                return self._session.request(
                    method, url, timeout=timeout, verify=self.verify, **kwargs
                )
            except requests.RequestException as exc:
                if attempt < attempts and _connection_failed(exc):
                    attempt += 1
                    continue
                raise no_answer(exc) from exc


def _connection_failed(exc: requests.RequestException) -> bool:
    """The connection failed before the request was answered (refused, reset, name
    not found ...), neither by a timeout (``ConnectTimeout`` is both) nor in TLS."""
    return isinstance(exc, requests.ConnectionError) and not isinstance(
        exc, requests.Timeout | requests.exceptions.SSLError
    )


def exception_chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and every exception under it (``__cause__``, ``__context__``, and the
    ``reason``/args exceptions urllib3 and requests wrap), outermost first."""
    found: list[BaseException] = []
    todo: list[Any] = [exc]
    while todo:
        current = todo.pop(0)
        if not isinstance(current, BaseException) or any(current is f for f in found):
            continue
        found.append(current)
        todo += [
            current.__cause__,
            current.__context__,
            getattr(current, "reason", None),
        ]
        todo += list(current.args)
    return found


def _errno_in(exc: BaseException, numbers: Iterable[int]) -> bool:
    """An ``OSError`` whose errno is one of ``numbers``."""
    return isinstance(exc, OSError) and exc.errno in set(numbers)


#: Socket-level reasons, most specific first: (test, cause).
_NETWORK_CAUSES: tuple[tuple[Any, str], ...] = (
    (lambda e: isinstance(e, ConnectionRefusedError), "connection refused"),
    (
        lambda e: isinstance(e, http.client.RemoteDisconnected),
        "connection closed without a response",
    ),
    (
        lambda e: isinstance(e, ConnectionResetError | BrokenPipeError)
        or _errno_in(e, (errno.ECONNRESET, errno.EPIPE)),
        "connection reset",
    ),
    (
        lambda e: isinstance(e, ssl.SSLCertVerificationError),
        "TLS certificate not trusted",
    ),
    (lambda e: isinstance(e, ssl.SSLError), "TLS handshake failed"),
    (lambda e: isinstance(e, socket.gaierror), "host name not found"),
    (
        lambda e: isinstance(e, TimeoutError)
        or type(e).__name__.endswith(("Timeout", "TimeoutError")),
        "timed out",
    ),
    (
        lambda e: _errno_in(e, (errno.EHOSTUNREACH, errno.ENETUNREACH)),
        "host unreachable",
    ),
    (
        lambda e: isinstance(e, http.client.IncompleteRead),
        "connection closed mid-answer",
    ),
)


def network_cause(exc: BaseException) -> str | None:
    """The socket-level reason for ``exc`` ("connection refused", "timed out",
    "connection reset", ...), found anywhere in its chain; None when it has none."""
    chain = exception_chain(exc)
    for test, cause in _NETWORK_CAUSES:
        if any(test(e) for e in chain):
            return cause
    return None


def one_line(text: object, limit: int = 300) -> str:
    """``text`` on one line, at most ``limit`` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


_SECRET_KEY = re.compile(r"password|token|secret", re.IGNORECASE)
#: Shorter values are not masked: they would mangle ordinary words.
MIN_SECRET_LENGTH = 4


def secret_values(config: Any) -> set[str]:
    """Every string under a password/token/secret key of the pack config."""
    found: set[str] = set()
    if isinstance(config, Mapping):
        for key, value in config.items():
            if isinstance(value, str) and _SECRET_KEY.search(str(key)):
                if len(value) >= MIN_SECRET_LENGTH:
                    found.add(value)
            else:
                found |= secret_values(value)
    elif isinstance(config, list | tuple):
        for value in config:
            found |= secret_values(value)
    return found


_URL_WITH_PASSWORD = re.compile(r"\b([a-z][a-z0-9+.-]*://[^/\s:@]+):[^/\s@]+@", re.I)


def redact(value: Any, secrets: Iterable[str] = ()) -> Any:
    """``value`` (a string, or lists/dicts of them) with each of ``secrets`` and
    every URL password replaced by ``***``."""
    if isinstance(value, str):
        text = value
        if "@" in text and "://" in text:  # cheap test first: results can be large
            text = _URL_WITH_PASSWORD.sub(r"\1:***@", text)
        for secret in sorted(secrets, key=len, reverse=True):
            text = text.replace(secret, "***")
        return text
    if isinstance(value, Mapping):
        return {key: redact(item, secrets) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item, secrets) for item in value]
    return value
