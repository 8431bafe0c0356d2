"""A promotion for people: its rule in plain words and its state at a given time.

The sentence comes from the promotion's family module (``describe`` there); this module
only picks it and adds the state, so the console and any other client show the same words.
"""

from __future__ import annotations

import enum
from datetime import datetime

from mspromo_engine.families import RULES
from mspromo_engine.model import Promotion

__all__ = ["PromotionState", "describe_promotion", "promotion_state"]


class PromotionState(enum.Enum):
    LIVE = "live"
    SCHEDULED = "scheduled"
    ENDED = "ended"
    INACTIVE = "inactive"


def describe_promotion(promotion: Promotion, *, currency_decimals: int = 2) -> str:
    """The rule in plain words, money in the currency's decimals:
    ``"Buy 3 PEN, 10.00 off the 3; up to 5 times"``."""
    return RULES[promotion.family].describe(promotion, currency_decimals)


def promotion_state(promotion: Promotion, at: datetime) -> PromotionState:
    """Inactive (switched off), scheduled (before its window), ended (at or after its
    end; the end is exclusive) or live. Weekdays and happy hours do not change the state:
    a live happy-hour promotion is live all day, the description says when it applies."""
    if not promotion.is_active:
        return PromotionState.INACTIVE
    if at < promotion.start_date_time:
        return PromotionState.SCHEDULED
    if at >= promotion.end_date_time:
        return PromotionState.ENDED
    return PromotionState.LIVE
