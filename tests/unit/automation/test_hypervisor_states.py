"""The hypervisor life-cycle classification: a pure function, tested exhaustively."""

from __future__ import annotations

import itertools

import pytest

from hypervisor_lifecycle.states import (
    SECONDS_PER_DAY,
    HypervisorState,
    Memory,
    Observation,
    classify,
    reason_is_from_pack,
)
from openstack_api.compute_services import PACK_MARKER

S = HypervisorState
LIMIT_DAYS = 30
LIMIT = LIMIT_DAYS * SECONDS_PER_DAY
PERSON = "Hardware maintenance: DIMM replacement (ticket OPS-1234)"
PACK = f"{PACK_MARKER} drain: kernel update"


def obs(
    status: str | None = "enabled",
    state: str | None = "up",
    reason: str | None = None,
    servers: int | None = 3,
    uptime: int | None = 5 * SECONDS_PER_DAY,
) -> Observation:
    return Observation("hv1", status, state, reason, servers, uptime)


def mem(
    state: HypervisorState,
    last: HypervisorState | None = None,
    last_uptime: int | None = None,
) -> Memory:
    return Memory(state, last, last_uptime)


# One row per rule of the precedence, and its edges.
CASES = [
    ("running", obs(), None, S.RUNNING),
    ("running at exactly the limit", obs(uptime=LIMIT), None, S.RUNNING),
    ("running, uptime unknown", obs(uptime=None), None, S.RUNNING),
    ("over the limit", obs(uptime=LIMIT + 1), None, S.PENDING_MAINTENANCE),
    ("empty and over", obs(servers=0, uptime=LIMIT + 60), None, S.PENDING_MAINTENANCE),
    (
        "over, count unknown",
        obs(servers=None, uptime=LIMIT * 2),
        None,
        S.PENDING_MAINTENANCE,
    ),
    ("empty", obs(servers=0), None, S.EMPTY),
    ("empty, uptime unknown", obs(servers=0, uptime=None), None, S.EMPTY),
    ("enabled, count unknown", obs(servers=None), None, S.UNKNOWN),
    ("down", obs(state="down"), None, S.DOWN),
    ("down and disabled", obs("disabled", "down", PERSON), None, S.DOWN),
    ("down, pack-disabled", obs("disabled", "down", PACK, 0), mem(S.DRAINED), S.DOWN),
    ("status unknown", obs(status=None), None, S.UNKNOWN),
    ("state unknown", obs(state=None), None, S.UNKNOWN),
    ("odd status", obs(status="maintenance"), None, S.UNKNOWN),
    ("odd state", obs(state="UP"), None, S.UNKNOWN),
    ("person", obs("disabled", reason=PERSON), None, S.DISABLED),
    (
        "person, empty, over",
        obs("disabled", reason=PERSON, servers=0, uptime=LIMIT * 3),
        None,
        S.DISABLED,
    ),
    ("no reason", obs("disabled", reason=None), None, S.DISABLED),
    (
        "marker not at start",
        obs("disabled", reason=f"see {PACK_MARKER}"),
        None,
        S.DISABLED,
    ),
    ("draining", obs("disabled", reason=PACK), None, S.DRAINING),
    (
        "draining, over",
        obs("disabled", reason=PACK, uptime=LIMIT * 2),
        None,
        S.DRAINING,
    ),
    ("drained", obs("disabled", reason=PACK, servers=0), None, S.DRAINED),
    (
        "pack, count unknown",
        obs("disabled", reason=PACK, servers=None),
        None,
        S.UNKNOWN,
    ),
    (
        "rebooted after drained over the limit",
        obs("disabled", reason=PACK, servers=0, uptime=600),
        mem(S.DRAINED, S.DRAINED, LIMIT + 1),
        S.REBOOTED,
    ),
    (
        "rebooted through a DOWN blip",
        obs("disabled", reason=PACK, servers=0, uptime=600),
        mem(S.DOWN, S.DRAINED, LIMIT * 2),
        S.REBOOTED,
    ),
    (
        "rebooted stays rebooted",
        obs("disabled", reason=PACK, servers=0, uptime=7200),
        mem(S.REBOOTED, S.REBOOTED, 600),
        S.REBOOTED,
    ),
    (
        "drained under the limit all along is not rebooted",
        obs("disabled", reason=PACK, servers=0, uptime=600),
        mem(S.DRAINED, S.DRAINED, 500),
        S.DRAINED,
    ),
    (
        "drained, still over the limit",
        obs("disabled", reason=PACK, servers=0, uptime=LIMIT + 100),
        mem(S.DRAINED, S.DRAINED, LIMIT + 1),
        S.DRAINED,
    ),
    (
        "drained, uptime now unknown",
        obs("disabled", reason=PACK, servers=0, uptime=None),
        mem(S.DRAINED, S.DRAINED, LIMIT + 1),
        S.DRAINED,
    ),
    (
        "drained memory with unknown uptime",
        obs("disabled", reason=PACK, servers=0, uptime=600),
        mem(S.DRAINED, S.DRAINED, None),
        S.DRAINED,
    ),
    (
        "rebooted and re-enabled is running",
        obs(uptime=600),
        mem(S.REBOOTED, S.REBOOTED, 600),
        S.RUNNING,
    ),
    (
        "servers back on a rebooted host: draining",
        obs("disabled", reason=PACK, servers=1, uptime=600),
        mem(S.REBOOTED, S.REBOOTED, 600),
        S.DRAINING,
    ),
]


