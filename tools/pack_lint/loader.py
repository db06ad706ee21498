"""Loading the pack's YAML metadata, reporting syntax errors and duplicate keys."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tools.pack_lint.problems import Problem

#: Metadata folders StackStorm registers, in the order the linter reports them.
METADATA_FOLDERS = ("actions", "sensors", "rules", "aliases", "policies")


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate mapping keys.

    PyYAML silently keeps the last duplicate; in metadata that hides mistakes
    (two ``default:`` lines, two parameters of the same name).
    """


def _construct_unique_mapping(
    loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    """Build a mapping, raising on a key seen twice."""
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"found duplicate key {key!r}",
                key_node.start_mark,
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


@dataclass
class MetadataFile:
    """One parsed metadata file (``data`` is ``None`` when it could not be parsed)."""

    path: str
    data: Any


def load_yaml(pack_dir: Path, rel: str) -> tuple[Any, list[Problem]]:
    """Parse ``pack_dir/rel``; a syntax error or duplicate key is a problem."""
    try:
        text = (pack_dir / rel).read_text(encoding="utf-8")
    except OSError as exc:
        return None, [Problem(rel, "(file)", f"cannot read: {exc.strerror}")]
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader), []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [Problem(rel, "(yaml)", f"invalid YAML{where}: {problem}")]


def metadata_files(pack_dir: Path, folder: str) -> list[str]:
    """Relative paths of ``folder/*.yaml`` and ``*.yml``, sorted."""
    base = pack_dir / folder
    if not base.is_dir():
        return []
    found = [*base.glob("*.yaml"), *base.glob("*.yml")]
    return sorted(str(p.relative_to(pack_dir)) for p in found if p.is_file())


def load_folder(
    pack_dir: Path, folder: str
) -> tuple[list[MetadataFile], list[Problem]]:
    """Parse every metadata file of ``folder``; non-mapping documents are problems."""
    files: list[MetadataFile] = []
    problems: list[Problem] = []
    for rel in metadata_files(pack_dir, folder):
        data, errors = load_yaml(pack_dir, rel)
        problems.extend(errors)
        if not errors and not isinstance(data, dict):
            problems.append(
                Problem(rel, "(document)", "must be a YAML mapping of metadata keys")
            )
            data = None
        files.append(MetadataFile(rel, data))
    return files, problems
