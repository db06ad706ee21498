"""Reading Python entry points with ``ast`` (never importing them)."""

from __future__ import annotations

import ast
from pathlib import Path


def top_level_classes(path: Path) -> dict[str, ast.ClassDef] | str:
    """Classes defined at the top level of ``path``, or an error message."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as exc:
        return f"{path.name} does not parse: {exc.msg} (line {exc.lineno})"
    except (OSError, UnicodeDecodeError) as exc:
        return f"cannot read {path.name}: {exc}"
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def defines_method(cls: ast.ClassDef, name: str) -> bool:
    """Whether ``cls`` defines method ``name`` in its own body."""
    return any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name
        for node in cls.body
    )
