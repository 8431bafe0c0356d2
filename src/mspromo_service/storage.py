"""Relational storage of promotions (SPEC §7): SQLAlchemy 2 Core over MySQL or SQLite.

Tables: ``promo_header`` (one row per promotion), ``promo_group``, ``promo_group_node``,
``promo_header_store`` (header↔store links, soft-deleted with ``is_deleted``/``deleted_at``),
``special_promo_info`` and ``store_revision`` (one change counter per store, bumped inside
every write transaction that can change what a store's rule set holds).

Promotions are validated by the engine codec (``promotion_from_wire``) before anything is
written, so a stored promotion is always valid; what a promotion *means* is the engine's
business, storage only keeps it. All SQL goes through SQLAlchemy with bound parameters and
every write is one transaction. Datetimes are stored in UTC together with the UTC offset
they were written with (happy hours are wall-clock times, SPEC §5.1).
"""

from __future__ import annotations

import enum
import functools
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, TypeVar

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.engine import Connection, Engine

from mspromo_engine import Promotion, ValidationError, promotion_from_wire, promotion_to_wire
from mspromo_engine.codec import (
    default_short_code,
    extra_data_from_wire,
    extra_data_to_wire,
    json_default,
)
from mspromo_engine.exceptions import ErrorDetail
from mspromo_engine.model import (
    Availability,
    DiscountApplyType,
    DiscountType,
    EvaluateCriteria,
    Family,
    Group,
    Node,
    NodeType,
    ReferencePrice,
    SelectionCriteria,
    SpecialPromoInfo,
    Strategy,
)
from mspromo_service.exceptions import Conflict, NotFound
from mspromo_service.repository import Page, StoreDeletion

__all__ = [
    "MAX_OPS",
    "MAX_PAGE_SIZE",
    "SqlRepository",
    "create_engine",
    "delete_promos",
    "header",
    "metadata",
    "new_ids",
    "promo_group",
    "promo_group_node",
    "promo_header_store",
    "special_promo_info",
    "store_revision",
]

MAX_OPS = 10_000
MAX_PAGE_SIZE = 1000
_CHUNK = 500  # ids per IN (...) list

# Column sizes; values longer than these are rejected as input errors, never truncated.
ID_LEN = 27  # KSUID, base62
RETAILER_LEN = 128
PROMO_ID_LEN = 255
STORE_LEN = 255
NAME_LEN = 128
NODE_ID_LEN = 255
TEXT_LEN = 255
QUALIFIER_LEN = 255
DEC_SCALE = 6
DEC_PRECISION = 20

# ---------------------------------------------------------------------------------------
# Schema

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Identifiers compare byte for byte on MySQL too (SQLite already does): "P1" is not "p1".
_TABLE_OPTIONS: dict[str, Any] = {
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
    "mysql_engine": "InnoDB",
}


def _datetime() -> sa.types.TypeEngine[datetime]:
    """UTC datetime without tzinfo; microseconds kept on MySQL too."""
    return (
        sa.DateTime()
        .with_variant(mysql.DATETIME(fsp=6), "mysql")
        .with_variant(mysql.DATETIME(fsp=6), "mariadb")
    )


def _decimal() -> sa.Numeric[Decimal]:
    return sa.Numeric(DEC_PRECISION, DEC_SCALE)


def _id() -> sa.String:
    return sa.String(ID_LEN)


def _header_fk() -> sa.ForeignKey:
    return sa.ForeignKey("promo_header.id", ondelete="CASCADE")


