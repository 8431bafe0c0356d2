"""One module per family: the rule for that family and little else (SPEC §4)."""

from __future__ import annotations

from mspromo_engine.families import (
    basket_target,
    basket_threshold,
    combo,
    easy,
    easy_plus,
    even_multiline,
    line_special,
    requisite_target,
)
from mspromo_engine.families.common import FamilyRule
from mspromo_engine.model import Family

__all__ = ["RULES"]

RULES: dict[Family, FamilyRule] = {
    Family.EASY: easy.apply,
    Family.EASY_PLUS: easy_plus.apply,
    Family.COMBO: combo.apply,
    Family.LINE_SPECIAL: line_special.apply,
    Family.BASKET_THRESHOLD: basket_threshold.apply,
    Family.BASKET_TARGET: basket_target.apply,
    Family.REQUISITE_TARGET: requisite_target.apply,
    Family.EVEN_MULTILINE: even_multiline.apply,
}
