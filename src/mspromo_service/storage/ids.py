"""Primary keys: KSUIDs from a hand-written generator.

Kept instead of ``svix-ksuid`` because it is about 25 times faster an id, which a
10,000-op bulk write (some 60,000 rows) feels; see docs/decisions.md. The tests check its
ids against that library's parser.
"""

from __future__ import annotations

import os
import time

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_KSUID_EPOCH = 1_400_000_000


_PAIRS = [a + b for a in _B62 for b in _B62]  # base62 digit pairs, "00" .. "zz"
_P9 = 62**9


def _b62_9(value: int) -> str:
    """``value`` < 62**9 as exactly 9 base62 digits (small-int arithmetic only)."""
    a, b = divmod(value, 3844)
    c, d = divmod(a, 3844)
    e, f = divmod(c, 3844)
    g, h = divmod(e, 3844)
    return _B62[g] + _PAIRS[h] + _PAIRS[f] + _PAIRS[d] + _PAIRS[b]


_MASK128 = (1 << 128) - 1


def new_ids(n: int) -> list[str]:
    """``n`` new KSUIDs (27-character base62, as ``svix-ksuid`` formats them).

    The payloads of one call are consecutive from a random start, so the ids of a bulk
    write sort in creation order and append to the primary-key index instead of landing
    at random places in it (much faster inserts on InnoDB). Ids of different calls stay
    unique: each start is 128 random bits.
    """
    stamp = (int(time.time()) - _KSUID_EPOCH) << 128
    base = int.from_bytes(os.urandom(16), "big")
    if base + n > _MASK128:  # keep the run inside the payload: no carry into the stamp
        base -= n
    # Consecutive values share their 18 high digits for long runs: encode those once.
    high, low = divmod(stamp | base, _P9)
    prefix = _b62_9(high // _P9) + _b62_9(high % _P9)
    out: list[str] = []
    for _ in range(n):
        if low == _P9:
            high, low = high + 1, 0
            prefix = _b62_9(high // _P9) + _b62_9(high % _P9)
        out.append(prefix + _b62_9(low))
        low += 1
    return out


class IdPool:
    """Hands out new ids one by one, made in blocks by :func:`new_ids`."""

    def __init__(self, block: int = 4096) -> None:
        self._block = block
        self._ids: list[str] = []
        self._next = 0

    def __call__(self) -> str:
        if self._next == len(self._ids):
            self._ids = new_ids(self._block)
            self._next = 0
        value = self._ids[self._next]
        self._next += 1
        return value
