"""Listing resources as lightweight views of their API bodies.

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
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from types import MappingProxyType
from typing import Any

from openstack import fields, resource
from openstack import warnings as os_warnings


@cache
def _field(resource_cls: type[resource.Resource], name: str) -> Any | None:
    """The SDK field descriptor (``Body``, ``Header``, ``URI``, ``Computed``) called
    ``name`` on ``resource_cls``, or None when there is no such field."""
    for klass in resource_cls.__mro__:
        candidate = klass.__dict__.get(name)
        if candidate is not None:
            return candidate if isinstance(candidate, fields._BaseComponent) else None
    return None


class BodyView:
    """A read-only view of one API body with the attribute names of an openstacksdk
    resource class (e.g. ``created_at`` for Nova's ``created``)."""

    __slots__ = ("__weakref__", "_body", "_resource_cls", "_sdk_args", "_slim")

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
        self._sdk_args = {"connection": connection, "microversion": microversion}
        self._slim = False

    @property
    def body(self) -> dict[str, Any]:
        """The body exactly as the API returned it."""
        return self._body

    @property
    def resource_cls(self) -> type[resource.Resource]:
        """The openstacksdk resource class whose attribute names this view uses."""
        return self._resource_cls

    def __getattr__(self, name: str) -> Any:
        # Only called for names that are not instance attributes.
        if name.startswith("__"):
            raise AttributeError(name)
        descriptor = _field(self._resource_cls, name)
        if descriptor is None:
            raise AttributeError(
                f"{self._resource_cls.__name__} has no attribute {name!r}"
            )
        return descriptor.__get__(self, self._resource_cls)

    def get(self, name: str, default: Any = None) -> Any:
        """Dict-style access by attribute name (``Resource.list`` uses it for
        client-side filters)."""
        value = getattr(self, name, None)
        return default if value is None else value

    def slimmed(self, keys: tuple[str, ...]) -> BodyView:
        """A view of only ``keys`` of this body (what a kept row still reads)."""
        body = self._body
        view = BodyView.__new__(BodyView)
        view._body = {k: body[k] for k in keys if k in body}
        view._resource_cls = self._resource_cls
        view._sdk_args = self._sdk_args
        view._slim = True
        return view

    @property
    def is_slim(self) -> bool:
        """Whether this view holds only some keys of the body (``slimmed``)."""
        return self._slim

    def to_sdk(self) -> resource.Resource:
        """The full openstacksdk object for this body (built now, on demand)."""
        with quiet_sdk_construction():
            return self._resource_cls.existing(**self._sdk_args, **dict(self._body))

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

    def existing(cls: type, connection: Any = None, **attrs: Any) -> BodyView:
        microversion = attrs.pop("microversion", None)
        return BodyView(resource_cls, attrs, connection, microversion)

    return type(
        f"{resource_cls.__name__}Bodies",
        (resource_cls,),
        {"existing": classmethod(existing), "__module__": __name__},
    )


def list_bodies(
    proxy: Any,
    resource_cls: type[resource.Resource],
    base_path: str | None = None,
    **params: Any,
) -> Iterator[BodyView]:
    """List ``resource_cls`` through openstacksdk's paginating generator, as the
    public proxy method would (same ``base_path`` and query parameters), yielding
    ``BodyView``s instead of SDK objects."""
    return proxy._list(body_class(resource_cls), base_path=base_path, **params)


def to_sdk(value: Any) -> Any:
    """``value`` as an openstacksdk object when it is a ``BodyView``."""
    return value.to_sdk() if isinstance(value, BodyView) else value
