"""Datastore constants, with StackStorm's names and values."""

SYSTEM_SCOPE = "system"
USER_SCOPE = "user"
FULL_SYSTEM_SCOPE = "st2kv.system"
FULL_USER_SCOPE = "st2kv.user"
DATASTORE_KEY_SEPARATOR = ":"
