"""Best-discount resolution (SPEC §5.3): split the best-discount promotions of a layer
into independent clusters and apply each cluster in the order that gives the customer
the largest total discount.

A cluster of up to :data:`EXACT_LIMIT` promotions is solved exactly
(:class:`~mspromo_engine.best_discount.search.ExactSearch`, bounded with
:mod:`~mspromo_engine.best_discount.ceiling`); up to :data:`TRY_LIMIT` the exact search
is tried within :data:`TRY_BUDGET` visited states; beyond, or over budget, the
marginal-value ranking is used and the result is not exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from mspromo_engine.best_discount.ceiling import free_mask
from mspromo_engine.best_discount.search import ExactSearch, OverBudget, Run
from mspromo_engine.families.common import Candidate, LayerView, Outcome
from mspromo_engine.money import ZERO

__all__ = [
    "EXACT_LIMIT",
    "TRY_BUDGET",
    "TRY_LIMIT",
    "ExactSearch",
    "Run",
    "clusters",
    "resolve_best_discount",
]

Applied = list[tuple[Candidate, Outcome]]

EXACT_LIMIT = 10
TRY_LIMIT = 16
# Bounded so a rare large cluster costs tens of milliseconds, not most of a second,
# before the heuristic answers (docs/decisions/best_discount.md).
TRY_BUDGET = 1_500


def resolve_best_discount(
    candidates: Sequence[Candidate], view: LayerView, run: Run
) -> tuple[Applied, LayerView, bool]:
    """Apply the candidates in the best order. Returns what each did (in the order they
    were applied), the view afterwards, and whether the result is provably optimal."""
    applied: Applied = []
    exact = True
    for cluster in clusters(candidates, view):
        if len(cluster) == 1:
            order: Sequence[Candidate] = cluster
        elif len(cluster) <= EXACT_LIMIT:
            order = [cluster[i] for i in ExactSearch(cluster, view, run).best_order_found()]
        else:
            try:
                if len(cluster) > TRY_LIMIT:
                    raise OverBudget
                search = ExactSearch(cluster, view, run, budget=TRY_BUDGET)
                order = [cluster[i] for i in search.best_order_found()]
            except OverBudget:
                order = _heuristic_order(cluster, view, run)
                exact = False
        # Clusters share no free unit, so each one's order is found on the current view.
        for candidate in order:
            outcome = run(candidate, view)
            applied.append((candidate, outcome))
            view = view.after(outcome)
    return applied, view, exact


def clusters(candidates: Sequence[Candidate], view: LayerView) -> list[list[Candidate]]:
    """Independent groups of candidates: two are connected when they can take the same
    free unit. Members and clusters are in priority order (``priority_key``)."""
    found: list[tuple[int, list[Candidate]]] = []
    for candidate in sorted(candidates, key=lambda c: c.promotion.priority_key):
        mask = free_mask(candidate, view)
        members = [candidate]
        rest: list[tuple[int, list[Candidate]]] = []
        for other_mask, other in found:
            if other_mask & mask:
                mask |= other_mask
                members = other + members
            else:
                rest.append((other_mask, other))
        found = [*rest, (mask, members)]
    out = [sorted(m, key=lambda c: c.promotion.priority_key) for _, m in found]
    return sorted(out, key=lambda m: m[0].promotion.priority_key)


def _heuristic_order(cluster: Sequence[Candidate], view: LayerView, run: Run) -> list[Candidate]:
    """Marginal-value ranking for clusters too large to solve exactly: each promotion's
    discount alone per unit it would take that others could use, best first (ties by
    priority). Kept only when it beats plain priority order."""
    masks = [free_mask(c, view) for c in cluster]
    scored = []
    for i, candidate in enumerate(cluster):
        alone = run(candidate, view)
        others = 0
        for j, m in enumerate(masks):
            if j != i:
                others |= m
        contested = sum(1 for a in alone.applications for u in a.units if others >> u & 1)
        scored.append((alone.total / max(1, contested), i))
    ranked = [cluster[i] for _, i in sorted(scored, key=lambda s: (-s[0], s[1]))]
    if _total(ranked, view, run) >= _total(cluster, view, run):
        return ranked
    return list(cluster)


def _total(order: Sequence[Candidate], view: LayerView, run: Run) -> Decimal:
    total = ZERO
    for candidate in order:
        outcome = run(candidate, view)
        total += outcome.total
        view = view.after(outcome)
    return total
