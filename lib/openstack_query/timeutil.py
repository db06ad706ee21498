"""UTC date handling.

OpenStack services return ISO 8601 strings, with ``Z``, an offset, or (older services)
no zone at all. A value without a zone is UTC by the API contract, never the process's
local time, so results do not change with ``TZ``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dateutil import parser as date_parser


def utc_now() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


def to_utc(value: Any) -> datetime | None:
    """Parse ``value`` (datetime or ISO string) to an aware UTC datetime.

    Returns ``None`` for empty values and strings that are not dates, so a missing date
    never matches a date preset instead of crashing the query.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = date_parser.isoparse(value)
        except ValueError:
            try:
                parsed = date_parser.parse(value)
            except (ValueError, OverflowError):
                return None
    else:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def iso_z(moment: datetime) -> str:
    """``moment`` as ``YYYY-MM-DDTHH:MM:SSZ`` (the form every service accepts)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
