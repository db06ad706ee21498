"""CSV formula injection (issue 12, item 6): ``to_csv`` neutralises every text cell
starting with one of OWASP's formula triggers (=, +, -, @, tab, CR) with a leading
single quote, quotes text cells so a separator cannot start a new cell, and keeps
numbers as numbers (a negative number is not a formula)."""

from __future__ import annotations

import csv
import io

import pytest
from query_fakes import FakeConn, server

from openstack_query import ServerQuery
from openstack_query.render import FORMULA_TRIGGERS, csv_cell, to_csv

CALC = "=cmd|' /C calc'!A0"


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.fault(6)
@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS, ids=repr)
def test_each_owasp_trigger_is_prefixed_with_a_quote(trigger: str) -> None:
    value = f"{trigger}1+2"
    text = to_csv(["description"], {None: [[value]]})
    assert rows_of(text)[1] == [f"'{value}"]


def test_the_triggers_are_owasps_list() -> None:
    assert set(FORMULA_TRIGGERS) == {"=", "+", "-", "@", "\t", "\r"}


@pytest.mark.fault(6)
def test_the_reported_payload_is_neutralised_in_a_query_of_servers() -> None:
    body = server("s1", CALC)
    body["description"] = CALC
    conn = FakeConn(servers=[body, server("s2", "web-2")])
    query = ServerQuery().select("name", "description").sort_by("name").run(conn)
    rows = rows_of(query.to_csv())
    assert rows[0] == ["name", "description"]
    assert [CALC, f"'{CALC}"] not in rows
    assert rows[1:] == [[f"'{CALC}", f"'{CALC}"], ["web-2", ""]]
    assert all(not cell.startswith(FORMULA_TRIGGERS) for row in rows for cell in row)


@pytest.mark.fault(6)
def test_numbers_stay_numbers_and_unquoted() -> None:
    text = to_csv(["limit", "ratio", "text"], {None: [[-1, -2.5, "-1"]]})
    assert text.splitlines()[1] == '-1,-2.5,"\'-1"'
    assert csv_cell(-1) == -1 and csv_cell(0.5) == 0.5


@pytest.mark.fault(6)
def test_bools_none_lists_and_safe_text_are_unchanged() -> None:
    assert csv_cell(True) == "true"
    assert csv_cell(None) == ""
    assert csv_cell(["-a"]) == '["-a"]'
    assert csv_cell("web-1") == "web-1"
    assert csv_cell(" =1+1") == " =1+1"  # OWASP: the first character only
    assert csv_cell("a=b") == "a=b"


@pytest.mark.fault(6)
def test_a_separator_or_quote_cannot_start_a_new_cell() -> None:
    for value in ('x",=1+2', "x;=1+2", "x,=1+2", 'x";=HYPERLINK("http://e")'):
        text = to_csv(["name"], {None: [[value]]})
        line = text.splitlines()[1]
        assert line.startswith('"') and line.endswith('"'), line
        assert rows_of(text)[1] == [value]
        # a spreadsheet splitting on ";" sees one quoted field, not a formula cell
        assert rows_of(text.replace(",", ";"))[1][0].startswith("x")


@pytest.mark.fault(6)
def test_group_names_are_neutralised_too() -> None:
    text = to_csv(["id"], {"@SUM(1+1)": [["s1"]], "ok": [["s2"]]})
    assert rows_of(text) == [["group", "id"], ["'@SUM(1+1)", "s1"], ["ok", "s2"]]
