"""SPEC §9 fields in storage: create, bulk ``c`` and ``u`` keep ``coupon_codes`` (upper
case), ``usage_limit`` and ``usage_limit_per_customer``; bad values change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fakes import bulk

from mspromo_engine import ValidationError
from mspromo_service import storage


def test_create_stores_the_coupon_fields_upper_case(
    repo: storage.SqlRepository, make_promo: Any
) -> None:
    created = repo.create_promotion(
        make_promo(coupon_codes=["save10", "VIP"], usage_limit=5, usage_limit_per_customer=1)
    )
    stored = repo.get_promotion("s-1", "P1")
    assert stored == created
    assert stored.coupon_codes == ("SAVE10", "VIP")
    assert (stored.usage_limit, stored.usage_limit_per_customer) == (5, 1)
    plain = repo.create_promotion(make_promo("P2"))
    assert repo.get_promotion("s-1", "P2") == plain
    assert plain.coupon_codes == () and plain.usage_limit is None


def test_bulk_create_and_update_carry_the_coupon_fields(
    repo: storage.SqlRepository, make_promo: Any
) -> None:
    bulk(repo, "r-1", [{"action": "c", "body": make_promo(coupon_codes=["a-1"], usage_limit=3)}])
    assert repo.get_promotion("s-1", "P1").coupon_codes == ("A-1",)
    bulk(
        repo,
        "r-1",
        [
            {
                "action": "u",
                "promo_id_retailer": "P1",
                "store_id": "s-1",
                "header": {
                    "coupon_codes": ["b_2", "c3"],
                    "usage_limit": None,
                    "usage_limit_per_customer": 2,
                },
            }
        ],
    )
    stored = repo.get_promotion("s-1", "P1")
    assert stored.coupon_codes == ("B_2", "C3")
    assert (stored.usage_limit, stored.usage_limit_per_customer) == (None, 2)


@pytest.mark.parametrize(
    "header", [{"usage_limit": 0}, {"coupon_codes": ["bad code"]}, {"coupon_codes": "X"}]
)
def test_a_bad_update_is_rejected_and_changes_nothing(
    repo: storage.SqlRepository, make_promo: Any, header: dict[str, Any]
) -> None:
    repo.create_promotion(make_promo(coupon_codes=["KEEP"], usage_limit=3))
    op = {"action": "u", "promo_id_retailer": "P1", "store_id": "s-1", "header": header}
    with pytest.raises(ValidationError):
        bulk(repo, "r-1", [op])
    stored = repo.get_promotion("s-1", "P1")
    assert (stored.coupon_codes, stored.usage_limit) == (("KEEP",), 3)
