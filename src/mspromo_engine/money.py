"""Money: one type (:class:`decimal.Decimal`), one rounding helper, one allocation helper."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_CEILING, ROUND_HALF_UP, Context, Decimal

__all__ = [
    "ZERO",
    "allocate",
    "format_money",
    "minor_units_up",
    "quantum",
    "round_money",
    "round_up",
]

ZERO = Decimal(0)
_QUANTA = {d: Decimal(1).scaleb(-d) for d in range(0, 7)}
_THREE_PLACES = Decimal("0.001")
# Rounding through one fixed context is about twice as fast as ``Decimal.quantize`` with a
# ``rounding`` argument, and does not depend on the calling thread's decimal context.
# Precision 28 (the default) keeps every amount exact: codec caps them at 12 digits before
# the point. Only its sticky flags ever change, and nothing reads them.
_HALF_UP = Context(prec=28, rounding=ROUND_HALF_UP)
_quantize = _HALF_UP.quantize


def quantum(decimals: int) -> Decimal:
    """The smallest amount of a currency with ``decimals`` places (``0.01`` for 2)."""
    q = _QUANTA.get(decimals)
    return q if q is not None else Decimal(1).scaleb(-decimals)


def round_money(amount: Decimal, decimals: int) -> Decimal:
    """Round half up to the currency's decimals: the only rounding the engine does."""
    q = _QUANTA.get(decimals)
    return _quantize(amount, q if q is not None else quantum(decimals))


def round_up(amount: Decimal, decimals: int) -> Decimal:
    """Round towards +infinity to the currency's decimals. Never applied to a price: only
    the best-discount search's bounds use it, so that a bound stays a bound."""
    return amount.quantize(quantum(decimals), rounding=ROUND_CEILING)


def minor_units_up(amount: Decimal, decimals: int) -> int:
    """``amount`` in whole minor units (cents for 2 decimals), rounded up, for bounds."""
    return int(amount.scaleb(decimals).to_integral_value(rounding=ROUND_CEILING))


def allocate(
    total: Decimal,
    weights: Sequence[Decimal],
    decimals: int,
    caps: Sequence[Decimal] | None = None,
) -> list[Decimal]:
    """Split ``total`` over parts in proportion to ``weights``.

    Every part but the last gets its rounded share; the last gets the remainder, so the
    parts always add up to ``total`` exactly. When all weights are zero the split is equal.

    With ``caps`` no part exceeds its cap: a part that would is set to its cap and what it
    could not take is split again over the other parts, in proportion to their weights,
    until nothing is over (docs/decisions.md, "capped shares move"). The parts then add
    up to ``min(total, sum(caps))``.
    """
    if caps is None:
        return _split(total, weights, decimals)
    parts = [ZERO] * len(weights)
    open_parts = list(range(len(weights)))
    left = total
    while open_parts:
        split = _split(left, [weights[i] for i in open_parts], decimals)
        over = {i for i, part in zip(open_parts, split, strict=True) if part > caps[i]}
        if not over:
            for i, part in zip(open_parts, split, strict=True):
                parts[i] = part
            break
        for i in over:
            parts[i] = caps[i]
            left -= caps[i]
        open_parts = [i for i in open_parts if i not in over]
    return parts


def _split(total: Decimal, weights: Sequence[Decimal], decimals: int) -> list[Decimal]:
    n = len(weights)
    if n == 0:
        return []
    if n == 1:
        return [total]
    weight_sum = sum(weights, ZERO)
    parts: list[Decimal] = []
    running = ZERO
    for w in weights[:-1]:
        share = total / n if weight_sum == 0 else total * w / weight_sum
        part = round_money(share, decimals)
        # Shares rounded up can add up to more than the total: a part never takes more
        # than what is left, so the last part (the remainder) is never negative.
        if total >= 0:
            part = min(part, total - running)
        parts.append(part)
        running += part
    parts.append(total - running)
    return parts


def format_money(amount: Decimal) -> str:
    """Money as clients expect it on the wire: a decimal string with three places."""
    return str(_quantize(amount, _THREE_PLACES))
