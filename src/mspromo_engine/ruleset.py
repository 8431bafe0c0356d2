"""A compiled, immutable rule set: promotions taken once, many baskets evaluated."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from mspromo_engine.basket import Unit
from mspromo_engine.model import Promotion

__all__ = ["RuleSet"]


@attrs.frozen
class RuleSet:
    """The promotions of one store, compiled for evaluation. Safe to share between threads."""

    promotions: tuple[Promotion, ...]

    @classmethod
    def compile(cls, promotions: Iterable[Promotion]) -> RuleSet:
        return cls(tuple(promotions))

    def matching(self, units: Sequence[Unit]) -> Sequence[Promotion]:
        """The promotions that may have an eligible unit among ``units`` (a superset)."""
        return self.promotions

    def __len__(self) -> int:
        return len(self.promotions)
