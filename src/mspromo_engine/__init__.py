"""mspromo_engine: evaluate a retail basket against immutable promotion rules.

Pure Python, no I/O, no clock reads: the caller passes the evaluation time.
"""

from mspromo_engine import wire
from mspromo_engine.api import evaluate, evaluate_json
from mspromo_engine.basket import Basket, Category, EvaluationRequest, Item, Unit
from mspromo_engine.codec import promotion_from_wire, promotion_to_wire, request_from_wire
from mspromo_engine.describe import PromotionState, describe_promotion, promotion_state
from mspromo_engine.exceptions import ErrorDetail, MspromoError, ValidationError
from mspromo_engine.model import Group, Node, Promotion, SpecialPromoInfo
from mspromo_engine.ruleset import RuleSet

# The distribution's version; `cz bump` rewrites it with pyproject's (tool.commitizen).
__version__ = "0.1.0"

__all__ = [
    "Basket",
    "Category",
    "ErrorDetail",
    "EvaluationRequest",
    "Group",
    "Item",
    "MspromoError",
    "Node",
    "Promotion",
    "PromotionState",
    "RuleSet",
    "SpecialPromoInfo",
    "Unit",
    "ValidationError",
    "__version__",
    "describe_promotion",
    "evaluate",
    "evaluate_json",
    "promotion_from_wire",
    "promotion_state",
    "promotion_to_wire",
    "request_from_wire",
    "wire",
]
