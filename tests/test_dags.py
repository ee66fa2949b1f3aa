"""The DAGs: integrity (parse, wiring, pools, params), parse cost, the orchestration helpers
and the failure notifier, and real runs with dag.test() against devsite."""

from __future__ import annotations

import json
import os
import re
import shutil
import socketserver
import subprocess
import sys
import threading
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from conftest import SITE, migrated_warehouse

from pipeline import orchestration, schedule
from pipeline.notify import FailureNotifier, failure_line

ROOT = Path(__file__).resolve().parents[1]
DAGS = ROOT / "dags"
DAG_FILES = sorted(DAGS.glob("*.py"))
# Nothing a stage needs may load when the scheduler parses a DAG file.
HEAVY = (
    "great_expectations",
    "pandas",
    "scrapy",
    "pyarrow",
    "duckdb",
    "trafilatura",
    "lingua",
    "datasketch",
    "warcio",
    "pipeline.stages",
    "pipeline.ledger",
    "quality.gate",
    "warehouse",
    "spiders",
    "transforms",
)
PARSE_BUDGET_S = 0.3
CASABLANCA = ZoneInfo("Africa/Casablanca")


@pytest.fixture(scope="module")
def dagbag(airflow_home):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(str(DAGS))


# -- integrity ---------------------------------------------------------------------------


def test_dag_folder_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert {"press_nightly", "press_reprocess", "press_freshness"} <= set(dagbag.dags)
    for dag in dagbag.dags.values():
        assert "pressetl" in dag.tags
        assert "Operator runbook" in dag.doc_md  # the operator's doc, on the DAG's page


def test_press_nightly_schedule_and_params(dagbag):
    dag = dagbag.dags["press_nightly"]
    assert dag.timetable.expression == "0 2 * * *"
    assert str(dag.timetable.timezone) in ("Africa/Casablanca", "Timezone('Africa/Casablanca')")
    assert {"pressetl", "nightly"} <= set(dag.tags)
    assert dag.max_active_runs == 2
    assert set(dag.params) == {"sites", "reprocess_only", "refresh", "override_quality"}
    assert dag.params["sites"] == []
    assert not any(dag.params[name] for name in ("reprocess_only", "refresh", "override_quality"))


def test_press_nightly_has_a_mapped_chain_per_aggregator_host_with_its_pool(dagbag):
    dag = dagbag.dags["press_nightly"]
    groups = orchestration.aggregator_groups()
    assert groups, "no profiles?"
    assert {"maghress"} <= set(groups)
    for aggregator in groups:
        prefix = f"{aggregator}.site."
        chain = [prefix + stage for stage in ("crawl", "transform", "validate", "load")]
        # the mapped group's input feeds every task of the group
        assert dag.get_task(f"{aggregator}.sites").downstream_task_ids == set(chain)
        for upstream, downstream in zip(chain, chain[1:], strict=False):
            assert dag.get_task(upstream).downstream_task_ids == {downstream}
        for task_id in chain:
            task = dag.get_task(task_id)
            assert task.retries >= 2 and task.retry_exponential_backoff
            assert task.execution_timeout is not None
            assert task.map_index_template  # the grid shows the site, not 0, 1, 2
            assert task.on_failure_callback and isinstance(task.on_failure_callback[0], FailureNotifier)
        assert dag.get_task(chain[0]).pool == orchestration.host_pool(aggregator)
        # validate reads the warehouse, load writes it: a DuckDB file takes one process at a time
        assert dag.get_task(chain[2]).pool == dag.get_task(chain[3]).pool == orchestration.WAREHOUSE_POOL
        assert dag.get_task(chain[1]).pool == "default_pool"
        assert [a.uri for a in dag.get_task(chain[-1]).outlets] == [orchestration.WAREHOUSE_ASSET_URI]
    assert dag.get_task("plan").downstream_task_ids == {f"{a}.sites" for a in groups}


def test_press_reprocess_wiring(dagbag):
    dag = dagbag.dags["press_reprocess"]
    assert type(dag.timetable).__name__ == "NullTimetable"  # manual only
    assert {"sites", "from", "to", "override_quality"} <= set(dag.params)
    chain = ["partition.check_raw_zone", "partition.transform", "partition.validate", "partition.load"]
    assert dag.get_task("plan").downstream_task_ids == set(chain)
    for upstream, downstream in zip(chain, chain[1:], strict=False):
        assert dag.get_task(upstream).downstream_task_ids == {downstream}
    assert dag.get_task("partition.validate").pool == orchestration.WAREHOUSE_POOL
    assert dag.get_task("partition.load").pool == orchestration.WAREHOUSE_POOL
    assert not any(task.task_id.endswith("crawl") for task in dag.tasks)


