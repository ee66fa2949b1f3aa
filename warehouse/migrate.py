"""Schema migrations, programmatically (``pressetl db upgrade|current|history``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from warehouse.engine import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the warehouse at ``url`` up to ``revision``; a no-op when it is there already."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def current(url: str) -> str | None:
    """The revision the warehouse is at; None for an empty database."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head() -> str:
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


def history(url: str) -> list[str]:
    """Every revision, oldest first: ``"<rev>: <message>"``, marked ``(head)``/``(current)``."""
    script = ScriptDirectory.from_config(alembic_config(url))
    at = current(url)
    lines = []
    for rev in reversed(list(script.walk_revisions())):
        marks = [m for m, on in (("(head)", rev.is_head), ("(current)", rev.revision == at)) if on]
        lines.append(" ".join([f"{rev.revision}: {rev.doc}", *marks]))
    return lines
