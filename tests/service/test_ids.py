"""The hand-written KSUID generator agrees with the ``svix-ksuid`` library and its ids sort
by creation time (docs/decisions.md, Storage)."""

from __future__ import annotations

from datetime import UTC, datetime

import ksuid
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mspromo_service.storage import ids

KSUID_EPOCH = 1_400_000_000
LAST_SECOND = KSUID_EPOCH + 2**32 - 1  # the stamp is 32 bits


def _fixed(monkeypatch: pytest.MonkeyPatch, second: int, payload: int) -> None:
    monkeypatch.setattr(ids.time, "time", lambda: second + 0.5)
    monkeypatch.setattr(ids.os, "urandom", lambda n: payload.to_bytes(n, "big"))


def test_every_id_parses_with_svix_ksuid_to_the_same_text_and_creation_time() -> None:
    before = int(datetime.now(UTC).timestamp())
    made = ids.new_ids(1000)
    after = int(datetime.now(UTC).timestamp())
    for value in made:
        parsed = ksuid.Ksuid.from_base62(value)
        assert str(parsed) == value
        assert before <= parsed.timestamp <= after


@given(
    second=st.integers(KSUID_EPOCH, LAST_SECOND),
    payload=st.integers(0, 2**128 - 1),
    n=st.integers(1, 50),
)
def test_ids_are_the_ksuids_of_their_second_and_consecutive_payloads(
    second: int, payload: int, n: int
) -> None:
    with pytest.MonkeyPatch.context() as mp:
        _fixed(mp, second, payload)
        made = ids.new_ids(n)
    parsed = [ksuid.Ksuid.from_base62(v) for v in made]
    assert {p.timestamp for p in parsed} == {second}
    payloads = [int.from_bytes(p.payload, "big") for p in parsed]
    assert payloads == list(range(payloads[0], payloads[0] + n))  # no carry into the stamp
    assert made == sorted(made)


@given(
    first=st.integers(KSUID_EPOCH, LAST_SECOND - 1),
    gap=st.integers(1, 10_000),
    early_payload=st.integers(0, 2**128 - 1),
    late_payload=st.integers(0, 2**128 - 1),
)
def test_ids_made_in_a_later_second_sort_after_earlier_ones(
    first: int, gap: int, early_payload: int, late_payload: int
) -> None:
    later = min(first + gap, LAST_SECOND)
    with pytest.MonkeyPatch.context() as mp:
        _fixed(mp, first, early_payload)
        early = ids.new_ids(3)
        _fixed(mp, later, late_payload)
        late = ids.new_ids(3)
    assert max(early) < min(late)
    assert sorted(early + late, key=lambda v: ksuid.Ksuid.from_base62(v).timestamp) == sorted(
        early + late
    )


def test_the_id_pool_hands_out_unique_ksuids_in_blocks() -> None:
    pool = ids.IdPool(block=7)
    made = [pool() for _ in range(50)]
    assert len(set(made)) == 50
    assert all(str(ksuid.Ksuid.from_base62(v)) == v for v in made)
