"""Which hub users an action targets: one name, a numbered range, or a list.

Operators create course users in batches (``course`` 1..40 gives ``course-1`` …
``course-40``). Every name is checked here, before any request, so a typo fails the
action with a message naming the parameter instead of half a batch being created.

Two rules, because the pack does not create every user a hub holds:

- Names the pack creates (``jupyter.user.create``, ``jupyter.users.prepare``) follow
  the pack's own strict rule (``check_name``): lower case, digits and ``. _ @ -``,
  starting with a letter or digit, so they survive every authenticator and spawner.
- Names of users that already exist (list by name, start, stop, delete) follow the
  hub's rule (``check_hub_name``): whatever JupyterHub itself accepts and stores, e.g.
  ``a+tag@example.org`` or ``-dash`` created by an OAuth authenticator or by hand.
  JupyterHub 6's ``Authenticator.validate_username`` (jupyterhub/auth.py, applied by
  ``POST /hub/api/users``) refuses only an empty name, one containing ``/``, one made
  only of dots (also once URL-unquoted) and one starting or ending with whitespace;
  its database column holds 255 characters. A deployment may add its own
  ``username_pattern``: a name outside it is simply not on the hub. Names are sent
  exactly as given (the hub looks them up verbatim; only its login normalises case),
  URL-quoted in the request path (``client._user_path``).

Control characters (and line/paragraph separators) are refused under both rules: such
a name is a typo or an attack on the logs, never an account to act on.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from urllib.parse import unquote

from pack_common import InputError, validation

#: Lower case (the hub lower-cases names itself, so "Alice" would come back as "alice"),
#: digits and ``. _ @ -``, starting with a letter or digit.
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]*$")
#: JupyterHub's ``users.name`` column is ``Unicode(255)``.
MAX_NAME_LENGTH = 255
#: The most users one action targets; a larger range is almost certainly a typo.
MAX_USERS = 2000
#: Unicode categories refused in any name: controls (C0, DEL, C1), surrogates (not
#: encodable), line and paragraph separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})


def _check_common(name: object, parameter: str) -> str:
    """What both rules require: a non-empty string of at most ``MAX_NAME_LENGTH``
    characters without control characters."""
    if not isinstance(name, str) or not name:
        raise InputError(parameter, "a user name must be a non-empty string")
    if len(name) > MAX_NAME_LENGTH:
        raise InputError(
            parameter, f"user name {name[:40]!r}… is longer than {MAX_NAME_LENGTH}"
        )
    bad = next(
        (ch for ch in name if unicodedata.category(ch) in _REFUSED_CATEGORIES), None
    )
    if bad is not None:
        raise InputError(
            parameter,
            f"user name {name!r} contains the control character U+{ord(bad):04X}",
        )
    return name


def check_name(name: str, parameter: str) -> str:
    """Return ``name`` when the pack may create a user of that name (the pack's
    strict rule), else raise ``InputError`` naming ``parameter``."""
    _check_common(name, parameter)
    if not NAME_PATTERN.match(name):
        raise InputError(
            parameter,
            f"{name!r} is not a valid user name for a user the pack creates: use "
            "lower-case letters, digits and '.', '_', '@', '-', starting with a "
            "letter or digit",
        )
    return name


def check_hub_name(name: str, parameter: str) -> str:
    """Return ``name`` when a JupyterHub could hold a user of that name (the hub's
    own rule, see the module docstring), else raise ``InputError`` naming
    ``parameter``."""
    _check_common(name, parameter)
    reason = None
    if "/" in name:
        reason = "it contains '/'"
    elif set(name) == {"."} or set(unquote(name)) == {"."}:
        reason = "it is made only of dots"
    elif name != name.strip():
        reason = "it starts or ends with whitespace"
    if reason:
        raise InputError(
            parameter,
            f"{name!r} cannot be a JupyterHub user name: {reason} (JupyterHub "
            "refuses names with '/', only dots, or leading/trailing whitespace)",
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
    existing: bool = False,
) -> list[str]:
    """The validated, de-duplicated user names an action targets, in order.

    Exactly one of ``user`` (with an optional inclusive ``first_index``..``last_index``
    range, both or neither) and ``users`` (an explicit list) must be given. Names are
    checked by the pack's rule for users it will create, or with ``existing`` by the
    hub's own rule (users the action only finds, starts, stops or deletes).
    """
    check = check_hub_name if existing else check_name
    if users and user:
        raise InputError("users", "give either 'user' or 'users', not both")
    if users:
        if first_index is not None or last_index is not None:
            raise InputError(
                "first_index", "an index range applies to 'user', not to 'users'"
            )
        if isinstance(users, str):
            raise InputError("users", "must be a list of user names, not one string")
        names = [check(n, "users") for n in users]
    elif user:
        check(user, "user")
        names = _range_names(user, first_index, last_index)
        for name in (names[0], names[-1]):
            check(name, "user")
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
    """``[base]`` without a range, else the range's names (the caller checks the
    longest of them, the first and last, against its naming rule)."""
    if first_index is None and last_index is None:
        return [base]
    if first_index is None:
        raise InputError("first_index", "is required when 'last_index' is given")
    if last_index is None:
        raise InputError("last_index", "is required when 'first_index' is given")
    for parameter, value in (("first_index", first_index), ("last_index", last_index)):
        validation.whole_number(parameter, value, 0)
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
    return expand_range(base, first_index, last_index)
