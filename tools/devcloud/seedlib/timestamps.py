"""Spread creation/update times over months.

Neither Nova nor Glance lets a client set ``created_at``/``updated_at``, so
this step writes them directly into the services' databases (test data
only): Nova's cell database table ``instances`` and Glance's ``images``.
Times are relative to an anchor fixed at the first seeding (kept in
seed.json), so re-seeding writes the same values.
"""

from __future__ import annotations

import datetime as dt

import pymysql
import seed_data as data
from devcloudlib.state import HOST, PORTS

from seedlib.context import SeedContext


def _connect(ctx: SeedContext, database: str) -> pymysql.connections.Connection:
    return pymysql.connect(
        host=HOST,
        port=PORTS["mariadb"],
        user="devcloud",
        password=ctx.state.secrets()["db"],
        database=database,
        autocommit=True,
    )


def _ago(anchor: dt.datetime, days: object) -> dt.datetime:
    return anchor - dt.timedelta(days=int(days))  # type: ignore[arg-type]


def seed_timestamps(ctx: SeedContext, anchor: dt.datetime) -> None:
    """Backdate servers (created, launched, updated) and images (created, updated)."""
    servers = ctx.ids("servers")
    with _connect(ctx, "nova") as db, db.cursor() as cursor:
        for spec in data.SERVERS:
            entry = servers[spec["name"]]
            created = _ago(anchor, spec["age_days"])
            updated = _ago(anchor, spec["updated_days"])
            cursor.execute(
                "UPDATE instances SET created_at=%s, launched_at=%s, updated_at=%s"
                " WHERE uuid=%s",
                (created, created, updated, entry["id"]),
            )
            entry["created_at"] = created.isoformat() + "Z"
            entry["updated_at"] = updated.isoformat() + "Z"
    images = ctx.ids("images")
    with _connect(ctx, "glance") as db, db.cursor() as cursor:
        for spec in data.IMAGES:
            created = _ago(anchor, spec["age_days"])
            cursor.execute(
                "UPDATE images SET created_at=%s, updated_at=%s WHERE id=%s",
                (created, created, images[spec["name"]]),
            )
