"""mspromo_engine: evaluate a retail basket against immutable promotion rules.

Pure Python, no I/O, no clock reads: the caller passes the evaluation time.
"""

from mspromo_engine import wire
from mspromo_engine.api import UsageSource, evaluate, evaluate_json, limited_promotions
from mspromo_engine.basket import Basket, Category, EvaluationRequest, Item, Unit
from mspromo_engine.coupons import CouponInfo, UsageCounts, usage_from_wire
from mspromo_engine.describe import PromotionState, describe_promotion, promotion_state
from mspromo_engine.exceptions import ErrorDetail, MspromoError, ValidationError
from mspromo_engine.explain import Reason
from mspromo_engine.model import (
    Availability,
    DiscountApplyType,
    DiscountType,
    EvaluateCriteria,
    Family,
    Group,
    Node,
    NodeType,
    Promotion,
    ReferencePrice,
    SelectionCriteria,
    SpecialPromoInfo,
    Strategy,
)
from mspromo_engine.result import Evaluation, PromotionResult, evaluation_to_wire
from mspromo_engine.ruleset import RuleSet
from mspromo_engine.wire.evaluate import request_from_wire
from mspromo_engine.wire.promotions import (
    default_short_code,
    extra_data_from_wire,
    extra_data_to_wire,
    json_default,
    promotion_from_wire,
    promotion_to_wire,
    validate_promotion,
)

# The distribution's version; `cz bump` rewrites it with pyproject's (tool.commitizen).
__version__ = "0.1.0"

__all__ = [
    "Availability",
    "Basket",
    "Category",
    "CouponInfo",
    "DiscountApplyType",
    "DiscountType",
    "ErrorDetail",
    "EvaluateCriteria",
    "Evaluation",
    "EvaluationRequest",
    "Family",
    "Group",
    "Item",
    "MspromoError",
    "Node",
    "NodeType",
    "Promotion",
    "PromotionResult",
    "PromotionState",
    "Reason",
    "ReferencePrice",
    "RuleSet",
    "SelectionCriteria",
    "SpecialPromoInfo",
    "Strategy",
    "Unit",
    "UsageCounts",
    "UsageSource",
    "ValidationError",
    "__version__",
    "default_short_code",
    "describe_promotion",
    "evaluate",
    "evaluate_json",
    "evaluation_to_wire",
    "extra_data_from_wire",
    "extra_data_to_wire",
    "json_default",
    "limited_promotions",
    "promotion_from_wire",
    "promotion_state",
    "promotion_to_wire",
    "request_from_wire",
    "usage_from_wire",
    "validate_promotion",
    "wire",
]
