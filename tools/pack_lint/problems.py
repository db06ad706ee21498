"""The linter's unit of output: one problem in one file at one key."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """A contract violation: ``file`` relative to the pack, dotted ``key`` path in it."""

    file: str
    key: str
    message: str

    def __str__(self) -> str:
        """``path/relative/to/pack: key.path: message``, the linter's output line."""
        return f"{self.file}: {self.key}: {self.message}"


def key_path(*parts: str | int) -> str:
    """Join key parts: strings with dots, list indices as ``[i]`` (``a.b[0].c``)."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "":
            continue
        elif out:
            out += f".{part}"
        else:
            out = part
    return out or "(document)"