@pytest.mark.parametrize(
    ("observation", "previous", "expected"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_cases(
    observation: Observation, previous: Memory | None, expected: HypervisorState
) -> None:
    result = classify(observation, LIMIT_DAYS, previous)
    assert result.state is expected, result.reason
    assert result.reason


def test_every_state_is_reachable() -> None:
    assert {c[3] for c in CASES} == set(HypervisorState)


STATUSES = ["enabled", "disabled", None, "odd"]
STATES = ["up", "down", None, "odd"]
REASONS = [None, "", PERSON, PACK, f"  {PACK}"]
SERVERS = [None, 0, 1, 7]
UPTIMES = [None, 0, LIMIT - 1, LIMIT, LIMIT + 1, LIMIT * 10]
PREVIOUS: list[Memory | None] = [None] + [
    Memory(state, last, last_uptime)
    for state in HypervisorState
    for last in [None, *HypervisorState]
    for last_uptime in [None, LIMIT - 1, LIMIT + 1]
    if last is None or last not in (S.DOWN, S.UNKNOWN)
]


def _expected_region(o: Observation) -> set[HypervisorState]:
    """The specification, written as which states are allowed for an observation
    (only REBOOTED vs DRAINED depends on the memory)."""
    known = o.status in ("enabled", "disabled") and o.state in ("up", "down")
    if not known:
        return {S.UNKNOWN}
    if o.state == "down":
        return {S.DOWN}
    over = o.uptime_seconds is not None and o.uptime_seconds > LIMIT
    pack = (o.disabled_reason or "").strip().startswith(PACK_MARKER)
    if o.status == "disabled" and not pack:
        return {S.DISABLED}
    if o.status == "disabled":
        if o.server_count is None:
            return {S.UNKNOWN}
        if o.server_count > 0:
            return {S.DRAINING}
        return {S.DRAINED, S.REBOOTED}
    if over:
        return {S.PENDING_MAINTENANCE}
    if o.server_count is None:
        return {S.UNKNOWN}
    return {S.EMPTY} if o.server_count == 0 else {S.RUNNING}


def test_exhaustive_against_the_specification() -> None:
    checked = 0
    for status, state, reason, servers, uptime in itertools.product(
        STATUSES, STATES, REASONS, SERVERS, UPTIMES
    ):
        o = Observation("hv", status, state, reason, servers, uptime)
        allowed = _expected_region(o)
        for previous in PREVIOUS:
            result = classify(o, LIMIT_DAYS, previous)
            assert result.state in allowed, (o, previous, result)
            if result.state in (S.DRAINED, S.REBOOTED):
                rebooted = (
                    previous is not None
                    and uptime is not None
                    and uptime <= LIMIT
                    and (
                        previous.last_up_state is S.REBOOTED
                        or (
                            previous.last_up_state is S.DRAINED
                            and (previous.last_up_uptime_seconds or 0) > LIMIT
                        )
                    )
                )
                assert (result.state is S.REBOOTED) is rebooted, (o, previous)
            checked += 1
    assert checked == len(STATUSES) * len(STATES) * len(REASONS) * len(SERVERS) * len(
        UPTIMES
    ) * len(PREVIOUS)


def test_memory_keeps_the_last_up_state_through_down_and_unknown() -> None:
    drained = obs("disabled", reason=PACK, servers=0, uptime=LIMIT + 5)
    first = classify(drained, LIMIT_DAYS, None)
    memory = first.remember(drained, None)
    assert memory == Memory(S.DRAINED, S.DRAINED, LIMIT + 5)
    down = obs("disabled", "down", PACK, 0, None)
    down_result = classify(down, LIMIT_DAYS, memory)
    memory = down_result.remember(down, memory)
    assert memory == Memory(S.DOWN, S.DRAINED, LIMIT + 5)
    unknown = obs(status=None)
    memory = classify(unknown, LIMIT_DAYS, memory).remember(unknown, memory)
    assert memory == Memory(S.UNKNOWN, S.DRAINED, LIMIT + 5)
    back = obs("disabled", reason=PACK, servers=0, uptime=120)
    assert classify(back, LIMIT_DAYS, memory).state is S.REBOOTED


def test_memory_json_round_trip_and_rejects_garbage() -> None:
    memory = Memory(S.DOWN, S.DRAINED, 42)
    assert Memory.from_json(memory.to_json()) == memory
    assert Memory.from_json({"state": "RUNNING"}) == Memory(S.RUNNING)
    for bad in (
        "RUNNING",
        {"state": "SLEEPING"},
        {},
        {"state": "DRAINED", "last_up_state": "nope"},
        {"state": "DRAINED", "last_up_uptime_seconds": "12"},
        {"state": "DRAINED", "last_up_uptime_seconds": True},
    ):
        with pytest.raises(ValueError):
            Memory.from_json(bad)


def test_reasons_name_the_evidence() -> None:
    assert PERSON in classify(obs("disabled", reason=PERSON), LIMIT_DAYS).reason
    pending = classify(obs(uptime=LIMIT * 2), LIMIT_DAYS).reason
    assert "60.0 days" in pending and "limit of 30 days" in pending
    assert "3 servers" in pending
    assert (
        "1 server left"
        in classify(obs("disabled", reason=PACK, servers=1), LIMIT_DAYS).reason
    )
    assert "down" in classify(obs(state="down"), LIMIT_DAYS).reason


def test_marker_check() -> None:
    assert reason_is_from_pack(PACK)
    assert reason_is_from_pack(f" {PACK}")
    assert not reason_is_from_pack(PERSON)
    assert not reason_is_from_pack(None)
    assert not reason_is_from_pack("")


def test_custom_marker_check_is_used() -> None:
    result = classify(
        obs("disabled", reason="mine"), LIMIT_DAYS, from_pack=lambda r: r == "mine"
    )
    assert result.state is S.DRAINING
