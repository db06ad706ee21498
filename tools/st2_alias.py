"""StackStorm's ChatOps alias format matching, for the pack's alias tests.

A test-only re-implementation of what StackStorm does with a chat command and an
alias format (``st2common.models.utils.action_alias_utils``) and with the extracted
strings before the execution is scheduled (``st2api`` alias execution), so alias
formats can be checked without StackStorm:

1. Trailing ``key=value`` pairs (value: ``"quoted"``, ``'quoted'``, ``{...}`` or one
   word) are cut from the end of the command; they become parameters too and win
   over the format's values.
2. The format becomes a regular expression: ``{{ name }}`` matches a (lazily)
   non-empty value, optionally quoted; ``{{ name=default }}`` together with the
   whitespace before it is optional and yields ``default`` when absent. The rest of
   the format is a regular expression itself. ``^\\s*`` / ``\\s*$`` are added unless
   the format has its own anchors, and the command (padded with a space on each
   side) is searched.
3. A command that does not match raises ``AliasParseError``; so does an empty
   command when nothing has a value.

``cast_parameters`` then converts the strings like the alias execution API: arrays
split on commas, other types with StackStorm's casts (``"true"`` -> True, ``"3"`` ->
3, JSON or Python literals for objects).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tools.st2_criteria import cast_parameters as cast_rule_parameters
from tools.st2_criteria import cast_value

_KEY = r"\s*(\S+?)\s*"
_VALUE = r'""|\'\'|"(.+?)"|\'(.+?)\'|({.+?})|(\S+)'
_EXT_VALUE = r'""|\'\'|"(.+?)"|\'(.+?)\'|({.+?})|(.+?)'
_PAIR = rf"(?:^|\s+){_KEY}=({_VALUE})"
_ENDING = rf".*?(({_PAIR}\s*)*)$"
_OPTIONAL = "{{" + _KEY + rf"\s*=\s*(?:{_EXT_VALUE})\s*" + "}}"
_REQUIRED = "{{" + _KEY + "}}"
#: What a ``{{ name }}`` becomes: a value, optionally in quotes or braces.
_PARAM_GROUP = r'\1["\']?(?P<\2>(?:(?<=\').+?(?=\')|(?<=").+?(?=")|{.+?}|.+?))["\']?'


class AliasParseError(ValueError):
    """The command does not match the format (StackStorm's ``ParseException``)."""


@dataclass(frozen=True)
class AliasFormat:
    """One matchable format string of an alias."""

    alias: str
    action_ref: str
    representation: str
    display: str


def format_regex(alias_format: str) -> re.Pattern[str]:
    """The regular expression StackStorm matches commands against."""
    regex = re.sub(r"(\s*)" + _OPTIONAL, "(?:" + _PARAM_GROUP + ")?", alias_format)
    regex = re.sub(r"(\s*)" + _REQUIRED, _PARAM_GROUP, regex)
    if not regex.startswith("^"):
        regex = r"^\s*" + regex
    if not (regex.endswith("$") and not regex.endswith(r"\$")):
        regex = regex + r"\s*$"
    return re.compile(regex, re.DOTALL)


def _split_trailing_pairs(command: str) -> tuple[dict[str, str], str]:
    """The ``key=value`` pairs at the end of ``command`` and the command without them."""
    ending = re.match(_ENDING, command, re.DOTALL)
    pairs: dict[str, str] = {}
    if ending and ending.group(1):
        for found in re.findall(_PAIR, ending.group(1), re.DOTALL):
            pairs[found[0]] = "".join(found[2:])
        command = command.replace(ending.group(1), "")
    return pairs, f" {command} "


def extract_parameters(alias_format: str, command: str) -> dict[str, str | None]:
    """The parameters StackStorm extracts from ``command`` with ``alias_format``."""
    pairs, stream = _split_trailing_pairs(command)
    defaults = {
        found[0]: "".join(found[1:])
        for found in re.findall(_OPTIONAL, alias_format, re.DOTALL)
    }
    match = format_regex(alias_format).search(stream)
    if match is None:
        raise AliasParseError(
            f"command {command!r} does not match format {alias_format!r}"
        )
    result: dict[str, str | None] = dict(match.groupdict())
    for name, default in defaults.items():
        result[name] = result.get(name) or default
    result.update(pairs)
    if alias_format and not (stream.strip() or any(result.values())):
        raise AliasParseError("no value supplied and no default value found")
    return result


def alias_formats(alias: Mapping[str, Any]) -> list[AliasFormat]:
    """Every representation of an alias (a string format is its own display)."""
    found: list[AliasFormat] = []
    for fmt in alias.get("formats") or []:
        if isinstance(fmt, str):
            found.append(AliasFormat(alias["name"], alias["action_ref"], fmt, fmt))
        else:
            reps = fmt.get("representation") or []
            reps = [reps] if isinstance(reps, str) else reps
            found.extend(
                AliasFormat(alias["name"], alias["action_ref"], r, fmt.get("display"))
                for r in reps
            )
    return found


def matching_formats(
    aliases: Iterable[Mapping[str, Any]], command: str
) -> list[AliasFormat]:
    """Every format of ``aliases`` that ``command`` matches (StackStorm refuses a
    command that matches more than one as ambiguous)."""
    matches: list[AliasFormat] = []
    for alias in aliases:
        for fmt in alias_formats(alias):
            try:
                extract_parameters(fmt.representation, command)
            except AliasParseError:
                continue
            matches.append(fmt)
    return matches


def _alias_cast(value: Any, type_name: str | None) -> Any:
    """The alias execution API's cast: an array is a comma list, not JSON; every
    other type as for rules."""
    if isinstance(value, str) and type_name == "array":
        return [v.strip() for v in value.split(",")]
    return cast_value(value, type_name)


def cast_parameters(
    values: Mapping[str, Any], action_parameters: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """Cast extracted strings to the action's parameter types, as StackStorm does
    before scheduling an alias execution. Unknown names are kept as they are."""
    return cast_rule_parameters(values, action_parameters, cast=_alias_cast)
