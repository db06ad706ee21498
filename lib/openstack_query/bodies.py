"""Listing resources as lightweight views of their API bodies; the ONE module that
relies on openstacksdk internals.

Building an openstacksdk ``Resource`` costs about 5 ms per item: its constructor
sorts every attribute into components, converts the whole object with ``to_dict()``
and calls the deprecated ``Resource._compute_attributes`` (which warns with
``RemovedInSDK50Warning`` on every single object). A query only needs a few values
of each item, so listings here still go through openstacksdk's own paginating
generator (``Resource.list`` via the proxy's ``_list``, exactly what the public
proxy methods such as ``conn.compute.servers()`` call) but each item comes back as
a ``BodyView``: the JSON body as the API returned it, read through the SDK
resource class's own field descriptors, so ``view.project_id`` is what
``Server.project_id`` would be (same server-side key, alias and type conversion).
The real SDK object is built only on demand (``to_sdk()``, for ``to_objects()``).

The openstacksdk internals used, all of them here, each checked by
``sdk_internals_problems()`` (a unit test fails naming the one that changed):

1. ``openstack.proxy.Proxy._list(resource_type, paginated, base_path, **attrs)``:
   the paginating generator the public listing methods call.
2. ``Resource.list`` builds each listed item with
   ``cls.existing(microversion=..., connection=..., **body)``.
3. ``openstack.fields._BaseComponent``: the base of the ``Body``/``Header``/
   ``URI``/``Computed`` field descriptors, whose ``__get__`` reads the instance's
   component mapping named by the descriptor's ``key`` (``_body``...) by the
   field's server-side ``name``, falling back to ``default``/``alias`` and
   converting to ``data_type``.
4. ``Resource._body.attributes``: a built SDK object's body by server-side names.
"""

from __future__ import annotations

import gc
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from inspect import Parameter, signature
from types import MappingProxyType
from typing import Any

from openstack import fields, proxy, resource
from openstack import warnings as os_warnings

#: Reads one attribute of a ``BodyView``.
Reader = Callable[["BodyView"], Any]


@cache
def _field(resource_cls: type[resource.Resource], name: str) -> Any | None:
    """The SDK field descriptor (``Body``, ``Header``, ``URI``, ``Computed``) called
    ``name`` on ``resource_cls``, or None when there is no such field."""
    for klass in resource_cls.__mro__:
        candidate = klass.__dict__.get(name)
        if candidate is not None:
            return candidate if isinstance(candidate, fields._BaseComponent) else None
    return None


@cache
def _reader(resource_cls: type[resource.Resource], name: str) -> Reader | None:
    """How to read attribute ``name`` of a view of ``resource_cls``: a plain body
    key lookup for a body field the descriptor returns unconverted (no type, no
    alias, not deprecated: what ``__get__`` does, without its overhead), else the
    descriptor itself; None when the class has no such field."""
    descriptor = _field(resource_cls, name)
    if descriptor is None:
        return None
    if (
        type(descriptor) is fields.Body
        and descriptor.data_type is None
        and not descriptor.alias
        and not descriptor.deprecated
    ):
        key: str = descriptor.name
        default: Any = descriptor.default
        return lambda view: view._body.get(key, default)
    return lambda view: descriptor.__get__(view, resource_cls)


