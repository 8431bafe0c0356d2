"""A real round trip through the MySQL/MariaDB server named by MSPROMO_TEST_MYSQL_URL.

Skipped when the variable is unset; fails when it is set and the server does not answer.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.mysql


def test_table_roundtrip_keeps_decimals_and_unicode(mysql_url: str) -> None:
    metadata = sa.MetaData()
    table = sa.Table(
        f"roundtrip_{secrets.token_hex(4)}",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("label", sa.String(64, collation="utf8mb4_unicode_ci"), nullable=False),
        sa.Column("price", sa.Numeric(12, 3, asdecimal=True), nullable=False),
        mysql_charset="utf8mb4",
    )
    rows = [
        {"id": 1, "label": "Crème brûlée — 2×1 🍮", "price": Decimal("1234.567")},
        {"id": 2, "label": "Łódź piwo 0,5 l", "price": Decimal("0.005")},
        {"id": 3, "label": "ascii", "price": Decimal("-3.100")},
    ]
    engine = sa.create_engine(mysql_url, connect_args={"charset": "utf8mb4"})
    try:
        metadata.create_all(engine)
        try:
            with engine.begin() as conn:
                conn.execute(table.insert(), rows)
            with engine.connect() as conn:
                got = conn.execute(sa.select(table).order_by(table.c.id)).mappings().all()
                by_param = conn.execute(
                    sa.select(table.c.id).where(table.c.label == sa.bindparam("label")),
                    {"label": rows[0]["label"]},
                ).scalar_one()
        finally:
            metadata.drop_all(engine)
        with engine.connect() as conn:
            assert not sa.inspect(conn).has_table(table.name)
    finally:
        engine.dispose()

    assert [dict(row) for row in got] == rows
    assert all(isinstance(row["price"], Decimal) for row in got)
    assert got[0]["price"].as_tuple().exponent == -3
    assert by_param == 1
