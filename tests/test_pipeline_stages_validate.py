"""The validate stage (``pipeline.stages.validate``): the volume history it gives the gate,
read from the warehouse ledger."""

from __future__ import annotations

import subprocess
import sys

from test_quality_support import DAY, SITE


def test_stage_reads_no_history_without_a_warehouse_and_creates_none(tmp_path):
    from conftest import make_settings

    from pipeline.stages.validate import recent_volumes

    settings = make_settings(tmp_path / "data", None, migrate=False)  # nobody set one up yet
    assert recent_volumes(settings, SITE, DAY, 14) is None
    assert not (tmp_path / "data" / "warehouse.duckdb").exists()


def test_stage_asks_the_ledger_for_the_days_before_and_waits_for_a_locked_file(tmp_path, monkeypatch, caplog):
    from conftest import make_settings

    import warehouse.ledger
    from pipeline.stages.validate import recent_volumes
    from warehouse.migrate import upgrade

    settings = make_settings(tmp_path / "data", None)
    upgrade(settings.warehouse_url)
    asked = []
    monkeypatch.setattr(
        warehouse.ledger,
        "recent_volumes",
        lambda engine, site, before, days, count: asked.append((site, before, days, count)) or [80, 85, 90],
    )
    assert recent_volumes(settings, SITE, DAY, 14) == [80, 85, 90]
    assert asked == [(SITE, DAY, 14, "discovered")]  # the gate judges discovered articles

    # Another process (a load stage) holds the DuckDB file for a moment.
    database = tmp_path / "data" / "warehouse.duckdb"
    hold = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('locked', flush=True); "
    hold += "time.sleep(2)"
    holder = subprocess.Popen([sys.executable, "-c", hold, str(database)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with caplog.at_level("INFO", logger="pipeline.stages.validate"):
            assert recent_volumes(settings, SITE, DAY, 14) == [80, 85, 90]
    finally:
        holder.wait(timeout=30)
    assert len(asked) == 2
    assert "warehouse locked by another process" in caplog.text
