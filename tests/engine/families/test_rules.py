"""The contract every family rule keeps, run over every registered family: a new family
module is held to it as soon as it is in ``RULES``."""

from __future__ import annotations

import importlib

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mspromo_engine import evaluate, request_from_wire
from mspromo_engine.families import RULES, FamilyRule, rule_of
from mspromo_engine.model import Family, Promotion
from mspromo_engine.testing.strategies import EVALUATION_TIME, Scenario, promotions, scenarios
from mspromo_engine.wire import validate_promotion

REGISTERED = tuple(RULES.values())
CONTRACT = settings(max_examples=40, deadline=None)
SHAPE_FIELDS = ("promo_groups", "target_discounted_group_name", "target_discounted_group_qty_min")


def _id(rule: FamilyRule) -> str:
    return rule.family.value


def test_every_family_has_exactly_one_rule_under_its_own_key() -> None:
    assert set(RULES) == set(Family)
    for family, rule in RULES.items():
        assert rule.family is family
        assert rule_of(family) is rule


@pytest.mark.parametrize("rule", REGISTERED, ids=_id)
def test_the_rule_is_declared_by_its_family_module(rule: FamilyRule) -> None:
    module = importlib.import_module(rule.apply.__module__)
    assert module.RULE is rule
    assert module.__doc__ and f"``{rule.family.value}``" in module.__doc__
    assert rule.title.strip()


@pytest.mark.parametrize("rule", REGISTERED, ids=_id)
def test_its_example_shapes_pass_its_group_check(rule: FamilyRule) -> None:
    @CONTRACT
    @given(promotions(families=[rule.family]))
    def check(promo: Promotion) -> None:
        assert list(rule.check_groups(promo)) == []
        assert validate_promotion(promo) == []

    check()


@pytest.mark.parametrize("rule", REGISTERED, ids=_id)
def test_its_group_check_rejects_a_promotion_without_groups(rule: FamilyRule) -> None:
    @CONTRACT
    @given(promotions(families=[rule.family]))
    def check(promo: Promotion) -> None:
        bare = attrs.evolve(promo, promo_groups=())
        problems = list(rule.check_groups(bare))
        assert problems
        for field, reason in problems:
            assert field in SHAPE_FIELDS
            assert reason
            assert any(e.path == f"promotion.{field}" for e in validate_promotion(bare))

    check()


@pytest.mark.parametrize("rule", REGISTERED, ids=_id)
def test_it_applies_at_most_max_applications_times(rule: FamilyRule) -> None:
    @CONTRACT
    @given(st.sampled_from([0, 2, 3]).flatmap(lambda d: scenarios([rule.family], decimals=d)))
    def check(scenario: Scenario) -> None:
        result = evaluate(request_from_wire(scenario.request, now=EVALUATION_TIME), scenario.rules)
        for r in result.promotions:
            assert r.times <= rule.max_applications(r.promotion)
            assert r.times <= r.promotion.max_application_limit

    check()


@pytest.mark.parametrize("rule", REGISTERED, ids=_id)
def test_its_description_says_something(rule: FamilyRule) -> None:
    @CONTRACT
    @given(promotions(families=[rule.family]))
    def check(promo: Promotion) -> None:
        assert rule.describe(promo, 2).strip()

    check()
