"""Rules for ``pack.yaml``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tools.pack_lint.loader import load_yaml
from tools.pack_lint.problems import Problem

PACK_FILE = "pack.yaml"
REQUIRED_KEYS = ("name", "description", "version", "author")
ALLOWED_KEYS = frozenset(
    {
        "ref",
        "name",
        "description",
        "version",
        "author",
        "email",
        "contributors",
        "keywords",
        "python_versions",
        "stackstorm_version",
        "dependencies",
        "system",
        "files",
    }
)
PACK_REF = re.compile(r"^[a-z0-9_]+$")
STRICT_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_pack_file(pack_dir: Path) -> tuple[str, list[Problem]]:
    """Check pack.yaml; return the pack ref (``name`` when no ``ref``) and problems."""
    if not (pack_dir / PACK_FILE).is_file():
        return pack_dir.name, [Problem(PACK_FILE, "(file)", "pack.yaml is missing")]
    data, problems = load_yaml(pack_dir, PACK_FILE)
    if problems:
        return pack_dir.name, problems
    if not isinstance(data, dict):
        return pack_dir.name, [Problem(PACK_FILE, "(document)", "must be a mapping")]

    def report(key: str, message: str) -> None:
        problems.append(Problem(PACK_FILE, key, message))

    for key in data:
        if key not in ALLOWED_KEYS:
            report(str(key), f"unknown key {key!r}")
    for key in REQUIRED_KEYS:
        if not isinstance(data.get(key), str) or not data[key].strip():
            report(key, f"required key {key!r} must be a non-empty string")
    ref = data.get("ref", data.get("name"))
    ref_key = "ref" if "ref" in data else "name"
    if not isinstance(ref, str) or not PACK_REF.match(ref):
        report(ref_key, f"pack ref {ref!r} must match ^[a-z0-9_]+$")
        ref = pack_dir.name
    version = data.get("version")
    if "version" in data and not (
        isinstance(version, str) and STRICT_SEMVER.match(version)
    ):
        report(
            "version",
            f"{version!r} is not strict semver X.Y.Z (quote it; no 'v', no suffix)",
        )
    if "email" not in data:
        report("email", "missing 'email' (StackStorm Exchange and st2 pack need it)")
    elif not isinstance(data["email"], str) or not EMAIL.match(data["email"]):
        report("email", f"{data['email']!r} is not an e-mail address")
    _check_python_versions(data.get("python_versions"), report)
    for key in ("keywords", "contributors"):
        if key in data and not _is_str_list(data[key]):
            report(key, "must be a list of strings")
    return ref, problems


def _check_python_versions(value: Any, report: Any) -> None:
    """``python_versions`` must be present and say Python 3 (only)."""
    if value is None:
        report("python_versions", 'missing: set python_versions: ["3"]')
    elif not _is_str_list(value) or set(value) != {"3"}:
        report(
            "python_versions",
            f'{value!r} must be ["3"] (strings; StackStorm 3.8+ runs Python 3 only)',
        )


def _is_str_list(value: Any) -> bool:
    """True for a list of strings."""
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
