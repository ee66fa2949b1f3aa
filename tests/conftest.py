"""Shared fixtures: devsite served on a free port, pressetl settings in a temp dir,
and a fresh PostgreSQL database per test session (server at 127.0.0.1:5432)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from core.settings import Settings
from devsite import Faults, World, serve

# Airflow reads its configuration when first imported: point it at a throwaway home first.
_AIRFLOW_HOME = tempfile.mkdtemp(prefix="pressetl-airflow-")
os.environ["AIRFLOW_HOME"] = _AIRFLOW_HOME
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(Path(__file__).resolve().parents[1] / "dags")
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"

SITE = "maghress-fr"
TODAY = date(2011, 2, 11)  # devsite clock: the morning after the days the tests collect
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session")
def world() -> World:
    return World(today=TODAY)


@pytest.fixture(scope="session")
def devsite_url(world: World) -> Iterator[str]:
    with serve(world, host="127.0.0.1", port=0) as server:
        yield server.base_url_for(SITE)


@pytest.fixture
def served():
    """Serve another World (faults, other clock) for one test: ``url = served(world)``."""
    servers = []

    def start(world: World) -> str:
        server = serve(world, host="127.0.0.1", port=0)
        servers.append(server)
        return server.__enter__().base_url_for(SITE)

    yield start
    for server in servers:
        server.__exit__(None, None, None)


_MIGRATED_DUCKDB: list[Path] = []  # one migrated warehouse file per session, copied for each test


def migrated_warehouse(warehouse_url: str) -> str:
    """The warehouse at ``warehouse_url`` with the schema at head, as ``pressetl db upgrade``
    leaves it (stages never migrate). A DuckDB file is a copy of one migrated per session."""
    from sqlalchemy.engine import make_url

    from warehouse.migrate import upgrade

    url = make_url(warehouse_url)
    if url.get_backend_name() != "duckdb":
        upgrade(warehouse_url)
        return warehouse_url
    target = Path(url.database)
    if not target.exists():
        if not _MIGRATED_DUCKDB:
            template = Path(tempfile.mkdtemp(prefix="pressetl-wh-")) / "warehouse.duckdb"
            upgrade(f"duckdb:///{template}")
            _MIGRATED_DUCKDB.append(template)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_MIGRATED_DUCKDB[0], target)
    return warehouse_url


def make_settings(
    data_dir: Path, base_url: str | None, warehouse_url: str | None = None, *, migrate: bool = True
) -> Settings:
    """Settings for a test: devsite as the site, no politeness delays, the warehouse migrated
    (``migrate=False``: a warehouse nobody has set up yet)."""
    warehouse_url = warehouse_url or f"duckdb:///{data_dir / 'warehouse.duckdb'}"
    if migrate:
        migrated_warehouse(warehouse_url)
    settings = Settings.from_env(environ={}, data_dir=data_dir, warehouse_url=warehouse_url)
    settings = replace(settings, polite=False)  # devsite is ours: no politeness delays in tests
    return settings.with_base_url(SITE, base_url) if base_url else settings


@pytest.fixture
def settings(tmp_path: Path, devsite_url: str) -> Settings:
    return make_settings(tmp_path / "data", devsite_url)


@contextlib.contextmanager
def new_pg_database(prefix: str = "pressetl_test") -> Iterator[str]:
    """A database of its own on the local PostgreSQL server (its URL), dropped at the end."""
    from sqlalchemy import create_engine, text

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with new_pg_database() as url:
        yield url


@pytest.fixture(scope="session")
def airflow_home() -> str:
    """A migrated Airflow metadata DB (SQLite) in the throwaway home."""
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True, env=os.environ
    )
    return _AIRFLOW_HOME


__all__ = ["Faults", "SITE", "make_settings"]
