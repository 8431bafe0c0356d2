"""Whether a promotion takes part at a given time and for a given customer (SPEC §5.1,
§5.4, §9): the one participation check, asked by the evaluation, suggestions and item
recommendations alike."""

from __future__ import annotations

from datetime import datetime, time

from mspromo_engine.basket import EvaluationRequest
from mspromo_engine.coupons import NO_USAGE, UsageCounts
from mspromo_engine.explain import Reason
from mspromo_engine.model import Availability, Promotion

__all__ = ["exclusion_reason", "in_happy_hour", "off_schedule", "qualified", "runs_at"]


def exclusion_reason(
    promo: Promotion,
    request: EvaluationRequest,
    local_at: datetime,
    qualifiers: frozenset[str],
    *,
    linked: bool,
    usage: UsageCounts = NO_USAGE,
) -> Reason | None:
    """None when the promotion takes part; else the first reason it does not.

    ``local_at`` is the request's ``at`` in the request's time zone; ``linked`` is False
    only for a stored promotion whose store links do not include the request's store;
    ``usage`` holds the redemption counts the caller knows (SPEC §9).
    """
    if not promo.is_active:
        return Reason.INACTIVE
    if not linked:
        return Reason.NOT_IN_STORE
    off = off_schedule(promo, request.at, local_at)
    if off is not None:
        return off
    if not qualified(promo, qualifiers):
        return Reason.QUALIFIER_MISSING
    if promo.coupon_codes and request.coupons_set.isdisjoint(promo.coupon_codes):
        return Reason.COUPON_MISSING
    if promo.usage_limit_per_customer is not None and not request.customer_id:
        return Reason.CUSTOMER_REQUIRED
    if promo.has_usage_limit and (usage.global_reached(promo) or usage.customer_reached(promo)):
        return Reason.USAGE_LIMIT_REACHED
    return None


def runs_at(promo: Promotion, at: datetime, local_at: datetime) -> bool:
    """Active and on schedule at ``at`` (``local_at``: the same instant in the store's
    time zone): its window, its weekdays, its happy hour."""
    return promo.is_active and off_schedule(promo, at, local_at) is None


def off_schedule(promo: Promotion, at: datetime, local_at: datetime) -> Reason | None:
    """Why the promotion's schedule rules out ``at``, or None when it does not."""
    if not promo.start_date_time <= at < promo.end_date_time:
        return Reason.OUTSIDE_WINDOW
    if promo.active_days[_active_day(promo, local_at)] != "1":
        return Reason.INACTIVE_DAY
    if promo.is_happy_hour and not in_happy_hour(promo, local_at):
        return Reason.OUTSIDE_HAPPY_HOUR
    return None


def qualified(promo: Promotion, qualifiers: frozenset[str]) -> bool:
    """A loyalty-only promotion needs one of its qualifiers (SPEC §5.4)."""
    if promo.availability is not Availability.SPECIAL:
        return True
    return any(s.group_qualifier_id in qualifiers for s in promo.special_promo_info)


def in_happy_hour(promo: Promotion, local_at: datetime) -> bool:
    """The wall-clock time of ``at`` in the store lies in [start, end) of the times written
    in the window's datetimes, whatever offset they carry; the window may cross midnight."""
    start = _wall(promo.start_date_time)
    end = _wall(promo.end_date_time)
    now = local_at.time().replace(tzinfo=None)
    if start <= end:
        return start <= now < end
    return now >= start or now < end


def _active_day(promo: Promotion, local_at: datetime) -> int:
    """The weekday (Monday 0) that ``active_days`` is read for: the day of ``at`` in the
    store, except in the after-midnight part of a happy hour that crosses midnight, which
    belongs to the evening it started (a Friday 22:00-02:00 deal still runs at 01:00 on
    Saturday, and not at 01:00 on Friday)."""
    day = local_at.weekday()
    if not promo.is_happy_hour:
        return day
    start = _wall(promo.start_date_time)
    end = _wall(promo.end_date_time)
    if end < start and local_at.time().replace(tzinfo=None) < end:
        return (day - 1) % 7
    return day


def _wall(value: datetime) -> time:
    return value.time().replace(tzinfo=None)
