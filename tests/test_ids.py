"""Ids are 64-bit, strictly increasing, sortable by time and strings in JSON."""

from __future__ import annotations

import importlib.util
import itertools
import time
from types import ModuleType

import orjson
from hypothesis import given
from hypothesis import strategies as st

from roost.accounts.entities import render_account
from roost.accounts.queries import find_account
from roost.db import Database
from roost.ids import id_at, id_to_ms, new_id
from roost.settings import Settings
from tests.conftest import Actor

MAX_SIGNED_64 = 2**63 - 1
# Milliseconds from 2000 to 2200: any clock Roost will meet.
plausible_ms = st.integers(min_value=946_684_800_000, max_value=7_258_118_400_000)


def test_fresh_ids_fit_a_signed_64_bit_column() -> None:
    value = new_id()
    assert 0 < value <= MAX_SIGNED_64
    assert value.bit_length() > 53, "ids exceed JavaScript's safe integers, so must be strings"


def test_ids_made_in_a_burst_strictly_increase() -> None:
    ids = [new_id() for _ in range(20_000)]
    assert all(earlier < later for earlier, later in itertools.pairwise(ids))
    assert len(set(ids)) == len(ids)


def test_id_carries_the_wall_clock_millisecond() -> None:
    before = time.time_ns() // 1_000_000
    value = new_id()
    after = time.time_ns() // 1_000_000
    # A burst may borrow the next millisecond, never more than a moment ahead.
    assert before <= id_to_ms(value) <= after + 1


@given(first=plausible_ms, gap=st.integers(min_value=1, max_value=10**9))
def test_an_id_from_a_later_millisecond_sorts_after(first: int, gap: int) -> None:
    # Each id made at a later millisecond than any before is above the floor of that ms
    # and above every id of every earlier millisecond.
    earlier = id_at(first + 1) - 1  # the largest id any process could mint at `first`
    assert id_at(first + gap) > earlier
    assert id_to_ms(id_at(first + gap)) == first + gap


@given(ms=plausible_ms)
def test_ids_stay_within_64_bits_until_far_in_the_future(ms: int) -> None:
    assert id_at(ms + 1) - 1 <= MAX_SIGNED_64


def _private_id_generator() -> ModuleType:
    """A separate copy of roost.ids, so a made-up clock cannot disturb the real one."""
    spec = importlib.util.find_spec("roost.ids")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@given(
    start=plausible_ms,
    steps=st.lists(st.integers(min_value=-5, max_value=5), min_size=1, max_size=200),
)
def test_ids_increase_even_when_the_clock_steps_back(start: int, steps: list[int]) -> None:
    ids = _private_id_generator()
    clock = start
    previous = ids.new_id(now_ms=clock)
    for step in steps:
        clock += step
        current = ids.new_id(now_ms=clock)
        assert current > previous
        previous = current


def test_ids_stay_unique_when_one_millisecond_exhausts_the_sequence() -> None:
    ids = _private_id_generator()
    made = [ids.new_id(now_ms=1_700_000_000_000) for _ in range(70_000)]
    assert made == sorted(set(made))
    assert ids.id_to_ms(made[-1]) == 1_700_000_000_001  # borrowed the next millisecond


def test_id_sorts_as_its_creation_time_across_milliseconds() -> None:
    first = new_id()
    time.sleep(0.003)
    second = new_id()
    assert id_to_ms(second) > id_to_ms(first)
    assert second > first


async def test_account_ids_render_as_decimal_strings(
    alice: Actor, db: Database, settings: Settings
) -> None:
    async with db.read() as conn:
        row = await find_account(conn, int(alice.id))
    assert row is not None
    body = orjson.loads(orjson.dumps(render_account(row, settings)))
    assert isinstance(body["id"], str)
    assert body["id"] == alice.id
    assert int(body["id"]) == row["id"]
    assert int(body["id"]).bit_length() <= 63


async def test_ids_are_strings_in_api_responses(alice: Actor) -> None:
    response = await alice.get("/api/v1/accounts/verify_credentials")
    assert response.status_code == 200
    assert response.json()["id"] == alice.id
