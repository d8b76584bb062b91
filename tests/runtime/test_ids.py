"""Message and command ids: 26 Crockford base-32 characters, sortable by time."""

from __future__ import annotations

import random
import time

from romas.runtime.ids import ID_PATTERN, encode, is_id, new_id

CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def _five_bits_at_a_time(value: int) -> str:
    return "".join(CROCKFORD[(value >> (5 * k)) & 31] for k in reversed(range(26)))


def test_an_id_is_its_128_bits_five_at_a_time() -> None:
    values = [0, 1, 2**128 - 1, 2**127, 31 << 5, *(random.getrandbits(128) for _ in range(2000))]
    assert [encode(v) for v in values] == [_five_bits_at_a_time(v) for v in values]
    assert encode(0) == "0" * 26 and encode(2**128 - 1) == "7" + "z" * 25


def test_ids_are_valid_unique_and_sorted_by_time() -> None:
    first = new_id()
    time.sleep(0.002)
    later = [new_id() for _ in range(1000)]
    assert all(is_id(i) for i in [first, *later]) and ID_PATTERN.startswith("^")
    assert len(set(later)) == len(later)
    assert all(first < i for i in later)
