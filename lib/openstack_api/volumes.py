"""Block-storage volumes: what the pack does to them (Cinder, through
``conn.block_storage``)."""

from __future__ import annotations

import logging

from openstack.connection import Connection

LOG = logging.getLogger(__name__)


def delete_volume(conn: Connection, volume_id: str, wait: int) -> None:
    """Force-delete a volume (attached or in an error state too) and wait (``wait``
    seconds at most) until Cinder has removed it."""
    found = conn.block_storage.get_volume(volume_id)
    conn.block_storage.delete_volume(volume_id, force=True)
    LOG.info("waiting for volume %s to be deleted", volume_id)
    conn.block_storage.wait_for_delete(found, interval=2, wait=wait)