def test_backfill_dates_select_the_runs_the_runbook_says(dagbag):
    """`--to-date` is compared with logical dates (02:00 local): the runbook's `--to-date D
    T23:59` includes D, a bare `--to-date D` stops the day before."""
    from airflow.sdk.timezone import parse  # what `airflow backfill create` parses dates with
    from airflow.serialization.serialized_objects import DagSerialization

    dag = DagSerialization.from_dict(DagSerialization.to_dict(dagbag.dags["press_nightly"]))

    def days(first: str, last: str) -> list[date]:
        infos = dag.iter_dagrun_infos_between(parse(first), parse(last))
        return [schedule.logical_day(info.data_interval.start) for info in infos]

    three = [date(2011, 2, 8), date(2011, 2, 9), date(2011, 2, 10)]
    assert days("2011-02-08", "2011-02-10T23:59") == three
    assert days("2011-02-08", "2011-02-10") == three[:2]
    # Morocco is UTC+1 since 2018: the same rule holds.
    assert days("2024-04-01", "2024-04-03T23:59") == [date(2024, 4, d) for d in (1, 2, 3)]


def test_run_day_without_a_data_interval_is_the_last_completed_day():
    """Airflow 3's trigger form may leave the logical date empty: no data interval then."""
    run_day = schedule.run_day
    assert run_day(datetime(2024, 5, 15, 2, 0, tzinfo=CASABLANCA), None) == date(2024, 5, 15)
    assert run_day(None, datetime(2024, 5, 15, 9, 30, tzinfo=CASABLANCA)) == date(2024, 5, 14)
    assert run_day(None, datetime(2024, 5, 15, 1, 30, tzinfo=CASABLANCA)) == date(2024, 5, 13)
    # 01:30 UTC is 02:30 in Casablanca (UTC+1 outside Ramadan): the 14th is complete
    assert run_day(None, datetime(2024, 5, 15, 1, 30, tzinfo=ZoneInfo("UTC"))) == date(2024, 5, 14)


# -- parse cost ---------------------------------------------------------------------------

# A DAG using the same Airflow features as ours: what "importing Airflow itself" costs a DAG
# file (the SDK's decorators import the standard provider, packaging, croniter, ...).
REFERENCE_DAG = """
from datetime import datetime
from airflow.sdk import Asset, CronDataIntervalTimetable, Param, dag, task, task_group

@dag(dag_id="reference", schedule=CronDataIntervalTimetable("0 2 * * *", timezone="UTC"),
     start_date=datetime(2020, 1, 1), params={"p": Param(1, type="integer")})
def reference():
    @task
    def one() -> list[int]:
        return [1]

    @task_group
    def group(x: int):
        @task(outlets=[Asset("x-reference://a")])
        def two(x: int) -> None: ...

        two(x)

    group.expand(x=one())

reference()
"""

PARSE_PROBE = """
import runpy, sys, time
import airflow
runpy.run_path(sys.argv[1])
sys.stderr.write("@@pressetl-mark\\n")
sys.stderr.flush()
started = time.perf_counter()
runpy.run_path(sys.argv[2])
print(f"ELAPSED={time.perf_counter() - started:.4f}")
"""


def _parse_cost(reference: Path, dag_file: Path) -> tuple[float, list[tuple[int, str]]]:
    """Seconds to run the DAG file after Airflow and a reference DAG, and what it imported."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", PARSE_PROBE, str(reference), str(dag_file)],
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    elapsed = float(re.search(r"ELAPSED=([\d.]+)", result.stdout).group(1))
    after = result.stderr.split("@@pressetl-mark", 1)[1]
    imported = [
        (int(m.group(1)), m.group(2).strip())
        for m in re.finditer(r"import time:\s+\d+ \|\s+(\d+) \|( *[\w.]+)", after)
    ]
    return elapsed, imported


@pytest.mark.parametrize("dag_file", DAG_FILES, ids=[p.stem for p in DAG_FILES])
def test_dag_file_parses_in_under_300_ms_beyond_airflow(dag_file, tmp_path, airflow_home):
    """`python -X importtime`: what a DAG file adds to a reference DAG's Airflow imports."""
    reference = tmp_path / "reference_dag.py"
    reference.write_text(REFERENCE_DAG)
    best = None
    for _ in range(3):  # a loaded CI machine: the best of three
        elapsed, imported = _parse_cost(reference, dag_file)
        if best is None or elapsed < best[0]:
            best = (elapsed, imported)
        if elapsed < PARSE_BUDGET_S:
            break
    elapsed, imported = best
    slowest = sorted(imported, reverse=True)[:8]
    print(f"{dag_file.name}: {elapsed * 1000:.0f} ms beyond Airflow; slowest imports (us): {slowest}")
    assert elapsed < PARSE_BUDGET_S, f"{dag_file.name} took {elapsed:.3f} s; slowest imports: {slowest}"


