"""Operator regexes are RE2: linear time, and a clear error for what RE2 lacks.

``(a+)+$`` backtracks catastrophically in Python's ``re`` (issue 12: past 60 s on a
40-character name); with RE2 it is an ordinary search. No timing assertion: the test
checks the answer (under ``re`` it would simply not finish in any useful time).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pack_common import InputError
from workflows import search

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "openstack_query"))
from query_fakes import FakeConn, server

pytestmark = pytest.mark.fault(4)

LONG = "a" * 40 + "!"


def names(pattern: str, search_mode: str = "matches_regex") -> list[str]:
    fake = FakeConn(
        servers=[server("s1", LONG, "ACTIVE"), server("s2", "aaaa", "ACTIVE")]
    )
    rows = search.server_by_regex(
        fake,
        "name",
        pattern,
        search_mode=search_mode,
        properties_to_select=["name"],
        output_type="to_props",
    )
    return sorted(row["name"] for row in rows)


def test_a_pathological_pattern_returns_the_right_answer() -> None:
    assert names("(a+)+$") == ["aaaa"]
    assert names("(a+)+$", "not_matches_regex") == [LONG]


@pytest.mark.parametrize(
    ("pattern", "what"),
    [(r"(a)\1", "invalid escape sequence"), ("a(?=b)", "invalid perl operator")],
)
def test_an_unsupported_pattern_names_the_parameter(pattern: str, what: str) -> None:
    with pytest.raises(InputError) as err:
        names(pattern)
    assert err.value.parameter == "pattern"
    assert what in str(err.value) and "RE2" in str(err.value)