class BodyView:
    """A read-only view of one API body with the attribute names of an openstacksdk
    resource class (e.g. ``created_at`` for Nova's ``created``)."""

    __slots__ = (
        "__weakref__",
        "_body",
        "_connection",
        "_microversion",
        "_resource_cls",
        "_slim",
    )

    # The SDK descriptors read these four component mappings by name; a listed body
    # has no headers, URI parts or computed values.
    _header: Mapping[str, Any] = MappingProxyType({})
    _uri: Mapping[str, Any] = MappingProxyType({})
    _computed: Mapping[str, Any] = MappingProxyType({})

    def __init__(
        self,
        resource_cls: type[resource.Resource],
        body: dict[str, Any],
        connection: Any = None,
        microversion: str | None = None,
    ) -> None:
        self._body = body
        self._resource_cls = resource_cls
        # kept for ``to_sdk()``, so the object is what the SDK listing would give
        self._connection = connection
        self._microversion = microversion
        self._slim = False

    @property
    def body(self) -> dict[str, Any]:
        """The body exactly as the API returned it."""
        return self._body

    @property
    def id(self) -> Any:
        """The resource's id (read for every listed item: the paginating generator
        takes the next page's marker from it)."""
        return self.read("id")

    @property
    def resource_cls(self) -> type[resource.Resource]:
        """The openstacksdk resource class whose attribute names this view uses."""
        return self._resource_cls

    def __getattr__(self, name: str) -> Any:
        # Only called for names that are not instance attributes.
        if name.startswith("__"):
            raise AttributeError(name)
        reader = _reader(self._resource_cls, name)
        if reader is None:
            raise AttributeError(
                f"{self._resource_cls.__name__} has no attribute {name!r}"
            )
        return reader(self)

    def read(self, name: str, default: Any = None) -> Any:
        """Attribute ``name`` as ``getattr(view, name, default)`` gives it (the
        fast path property getters use)."""
        reader = _reader(self._resource_cls, name)
        return default if reader is None else reader(self)

    def get(self, name: str, default: Any = None) -> Any:
        """Dict-style access by attribute name (``Resource.list`` uses it for
        client-side filters)."""
        value = self.read(name)
        return default if value is None else value

    def slimmed(self, keys: tuple[str, ...]) -> BodyView:
        """A view of only ``keys`` of this body (what a kept row still reads)."""
        body = self._body
        view = BodyView.__new__(BodyView)
        view._body = {k: body[k] for k in keys if k in body}
        view._resource_cls = self._resource_cls
        view._connection = self._connection
        view._microversion = self._microversion
        view._slim = True
        return view

    @property
    def is_slim(self) -> bool:
        """Whether this view holds only some keys of the body (``slimmed``)."""
        return self._slim

    def to_sdk(self) -> resource.Resource:
        """The full openstacksdk object for this body (built now, on demand)."""
        with quiet_sdk_construction():
            return self._resource_cls.existing(
                connection=self._connection,
                microversion=self._microversion,
                **dict(self._body),
            )

    def __repr__(self) -> str:
        return f"BodyView({self._resource_cls.__name__}, id={self._body.get('id')!r})"


@contextmanager
def quiet_sdk_construction() -> Iterator[None]:
    """Silence the one deprecation openstacksdk's own ``Resource`` constructor emits
    for every object it builds (it calls its deprecated ``_compute_attributes``;
    callers cannot avoid it). Used where SDK objects are built on purpose:
    ``to_objects()`` and their conversion to dicts (nested resources)."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            message="The _compute_attributes method is deprecated",
            category=os_warnings.RemovedInSDK50Warning,
        )
        yield


@cache
def body_class(resource_cls: type[resource.Resource]) -> type[resource.Resource]:
    """A subclass of ``resource_cls`` (same paths, query mapping, pagination and
    microversion negotiation) whose ``list()`` yields ``BodyView``s."""

    def existing(
        cls: type[resource.Resource], /, connection: Any = None, **attrs: Any
    ) -> BodyView:
        microversion = attrs.pop("microversion", None)
        return BodyView(resource_cls, attrs, connection, microversion)

    return type(
        f"{resource_cls.__name__}Bodies",
        (resource_cls,),
        {"existing": classmethod(existing), "__module__": __name__},
    )


def list_bodies(
    service: Any,
    resource_cls: type[resource.Resource],
    base_path: str | None = None,
    **params: Any,
) -> Iterator[BodyView]:
    """List ``resource_cls`` through openstacksdk's paginating generator, as the
    public proxy method would (same ``base_path`` and query parameters), yielding
    ``BodyView``s instead of SDK objects. ``service`` is a proxy
    (``conn.compute``...)."""
    listing: Iterator[BodyView] = service._list(
        body_class(resource_cls), base_path=base_path, **params
    )
    return listing


def to_sdk(value: Any) -> Any:
    """``value`` as an openstacksdk object when it is a ``BodyView``."""
    return value.to_sdk() if isinstance(value, BodyView) else value


def api_body(value: Any) -> dict[str, Any]:
    """The body of a ``BodyView``, an openstacksdk resource (or a plain dict) as
    the API sent it (openstacksdk resources are dicts too, but of converted
    values), including keys openstacksdk does not model."""
    if isinstance(value, BodyView):
        return value.body
    attributes = getattr(getattr(value, "_body", None), "attributes", None)
    if isinstance(attributes, dict):
        return attributes
    if isinstance(value, dict):
        return value
    to_dict = getattr(value, "to_dict", None)
    result = to_dict() if callable(to_dict) else {}
    return result if isinstance(result, dict) else {}


_GC_LOCK = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a listing streams.

    Decoding a page allocates tens of thousands of short-lived, acyclic
    containers (freed by reference counting), and each page survives long enough
    to be promoted, so the collector would run full collections over the whole
    process again and again for nothing (a third of a large listing's CPU).
    Thread-safe and nestable; the collector's previous state is restored when
    the last pause ends, and nothing is leaked: cycles made meanwhile are
    collected by the next collection."""
    global _gc_pauses, _gc_was_enabled
    with _GC_LOCK:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


