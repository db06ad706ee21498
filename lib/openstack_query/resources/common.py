"""Helpers shared by the fetchers: page size and safe exact-match pushdown."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from openstack import exceptions as sdk_exceptions

from openstack_query.bodies import BodyView
from openstack_query.errors import FetchError
from openstack_query.properties import Item

#: Page size asked of paginated listings (Nova and Glance cap it at 1000 by default).
PAGE_SIZE = 1000

_PLAIN_NAME = re.compile(r"^[A-Za-z0-9_ .@:-]*$")


def collect(listing: Iterable[Any], what: str) -> list[Item]:
    """Drain an openstacksdk listing generator into items, turning SDK errors into
    ``FetchError`` naming the listing."""
    try:
        return [Item(raw) for raw in listing]
    except sdk_exceptions.SDKException as exc:
        raise FetchError(f"listing {what} failed: {exc}") from exc


def stream(listing: Iterable[Any], what: str) -> Iterator[Item]:
    """Items of an openstacksdk listing generator one at a time, as its pages
    arrive (nothing is accumulated), turning SDK errors into ``FetchError``."""
    try:
        for raw in listing:
            yield Item(raw)
    except sdk_exceptions.SDKException as exc:
        raise FetchError(f"listing {what} failed: {exc}") from exc


def get_one(service: Any, path: str, key: str, resource_cls: type, what: str) -> Any:
    """One resource by id (``GET path``) as a ``BodyView``, or None when the API
    says 404: the one call a lookup by id needs instead of a whole listing."""
    try:
        response = service.get(path)
        if getattr(response, "status_code", 200) == 404:
            return None
        sdk_exceptions.raise_from_response(response)
    except sdk_exceptions.NotFoundException:
        return None
    except sdk_exceptions.SDKException as exc:
        raise FetchError(f"getting {what} failed: {exc}") from exc
    body = response.json().get(key)
    return BodyView(resource_cls, body) if isinstance(body, dict) else None


def exact_name_regex(name: Any) -> str | None:
    """A server-side name regex matching exactly ``name``, or None when the name has
    characters whose regex meaning could differ between Python and the database."""
    text = str(name)
    if not text or not _PLAIN_NAME.match(text):
        return None
    return "^" + text.replace(".", "[.]") + "$"
