"""Turning result tables into text, HTML, CSV and JSON.

Every renderer receives the same thing: the column names in selection order and,
per group (or one unnamed group), the rows as lists of values in that order.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

from tabulate import tabulate

Table = list[list[Any]]


def cell_text(value: Any) -> str:
    """A value as table text: empty for missing, compact JSON for lists and dicts."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, sort_keys=True, default=str, separators=(", ", ": "))
    return str(value)


def to_string(
    columns: Sequence[str],
    groups: Mapping[str | None, Table],
    title: str | None = None,
    include_group_titles: bool = True,
    tablefmt: str = "grid",
    group_column: str | None = None,
) -> str:
    """Plain-text tables (``tabulate``), one per group, with optional titles."""
    parts: list[str] = []
    if title:
        parts.append(title)
    for name, rows in groups.items():
        if name is not None and include_group_titles:
            label = f"{group_column}: {name}" if group_column else str(name)
            parts.append(f"{label} ({len(rows)})")
        text_rows = [[cell_text(v) for v in row] for row in rows]
        parts.append(
            tabulate(
                text_rows,
                headers=list(columns),
                tablefmt=tablefmt,
                disable_numparse=True,
            )
            if text_rows
            else "(no results)"
        )
    return "\n\n".join(parts) + "\n"


#: Table styles inline, as mail clients need them (HTML's border/cellspacing/
#: cellpadding attributes are obsolete and fail an HTML validator).
TABLE = ' style="border-collapse: collapse"'
CELL = ' style="border: 1px solid #999; padding: 4px"'


def to_html(
    columns: Sequence[str],
    groups: Mapping[str | None, Table],
    title: str | None = None,
    include_group_titles: bool = True,
    group_column: str | None = None,
) -> str:
    """HTML tables for an email body; every title, header and cell is escaped."""
    parts: list[str] = []
    if title:
        parts.append(f"<h3>{html.escape(title)}</h3>")
    for name, rows in groups.items():
        if name is not None and include_group_titles:
            label = f"{group_column}: {name}" if group_column else str(name)
            parts.append(f"<h4>{html.escape(label)} ({len(rows)})</h4>")
        if not rows:
            parts.append("<p>(no results)</p>")
            continue
        head = "".join(f"<th{CELL}>{html.escape(c)}</th>" for c in columns)
        body = "".join(
            "<tr>"
            + "".join(f"<td{CELL}>{html.escape(cell_text(v))}</td>" for v in row)
            + "</tr>"
            for row in rows
        )
        parts.append(
            f"<table{TABLE}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )
    return "\n".join(parts) + "\n"


#: First characters that make a spreadsheet read a cell as a formula: OWASP's list
#: (https://owasp.org/www-community/attacks/CSV_Injection): equals, plus, minus, at,
#: tab (0x09) and carriage return (0x0D).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """One CSV cell, neutralised against formula injection (CWE-1236).

    OWASP's CSV Injection guidance (https://owasp.org/www-community/attacks/
    CSV_Injection): no cell may begin with ``=``, ``+``, ``-``, ``@``, tab or carriage
    return; a text cell that does is prefixed with a single quote (``'=cmd|...``),
    which spreadsheets take as "this is text" and do not show. Exactly the first
    character is checked, as OWASP says (a leading space already makes a cell text).

    Numbers are not text: an ``int`` or ``float`` (never a ``bool``) stays a number,
    so ``-1`` (unlimited) or a negative value is still ``-1`` in the spreadsheet;
    only the cloud's strings (names, descriptions...) can carry a formula.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = cell_text(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def to_csv(
    columns: Sequence[str],
    groups: Mapping[str | None, Table],
    group_column: str | None = None,
) -> str:
    """CSV text with a header row; grouped results get a leading ``group`` column.

    Safe to open in a spreadsheet (OWASP's CSV Injection guidance): every cell is
    neutralised by ``csv_cell``, and every text cell of the rows is wrapped in quotes
    (embedded quotes doubled), so a separator inside a value, ``,`` or a locale's
    ``;``, cannot start a new cell that begins with a formula. Numbers are written
    unquoted, as numbers.
    """
    buffer = io.StringIO()
    grouped = any(name is not None for name in groups)
    header = (["group"] if grouped else []) + [csv_cell(c) for c in columns]
    csv.writer(buffer, lineterminator="\n").writerow(header)  # property names
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    for name, rows in groups.items():
        for row in rows:
            cells = [csv_cell(v) for v in row]
            writer.writerow(([csv_cell(name)] if grouped else []) + cells)
    return buffer.getvalue()


def to_json(data: Any, pretty: bool = False) -> str:
    """JSON text; dates and other non-JSON values become strings."""
    if pretty:
        return json.dumps(data, indent=2, sort_keys=False, default=str)
    return json.dumps(data, separators=(",", ":"), default=str)
