"""Promotion storage endpoints: create, list, by retailer, by store, bulk by ids, one."""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import quote

import falcon

from mspromo_engine import Promotion, promotion_to_wire, wire
from mspromo_service.contract import RetailerIds, parse_promotion
from mspromo_service.resources.common import (
    int_param,
    path_param,
    read_json,
    str_param,
)
from mspromo_service.rules import RulesCache
from mspromo_service.storage import Repository

__all__ = [
    "PromotionResource",
    "PromotionsResource",
    "RetailerPromotionsResource",
    "StorePromotionsByIdsResource",
    "StorePromotionsResource",
]


def _listing(
    promotions: tuple[Promotion, ...] | list[Promotion], repository: Repository
) -> list[dict[str, object]]:
    """Wire promotions, each with ``usage: {"redemptions": n}`` from the redemption ledger
    (SPEC §9; one query per 500 promotions)."""
    wires = [promotion_to_wire(p) for p in promotions]
    ledger = getattr(repository, "ledger", None)
    if ledger is not None and promotions:
        keys = [(p.retailer, p.promo_id_retailer) for p in promotions]
        usage = ledger.usage_of(keys)
        for wire, key in zip(wires, keys, strict=True):
            wire["usage"] = {"redemptions": usage[key]}
    return wires


def _one(promotion: Promotion, repository: Repository) -> dict[str, object]:
    return _listing([promotion], repository)[0]


class PromotionsResource:
    """``/api/1.0/promotions/``: POST creates one promotion, GET lists them."""

    write_methods: ClassVar[frozenset[str]] = frozenset({"POST"})

    def __init__(
        self,
        repository: Repository,
        cache: RulesCache,
        max_body_bytes: int,
        *,
        limits: wire.Limits = wire.DEFAULT_LIMITS,
    ) -> None:
        self._repository = repository
        self._cache = cache
        self._max_body_bytes = max_body_bytes
        self._limits = limits

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        parsed = parse_promotion(read_json(req, self._max_body_bytes), self._limits)
        promotion = self._repository.create_promotion(parsed)
        self._cache.invalidate(promotion.stores)
        resp.status = falcon.HTTP_201
        if promotion.stores:  # the promotion as seen from its first store
            resp.location = "/api/1.0/promotions/{}/{}".format(
                *(quote(v, safe="") for v in (promotion.stores[0], promotion.promo_id_retailer))
            )
        resp.media = _one(promotion, self._repository)

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        page = self._repository.list_promotions(
            retailer=str_param(req, "retailer", max_length=wire.RETAILER_LEN),
            store=str_param(req, "store"),
            limit=int_param(req, "limit", default=100, minimum=1, maximum=1000),
            cursor=str_param(req, "cursor", max_length=1024),
        )
        resp.media = {
            "promotions": _listing(page.promotions, self._repository),
            "next_cursor": page.next_cursor,
        }


class RetailerPromotionsResource:
    """``/api/1.0/promotions/retailer/{retailer}/``: every promotion of a retailer."""

    write_methods: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, repository: Repository) -> None:
        self._repository = repository

    def on_get(self, req: falcon.Request, resp: falcon.Response, retailer: str) -> None:
        promotions = self._repository.promotions_of_retailer(
            path_param(retailer, "retailer", max_length=wire.RETAILER_LEN)
        )
        resp.media = {"promotions": _listing(promotions, self._repository)}


class StorePromotionsResource:
    """``/api/1.0/promotions/store/{store_id}/``: GET the store's promotions, DELETE them."""

    write_methods: ClassVar[frozenset[str]] = frozenset({"DELETE"})

    def __init__(self, repository: Repository, cache: RulesCache) -> None:
        self._repository = repository
        self._cache = cache

    def on_get(self, req: falcon.Request, resp: falcon.Response, store_id: str) -> None:
        promotions = self._repository.promotions_of_store(path_param(store_id, "store_id"))
        resp.media = {"promotions": _listing(promotions, self._repository)}

    def on_delete(self, req: falcon.Request, resp: falcon.Response, store_id: str) -> None:
        result = self._repository.delete_store(path_param(store_id, "store_id"))
        self._cache.invalidate([store_id])
        resp.media = {"store_id": store_id, "unlinked": result.unlinked, "deleted": result.deleted}


class StorePromotionsByIdsResource:
    """``/api/1.0/promotions/bulk/{store_id}/``: ``{retailer_ids}`` -> those promotions."""

    write_methods: ClassVar[frozenset[str]] = frozenset()  # a read that takes a body

    def __init__(
        self,
        repository: Repository,
        max_body_bytes: int,
        *,
        limits: wire.Limits = wire.DEFAULT_LIMITS,
    ) -> None:
        self._repository = repository
        self._max_body_bytes = max_body_bytes
        self._limits = limits

    def on_post(self, req: falcon.Request, resp: falcon.Response, store_id: str) -> None:
        store = path_param(store_id, "store_id")
        body = wire.structure(
            read_json(req, self._max_body_bytes), RetailerIds, limits=self._limits
        )
        promotions = self._repository.promotions_by_retailer_ids(store, list(body.retailer_ids))
        resp.media = {"promotions": _listing(promotions, self._repository)}


class PromotionResource:
    """``/api/1.0/promotions/{store_id}/{promo_id_retailer}`` (alias ``/api/1.0/p/…``)."""

    write_methods: ClassVar[frozenset[str]] = frozenset({"DELETE"})

    def __init__(self, repository: Repository, cache: RulesCache) -> None:
        self._repository = repository
        self._cache = cache

    def on_get(
        self, req: falcon.Request, resp: falcon.Response, store_id: str, promo_id_retailer: str
    ) -> None:
        promotion = self._repository.get_promotion(
            path_param(store_id, "store_id"), path_param(promo_id_retailer, "promo_id_retailer")
        )
        resp.media = _one(promotion, self._repository)

    def on_delete(
        self, req: falcon.Request, resp: falcon.Response, store_id: str, promo_id_retailer: str
    ) -> None:
        self._repository.soft_delete_link(
            path_param(store_id, "store_id"), path_param(promo_id_retailer, "promo_id_retailer")
        )
        self._cache.invalidate([store_id])
        resp.status = falcon.HTTP_204