def test_dag_files_import_nothing_heavy():
    """The scheduler parses DAG files every few seconds: no GX, pandas, Scrapy or stages at top level."""
    code = (
        "import sys, runpy\n"
        f"for path in {[str(p) for p in DAG_FILES]!r}:\n"
        "    runpy.run_path(path)\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ)
    assert result.returncode == 0, result.stderr[-2000:]
    marker = [line for line in result.stdout.splitlines() if line.startswith("HEAVY=")]
    assert marker == ["HEAVY="]


# -- orchestration helpers ------------------------------------------------------------------


def test_site_aggregators_reads_only_the_aggregator_and_survives_a_broken_profile(tmp_path):
    shutil.copy(ROOT / "profiles" / f"{SITE}.yaml", tmp_path)
    (tmp_path / "djazairess-fr.yaml").write_text("site: djazairess-fr\naggregator: [not, a, name\n")
    (tmp_path / "turess-ar.yaml").write_text("aggregator: turess\nenabled: false\n")
    assert orchestration.site_aggregators(tmp_path) == {
        "djazairess-fr": "djazairess",  # unreadable: the first word of its name
        SITE: "maghress",
        "turess-ar": "turess",
    }
    assert orchestration.aggregator_groups(tmp_path)["maghress"] == [SITE]
    assert orchestration.site_aggregators(tmp_path / "missing") == {}


def test_plan_sites_groups_by_host_and_names_unknown_sites(tmp_path, monkeypatch):
    from core.profiles import ProfileError

    for name in (SITE, "djazairess-fr"):
        if (ROOT / "profiles" / f"{name}.yaml").is_file():
            shutil.copy(ROOT / "profiles" / f"{name}.yaml", tmp_path)
    (tmp_path / "turess-xx.yaml").write_text("site: turess-xx\naggregator: turess\nbogus: 1\n")
    monkeypatch.setenv("PRESSETL_PROFILES_DIR", str(tmp_path))
    groups = ["djazairess", "maghress", "turess"]
    plan = orchestration.plan_sites([], groups)
    assert plan["maghress"] == [SITE]
    assert plan["turess"] == ["turess-xx"]  # broken profile: planned, its crawl says why
    assert orchestration.plan_sites([SITE], groups) == {"djazairess": [], "maghress": [SITE], "turess": []}
    with pytest.raises(ProfileError, match="unknown site"):
        orchestration.plan_sites(["nosuch-site"], groups)
    with pytest.raises(ProfileError, match="not in this version of the DAG"):
        orchestration.plan_sites([SITE], ["djazairess"])


def test_reprocess_partitions(monkeypatch):
    monkeypatch.setenv("PRESSETL_PROFILES_DIR", str(ROOT / "profiles"))
    parts = orchestration.reprocess_partitions([SITE], "2011-02-08", "2011-02-10")
    assert parts == [{"site": SITE, "day": f"2011-02-{d:02d}"} for d in (8, 9, 10)]
    with pytest.raises(ValueError, match="before"):
        orchestration.reprocess_partitions([SITE], "2011-02-10", "2011-02-08")
    with pytest.raises(ValueError, match="max_map_length=2"):
        orchestration.reprocess_partitions([SITE], "2011-02-08", "2011-02-10", limit=2)


def test_reprocess_reuses_the_raw_zone_or_says_it_is_missing(tmp_path):
    from datetime import UTC, datetime

    from core.errors import RawZoneMissing
    from core.manifests import CrawlManifest, write_manifest
    from core.partitions import Partition
    from core.settings import Settings
    from pipeline.runner import StageOptions, run_stage

    warehouse = migrated_warehouse(f"duckdb:///{tmp_path / 'warehouse.duckdb'}")  # the lock lives there
    settings = Settings.from_env(environ={}, data_dir=tmp_path, warehouse_url=warehouse)
    day = date(2011, 2, 9)
    reprocess = StageOptions(reprocess=True)
    with pytest.raises(RawZoneMissing, match="reprocess of maghress-fr 2011-02-09: no raw zone"):
        run_stage(settings, "crawl", SITE, day, "run-1", reprocess)
    partition = Partition(SITE, day, tmp_path)
    now = datetime.now(UTC)
    write_manifest(
        partition.crawl_manifest,
        CrawlManifest(
            site=SITE,
            logical_date=day,
            run_id="r0",
            status="complete",
            discovered=3,
            fetched=3,
            failed=0,
            pages_fetched=5,
            warc_file="warc/r0.warc.gz",
            log_file="logs/r0.log",
            started_at=now,
            finished_at=now,
        ),
    )
    summary = run_stage(settings, "crawl", SITE, day, "run-2", reprocess)
    assert summary["reused_raw_zone"] is True and summary["discovered"] == 3
    assert summary["run_id"] == "r0" and summary["crawl_status"] == "complete"


def test_pools_command_prints_what_airflow_pools_import_reads(monkeypatch):
    monkeypatch.setenv("PRESSETL_WAREHOUSE_POOL_SLOTS", "4")
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.orchestration", "pools"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=os.environ,
    )
    assert result.returncode == 0, result.stderr
    pools = json.loads(result.stdout)
    assert pools[orchestration.WAREHOUSE_POOL]["slots"] == 4
    for aggregator in orchestration.aggregator_groups():
        assert pools[orchestration.host_pool(aggregator)]["slots"] == 1
    assert all(set(p) == {"slots", "description", "include_deferred"} for p in pools.values())


