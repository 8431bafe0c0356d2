"""Why a promotion applied or not: stable machine codes for ``explain: true`` (SPEC §6)."""

from __future__ import annotations

import enum

__all__ = ["Reason"]


class Reason(enum.Enum):
    """Stable codes; clients may switch on them. Documented in docs/explain.md."""

    APPLIED = "applied"
    INACTIVE = "inactive"
    OUTSIDE_WINDOW = "outside_window"
    INACTIVE_DAY = "inactive_day"
    OUTSIDE_HAPPY_HOUR = "outside_happy_hour"
    NOT_IN_STORE = "not_in_store"
    QUALIFIER_MISSING = "qualifier_missing"
    COUPON_MISSING = "coupon_missing"
    CUSTOMER_REQUIRED = "customer_required"
    USAGE_LIMIT_REACHED = "usage_limit_reached"
    NO_ELIGIBLE_UNITS = "no_eligible_units"
    ALL_UNITS_EXCLUDED = "all_units_excluded"
    UNITS_TAKEN = "units_taken"
    NOT_ENOUGH_UNITS = "not_enough_units"
    SPEND_BELOW_THRESHOLD = "spend_below_threshold"
    LOST_BEST_DISCOUNT = "lost_best_discount"
    ZERO_DISCOUNT = "zero_discount"
    CAPPED_BY_MAX_DISCOUNT = "capped_by_max_discount"


_MESSAGES = {
    Reason.APPLIED: "applied",
    Reason.INACTIVE: "the promotion is not active",
    Reason.OUTSIDE_WINDOW: "the evaluation time is outside the promotion's window",
    Reason.INACTIVE_DAY: "the promotion does not run on this weekday in the store's time zone",
    Reason.OUTSIDE_HAPPY_HOUR: "the evaluation time is outside the happy hour",
    Reason.NOT_IN_STORE: "the promotion is not linked to this store",
    Reason.QUALIFIER_MISSING: "the request carries none of the promotion's special qualifiers",
    Reason.COUPON_MISSING: "the request carries none of the promotion's coupon codes",
    Reason.CUSTOMER_REQUIRED: (
        "the promotion has a per-customer limit and the request has no customer_id"
    ),
    Reason.USAGE_LIMIT_REACHED: "the promotion's usage limit (or this customer's) is reached",
    Reason.NO_ELIGIBLE_UNITS: "no basket unit is eligible",
    Reason.ALL_UNITS_EXCLUDED: "every matching unit is excluded by a node",
    Reason.UNITS_TAKEN: "its eligible units were consumed by other promotions in the layer",
    Reason.NOT_ENOUGH_UNITS: "not enough eligible units",
    Reason.SPEND_BELOW_THRESHOLD: "the qualifying spend is below the threshold",
    Reason.LOST_BEST_DISCOUNT: "another combination of promotions gives a larger discount",
    Reason.ZERO_DISCOUNT: "the discount would be zero",
    Reason.CAPPED_BY_MAX_DISCOUNT: "applied, capped by max_discount",
}


def describe(reason: Reason, missing: object | None = None) -> str:
    """A human message for a reason code, with how many units or how much spend is missing."""
    text = _MESSAGES[reason]
    if missing is not None and reason is Reason.NOT_ENOUGH_UNITS:
        return f"{text}: {missing} more needed"
    if missing is not None and reason is Reason.SPEND_BELOW_THRESHOLD:
        return f"{text}: {missing} more needed"
    return text