header = sa.Table(
    "promo_header",
    metadata,
    sa.Column("id", _id(), primary_key=True),
    sa.Column("retailer", sa.String(RETAILER_LEN), nullable=False),
    sa.Column("promo_id_retailer", sa.String(PROMO_ID_LEN), nullable=False),
    sa.Column("family", sa.String(1), nullable=False),
    sa.Column("title", sa.String(TEXT_LEN), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("promo_short_code", sa.String(TEXT_LEN), nullable=False),
    sa.Column("evaluate_criteria", sa.String(1), nullable=False),
    sa.Column("evaluate_priority", sa.Integer(), nullable=True),
    sa.Column("discount_type", sa.String(1), nullable=False),
    sa.Column("discount_type_strategy", sa.String(1), nullable=False),
    sa.Column("discount_value", _decimal(), nullable=False),
    sa.Column("discount_value_on", sa.String(1), nullable=False),
    sa.Column("max_application_limit", sa.Integer(), nullable=False),
    sa.Column("max_discount", _decimal(), nullable=True),
    sa.Column("is_active", sa.Boolean(), nullable=False),
    sa.Column("start_date_time", _datetime(), nullable=False),
    sa.Column("start_utc_offset", sa.Integer(), nullable=False),  # seconds east of UTC
    sa.Column("end_date_time", _datetime(), nullable=False),
    sa.Column("end_utc_offset", sa.Integer(), nullable=False),
    sa.Column("active_days", sa.String(7), nullable=False),
    sa.Column("is_happy_hour", sa.Boolean(), nullable=False),
    sa.Column("discounted_group_item_selection_criteria", sa.String(2), nullable=False),
    sa.Column("requisite_groups_item_selection_criteria", sa.String(2), nullable=False),
    sa.Column("target_discounted_group_name", sa.String(NAME_LEN), nullable=True),
    sa.Column("target_discounted_group_qty_min", sa.Integer(), nullable=True),
    sa.Column("layer", sa.Integer(), nullable=False),
    sa.Column("discount_apply_type", sa.String(1), nullable=False),
    sa.Column("availability", sa.String(1), nullable=False),
    sa.Column("apply_on_discounted_items", sa.Boolean(), nullable=False),
    sa.Column("extra_data", sa.Text(), nullable=False),  # a JSON object
    sa.Column("created_at", _datetime(), nullable=False),
    sa.Column("updated_at", _datetime(), nullable=False),
    sa.UniqueConstraint("retailer", "promo_id_retailer"),
    sa.Index(None, "is_active"),
    **_TABLE_OPTIONS,
)

promo_group = sa.Table(
    "promo_group",
    metadata,
    sa.Column("id", _id(), primary_key=True),
    sa.Column("header_id", _id(), _header_fk(), nullable=False),
    sa.Column("name", sa.String(NAME_LEN), nullable=False),
    sa.Column("qty_or_value_min", _decimal(), nullable=False),
    sa.Column("qty_or_value_max", _decimal(), nullable=True),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.UniqueConstraint("header_id", "name"),
    **_TABLE_OPTIONS,
)

promo_group_node = sa.Table(
    "promo_group_node",
    metadata,
    sa.Column("id", _id(), primary_key=True),
    sa.Column(
        "group_id",
        _id(),
        sa.ForeignKey("promo_group.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    # Denormalised from the group: set-based loads and deletes by promotion.
    sa.Column("header_id", _id(), _header_fk(), nullable=False, index=True),
    sa.Column("node_id", sa.String(NODE_ID_LEN), nullable=False),
    sa.Column("node_type", sa.String(2), nullable=False),
    sa.Column("is_excluded", sa.Boolean(), nullable=False),
    sa.Column("discount_type", sa.String(1), nullable=True),
    sa.Column("discount_value", _decimal(), nullable=True),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Index(None, "node_type", "node_id"),  # suggestions: which promotions involve a product
    **_TABLE_OPTIONS,
)

promo_header_store = sa.Table(
    "promo_header_store",
    metadata,
    sa.Column("id", _id(), primary_key=True),
    sa.Column("header_id", _id(), _header_fk(), nullable=False, index=True),
    sa.Column("store_id", sa.String(STORE_LEN), nullable=False),
    sa.Column("is_deleted", sa.Boolean(), nullable=False),
    sa.Column("deleted_at", _datetime(), nullable=True),
    sa.Column("created_at", _datetime(), nullable=False),
    # Leading store_id: also the index of "the promotions of store S".
    sa.UniqueConstraint("store_id", "header_id"),
    **_TABLE_OPTIONS,
)

special_promo_info = sa.Table(
    "special_promo_info",
    metadata,
    sa.Column("id", _id(), primary_key=True),
    sa.Column("header_id", _id(), _header_fk(), nullable=False, index=True),
    sa.Column("group_qualifier_id", sa.String(QUALIFIER_LEN), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    **_TABLE_OPTIONS,
)

store_revision = sa.Table(
    "store_revision",
    metadata,
    sa.Column("store_id", sa.String(STORE_LEN), primary_key=True),
    sa.Column("revision", sa.BigInteger(), nullable=False),
    **_TABLE_OPTIONS,
)

# ---------------------------------------------------------------------------------------
# Engine

_WRITE = "mspromo_write"


def create_engine(url: str | sa.URL, **kwargs: Any) -> Engine:
    """An engine with the settings this storage expects.

    MySQL: ``pool_pre_ping``, hourly connection recycling, utf8mb4. SQLite: usable from
    several threads, a 30 s busy timeout, foreign keys on, WAL for files, and write
    transactions that take the write lock at ``BEGIN`` (``BEGIN IMMEDIATE``), so a
    read-then-write transaction never fails half-way on a concurrent writer.
    """
    u = sa.make_url(url)
    if u.get_backend_name() == "sqlite":
        connect_args = {"check_same_thread": False, "timeout": 30.0}
        connect_args.update(kwargs.pop("connect_args", {}))
        in_memory = u.database in (None, "", ":memory:")
        if in_memory:  # one shared connection: every thread sees the same database
            kwargs.setdefault("poolclass", sa.pool.StaticPool)
        engine = sa.create_engine(u, connect_args=connect_args, **kwargs)

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            write = conn.get_execution_options().get(_WRITE, False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    if u.get_backend_name() in ("mysql", "mariadb"):
        if "charset" not in u.query:
            u = u.update_query_dict({"charset": "utf8mb4"})
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("pool_recycle", 3600)
    return sa.create_engine(u, **kwargs)


# ---------------------------------------------------------------------------------------
# Identifiers

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_KSUID_EPOCH = 1_400_000_000


_PAIRS = [a + b for a in _B62 for b in _B62]  # base62 digit pairs, "00" .. "zz"
_P9 = 62**9


def _b62_9(value: int) -> str:
    """``value`` < 62**9 as exactly 9 base62 digits (small-int arithmetic only)."""
    a, b = divmod(value, 3844)
    c, d = divmod(a, 3844)
    e, f = divmod(c, 3844)
    g, h = divmod(e, 3844)
    return _B62[g] + _PAIRS[h] + _PAIRS[f] + _PAIRS[d] + _PAIRS[b]


T = TypeVar("T")
E = TypeVar("E", bound=enum.Enum)

_MASK128 = (1 << 128) - 1


def new_ids(n: int) -> list[str]:
    """``n`` new KSUIDs (27-character base62, as ``svix-ksuid`` formats them).

    The payloads of one call are consecutive from a random start, so the ids of a bulk
    write sort in creation order and append to the primary-key index instead of landing
    at random places in it (much faster inserts on InnoDB). Ids of different calls stay
    unique: each start is 128 random bits.
    """
    stamp = (int(time.time()) - _KSUID_EPOCH) << 128
    base = int.from_bytes(os.urandom(16), "big")
    if base + n > _MASK128:  # keep the run inside the payload: no carry into the stamp
        base -= n
    # Consecutive values share their 18 high digits for long runs: encode those once.
    high, low = divmod(stamp | base, _P9)
    prefix = _b62_9(high // _P9) + _b62_9(high % _P9)
    out: list[str] = []
    for _ in range(n):
        if low == _P9:
            high, low = high + 1, 0
            prefix = _b62_9(high // _P9) + _b62_9(high % _P9)
        out.append(prefix + _b62_9(low))
        low += 1
    return out


class _IdPool:
    """Hands out new ids one by one, made in blocks by :func:`new_ids`."""

    def __init__(self, block: int = 4096) -> None:
        self._block = block
        self._ids: list[str] = []
        self._next = 0

    def __call__(self) -> str:
        if self._next == len(self._ids):
            self._ids = new_ids(self._block)
            self._next = 0
        value = self._ids[self._next]
        self._next += 1
        return value


# ---------------------------------------------------------------------------------------
# Conversions between engine objects and rows


def _utc_naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


def _offset(value: datetime) -> int:
    delta = value.utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


def _aware(value: datetime, offset: int) -> datetime:
    tz = UTC if offset == 0 else timezone(timedelta(seconds=offset))
    return value.replace(tzinfo=UTC).astimezone(tz)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


_QUANTUM = Decimal(1).scaleb(-DEC_SCALE)


@functools.lru_cache(maxsize=8192)
def _dec_out(value: Any) -> Decimal:
    """A stored decimal without the column's padding: ``10.500000`` reads as ``10.5``.

    (Padding would make money look more precise than the currency allows, and the value
    must survive a round trip through the engine codec's validation.)
    """
    d = value if isinstance(value, Decimal) else Decimal(str(value))
    d = d.quantize(_QUANTUM)  # undo float noise (SQLite stores NUMERIC as REAL)
    if d == d.to_integral_value():
        return d.quantize(Decimal(1))
    return d.normalize()


def _opt_dec(value: Any) -> Decimal | None:
    return None if value is None else _dec_out(value)


def _dump_extra(extra: tuple[tuple[str, Any], ...]) -> str:
    # The engine codec freezes nested JSON (hashable promotions): thaw it the codec's way.
    wire = extra_data_to_wire(extra)
    return json.dumps(wire, default=json_default, sort_keys=True)  # ASCII: any text fits


def _load_extra(text: str) -> tuple[tuple[str, Any], ...]:
    return extra_data_from_wire(json.loads(text, parse_float=Decimal))


def _codes(enum_type: type[E]) -> dict[str, E]:
    """Wire code -> enum member (a dict lookup is much cheaper than ``Enum(code)``)."""
    return {member.value: member for member in enum_type}


_NODE_TYPE = _codes(NodeType)
_DISCOUNT_TYPE = _codes(DiscountType)
_FAMILY = _codes(Family)
_CRITERIA = _codes(EvaluateCriteria)
_STRATEGY = _codes(Strategy)
_REFERENCE = _codes(ReferencePrice)
_SELECTION = _codes(SelectionCriteria)
_APPLY_TYPE = _codes(DiscountApplyType)
_AVAILABILITY = _codes(Availability)


def _header_row(promo: Promotion, header_id: str, now: datetime) -> dict[str, Any]:
    return {
        "id": header_id,
        "retailer": promo.retailer,
        "promo_id_retailer": promo.promo_id_retailer,
        "family": promo.family.value,
        "title": promo.title,
        "description": promo.description,
        "promo_short_code": promo.promo_short_code,
        "evaluate_criteria": promo.evaluate_criteria.value,
        "evaluate_priority": promo.evaluate_priority,
        "discount_type": promo.discount_type.value,
        "discount_type_strategy": promo.discount_type_strategy.value,
        "discount_value": promo.discount_value,
        "discount_value_on": promo.discount_value_on.value,
        "max_application_limit": promo.max_application_limit,
        "max_discount": promo.max_discount,
        "is_active": promo.is_active,
        "start_date_time": _utc_naive(promo.start_date_time),
        "start_utc_offset": _offset(promo.start_date_time),
        "end_date_time": _utc_naive(promo.end_date_time),
        "end_utc_offset": _offset(promo.end_date_time),
        "active_days": promo.active_days,
        "is_happy_hour": promo.is_happy_hour,
        "discounted_group_item_selection_criteria": (
            promo.discounted_group_item_selection_criteria.value
        ),
        "requisite_groups_item_selection_criteria": (
            promo.requisite_groups_item_selection_criteria.value
        ),
        "target_discounted_group_name": promo.target_discounted_group_name,
        "target_discounted_group_qty_min": promo.target_discounted_group_qty_min,
        "layer": promo.layer,
        "discount_apply_type": promo.discount_apply_type.value,
        "availability": promo.availability.value,
        "apply_on_discounted_items": promo.apply_on_discounted_items,
        "extra_data": _dump_extra(promo.extra_data),
        "created_at": now,
        "updated_at": now,
    }


@attrs.define
class _Rows:
    """The child rows of promotions, ready for ``executemany``."""

    groups: list[dict[str, Any]] = attrs.Factory(list)
    nodes: list[dict[str, Any]] = attrs.Factory(list)
    specials: list[dict[str, Any]] = attrs.Factory(list)
    links: list[dict[str, Any]] = attrs.Factory(list)
    new_id: _IdPool = attrs.Factory(_IdPool)

    def add_children(self, promo: Promotion, header_id: str) -> None:
        new_id = self.new_id
        for gpos, group in enumerate(promo.promo_groups):
            group_id = new_id()
            self.groups.append(
                {
                    "id": group_id,
                    "header_id": header_id,
                    "name": group.name,
                    "qty_or_value_min": group.qty_or_value_min,
                    "qty_or_value_max": group.qty_or_value_max,
                    "position": gpos,
                }
            )
            for npos, node in enumerate(group.nodes):
                self.nodes.append(
                    {
                        "id": new_id(),
                        "group_id": group_id,
                        "header_id": header_id,
                        "node_id": node.node_id,
                        "node_type": node.node_type.value,
                        "is_excluded": node.is_excluded,
                        "discount_type": (
                            None if node.discount_type is None else node.discount_type.value
                        ),
                        "discount_value": node.discount_value,
                        "position": npos,
                    }
                )
        for spos, info in enumerate(promo.special_promo_info):
            self.specials.append(
                {
                    "id": new_id(),
                    "header_id": header_id,
                    "group_qualifier_id": info.group_qualifier_id,
                    "description": info.description,
                    "position": spos,
                }
            )

    def add_links(self, header_id: str, links: Mapping[str, bool], now: datetime) -> None:
        for store_id, deleted in links.items():
            self.links.append(
                {
                    "id": self.new_id(),
                    "header_id": header_id,
                    "store_id": store_id,
                    "is_deleted": deleted,
                    "deleted_at": now if deleted else None,
                    "created_at": now,
                }
            )

    def insert(self, conn: Connection) -> None:
        for table, rows in (
            (promo_group, self.groups),
            (promo_group_node, self.nodes),
            (special_promo_info, self.specials),
            (promo_header_store, self.links),
        ):
            if rows:
                conn.execute(table.insert(), rows)


def _chunks(items: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@attrs.frozen
class _Loaded:
    """A stored promotion with the state of all its store links."""

    header_id: str
    promotion: Promotion  # ``stores`` = the links that are not soft-deleted
    links: dict[str, bool]  # store_id -> is_deleted


def _load(
    conn: Connection,
    where: Callable[[sa.ColumnElement[str]], sa.ColumnElement[bool]],
    *,
    lock: bool = False,
) -> list[_Loaded]:
    """Promotions whose header id satisfies ``where(id_column)``, in id order.

    Five set-based queries whatever the number of promotions (no N+1): headers, groups,
    nodes, links, special info; each filtered by the same condition on the header id.
    """
    h = header
    columns = [c for c in h.c if c.name not in ("created_at", "updated_at")]
    query = sa.select(*columns).where(where(h.c.id)).order_by(h.c.id)
    heads = conn.execute(query.with_for_update() if lock else query).all()
    if not heads:
        return []
    g = promo_group
    groups_by_header: dict[str, list[Any]] = {}
    for row in conn.execute(
        sa.select(g).where(where(g.c.header_id)).order_by(g.c.header_id, g.c.position)
    ):
        groups_by_header.setdefault(row.header_id, []).append(row)
    n = promo_group_node
    nodes_by_group: dict[str, list[Node]] = {}
    for row in conn.execute(
        sa.select(
            n.c.group_id,
            n.c.node_id,
            n.c.node_type,
            n.c.is_excluded,
            n.c.discount_type,
            n.c.discount_value,
        )
        .where(where(n.c.header_id))
        .order_by(n.c.group_id, n.c.position)
    ):
        nodes_by_group.setdefault(row.group_id, []).append(
            Node(
                node_id=row.node_id,
                node_type=_NODE_TYPE[row.node_type],
                is_excluded=bool(row.is_excluded),
                discount_type=(
                    None if row.discount_type is None else _DISCOUNT_TYPE[row.discount_type]
                ),
                discount_value=_opt_dec(row.discount_value),
            )
        )
    lk = promo_header_store
    links_by_header: dict[str, dict[str, bool]] = {}
    for row in conn.execute(
        sa.select(lk.c.header_id, lk.c.store_id, lk.c.is_deleted)
        .where(where(lk.c.header_id))
        .order_by(lk.c.header_id, lk.c.store_id)
    ):
        links_by_header.setdefault(row.header_id, {})[row.store_id] = bool(row.is_deleted)
    sp = special_promo_info
    specials_by_header: dict[str, list[SpecialPromoInfo]] = {}
    for row in conn.execute(
        sa.select(sp.c.header_id, sp.c.group_qualifier_id, sp.c.description)
        .where(where(sp.c.header_id))
        .order_by(sp.c.header_id, sp.c.position)
    ):
        specials_by_header.setdefault(row.header_id, []).append(
            SpecialPromoInfo(row.group_qualifier_id, row.description)
        )

    out: list[_Loaded] = []
    for row in heads:
        groups = tuple(
            Group(
                name=gr.name,
                qty_or_value_min=_dec_out(gr.qty_or_value_min),
                qty_or_value_max=_opt_dec(gr.qty_or_value_max),
                nodes=tuple(nodes_by_group.get(gr.id, ())),
            )
            for gr in groups_by_header.get(row.id, ())
        )
        links = links_by_header.get(row.id, {})
        promo = Promotion(
            retailer=row.retailer,
            promo_id_retailer=row.promo_id_retailer,
            start_date_time=_aware(row.start_date_time, row.start_utc_offset),
            end_date_time=_aware(row.end_date_time, row.end_utc_offset),
            promo_groups=groups,
            promo_id=row.id,
            family=_FAMILY[row.family],
            title=row.title,
            description=row.description,
            promo_short_code=row.promo_short_code,
            evaluate_criteria=_CRITERIA[row.evaluate_criteria],
            evaluate_priority=row.evaluate_priority,
            discount_type=_DISCOUNT_TYPE[row.discount_type],
            discount_type_strategy=_STRATEGY[row.discount_type_strategy],
            discount_value=_dec_out(row.discount_value),
            discount_value_on=_REFERENCE[row.discount_value_on],
            max_application_limit=row.max_application_limit,
            max_discount=_opt_dec(row.max_discount),
            is_active=bool(row.is_active),
            active_days=row.active_days,
            is_happy_hour=bool(row.is_happy_hour),
            discounted_group_item_selection_criteria=_SELECTION[
                row.discounted_group_item_selection_criteria
            ],
            requisite_groups_item_selection_criteria=_SELECTION[
                row.requisite_groups_item_selection_criteria
            ],
            target_discounted_group_name=row.target_discounted_group_name,
            target_discounted_group_qty_min=row.target_discounted_group_qty_min,
            layer=row.layer,
            discount_apply_type=_APPLY_TYPE[row.discount_apply_type],
            availability=_AVAILABILITY[row.availability],
            apply_on_discounted_items=bool(row.apply_on_discounted_items),
            extra_data=_load_extra(row.extra_data),
            stores=tuple(s for s, deleted in links.items() if not deleted),
            special_promo_info=tuple(specials_by_header.get(row.id, ())),
        )
        out.append(_Loaded(row.id, promo, dict(links)))
    return out


def _load_ids(conn: Connection, ids: Sequence[str]) -> list[_Loaded]:
    out: list[_Loaded] = []
    for chunk in _chunks(list(ids)):
        out.extend(_load(conn, lambda col, c=chunk: col.in_(c)))  # type: ignore[misc]
    out.sort(key=lambda x: x.header_id)
    return out


def _active_in_store(store_id: str) -> sa.Select[tuple[str]]:
    lk = promo_header_store
    return (
        sa.select(lk.c.header_id)
        .where(lk.c.store_id == store_id, lk.c.is_deleted == sa.false())
        .correlate(None)
    )


def _bump_revisions(conn: Connection, store_ids: Iterable[str]) -> None:
    """Add 1 to each store's revision (created at 1), inside the caller's transaction."""
    rows = [{"store_id": s, "revision": 1} for s in sorted(set(store_ids))]
    if not rows:
        return
    r = store_revision
    name = conn.dialect.name
    if name in ("mysql", "mariadb"):
        my = mysql.insert(r)
        conn.execute(my.on_duplicate_key_update(revision=r.c.revision + my.inserted.revision), rows)
    elif name == "sqlite":
        lite = sqlite.insert(r)
        conn.execute(
            lite.on_conflict_do_update(
                index_elements=[r.c.store_id],
                set_={"revision": r.c.revision + lite.excluded.revision},
            ),
            rows,
        )
    else:  # pragma: no cover - other databases: update, then insert what was missing
        for row in rows:
            done = conn.execute(
                sa.update(r)
                .where(r.c.store_id == row["store_id"])
                .values(revision=r.c.revision + 1)
            )
            if not done.rowcount:
                conn.execute(sa.insert(r).values(row))


def _delete_promotions(conn: Connection, header_ids: Sequence[str], batch: int = _CHUNK) -> None:
    """Delete promotions with their nodes, groups, special info and links."""
    for chunk in _chunks(list(header_ids), batch):
        for table in (promo_group_node, promo_group, special_promo_info, promo_header_store):
            conn.execute(sa.delete(table).where(table.c.header_id.in_(chunk)))
        conn.execute(sa.delete(header).where(header.c.id.in_(chunk)))


# ---------------------------------------------------------------------------------------
# Storage limits the engine codec does not know about


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _storage_errors(promo: Promotion, path: str) -> list[ErrorDetail]:
    errors: list[ErrorDetail] = []
    limit = Decimal(10) ** (DEC_PRECISION - DEC_SCALE)

    def at(field: str) -> str:
        return f"{path}.{field}" if path else field

    def text(field: str, value: str | None, size: int | None) -> None:
        if value is None:
            return
        if size is not None and len(value) > size:
            errors.append(ErrorDetail(at(field), f"at most {size} characters"))
        elif not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:  # e.g. a lone surrogate from a JSON "\ud800"
                errors.append(ErrorDetail(at(field), "not valid Unicode text"))

    def dec(field: str, value: Decimal | None) -> None:
        if value is None:
            return
        if _places(value) > DEC_SCALE:
            errors.append(ErrorDetail(at(field), f"at most {DEC_SCALE} decimal places"))
        elif abs(value) >= limit:
            errors.append(ErrorDetail(at(field), "too large"))

    text("retailer", promo.retailer, RETAILER_LEN)
    text("promo_id_retailer", promo.promo_id_retailer, PROMO_ID_LEN)
    text("title", promo.title, TEXT_LEN)
    text("description", promo.description, None)
    text("promo_short_code", promo.promo_short_code, TEXT_LEN)
    text("target_discounted_group_name", promo.target_discounted_group_name, NAME_LEN)
    dec("discount_value", promo.discount_value)
    dec("max_discount", promo.max_discount)
    for i, group in enumerate(promo.promo_groups):
        gp = f"promo_groups[{i}]"
        text(f"{gp}.name", group.name, NAME_LEN)
        dec(f"{gp}.qty_or_value_min", group.qty_or_value_min)
        dec(f"{gp}.qty_or_value_max", group.qty_or_value_max)
        for j, node in enumerate(group.nodes):
            text(f"{gp}.promo_group_nodes[{j}].node_id", node.node_id, NODE_ID_LEN)
            dec(f"{gp}.promo_group_nodes[{j}].discount_value", node.discount_value)
    for i, store in enumerate(promo.stores):
        if not store:
            errors.append(ErrorDetail(at(f"stores[{i}]"), "must not be empty"))
        text(f"stores[{i}]", store, STORE_LEN)
    for i, info in enumerate(promo.special_promo_info):
        text(f"special_promo_info[{i}].group_qualifier_id", info.group_qualifier_id, QUALIFIER_LEN)
        text(f"special_promo_info[{i}].description", info.description, None)
    for field, value in (
        ("start_date_time", promo.start_date_time),
        ("end_date_time", promo.end_date_time),
    ):
        # (Checked on the written year first: converting year 1 or 9999 may overflow.)
        if not 1970 <= value.year <= 9998 or not 1970 <= value.astimezone(UTC).year <= 9998:
            errors.append(ErrorDetail(at(field), "must lie between the years 1970 and 9998"))
    return errors


def _validated(data: Any, path: str) -> Promotion:
    promo = promotion_from_wire(data, path=path)
    errors = _storage_errors(promo, path)
    if errors:
        raise ValidationError(errors)
    stores = tuple(dict.fromkeys(promo.stores))  # duplicate store ids make one link
    return promo if stores == promo.stores else attrs.evolve(promo, stores=stores)


# ---------------------------------------------------------------------------------------
# Writes: an in-memory working set, flushed in one transaction


class _OpError(Exception):
    """One op cannot be applied; becomes a ValidationError (bulk) or Conflict/NotFound."""

    def __init__(self, errors: list[ErrorDetail], kind: str = "invalid") -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors
        self.kind = kind  # "invalid", "conflict" or "missing"


@attrs.define
class _Entry:
    header_id: str
    promotion: Promotion
    links: dict[str, bool]  # store_id -> is_deleted
    is_new: bool
    dirty: bool = False  # header or children changed
    changed_links: set[str] = attrs.Factory(set)

    def result(self) -> Promotion:
        """The promotion with its stored id."""
        promo = self.promotion
        if promo.promo_id != self.header_id:
            promo = attrs.evolve(promo, promo_id=self.header_id)
        return promo


# Header fields an ``u`` op may change (everything but ids, retailer, stores, children).
_NOT_UPDATABLE = frozenset(
    {"promo_id", "id", "retailer", "promo_id_retailer", "stores", "special_promo_info"}
)
_UPDATABLE = frozenset(f.name for f in attrs.fields(Promotion)) - _NOT_UPDATABLE - {"promo_groups"}


def _rename_paths(
    errors: Iterable[ErrorDetail], replace: Sequence[tuple[str, str]]
) -> list[ErrorDetail]:
    out = []
    for e in errors:
        path = e.path
        for old, new in replace:
            path = path.replace(old, new)
        out.append(ErrorDetail(path, e.message))
    return out


class _WorkingSet:
    """The promotions a write touches, changed in memory, then written in one go."""

    def __init__(self, retailer: str | None) -> None:
        self.retailer = retailer
        self.entries: dict[tuple[str, str], _Entry] = {}
        self.order: list[_Entry] = []
        self._queued: set[str] = set()  # header ids in ``order``
        self.new_id = _IdPool()

    def preload(
        self, conn: Connection, retailer: str, promo_ids: Iterable[str], *, lock: bool = False
    ) -> None:
        """Load the named promotions of the retailer that exist. ``lock``: take their header
        rows ``FOR UPDATE`` (MySQL) so a concurrent writer cannot change them under us."""
        ids = sorted({p for p in promo_ids if isinstance(p, str)} - {k[1] for k in self.entries})
        h = header
        for chunk in _chunks(ids):
            found = _load(
                conn,
                lambda col, c=chunk: col.in_(  # type: ignore[misc]
                    sa.select(h.c.id)
                    .where(h.c.retailer == retailer, h.c.promo_id_retailer.in_(c))
                    .correlate(None)
                ),
                lock=lock,
            )
            for item in found:
                key = (retailer, item.promotion.promo_id_retailer)
                self.entries[key] = _Entry(item.header_id, item.promotion, item.links, False)

    # -- the six actions --------------------------------------------------------------

    def create(self, promo: Promotion, where: str) -> _Entry:
        key = (promo.retailer, promo.promo_id_retailer)
        if key in self.entries:
            raise _OpError(
                [
                    ErrorDetail(
                        where,
                        f"promotion {promo.promo_id_retailer} already exists for retailer "
                        f"{promo.retailer}",
                    )
                ],
                "conflict",
            )
        header_id = self.new_id()
        entry = _Entry(
            header_id,
            promo,  # promo_id is set when the promotion is handed out (see _Entry.result)
            dict.fromkeys(promo.stores, False),
            True,
        )
        self.entries[key] = entry
        self._queue(entry)
        return entry

    def _queue(self, entry: _Entry) -> None:
        if entry.header_id not in self._queued:
            self._queued.add(entry.header_id)
            self.order.append(entry)

    def find(
        self, retailer: str, promo_id_retailer: str, store_id: str | None, where: str
    ) -> _Entry:
        entry = self.entries.get((retailer, promo_id_retailer))
        if entry is None:
            raise _OpError(
                [ErrorDetail(where, f"promotion {promo_id_retailer} does not exist")], "missing"
            )
        if store_id is not None and store_id not in entry.links:
            raise _OpError(
                [
                    ErrorDetail(
                        where, f"promotion {promo_id_retailer} is not linked to store {store_id}"
                    )
                ],
                "missing",
            )
        return entry

    def soft_delete(self, entry: _Entry, store_id: str) -> None:
        if not entry.links[store_id]:
            entry.links[store_id] = True
            entry.changed_links.add(store_id)
            entry.promotion = attrs.evolve(
                entry.promotion,
                stores=tuple(s for s, d in entry.links.items() if not d),
            )
            self._queue(entry)

    def replace(self, entry: _Entry, promo: Promotion) -> None:
        entry.promotion = attrs.evolve(
            promo,
            promo_id=entry.header_id,
            stores=tuple(s for s, d in entry.links.items() if not d),
        )
        entry.dirty = True
        self._queue(entry)

    # -- writing ----------------------------------------------------------------------

    def flush(self, conn: Connection) -> None:
        now = _now()
        new_headers: list[dict[str, Any]] = []
        updated_headers: list[dict[str, Any]] = []
        rewrite: list[str] = []
        rows = _Rows(new_id=self.new_id)
        link_updates: list[dict[str, Any]] = []
        touched: set[str] = set()
        for entry in self.order:
            promo = entry.promotion
            if entry.is_new:
                new_headers.append(_header_row(promo, entry.header_id, now))
                rows.add_children(promo, entry.header_id)
                rows.add_links(entry.header_id, entry.links, now)
                touched.update(entry.links)
                continue
            if entry.dirty:
                row = _header_row(promo, entry.header_id, now)
                del row["created_at"]
                row["b_id"] = row.pop("id")
                updated_headers.append(row)
                rewrite.append(entry.header_id)
                rows.add_children(promo, entry.header_id)
                touched.update(s for s, d in entry.links.items() if not d)
            for store_id in sorted(entry.changed_links):
                link_updates.append(
                    {
                        "b_header_id": entry.header_id,
                        "b_store_id": store_id,
                        "is_deleted": entry.links[store_id],
                        "deleted_at": now if entry.links[store_id] else None,
                    }
                )
                touched.add(store_id)
            if entry.changed_links:
                # The promotion's other stores see its ``stores`` change.
                touched.update(s for s, d in entry.links.items() if not d)
        if new_headers:
            conn.execute(header.insert(), new_headers)
        if updated_headers:
            cols: dict[str, Any] = {k: sa.bindparam(k) for k in updated_headers[0] if k != "b_id"}
            conn.execute(
                sa.update(header).where(header.c.id == sa.bindparam("b_id")).values(cols),
                updated_headers,
            )
        if rewrite:
            for chunk in _chunks(rewrite):
                for table in (promo_group_node, promo_group, special_promo_info):
                    conn.execute(sa.delete(table).where(table.c.header_id.in_(chunk)))
        rows.insert(conn)
        if link_updates:
            lk = promo_header_store
            conn.execute(
                sa.update(lk)
                .where(
                    lk.c.header_id == sa.bindparam("b_header_id"),
                    lk.c.store_id == sa.bindparam("b_store_id"),
                )
                .values(
                    is_deleted=sa.bindparam("is_deleted"), deleted_at=sa.bindparam("deleted_at")
                ),
                link_updates,
            )
        _bump_revisions(conn, touched)


def _op_payload(op: Any, i: int) -> tuple[str, Mapping[str, Any], str]:
    """(action, payload, path of the payload) of op ``i``; raises _OpError."""
    where = f"ops[{i}]"
    if not isinstance(op, Mapping):
        raise _OpError([ErrorDetail(where, "must be a JSON object")])
    action = op.get("action")
    if action not in ("c", "d", "u", "n", "g", "s"):
        raise _OpError([ErrorDetail(f"{where}.action", "must be one of c, d, u, n, g, s")])
    if "body" in op:
        body = op["body"]
        if not isinstance(body, Mapping):
            raise _OpError([ErrorDetail(f"{where}.body", "must be a JSON object")])
        return action, body, f"{where}.body"
    return action, {k: v for k, v in op.items() if k != "action"}, where


def _store_id(value: Any) -> Any:
    """Older clients send numeric store ids; they are the same ids as text."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _required_str(payload: Mapping[str, Any], field: str, path: str) -> str:
    value = payload.get(field)
    if field == "store_id":
        value = _store_id(value)
    if not isinstance(value, str) or not value:
        raise _OpError([ErrorDetail(f"{path}.{field}", "required: a non-empty string")])
    return value


def _optional_str(payload: Mapping[str, Any], field: str, path: str) -> str | None:
    value = payload.get(field)
    if field == "store_id":
        value = _store_id(value)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise _OpError([ErrorDetail(f"{path}.{field}", "must be a non-empty string")])
    return value


def _revalidate(
    wire: dict[str, Any],
    current: Promotion,
    path: str,
    renames: Sequence[tuple[str, str]],
    *,
    short_code_given: bool = False,
) -> Promotion:
    """The updated promotion, validated again by the engine codec."""
    if not short_code_given and current.promo_short_code == default_short_code(current):
        wire["promo_short_code"] = ""  # a generated short code follows the new definition
    try:
        return _validated(wire, path)
    except ValidationError as exc:
        raise _OpError(_rename_paths(exc.errors, renames)) from None


def _apply_update(current: Promotion, payload: Mapping[str, Any], path: str) -> Promotion:
    head = payload.get("header")
    hp = f"{path}.header"
    if not isinstance(head, Mapping):
        raise _OpError([ErrorDetail(hp, "required: a JSON object")])
    wire = promotion_to_wire(current)
    errors: list[ErrorDetail] = []
    for key, value in head.items():
        if key == "promo_groups":
            if not isinstance(value, list):
                errors.append(ErrorDetail(f"{hp}.promo_groups", "not a list"))
                continue
            by_name = {g["name"]: g for g in wire["promo_groups"]}
            for j, change in enumerate(value):
                gp = f"{hp}.promo_groups[{j}]"
                if not isinstance(change, Mapping):
                    errors.append(ErrorDetail(gp, "not a JSON object"))
                    continue
                group = by_name.get(change.get("name"))
                if group is None:
                    errors.append(ErrorDetail(f"{gp}.name", "no group of this name"))
                    continue
                for field in ("qty_or_value_min", "qty_or_value_max"):
                    if field in change:
                        group[field] = change[field]
                extra = set(change) - {"name", "qty_or_value_min", "qty_or_value_max"}
                if extra:
                    errors.append(ErrorDetail(gp, f"unknown fields: {', '.join(sorted(extra))}"))
        elif key in _NOT_UPDATABLE:
            errors.append(ErrorDetail(f"{hp}.{key}", "cannot be changed by an update"))
        elif key not in _UPDATABLE:
            errors.append(ErrorDetail(f"{hp}.{key}", "unknown field"))
        else:
            wire[key] = value
    if errors:
        raise _OpError(errors)
    return _revalidate(wire, current, hp, (), short_code_given="promo_short_code" in head)


def _apply_nodes(current: Promotion, payload: Mapping[str, Any], path: str) -> Promotion:
    if len(current.promo_groups) != 1:
        raise _OpError(
            [
                ErrorDetail(
                    path,
                    f"promotion {current.promo_id_retailer} has "
                    f"{len(current.promo_groups)} groups; replace its nodes with action g",
                )
            ]
        )
    if "nodes" not in payload:
        raise _OpError([ErrorDetail(f"{path}.nodes", "required")])
    wire = promotion_to_wire(current)
    wire["promo_groups"][0]["promo_group_nodes"] = payload["nodes"]
    return _revalidate(wire, current, path, [(".promo_groups[0].promo_group_nodes", ".nodes")])


def _apply_groups(current: Promotion, payload: Mapping[str, Any], path: str) -> Promotion:
    spec = payload.get("group_to_nodes")
    gp = f"{path}.group_to_nodes"
    if not isinstance(spec, Mapping) or not spec:
        raise _OpError([ErrorDetail(gp, "required: a JSON object of groups")])
    groups: list[dict[str, Any]] = []
    renames: list[tuple[str, str]] = []
    for k, (name, group) in enumerate(spec.items()):
        if not isinstance(group, Mapping):
            raise _OpError([ErrorDetail(f"{gp}.{name}", "not a JSON object")])
        extra = set(group) - {"qty_or_value_min", "qty_or_value_max", "nodes"}
        if extra:
            raise _OpError(
                [ErrorDetail(f"{gp}.{name}", f"unknown fields: {', '.join(sorted(extra))}")]
            )
        groups.append(
            {
                "name": name,
                "qty_or_value_min": group.get("qty_or_value_min"),
                "qty_or_value_max": group.get("qty_or_value_max"),
                "promo_group_nodes": group.get("nodes", []),
            }
        )
        if groups[-1]["qty_or_value_min"] is None:
            del groups[-1]["qty_or_value_min"]  # -> "required"
        renames.append((f".promo_groups[{k}]", f".group_to_nodes.{name}"))
    renames.append((".promo_group_nodes", ".nodes"))
    wire = promotion_to_wire(current)
    wire["promo_groups"] = groups
    return _revalidate(wire, current, path, renames)


def _apply_special(current: Promotion, payload: Mapping[str, Any], path: str) -> Promotion:
    infos = payload.get("special_promo_info")
    sp = f"{path}.special_promo_info"
    if not isinstance(infos, list):
        raise _OpError([ErrorDetail(sp, "required: a list")])
    merged: dict[str, Any] = {
        i.group_qualifier_id: {
            "group_qualifier_id": i.group_qualifier_id,
            "description": i.description,
        }
        for i in current.special_promo_info
    }
    for j, info in enumerate(infos):
        if not isinstance(info, Mapping):
            raise _OpError([ErrorDetail(f"{sp}[{j}]", "not a JSON object")])
        qid = info.get("group_qualifier_id")
        if not isinstance(qid, str) or not qid:
            raise _OpError(
                [ErrorDetail(f"{sp}[{j}].group_qualifier_id", "required: a non-empty string")]
            )
        merged[qid] = {**merged.get(qid, {}), **info}
    wire = promotion_to_wire(current)
    wire["special_promo_info"] = list(merged.values())
    return _revalidate(wire, current, path, ())


# ---------------------------------------------------------------------------------------
# The repository


_RETRY_CODES = frozenset({1205, 1213})  # MySQL: lock wait timeout, deadlock
_WRITE_ATTEMPTS = 3


class SqlRepository:
    """`mspromo_service.repository.Repository` over a SQLAlchemy engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = engine.execution_options(**{_WRITE: True})

    # -- writes -----------------------------------------------------------------------

    def _write(self, body: Callable[[Connection], T]) -> T:
        """Run ``body`` in one write transaction; a transaction MySQL chose as a deadlock
        victim (or that timed out waiting for a lock) is rolled back and run again."""
        for attempt in range(_WRITE_ATTEMPTS):
            try:
                with self._writer.begin() as conn:
                    return body(conn)
            except sa.exc.OperationalError as exc:
                code = exc.orig.args[0] if exc.orig is not None and exc.orig.args else None
                if code not in _RETRY_CODES or attempt == _WRITE_ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")  # pragma: no cover

    def create_promotion(self, data: Mapping[str, Any]) -> Promotion:
        promo = _validated(data, "")

        def write(conn: Connection) -> _Entry:
            work = _WorkingSet(promo.retailer)
            work.preload(conn, promo.retailer, [promo.promo_id_retailer])
            entry = work.create(promo, "promo_id_retailer")
            work.flush(conn)
            return entry

        try:
            entry = self._write(write)
        except _OpError as exc:
            raise Conflict(str(exc.errors[0].message)) from None
        except sa.exc.IntegrityError:
            raise Conflict(
                f"promotion {promo.promo_id_retailer} already exists for retailer {promo.retailer}"
            ) from None
        return entry.result()

    def bulk_transaction(self, retailer: str, ops: Sequence[Mapping[str, Any]]) -> None:
        if not isinstance(retailer, str) or not retailer:
            raise ValidationError([ErrorDetail("retailer", "required: a non-empty string")])
        if not isinstance(ops, Sequence) or isinstance(ops, str | bytes):
            raise ValidationError([ErrorDetail("ops", "required: a list of operations")])
        if len(ops) > MAX_OPS:
            raise ValidationError(
                [ErrorDetail("ops", f"at most {MAX_OPS:,} operations, got {len(ops):,}")]
            )
        # Validate what needs no database first (mostly: create bodies), then the rest.
        parsed: list[tuple[str, Mapping[str, Any], str, Promotion | None]] = []
        try:
            for i, op in enumerate(ops):
                action, payload, path = _op_payload(op, i)
                promo: Promotion | None = None
                if action == "c":
                    body = dict(payload)
                    body.setdefault("retailer", retailer)
                    if body["retailer"] != retailer:
                        raise _OpError(
                            [
                                ErrorDetail(
                                    f"{path}.retailer",
                                    f"must be the transaction's retailer {retailer}",
                                )
                            ]
                        )
                    try:
                        promo = _validated(body, path)
                    except ValidationError as exc:
                        raise _OpError(list(exc.errors)) from None
                parsed.append((action, payload, path, promo))
        except _OpError as exc:
            raise ValidationError(exc.errors, title="Invalid transaction") from None

        names = [
            p.promo_id_retailer if p is not None else payload.get("promo_id_retailer")
            for _, payload, _, p in parsed
        ]

        def write(conn: Connection) -> None:
            work = _WorkingSet(retailer)
            # Promotions that ops change are locked; those only created are just looked up
            # (the unique index on (retailer, promo_id_retailer) guards creates).
            changed = [n for (action, *_), n in zip(parsed, names, strict=True) if action != "c"]
            work.preload(conn, retailer, [n for n in changed if isinstance(n, str)], lock=True)
            work.preload(conn, retailer, [n for n in names if isinstance(n, str)])
            for i, (action, payload, path, promo) in enumerate(parsed):
                self._apply(
                    work,
                    retailer=retailer,
                    i=i,
                    action=action,
                    payload=payload,
                    path=path,
                    promo=promo,
                )
            work.flush(conn)

        try:
            self._write(write)
        except _OpError as exc:
            raise ValidationError(exc.errors, title="Invalid transaction") from None
        except sa.exc.IntegrityError as exc:
            raise Conflict(
                f"a concurrent write clashed with this transaction: {exc.orig}"
            ) from None

    @staticmethod
    def _apply(
        work: _WorkingSet,
        *,
        retailer: str,
        i: int,
        action: str,
        payload: Mapping[str, Any],
        path: str,
        promo: Promotion | None,
    ) -> None:
        where = f"ops[{i}]"
        if action == "c":
            assert promo is not None
            work.create(promo, where)
            return
        promo_id = _required_str(payload, "promo_id_retailer", path)
        if action == "d":
            store_id = _required_str(payload, "store_id", path)
            entry = work.find(retailer, promo_id, store_id, where)
            work.soft_delete(entry, store_id)
            return
        store = _optional_str(payload, "store_id", path)
        entry = work.find(retailer, promo_id, store, where)
        apply = {"u": _apply_update, "n": _apply_nodes, "g": _apply_groups, "s": _apply_special}[
            action
        ]
        work.replace(entry, apply(entry.promotion, payload, path))

    def soft_delete_link(self, store_id: str, promo_id_retailer: str) -> None:
        self._write(lambda conn: self._soft_delete_link(conn, store_id, promo_id_retailer))

    @staticmethod
    def _soft_delete_link(conn: Connection, store_id: str, promo_id_retailer: str) -> None:
        lk, h = promo_header_store, header
        rows = conn.execute(
            sa.select(lk.c.id, lk.c.is_deleted)
            .join(h, h.c.id == lk.c.header_id)
            .where(lk.c.store_id == store_id, h.c.promo_id_retailer == promo_id_retailer)
        ).all()
        if not rows:
            raise NotFound(f"promotion {promo_id_retailer} is not linked to store {store_id}")
        live = [r.id for r in rows if not r.is_deleted]
        if live:
            conn.execute(
                sa.update(lk).where(lk.c.id.in_(live)).values(is_deleted=True, deleted_at=_now())
            )
            # The promotion's other stores see its ``stores`` change too.
            others = conn.execute(
                sa.select(lk.c.store_id)
                .where(
                    lk.c.header_id.in_(
                        sa.select(lk.c.header_id).where(lk.c.id.in_(live)).correlate(None)
                    ),
                    lk.c.is_deleted == sa.false(),
                )
                .distinct()
            ).scalars()
            _bump_revisions(conn, [store_id, *others])

    def delete_store(self, store_id: str) -> StoreDeletion:
        return self._write(lambda conn: self._delete_store(conn, store_id))

    @staticmethod
    def _delete_store(conn: Connection, store_id: str) -> StoreDeletion:
        lk = promo_header_store
        active: list[str] = sorted(
            str(h) for h in conn.execute(_active_in_store(store_id)).scalars()
        )
        shared: set[str] = set()
        other_stores: set[str] = set()
        for chunk in _chunks(active):
            for header_id, other in conn.execute(
                sa.select(lk.c.header_id, lk.c.store_id).where(
                    lk.c.header_id.in_(chunk),
                    lk.c.store_id != store_id,
                    lk.c.is_deleted == sa.false(),
                )
            ):
                shared.add(header_id)
                other_stores.add(other)
        doomed = [h for h in active if h not in shared]
        conn.execute(sa.delete(lk).where(lk.c.store_id == store_id))
        _delete_promotions(conn, doomed)
        # Shared promotions lose this store from their ``stores`` in their other stores.
        _bump_revisions(conn, [store_id, *other_stores])
        return StoreDeletion(unlinked=len(shared), deleted=len(doomed))

    # -- reads ------------------------------------------------------------------------

    def list_promotions(
        self,
        *,
        retailer: str | None = None,
        store: str | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Page:
        errors = []
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
            errors.append(ErrorDetail("limit", f"must be between 1 and {MAX_PAGE_SIZE}"))
        if cursor is not None and (
            not isinstance(cursor, str) or len(cursor) != ID_LEN or not cursor.isalnum()
        ):
            errors.append(ErrorDetail("cursor", "not a cursor this listing returned"))
        if errors:
            raise ValidationError(errors, title="Invalid query parameter")
        h = header
        query = sa.select(h.c.id).order_by(h.c.id).limit(limit + 1)
        if retailer is not None:
            query = query.where(h.c.retailer == retailer)
        if store is not None:
            query = query.where(h.c.id.in_(_active_in_store(store)))
        if cursor is not None:
            query = query.where(h.c.id > cursor)
        with self.engine.connect() as conn:
            ids = list(conn.execute(query).scalars())
            more = len(ids) > limit
            ids = ids[:limit]
            loaded = _load_ids(conn, ids)
        return Page(
            promotions=tuple(x.promotion for x in loaded),
            next_cursor=ids[-1] if more else None,
        )

    def promotions_of_retailer(self, retailer: str) -> list[Promotion]:
        h = header
        with self.engine.connect() as conn:
            loaded = _load(
                conn,
                lambda col: col.in_(
                    sa.select(h.c.id).where(h.c.retailer == retailer).correlate(None)
                ),
            )
        return [x.promotion for x in loaded]

    def promotions_of_store(self, store_id: str) -> list[Promotion]:
        with self.engine.connect() as conn:
            loaded = _load(conn, lambda col: col.in_(_active_in_store(store_id)))
        return [x.promotion for x in loaded]

    def promotions_by_retailer_ids(
        self, store_id: str, retailer_ids: Sequence[str]
    ) -> list[Promotion]:
        h = header
        wanted = sorted({r for r in retailer_ids if isinstance(r, str)})
        out: list[_Loaded] = []
        with self.engine.connect() as conn:
            for chunk in _chunks(wanted):
                out.extend(
                    _load(
                        conn,
                        lambda col, c=chunk: col.in_(  # type: ignore[misc]
                            sa.select(h.c.id)
                            .where(
                                h.c.promo_id_retailer.in_(c),
                                h.c.id.in_(_active_in_store(store_id)),
                            )
                            .correlate(None)
                        ),
                    )
                )
        out.sort(key=lambda x: x.header_id)
        return [x.promotion for x in out]

    def get_promotion(self, store_id: str, promo_id_retailer: str) -> Promotion:
        h = header
        with self.engine.connect() as conn:
            loaded = _load(
                conn,
                lambda col: col.in_(
                    sa.select(h.c.id)
                    .where(
                        h.c.promo_id_retailer == promo_id_retailer,
                        h.c.id.in_(_active_in_store(store_id)),
                    )
                    .correlate(None)
                ),
            )
        if not loaded:
            raise NotFound(f"promotion {promo_id_retailer} is not linked to store {store_id}")
        return loaded[0].promotion

    def store_revision(self, store_id: str) -> int:
        r = store_revision
        with self.engine.connect() as conn:
            value = conn.execute(
                sa.select(r.c.revision).where(r.c.store_id == store_id)
            ).scalar_one_or_none()
        return int(value or 0)

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))


# ---------------------------------------------------------------------------------------
# Maintenance (``mspromo delete-promos``)


def delete_promos(
    engine: Engine,
    *,
    softdelete: bool,
    deactivated: bool,
    dry_run: bool,
    batch_size: int = 1000,
) -> dict[str, int | bool]:
    """Remove soft-deleted links (``softdelete``) and/or deactivated promotions with their
    groups, nodes, special info and links (``deactivated``), all in one transaction.

    Returns the counts of what was (or, with ``dry_run``, would be) removed; a dry run
    changes nothing. ``batch_size`` is the number of ids per DELETE statement.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    lk, h = promo_header_store, header
    counts: dict[str, int | bool] = {
        "dry_run": dry_run,
        "soft_deleted_links": 0,
        "deactivated_promotions": 0,
        "groups": 0,
        "nodes": 0,
        "special_promo_info": 0,
        "links": 0,
    }
    writer = engine.execution_options(**{_WRITE: True})
    with writer.connect() as conn, conn.begin() as tx:
        if softdelete:
            link_ids = list(
                conn.execute(
                    sa.select(lk.c.id).where(lk.c.is_deleted == sa.true()).order_by(lk.c.id)
                ).scalars()
            )
            counts["soft_deleted_links"] = len(link_ids)
            if not dry_run:
                for chunk in _chunks(link_ids, batch_size):
                    conn.execute(sa.delete(lk).where(lk.c.id.in_(chunk)))
        if deactivated:
            ids = list(
                conn.execute(
                    sa.select(h.c.id).where(h.c.is_active == sa.false()).order_by(h.c.id)
                ).scalars()
            )
            counts["deactivated_promotions"] = len(ids)
            stores: set[str] = set()
            for chunk in _chunks(ids, batch_size):
                for key, table in (
                    ("groups", promo_group),
                    ("nodes", promo_group_node),
                    ("special_promo_info", special_promo_info),
                ):
                    counts[key] = int(counts[key]) + int(
                        conn.execute(
                            sa.select(sa.func.count()).where(table.c.header_id.in_(chunk))
                        ).scalar_one()
                    )
                for store_id, deleted in conn.execute(
                    sa.select(lk.c.store_id, lk.c.is_deleted).where(lk.c.header_id.in_(chunk))
                ):
                    if not deleted:
                        stores.add(store_id)
                    if not (deleted and softdelete):  # already counted as soft-deleted
                        counts["links"] = int(counts["links"]) + 1
            if not dry_run:
                _delete_promotions(conn, ids, batch_size)
                _bump_revisions(conn, stores)
        if dry_run:
            tx.rollback()
    return counts