def test_retry_policy_fails_at_once_only_when_a_retry_cannot_help():
    from airflow.sdk import RetryAction

    from core.errors import CrawlError, LoadError, RawZoneMissing, WarehouseSchemaError
    from core.profiles import ProfileError
    from pipeline.freshness import FreshnessAlert
    from quality.errors import QualityGateError

    policy = orchestration.retry_policy()

    def action(exc: Exception) -> RetryAction:
        return policy.evaluate(exc, try_number=1, max_tries=4).action

    assert action(QualityGateError("quality gate failed for maghress-fr 2011-02-09")) == RetryAction.FAIL
    assert action(ProfileError("profiles/x.yaml: missing key 'hosts'")) == RetryAction.FAIL
    assert action(LoadError("no validated batch")) == RetryAction.FAIL
    assert action(RawZoneMissing("no raw zone")) == RetryAction.FAIL
    assert action(WarehouseSchemaError("warehouse schema at 0001")) == RetryAction.FAIL
    assert action(FreshnessAlert("not loaded by 08:00: no run recorded")) == RetryAction.FAIL
    assert action(CrawlError("maghress-fr: 503 on /fr/")) == RetryAction.DEFAULT  # site down: back off
    assert action(OSError("connection reset")) == RetryAction.DEFAULT


# -- the failure notifier ---------------------------------------------------------------------


def _failed_context(exc: BaseException | None) -> dict:
    ti = SimpleNamespace(task_id="maghress.site.validate", dag_id="press_nightly", log_url="http://af/log")
    return {"ti": ti, "exception": exc, "pressetl_partition": {"site": SITE, "day": date(2011, 2, 9)}}


def test_failure_line_says_what_failed_and_why_in_one_line():
    exc = RuntimeError("quality gate failed for maghress-fr 2011-02-09:\n  title_present 40%")
    assert failure_line(_failed_context(exc)) == (
        "press_nightly maghress-fr 2011-02-09 maghress.site.validate failed: "
        "quality gate failed for maghress-fr 2011-02-09: title_present 40%"
    )
    # before the task set its partition: from the run's data interval
    context = {
        "ti": SimpleNamespace(task_id="plan", dag_id="press_nightly"),
        "exception": None,
        "data_interval_start": datetime(2011, 2, 9, 2, tzinfo=CASABLANCA),
    }
    assert failure_line(context).startswith("press_nightly - 2011-02-09 plan failed: unknown reason")


class _SMTPSink(socketserver.StreamRequestHandler):
    """Just enough SMTP to receive one message (Python 3.12 dropped smtpd)."""

    messages: list[str]

    def handle(self) -> None:
        def reply(text: str) -> None:
            self.wfile.write(f"{text}\r\n".encode())

        reply("220 sink")
        data: list[str] | None = None
        for raw in self.rfile:
            line = raw.decode().rstrip("\r\n")
            if data is not None:
                if line == ".":
                    self.messages.append("\n".join(data))
                    data = None
                    reply("250 queued")
                else:
                    data.append(line)
                continue
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                reply("250-sink")
                reply("250 HELP")
            elif verb == "DATA":
                data = []
                reply("354 end with .")
            elif verb == "QUIT":
                reply("221 bye")
                return
            else:
                reply("250 ok")


