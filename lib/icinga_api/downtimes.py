"""Downtimes as the pack handles them.

A downtime the pack schedules has ``author`` = the account's ``author`` and a comment
ending in ``[openstack_ops key=<key>]`` (the same marker as the pack's silences,
``alertmanager_api.silences.marker``), so a re-run finds it instead of scheduling
another and remove takes away exactly that one (the host's downtime and the service
downtimes Icinga made with it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_MARKER = re.compile(r"\[openstack_ops key=([^\]\s]+)\]")


def key_of(comment: str | None) -> str | None:
    """The key marked in ``comment``, or None for a downtime the pack did not make."""
    found = _MARKER.search(comment or "")
    return found.group(1) if found else None


@dataclass(frozen=True)
class Downtime:
    """One downtime object (a host's, or one of its services')."""

    name: str
    host_name: str
    service_name: str
    author: str
    comment: str
    start_time: int
    end_time: int
    fixed: bool
    parent: str

    @classmethod
    def from_api(cls, doc: dict[str, Any]) -> Downtime:
        """From ``GET /v1/objects/downtimes``' results."""
        attrs = doc.get("attrs") or {}
        return cls(
            name=str(doc.get("name") or attrs.get("__name") or ""),
            host_name=str(attrs.get("host_name") or ""),
            service_name=str(attrs.get("service_name") or ""),
            author=str(attrs.get("author") or ""),
            comment=str(attrs.get("comment") or ""),
            start_time=int(float(attrs.get("start_time") or 0)),
            end_time=int(float(attrs.get("end_time") or 0)),
            fixed=bool(attrs.get("fixed", True)),
            parent=str(attrs.get("parent") or ""),
        )

    @property
    def key(self) -> str | None:
        """The pack's key, or None when the pack did not schedule it."""
        return key_of(self.comment)

    @property
    def is_host_downtime(self) -> bool:
        """The host's own downtime (not one of its services')."""
        return not self.service_name

    def as_dict(self) -> dict[str, Any]:
        """Plain data for results."""
        return {
            "name": self.name,
            "host": self.host_name,
            "service": self.service_name or None,
            "author": self.author,
            "comment": self.comment,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "fixed": self.fixed,
            "key": self.key,
        }
