"""A deliberately plain evaluator written from the SPEC (§2–§6, §9) and docs/decisions.md.

No indexes, no bitmasks, no search bounds, no caches: every node of every group is
checked against every unit, and the best discount of a cluster is found by trying every
order of its promotions. It shares nothing with the engine but the model types and the
money helpers, so that the property in ``test_reference.py`` compares two independent
readings of the SPEC.

It answers the evaluate response of SPEC §6 without ``promo_suggestions`` and
``explanations`` (those are compared elsewhere), with §9's ``coupons_info`` when the
request carries codes. Usage counts come as two plain maps keyed by
``(retailer, promo_id_retailer)``: all customers, and the request's customer.
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from mspromo_engine import EvaluationRequest
from mspromo_engine.model import (
    Availability,
    DiscountApplyType,
    EvaluateCriteria,
    Family,
    Node,
    NodeType,
    Promotion,
)
from mspromo_engine.money import format_money

from .families import RULES, ZERO, App, RUnit, State, share_out

BASKET_FAMILIES = (Family.BASKET_THRESHOLD, Family.BASKET_TARGET)


# --- which promotions take part (SPEC §5.1, §5.4, §5.5, §9) --------------------------

Counts = dict[tuple[str, str], int]


def wall(t: Any) -> time:
    return time(t.hour, t.minute, t.second, t.microsecond)


def takes_part(
    promo: Promotion,
    request: EvaluationRequest,
    linked: bool,
    total: Counts,
    mine: Counts,
) -> bool:
    local = request.at.astimezone(ZoneInfo(request.timezone))
    if not promo.is_active or not linked:
        return False
    if not promo.start_date_time <= request.at < promo.end_date_time:
        return False
    start, end, now = wall(promo.start_date_time), wall(promo.end_date_time), wall(local)
    day = local.weekday()
    if promo.is_happy_hour:
        if start <= end:
            inside = start <= now < end
        else:  # across midnight; the small hours belong to the evening before
            inside = now >= start or now < end
            if now < end:
                day = (day - 1) % 7
        if not inside:
            return False
    if promo.active_days[day] != "1":
        return False
    if promo.availability is Availability.SPECIAL:
        held = {
            q for p in request.special_promos for g in p.group_qualifiers for q in g.qualifier_ids
        }
        if not any(s.group_qualifier_id in held for s in promo.special_promo_info):
            return False
    # SPEC §9: a code of the promotion among the request's, whatever the case.
    codes = {c.upper() for c in promo.coupon_codes}
    if codes and not codes & {c.upper() for c in request.coupons}:
        return False
    key = (promo.retailer, promo.promo_id_retailer)
    if promo.usage_limit is not None and total.get(key, 0) >= promo.usage_limit:
        return False
    per_customer = promo.usage_limit_per_customer
    # A per-customer limit needs a customer (``customer_required``).
    return per_customer is None or (bool(request.customer_id) and mine.get(key, 0) < per_customer)


def node_matches(node: Node, unit: RUnit) -> bool:
    if node.node_id == "ALL":
        return True
    if node.node_type is NodeType.ITEM:
        return unit.sku == node.node_id
    return (node.node_type.value, node.node_id) in unit.categories


def specificity(node: Node) -> int:
    """Item, then the deepest category, then ALL (docs/decisions.md)."""
    if node.node_id == "ALL":
        return 9
    if node.node_type is NodeType.ITEM:
        return 0
    return 8 - int(node.node_type.value[1])


def matching_node(nodes: tuple[Node, ...], unit: RUnit) -> Node | None:
    if any(n.is_excluded and node_matches(n, unit) for n in nodes):
        return None
    included = [n for n in nodes if not n.is_excluded and node_matches(n, unit)]
    if not included:
        return None
    return min(included, key=lambda n: (specificity(n), nodes.index(n)))


# --- evaluation (SPEC §5) ------------------------------------------------------------


class Taking:
    """A promotion taking part: its eligible units and matched node per group."""

    def __init__(self, promo: Promotion, units: list[RUnit]) -> None:
        self.promo = promo
        self.groups: list[list[int]] = []
        self.nodes: list[dict[int, Node]] = []
        for g in promo.promo_groups:
            matched = {}
            for u, unit in enumerate(units):
                node = matching_node(g.nodes, unit)
                if node is not None:
                    matched[u] = node
            self.groups.append(list(matched))
            self.nodes.append(matched)

    def eligible(self) -> set[int]:
        return {u for g in self.groups for u in g}


def run(t: Taking, s: State, keep_zero: bool) -> list[App]:
    """The family's rule, then what every family shares: zero-discount applications
    dropped (SPEC §3.2) and ``max_discount`` re-allocated (docs/decisions.md)."""
    apps = RULES[t.promo.family](t.promo, t.groups, t.nodes, s)
    if not keep_zero:
        apps = [a for a in apps if sum((d for _, d in a[0]), ZERO) > 0]
    cap = t.promo.max_discount
    total = sum((d for a in apps for _, d in a[0]), ZERO)
    if cap is not None and total > cap:
        entries = sorted(
            ((i, u, d) for i, a in enumerate(apps) for u, d in a[0] if d > 0),
            key=lambda e: (-e[2], e[1], e[0]),
        )
        weights = [d for _, _, d in entries]
        parts = share_out(cap, weights, weights, s.decimals)
        new = {(i, u): p for (i, u, _), p in zip(entries, parts, strict=True)}
        apps = [([(u, new.get((i, u), ZERO)) for u, _ in a[0]], a[1]) for i, a in enumerate(apps)]
    return apps


def commit(t: Taking, apps: list[App], s: State) -> None:
    lowers = t.promo.discount_apply_type is not DiscountApplyType.CASHBACK
    for discounts, requisites in apps:
        for u, d in discounts:
            s.taken.add(u)
            if lowers:
                s.finals[u] -= d
        s.taken.update(requisites)


def copy(s: State) -> State:
    return State(s.units, list(s.finals), s.decimals, set(s.taken), set(s.discounted_before))


def total_of(apps: list[App]) -> Decimal:
    return sum((d for a in apps for _, d in a[0]), ZERO)


def best_order(cluster: list[Taking], s: State, keep_zero: bool) -> list[Taking]:
    """Every order of the cluster is tried. The largest total wins; of equal totals the
    one met first when, at each step, the promotions are tried largest immediate
    discount first, ties by priority (docs/decisions/selection.md)."""
    best: tuple[Decimal, list[Taking]] = (Decimal(-1), [])

    def visit(rest: list[Taking], state: State, so_far: Decimal, order: list[Taking]) -> None:
        nonlocal best
        if not rest:
            if so_far > best[0]:
                best = (so_far, order)
            return
        tried = [(total_of(run(t, state, keep_zero)), t) for t in rest]
        tried.sort(key=lambda x: (-x[0], cluster.index(x[1])))
        for _, t in tried:
            after = copy(state)
            apps = run(t, after, keep_zero)
            commit(t, apps, after)
            visit([r for r in rest if r is not t], after, so_far + total_of(apps), [*order, t])

    visit(cluster, s, ZERO, [])
    return best[1]


def clusters(best: list[Taking], s: State) -> list[list[Taking]]:
    """Promotions that can take the same free unit are connected (SPEC §5.3)."""
    ordered = sorted(best, key=lambda t: t.promo.priority_key)
    free = {id(t): set(s.free(t.promo, sorted(t.eligible()))) for t in ordered}
    out: list[list[Taking]] = []
    for t in ordered:
        joined = [c for c in out if any(free[id(t)] & free[id(o)] for o in c)]
        merged = [t] + [o for c in joined for o in c]
        out = [c for c in out if c not in joined] + [
            sorted(merged, key=lambda x: x.promo.priority_key)
        ]
    return sorted(out, key=lambda c: c[0].promo.priority_key)


def canonical_lines(request: EvaluationRequest) -> list[int]:
    def key(i: int) -> tuple[Any, ...]:
        it = request.basket.items[i]
        cats = sorted((c.type, c.value) for c in it.categories)
        return (it.sku, it.item_id, it.barcode, it.mrp, it.sp, it.weight, it.uom, it.qty, cats, i)

    return sorted(range(len(request.basket.items)), key=key)


def evaluate(
    request: EvaluationRequest,
    stored: list[Promotion],
    total: Counts | None = None,
    mine: Counts | None = None,
) -> dict[str, Any]:
    units: list[RUnit] = []
    for line in canonical_lines(request):
        it = request.basket.items[line]
        cats = frozenset((c.type, c.value) for c in it.categories)
        units += [RUnit(line, it.sku, it.mrp, it.sp, it.weight, cats) for _ in range(it.qty)]

    overridden = {(p.retailer, p.promo_id_retailer) for p in request.promo_override}
    considered = [
        (p, request.store_id in p.stores)
        for p in stored
        if (p.retailer, p.promo_id_retailer) not in overridden
    ] + [(p, True) for p in request.promo_override]
    taking = []
    for promo, linked in considered:
        if takes_part(promo, request, linked, total or {}, mine or {}):
            t = Taking(promo, units)
            if t.eligible():
                taking.append(t)

    def layer_key(t: Taking) -> int:
        return t.promo.effective_layer

    s = State(units, [u.sp for u in units], request.currency_decimals)
    keep_zero = request.keep_zero_discount_promos
    results: list[tuple[Taking, list[App]]] = []
    for layer in sorted({layer_key(t) for t in taking}):
        s.taken = set()
        start = list(s.finals)
        for basket in (False, True):
            phase = [
                t
                for t in taking
                if layer_key(t) == layer and (t.promo.family in BASKET_FAMILIES) == basket
            ]
            best = [t for t in phase if t.promo.evaluate_criteria is EvaluateCriteria.BEST_DISCOUNT]
            for cluster in clusters(best, s):
                for t in best_order(cluster, s, keep_zero):
                    apps = run(t, s, keep_zero)
                    commit(t, apps, s)
                    results.append((t, apps))
            priority = sorted(
                (t for t in phase if t not in best), key=lambda t: t.promo.priority_key
            )
            for t in priority:
                apps = run(t, s, keep_zero)
                commit(t, apps, s)
                results.append((t, apps))
        s.discounted_before |= {u for u in range(len(units)) if s.finals[u] != start[u]}
    body = response(request, units, results)
    if request.coupons:
        body["coupons_info"] = coupons_info(request, considered, results)
    return body


def coupons_info(
    request: EvaluationRequest,
    considered: list[tuple[Promotion, bool]],
    results: list[tuple[Taking, list[App]]],
) -> list[dict[str, Any]]:
    """SPEC §9: per distinct requested code, upper-cased, in request order."""
    applied = {(t.promo.retailer, t.promo.promo_id_retailer) for t, apps in results if apps}
    out = []
    for code in dict.fromkeys(c.upper() for c in request.coupons):
        carriers = sorted(
            (
                p
                for p, linked in considered
                if linked and code in {c.upper() for c in p.coupon_codes}
            ),
            key=lambda p: p.promo_id_retailer,
        )
        hits = [p for p in carriers if (p.retailer, p.promo_id_retailer) in applied]
        if hits:
            out.append(
                {"code": code, "status": "applied", "promo_id_retailer": hits[0].promo_id_retailer}
            )
        elif carriers:
            out.append(
                {
                    "code": code,
                    "status": "not_applied",
                    "promo_id_retailer": carriers[0].promo_id_retailer,
                }
            )
        else:
            out.append({"code": code, "status": "unknown", "promo_id_retailer": None})
    return out


# --- the response (SPEC §6) ------------------------------------------------------------


def response(
    request: EvaluationRequest, units: list[RUnit], results: list[tuple[Taking, list[App]]]
) -> dict[str, Any]:
    def order(r: tuple[Taking, list[App]]) -> tuple[Any, ...]:
        p = r[0].promo
        basket = p.family in BASKET_FAMILIES
        return (p.effective_layer, basket, p.priority_key, p.retailer, p.promo_id_retailer)

    applied = [(t.promo, apps) for t, apps in sorted(results, key=order) if apps]
    fmt = format_money
    lowers = [p.discount_apply_type is not DiscountApplyType.CASHBACK for p, _ in applied]

    def ref(i: int, amount: Decimal) -> dict[str, Any]:
        p, apps = applied[i]
        return {
            "promo_id": p.promo_id,
            "promo_id_retailer": p.promo_id_retailer,
            "promo_family": p.family.value,
            "promo_title": p.title,
            "layer": p.effective_layer,
            "discount": fmt(amount),
            "promo_application_times": len(apps),
            "evaluate_criteria": p.evaluate_criteria.value,
            "discount_apply_type": p.discount_apply_type.value,
        }

    # Per unit: (promotion, its discount on the unit) and the promotions it qualified.
    got: list[list[tuple[int, Decimal]]] = [[] for _ in units]
    qualified: list[list[int]] = [[] for _ in units]
    for i, (_, apps) in enumerate(applied):
        for discounts, requisites in apps:
            for u, d in discounts:
                if got[u] and got[u][-1][0] == i:
                    got[u][-1] = (i, got[u][-1][1] + d)
                else:
                    got[u].append((i, d))
            for u in requisites:
                qualified[u].append(i)

    def paid_off(u: int) -> Decimal:
        return sum((d for i, d in got[u] if lowers[i]), ZERO)

    def runs(keys: list[tuple[Any, ...]]) -> list[tuple[tuple[Any, ...], int]]:
        counted: dict[tuple[Any, ...], int] = {}
        for k in keys:
            counted[k] = counted.get(k, 0) + 1
        return list(counted.items())

    lines = []
    for line, item in enumerate(request.basket.items):
        mine = [u for u, unit in enumerate(units) if unit.line == line]
        line_discount = sum((paid_off(u) for u in mine), ZERO)
        lines.append(
            {
                "sku": item.sku,
                "item_id": item.item_id,
                "qty": item.qty,
                "mrp": fmt(item.mrp),
                "sp": fmt(item.sp),
                "discount": fmt(line_discount),
                "total_after_promos": fmt(item.sp * item.qty - line_discount),
                "discount_info": [
                    {
                        "consumed_qty": n,
                        "discount": fmt(off := sum((d for i, d in key if lowers[i]), ZERO)),
                        "final_price": fmt(item.sp - off),
                        "applied_promos": [ref(i, d) for i, d in key],
                    }
                    for key, n in runs([tuple(got[u]) for u in mine if got[u]])
                ],
                "requisite_info": [
                    {"consumed_qty": n, "applied_promos": [ref(i, ZERO) for i in key]}
                    for key, n in runs([tuple(qualified[u]) for u in mine if qualified[u]])
                ],
                "remaining_qty": sum(1 for u in mine if not got[u] and not qualified[u]),
            }
        )

    discount = sum((paid_off(u) for u in range(len(units))), ZERO)
    total_sp = sum((i.sp * i.qty for i in request.basket.items), ZERO)
    by_type: dict[str, Decimal] = {}
    for p, apps in applied:
        by_type[p.discount_apply_type.value] = by_type.get(
            p.discount_apply_type.value, ZERO
        ) + total_of(apps)
    special = [(p, a) for p, a in applied if p.availability is Availability.SPECIAL]
    special_ids = {s.group_qualifier_id for p, _ in special for s in p.special_promo_info}
    programs = sorted(
        {
            prog.program_name
            for prog in request.special_promos
            for g in prog.group_qualifiers
            if special_ids & set(g.qualifier_ids)
        }
    )
    threshold = [(p, a) for p, a in applied if p.family in BASKET_FAMILIES]
    return {
        "best_discount_exact": True,
        "total_mrp": fmt(sum((i.mrp * i.qty for i in request.basket.items), ZERO)),
        "total_sp": fmt(total_sp),
        "discount": fmt(discount),
        "total_after_promos": fmt(total_sp - discount),
        "special_promos_info": {
            "discount": fmt(sum((total_of(a) for _, a in special), ZERO)),
            "applied_programs": programs,
        },
        "basket_threshold_promos": {
            "discount": fmt(sum((total_of(a) for _, a in threshold), ZERO)),
            "applied_promos": [
                {
                    "promo_id": p.promo_id,
                    "promo_id_retailer": p.promo_id_retailer,
                    "discount": fmt(total_of(a)),
                    "promo_application_times": len(a),
                }
                for p, a in threshold
            ],
        },
        "discount_by_apply_type": {k: fmt(v) for k, v in sorted(by_type.items())},
        "items": lines,
    }


def engine_projection(body: dict[str, Any]) -> dict[str, Any]:
    """The engine's wire response cut to what :func:`evaluate` answers."""
    basket = dict(body["basket"])
    items = []
    for wire_line in basket.pop("items"):
        line = dict(wire_line)
        line["remaining_qty"] = line.pop("remaining_info")["remaining_qty"]
        items.append(line)
    basket.pop("id")
    out = {"best_discount_exact": body["best_discount_exact"], **basket, "items": items}
    if "coupons_info" in body:
        out["coupons_info"] = body["coupons_info"]
    return out
