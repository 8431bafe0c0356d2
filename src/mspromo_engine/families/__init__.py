"""One module per family: the rule for that family and little else (SPEC §4)."""

from __future__ import annotations

from collections.abc import Callable

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
from mspromo_engine.model import Family, Promotion

__all__ = ["DESCRIBE", "RULES"]

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

# Each family's rule in plain words (promotion, currency decimals) -> sentence.
DESCRIBE: dict[Family, Callable[[Promotion, int], str]] = {
    Family.EASY: easy.describe,
    Family.EASY_PLUS: easy_plus.describe,
    Family.COMBO: combo.describe,
    Family.LINE_SPECIAL: line_special.describe,
    Family.BASKET_THRESHOLD: basket_threshold.describe,
    Family.BASKET_TARGET: basket_target.describe,
    Family.REQUISITE_TARGET: requisite_target.describe,
    Family.EVEN_MULTILINE: even_multiline.describe,
}
