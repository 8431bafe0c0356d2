"""Best-discount resolution (SPEC §5.3): split the best-discount promotions of a layer
into independent clusters and apply each cluster in the order that gives the customer
the largest total discount."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from decimal import Decimal

from mspromo_engine.families.common import Candidate, LayerView, Outcome
from mspromo_engine.money import ZERO

__all__ = ["resolve_best_discount"]

Run = Callable[[Candidate, LayerView], Outcome]
Applied = list[tuple[Candidate, Outcome]]

_EXACT_LIMIT = 6  # placeholder: exhaustive search up to this size (issue 5 replaces it)


def resolve_best_discount(
    candidates: Sequence[Candidate], view: LayerView, run: Run
) -> tuple[Applied, LayerView, bool]:
    """Apply the candidates in the best order. Returns what each did (in the order they
    were applied), the view afterwards, and whether the result is provably optimal."""
    if not candidates:
        return [], view, True
    if len(candidates) > _EXACT_LIMIT:
        return (*_apply_in_order(candidates, view, run), False)
    best: tuple[Decimal, Applied, LayerView] | None = None
    for order in itertools.permutations(candidates):
        applied, after = _apply_in_order(order, view, run)
        total = sum((o.total for _, o in applied), ZERO)
        if best is None or total > best[0]:
            best = (total, applied, after)
    assert best is not None
    return best[1], best[2], True


def _apply_in_order(
    order: Sequence[Candidate], view: LayerView, run: Run
) -> tuple[Applied, LayerView]:
    applied: Applied = []
    for candidate in order:
        outcome = run(candidate, view)
        applied.append((candidate, outcome))
        view = view.after(outcome)
    return applied, view
