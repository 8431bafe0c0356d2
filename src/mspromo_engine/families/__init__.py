"""One module per family, each the whole truth about its family (SPEC §4): it declares
``RULE``, a :class:`~mspromo_engine.families.rule.FamilyRule`. ``RULES`` maps every
family to its rule, in ``Family`` order; a module here that declares ``RULE`` is
registered, so adding a family means its module, its ``Family`` member and its docs.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from types import MappingProxyType

from mspromo_engine.families.rule import FamilyRule
from mspromo_engine.model import Family

__all__ = ["RULES", "FamilyRule", "rule_of"]


def _discover() -> dict[Family, FamilyRule]:
    found: dict[Family, FamilyRule] = {}
    for info in pkgutil.iter_modules(__path__):
        rule = getattr(importlib.import_module(f"{__name__}.{info.name}"), "RULE", None)
        if isinstance(rule, FamilyRule):
            if rule.family in found:
                raise RuntimeError(f"two rules for family {rule.family.value}")
            found[rule.family] = rule
    return {f: found[f] for f in Family if f in found}


RULES: Mapping[Family, FamilyRule] = MappingProxyType(_discover())


def rule_of(family: Family) -> FamilyRule:
    """The rule of ``family``."""
    return RULES[family]