def sdk_internals_problems() -> list[str]:
    """What no longer holds of the openstacksdk internals this module relies on
    (see the module docstring), one sentence each; empty when all hold."""
    problems: list[str] = []
    base = getattr(fields, "_BaseComponent", None)
    if not isinstance(base, type):
        problems.append("openstack.fields._BaseComponent is gone")
    else:
        for name, key in (
            ("Body", "_body"),
            ("Header", "_header"),
            ("URI", "_uri"),
            ("Computed", "_computed"),
        ):
            cls = getattr(fields, name, None)
            if not (isinstance(cls, type) and issubclass(cls, base)):
                problems.append(f"openstack.fields.{name} is not a _BaseComponent")
            elif getattr(cls, "key", None) != key:
                problems.append(
                    f"openstack.fields.{name}.key is {getattr(cls, 'key', None)!r}, "
                    f"not {key!r} (BodyView provides {key})"
                )
        body = fields.Body("server_key", default="dflt")
        for attr in ("name", "data_type", "default", "alias", "deprecated"):
            if not hasattr(body, attr):
                problems.append(f"openstack.fields.Body has no {attr!r} attribute")
    lister = getattr(proxy.Proxy, "_list", None)
    if not callable(lister):
        problems.append("openstack.proxy.Proxy._list is gone")
    else:
        params = signature(lister).parameters
        for name in ("resource_type", "paginated", "base_path"):
            if name not in params:
                problems.append(f"openstack.proxy.Proxy._list has no {name!r}")
        if not any(p.kind is Parameter.VAR_KEYWORD for p in params.values()):
            problems.append("openstack.proxy.Proxy._list takes no **attrs")
    if not isinstance(resource.Resource.__dict__.get("existing"), classmethod):
        problems.append("openstack.resource.Resource.existing is not a classmethod")
    if problems:
        return problems
    # the behaviour the views rely on, end to end
    from openstack.compute.v2.server import Server

    view = BodyView(Server, {"id": "i", "tenant_id": "p", "name": None})
    for attr, expected in (("id", "i"), ("project_id", "p"), ("name", None)):
        slow = _field(Server, attr).__get__(view, Server)  # type: ignore[union-attr]
        if slow != expected or getattr(view, attr) != expected:
            problems.append(
                f"openstack.fields.Body.__get__ reads Server.{attr} as {slow!r} "
                f"from a view (expected {expected!r})"
            )
    with quiet_sdk_construction():
        built = Server.existing(id="i", tenant_id="p")
    attributes = getattr(getattr(built, "_body", None), "attributes", None)
    if not isinstance(attributes, dict) or attributes.get("tenant_id") != "p":
        problems.append(
            "openstack.resource.Resource._body.attributes no longer holds the body "
            "by server-side names"
        )
    return problems
