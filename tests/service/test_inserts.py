"""``insert_rows``: many rows in a few driver-bound statements, in order, all or nothing."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
import sqlalchemy as sa

from mspromo_service import storage
from mspromo_service.storage.inserts import insert_rows

metadata = sa.MetaData()
table = sa.Table(
    "insert_rows_probe",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("label", sa.String(600), nullable=False),
    sa.Column("price", sa.Numeric(20, 6), nullable=True),
    sa.Column("flag", sa.Boolean, nullable=False),
    mysql_charset="utf8mb4",
    mysql_collate="utf8mb4_bin",
)

# Values a hand-made statement would get wrong: format markers, quotes, backslashes,
# control characters, text outside the BMP.
AWKWARD = "50%s off %(id)s %% 'quoted' \"dq\" back\\slash\n\t\x00 ü 🍮"


def _rows(n: int) -> list[dict[str, object]]:
    # ~600 bytes a row: 3,000 rows are more than one statement of PyMySQL's 1 MB.
    return [
        {
            "id": i,
            "label": f"{AWKWARD} {i} " + "x" * 520,
            "price": Decimal(i) / 1000 if i % 3 else None,
            "flag": i % 2 == 0,
        }
        for i in range(n)
    ]


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = storage.create_engine(database_url)
    metadata.create_all(engine)
    yield engine
    metadata.drop_all(engine)
    engine.dispose()


def test_rows_spanning_several_statements_arrive_whole_and_in_order(engine: sa.Engine) -> None:
    rows = _rows(3000)
    with engine.begin() as conn:
        insert_rows(conn, table, rows)
    with engine.connect() as conn:
        got = conn.execute(sa.select(table).order_by(table.c.id)).mappings().all()
    assert [dict(r) for r in got] == rows


def test_a_failing_statement_raises_and_the_transaction_writes_nothing(
    engine: sa.Engine,
) -> None:
    rows = _rows(3000)
    rows[-1] = {**rows[-1], "id": 5}  # a duplicate key in the last statement
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        insert_rows(conn, table, rows)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == 0


def test_one_row_and_no_rows(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        insert_rows(conn, table, [])
        insert_rows(conn, table, _rows(1))
    with engine.connect() as conn:
        assert conn.execute(sa.select(table.c.label)).scalar_one().startswith(AWKWARD)


def test_the_connection_keeps_its_execution_options(engine: sa.Engine) -> None:
    # The statements go out with no_parameters (their values are bound already); the
    # caller's later statements in the transaction must still be bound as usual.
    with engine.begin() as conn:
        insert_rows(conn, table, _rows(3))
        assert "no_parameters" not in conn.get_execution_options()
        assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == 3
