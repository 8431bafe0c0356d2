"""One module per family: the rule for that family and little else (SPEC §4)."""

from __future__ import annotations

from mspromo_engine.families import combo, easy, easy_plus, line_special
from mspromo_engine.families.common import FamilyRule
from mspromo_engine.model import Family

__all__ = ["RULES"]

RULES: dict[Family, FamilyRule] = {
    Family.EASY: easy.apply,
    Family.EASY_PLUS: easy_plus.apply,
    Family.COMBO: combo.apply,
    Family.LINE_SPECIAL: line_special.apply,
}