def test_notifier_logs_the_line_and_sends_it_by_email_when_configured(monkeypatch, capsys, caplog):
    import email

    handler = type("Sink", (_SMTPSink,), {"messages": []})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        connection = {
            "conn_type": "smtp",
            "host": "127.0.0.1",
            "port": server.server_address[1],
            "extra": {"disable_ssl": True, "disable_tls": True, "from_email": "pressetl@example.org"},
        }
        monkeypatch.setenv("AIRFLOW_CONN_PRESSETL_TEST_SMTP", json.dumps(connection))
        environ = {
            "PRESSETL_ALERT_EMAIL": "ops@example.org",
            "PRESSETL_ALERT_SMTP_CONN_ID": "pressetl_test_smtp",
        }
        FailureNotifier(environ=environ)(_failed_context(RuntimeError("crawl of maghress-fr: 503")))
    finally:
        server.shutdown()
        server.server_close()
    line = "press_nightly maghress-fr 2011-02-09 maghress.site.validate failed: crawl of maghress-fr: 503"
    assert line in _logged(capsys, caplog)
    assert len(handler.messages) == 1
    message = email.message_from_string(handler.messages[0])
    assert message["Subject"] == line and message["To"] == "ops@example.org"


def test_notifier_without_the_slack_provider_says_so(capsys, caplog):
    notifier = FailureNotifier(environ={"PRESSETL_ALERT_SLACK_CONN_ID": "slack_default"})
    assert notifier.forwards() == []
    assert "apache-airflow-providers-slack is not installed" in _logged(capsys, caplog)


def _logged(capsys, caplog) -> str:
    """Airflow's structlog writes to stdout; plain logging goes to caplog."""
    return capsys.readouterr().out + caplog.text


# -- real runs (dag.test) -----------------------------------------------------------------------


def _warehouse_rows(url: str) -> tuple[list, list]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT canonical_url, title, published_date FROM articles WHERE site = :s ORDER BY 1"),
            {"s": SITE},
        ).all()
        ledger = conn.execute(text("SELECT status, discovered, loaded, run_id FROM crawl_runs")).all()
    engine.dispose()
    return rows, ledger


def test_dag_runs_load_the_day_and_reprocess_rebuilds_it(dagbag, world, devsite_url, tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    warehouse = migrated_warehouse(f"duckdb:///{data_dir / 'warehouse.duckdb'}")  # `pressetl db upgrade`
    monkeypatch.setenv("PRESSETL_DATA_DIR", str(data_dir))
    monkeypatch.setenv("PRESSETL_WAREHOUSE_URL", warehouse)
    monkeypatch.setenv("PRESSETL_BASE_URL_MAGHRESS_FR", devsite_url)
    monkeypatch.setenv("PRESSETL_POLITE", "0")

    # Triggered at 02:00 on the 10th, the run's data interval is the 9th: the previous local day.
    run = dagbag.dags["press_nightly"].test(
        logical_date=datetime(2011, 2, 10, 2, 0, tzinfo=CASABLANCA), run_conf={"sites": [SITE]}
    )
    assert str(run.state) in ("success", "DagRunState.SUCCESS")
    labels = {(ti.task_id, ti.rendered_map_index) for ti in run.get_task_instances() if ti.map_index >= 0}
    assert ("maghress.site.load", SITE) in labels

    expected = {a.canonical_url: a for a in world.articles_for_day(SITE, date(2011, 2, 9)) if not a.broken}
    rows, ledger = _warehouse_rows(warehouse)
    assert {r.canonical_url for r in rows} == set(expected)
    assert all(r.title == expected[r.canonical_url].title for r in rows)
    assert [(status, loaded) for status, _, loaded, _ in ledger] == [("succeeded", len(expected))]
    _assert_asset_event(SITE, "2011-02-09")

    # press_reprocess rebuilds the same day from the raw zone: same rows, another ledger entry.
    run = dagbag.dags["press_reprocess"].test(
        run_conf={"sites": [SITE], "from": "2011-02-09", "to": "2011-02-09"}
    )
    assert str(run.state) in ("success", "DagRunState.SUCCESS")
    rows_after, ledger = _warehouse_rows(warehouse)
    assert rows_after == rows
    assert sorted(status for status, *_ in ledger) == ["succeeded", "succeeded"]


def _assert_asset_event(site: str, day: str) -> None:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        events = session.scalars(
            select(AssetEvent)
            .join(AssetModel, AssetModel.id == AssetEvent.asset_id)
            .where(AssetModel.uri == orchestration.WAREHOUSE_ASSET_URI)
        ).all()
        extras = [event.extra for event in events]
    assert any(e.get("site") == site and e.get("logical_date") == day for e in extras), extras
