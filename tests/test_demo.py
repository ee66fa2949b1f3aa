"""`pressetl demo`, the README's first command, as a newcomer runs it: twice, same rows."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from pipeline.demo import DEMO_DAYS, DEMO_SITE, demo_world


def _demo(cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESSETL_")}
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "demo"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _articles_checksum(warehouse: Path) -> tuple[int, str]:
    engine = create_engine(f"duckdb:///{warehouse}")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM articles ORDER BY site, canonical_url")).all()
    engine.dispose()
    return len(rows), hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()


def test_demo_runs_offline_and_a_second_run_leaves_the_same_rows(tmp_path):
    first = _demo(tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    assert warehouse.is_file()
    assert (tmp_path / "data" / "docs" / "index.html").is_file()
    for day in DEMO_DAYS:
        assert day.isoformat() in first.stdout
    assert str(warehouse) in first.stdout

    world = demo_world()
    expected = sum(
        1 for day in DEMO_DAYS for article in world.articles_for_day(DEMO_SITE, day) if not article.broken
    )
    count, checksum = _articles_checksum(warehouse)
    assert count == expected

    second = _demo(tmp_path)
    assert second.returncode == 0, second.stderr[-3000:]
    assert _articles_checksum(warehouse) == (count, checksum)
