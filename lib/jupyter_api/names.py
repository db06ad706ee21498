"""Which hub users an action targets: one name, a numbered range, or a list.

Operators create course users in batches (``course`` 1..40 gives ``course-1`` …
``course-40``). Every name is checked here, before any request, so a typo fails the
action with a message naming the parameter instead of half a batch being created.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pack_common import InputError

#: Lower case (the hub lower-cases names itself, so "Alice" would come back as "alice"),
#: digits and ``. _ @ -``, starting with a letter or digit.
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]*$")
MAX_NAME_LENGTH = 255
#: The most users one action targets; a larger range is almost certainly a typo.
MAX_USERS = 2000


def check_name(name: str, parameter: str) -> str:
    """Return ``name`` when it is a valid hub user name, else raise ``InputError``."""
    if not isinstance(name, str) or not name:
        raise InputError(parameter, "a user name must be a non-empty string")
    if len(name) > MAX_NAME_LENGTH:
        raise InputError(
            parameter, f"user name {name[:40]!r}… is longer than {MAX_NAME_LENGTH}"
        )
    if not NAME_PATTERN.match(name):
        raise InputError(
            parameter,
            f"{name!r} is not a valid user name: use lower-case letters, digits and "
            "'.', '_', '@', '-', starting with a letter or digit",
        )
    return name


def expand_range(base: str, first_index: int, last_index: int) -> list[str]:
    """``base-first`` … ``base-last`` inclusive; 0 is a valid first index."""
    return [f"{base}-{i}" for i in range(first_index, last_index + 1)]


def target_names(
    user: str | None = None,
    first_index: int | None = None,
    last_index: int | None = None,
    users: Sequence[str] | None = None,
) -> list[str]:
    """The validated, de-duplicated user names an action targets, in order.

    Exactly one of ``user`` (with an optional inclusive ``first_index``..``last_index``
    range, both or neither) and ``users`` (an explicit list) must be given.
    """
    if users and user:
        raise InputError("users", "give either 'user' or 'users', not both")
    if users:
        if first_index is not None or last_index is not None:
            raise InputError(
                "first_index", "an index range applies to 'user', not to 'users'"
            )
        names = [check_name(n, "users") for n in users]
    elif user:
        check_name(user, "user")
        names = _range_names(user, first_index, last_index)
    else:
        raise InputError("user", "name a user (or a base name with an index range)")
    unique = list(dict.fromkeys(names))
    if len(unique) > MAX_USERS:
        raise InputError(
            "users" if users else "last_index",
            f"{len(unique)} users is more than the {MAX_USERS} one action may target",
        )
    return unique


def _range_names(
    base: str, first_index: int | None, last_index: int | None
) -> list[str]:
    """``[base]`` without a range, else the validated range names."""
    if first_index is None and last_index is None:
        return [base]
    if first_index is None:
        raise InputError("first_index", "is required when 'last_index' is given")
    if last_index is None:
        raise InputError("last_index", "is required when 'first_index' is given")
    for parameter, value in (("first_index", first_index), ("last_index", last_index)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(parameter, f"must be an integer, got {value!r}")
        if value < 0:
            raise InputError(parameter, f"must be 0 or more, got {value}")
    if last_index < first_index:
        raise InputError(
            "last_index",
            f"{last_index} is smaller than first_index {first_index} "
            "(the range is inclusive)",
        )
    if last_index - first_index + 1 > MAX_USERS:
        raise InputError(
            "last_index",
            f"the range {first_index}..{last_index} is more than the {MAX_USERS} "
            "users one action may target",
        )
    names = expand_range(base, first_index, last_index)
    for name in (names[0], names[-1]):
        check_name(name, "user")
    return names
