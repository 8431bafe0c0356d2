"""The Alembic migrations build exactly the schema the storage code describes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from mspromo_service import storage
from mspromo_service.migrations import alembic_config, upgrade


def test_upgrading_a_fresh_database_matches_the_table_metadata(database_url: str) -> None:
    upgrade(database_url)
    engine = storage.create_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, storage.metadata) == []
            assert context.get_current_revision() == _head()
    finally:
        engine.dispose()


def test_upgrading_twice_changes_nothing_and_the_schema_works(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)
    engine = storage.create_engine(database_url)
    try:
        repo = storage.SqlRepository(engine)
        repo.ping()
        assert repo.store_revision("s-1") == 0
    finally:
        engine.dispose()


def test_downgrading_to_base_removes_every_table(database_url: str) -> None:
    upgrade(database_url)
    command.downgrade(alembic_config(database_url), "base")
    engine = storage.create_engine(database_url)
    try:
        assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


def test_there_is_one_head_and_the_config_needs_no_ini_file() -> None:
    config = alembic_config("sqlite://")
    assert config.config_file_name is None
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_a_url_with_percent_escapes_survives_the_config() -> None:
    url = "mysql+pymysql://u:p%40ss%25@db/promos"
    config = alembic_config(url)
    assert config.get_main_option("sqlalchemy.url") == url


def _head() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    if head is None:
        pytest.fail("no migration head")
    return head
