"""The alembic migrations are the only way the schema is made, on SQLite and on PostgreSQL."""

from concurrent.futures import ProcessPoolExecutor

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from dialer.db import alembic_config, downgrade, migrate
from dialer.db.models import Base


def test_upgrade_matches_models_and_downgrades_cleanly(db_url: str) -> None:
    migrate(db_url)
    command.check(alembic_config(db_url))  # raises if the models and the migrations disagree
    engine = create_engine(db_url)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    downgrade(db_url, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate(db_url)  # and up again
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_single_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_processes_starting_together_migrate_one_at_a_time(postgres_url: str) -> None:
    """Several dialer processes started at once on an empty PostgreSQL all migrate it (an advisory lock
    serialises them; without it the losers died on duplicate tables) and end with one schema."""
    with ProcessPoolExecutor(4) as pool:
        list(pool.map(migrate, [postgres_url] * 4))
    engine = create_engine(postgres_url)
    assert set(Base.metadata.tables) | {"scheduler_job"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_user_time_zone_column_comes_and_goes(db_url: str) -> None:
    """0012_web_user_time_zone adds app_user.time_zone (nullable: NULL is the site's default) and its
    downgrade removes only that column, on SQLite and PostgreSQL."""
    migrate(db_url)
    engine = create_engine(db_url)
    column = {c["name"]: c for c in inspect(engine).get_columns("app_user")}["time_zone"]
    assert column["nullable"]
    downgrade(db_url, "0011_inbound_queue_exit")
    names = {c["name"] for c in inspect(engine).get_columns("app_user")}
    assert "time_zone" not in names and "language" in names
    migrate(db_url)
    assert "time_zone" in {c["name"] for c in inspect(engine).get_columns("app_user")}
    engine.dispose()
