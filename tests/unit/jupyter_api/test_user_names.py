"""User naming: single names, inclusive ranges, lists; errors name the parameter."""

from __future__ import annotations

import pytest

from jupyter_api.names import MAX_USERS, target_names
from pack_common import InputError


def test_single_name() -> None:
    assert target_names(user="alice") == ["alice"]


def test_inclusive_range_and_zero_start() -> None:
    assert target_names(user="course", first_index=1, last_index=3) == [
        "course-1",
        "course-2",
        "course-3",
    ]
    assert target_names(user="c", first_index=0, last_index=0) == ["c-0"]


def test_list_is_deduplicated_in_order() -> None:
    assert target_names(users=["b", "a", "b"]) == ["b", "a"]


@pytest.mark.parametrize(
    ("kwargs", "parameter", "text"),
    [
        ({}, "user", "name a user"),
        ({"user": "Alice"}, "user", "not a valid user name"),
        ({"user": "a/b"}, "user", "not a valid user name"),
        ({"user": "-x"}, "user", "not a valid user name"),
        ({"users": ["ok", ""]}, "users", "non-empty"),
        ({"users": ["ok", "no spaces"]}, "users", "'no spaces'"),
        ({"user": "a", "users": ["b"]}, "users", "not both"),
        ({"users": ["b"], "first_index": 1}, "first_index", "applies to 'user'"),
        ({"user": "c", "first_index": 1}, "last_index", "required"),
        ({"user": "c", "last_index": 1}, "first_index", "required"),
        (
            {"user": "c", "first_index": -1, "last_index": 2},
            "first_index",
            ">= 0, got -1",
        ),
        ({"user": "c", "first_index": 3, "last_index": 1}, "last_index", "smaller"),
        (
            {"user": "c", "first_index": True, "last_index": 1},
            "first_index",
            "whole number",
        ),
        (
            {"user": "c", "first_index": 0, "last_index": MAX_USERS},
            "last_index",
            "more than",
        ),
    ],
)
def test_invalid_input_names_the_parameter(
    kwargs: dict, parameter: str, text: str
) -> None:
    with pytest.raises(InputError) as caught:
        target_names(**kwargs)
    assert caught.value.parameter == parameter
    assert text in str(caught.value)
