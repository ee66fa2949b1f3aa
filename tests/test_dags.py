"""DAG integrity (parse, wiring, no heavy imports) and a real run with dag.test()."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import SITE

DAGS = Path(__file__).resolve().parents[1] / "dags"
HEAVY = ("great_expectations", "pandas", "scrapy", "pipeline.stages", "quality.gate", "warehouse.loader")


@pytest.fixture(scope="module")
def dagbag(airflow_home):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(str(DAGS))


def test_dag_folder_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert "press_nightly" in dagbag.dags


def test_press_nightly_wiring(dagbag):
    dag = dagbag.dags["press_nightly"]
    assert dag.timetable.expression == "0 2 * * *"
    assert str(dag.timetable.timezone) in ("Africa/Casablanca", "Timezone('Africa/Casablanca')")
    assert {"pressetl", "nightly"} <= set(dag.tags)
    chain = ["site_chain.crawl", "site_chain.transform", "site_chain.validate", "site_chain.load"]
    for upstream, downstream in zip(chain, chain[1:], strict=False):
        assert dag.get_task(upstream).downstream_task_ids == {downstream}
    for task_id in chain:
        assert dag.get_task(task_id).retries >= 2
        assert dag.get_task(task_id).execution_timeout is not None
    assert set(dag.params) >= {"sites", "override_quality"}


def test_dag_files_import_nothing_heavy():
    """The scheduler parses DAG files every few seconds: no GX, pandas, Scrapy or stages at top level."""
    code = (
        "import sys, runpy\n"
        f"runpy.run_path({str(DAGS / 'press_nightly.py')!r})\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ)
    assert result.returncode == 0, result.stderr[-2000:]
    marker = [line for line in result.stdout.splitlines() if line.startswith("HEAVY=")]
    assert marker == ["HEAVY="]


def test_dag_run_loads_the_day_into_the_warehouse(dagbag, world, devsite_url, tmp_path, monkeypatch):
    from sqlalchemy import create_engine, text

    data_dir = tmp_path / "data"
    warehouse = f"duckdb:///{data_dir / 'warehouse.duckdb'}"
    monkeypatch.setenv("PRESSETL_DATA_DIR", str(data_dir))
    monkeypatch.setenv("PRESSETL_WAREHOUSE_URL", warehouse)
    monkeypatch.setenv("PRESSETL_BASE_URL_MAGHRESS_FR", devsite_url)
    monkeypatch.setenv("PRESSETL_POLITE", "0")

    dag = dagbag.dags["press_nightly"]
    # Triggered at 02:00 on the 10th, the run's data interval is the 9th: the previous local day.
    run = dag.test(
        logical_date=datetime(2011, 2, 10, 2, 0, tzinfo=ZoneInfo("Africa/Casablanca")),
        run_conf={"sites": [SITE]},
    )
    assert str(run.state) in ("success", "DagRunState.SUCCESS")

    expected = {a.canonical_url: a for a in world.articles_for_day(SITE, date(2011, 2, 9))}
    engine = create_engine(warehouse)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT canonical_url, title, published_date FROM articles WHERE site = :s"), {"s": SITE}
        ).all()
        ledger = conn.execute(text("SELECT status, discovered, loaded FROM crawl_runs")).all()
    engine.dispose()
    assert {r.canonical_url for r in rows} == set(expected)
    assert all(r.title == expected[r.canonical_url].title for r in rows)
    assert ledger == [("succeeded", len(expected), len(expected))]
