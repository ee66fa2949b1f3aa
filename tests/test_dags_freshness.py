"""press_freshness: its schedule follows the configured deadline, and a real run (dag.test)
fails one task per late site, whose line the failure notifier sends by email."""

from __future__ import annotations

import email
import json
import socketserver
import threading
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import migrated_warehouse
from test_dags import _SMTPSink
from test_pipeline_freshness import FAILED, FAILED_REASON, LOADED, MISSING, one_of_each, profiles_dir

from pipeline.notify import FailureNotifier
from warehouse.engine import make_engine

DAG_FILE = Path(__file__).resolve().parents[1] / "dags" / "press_freshness.py"
CASABLANCA = ZoneInfo("Africa/Casablanca")


def _parse(monkeypatch, **environ: str):
    from airflow.dag_processing.dagbag import DagBag

    for name in ("PRESSETL_FRESHNESS_DEADLINE", "PRESSETL_FRESHNESS_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    bag = DagBag(str(DAG_FILE))
    assert bag.import_errors == {}
    return bag.dags["press_freshness"]


def _run_times(dag, first: str, last: str) -> list[datetime]:
    from airflow.sdk.timezone import parse
    from airflow.serialization.serialized_objects import DagSerialization

    dag = DagSerialization.from_dict(DagSerialization.to_dict(dag))
    return [
        info.run_after.astimezone(UTC) for info in dag.iter_dagrun_infos_between(parse(first), parse(last))
    ]


def test_the_schedule_is_the_configured_deadline_in_its_time_zone(airflow_home, monkeypatch):
    dag = _parse(monkeypatch)
    assert dag.timetable.expression == "0 8 * * *"
    assert "Africa/Casablanca" in str(dag.timetable.timezone)
    assert {"pressetl", "freshness"} <= set(dag.tags) and "Operator runbook" in dag.doc_md
    check = dag.get_task("check")
    assert (
        check.retries == 2
        and check.map_index_template
        and isinstance(check.on_failure_callback[0], FailureNotifier)
    )
    # 08:00 in Casablanca: 07:00 UTC, 08:00 UTC during Ramadan (UTC+0 from 10 March 2024)
    assert _run_times(dag, "2024-03-09", "2024-03-11T23:00") == [
        datetime(2024, 3, 9, 7, tzinfo=UTC),
        datetime(2024, 3, 10, 8, tzinfo=UTC),
        datetime(2024, 3, 11, 8, tzinfo=UTC),
    ]

    dag = _parse(monkeypatch, PRESSETL_FRESHNESS_DEADLINE="09:30", PRESSETL_FRESHNESS_TIMEZONE="UTC")
    assert dag.timetable.expression == "30 9 * * *" and "UTC" in str(dag.timetable.timezone)
    assert _run_times(dag, "2024-03-09", "2024-03-10T23:00") == [
        datetime(2024, 3, 9, 9, 30, tzinfo=UTC),
        datetime(2024, 3, 10, 9, 30, tzinfo=UTC),
    ]


def test_a_run_fails_the_late_sites_and_the_notifier_sends_their_lines(
    airflow_home, tmp_path, monkeypatch, capsys
):
    handler = type("Sink", (_SMTPSink,), {"messages": []})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    connection = {
        "conn_type": "smtp",
        "host": "127.0.0.1",
        "port": server.server_address[1],
        "extra": {"disable_ssl": True, "disable_tls": True, "from_email": "pressetl@example.org"},
    }
    monkeypatch.setenv("AIRFLOW_CONN_PRESSETL_TEST_SMTP", json.dumps(connection))
    monkeypatch.setenv("PRESSETL_ALERT_EMAIL", "ops@example.org")
    monkeypatch.setenv("PRESSETL_ALERT_SMTP_CONN_ID", "pressetl_test_smtp")
    monkeypatch.setenv("PRESSETL_PROFILES_DIR", str(profiles_dir(tmp_path, [LOADED, FAILED, MISSING])))
    warehouse = migrated_warehouse(f"duckdb:///{tmp_path / 'data' / 'warehouse.duckdb'}")
    monkeypatch.setenv("PRESSETL_WAREHOUSE_URL", warehouse)
    engine = make_engine(warehouse)
    one_of_each(engine)
    engine.dispose()
    dag = _parse(monkeypatch)

    try:
        # scheduled at 08:00 on the 10th: checks the 9th, collected by the nightly run at 02:00
        run = dag.test(logical_date=datetime(2011, 2, 10, 8, 0, tzinfo=CASABLANCA))
    finally:
        server.shutdown()
        server.server_close()

    assert "failed" in str(run.state).lower()
    states = {
        ti.rendered_map_index: str(ti.state) for ti in run.get_task_instances() if ti.task_id == "check"
    }
    assert {site: "success" in state for site, state in states.items()} == {
        LOADED: True,
        FAILED: False,
        MISSING: False,
    }
    sent = sorted(email.message_from_string(message)["Subject"] for message in handler.messages)
    assert sent == [
        f"press_freshness {FAILED} 2011-02-09 check failed: not loaded by 08:00 Africa/Casablanca: "
        f"last state failed at transform in run nightly-1 at 2011-02-10 02:00 UTC: {FAILED_REASON}",
        f"press_freshness {MISSING} 2011-02-09 check failed: not loaded by 08:00 Africa/Casablanca: "
        "no run recorded",
    ]
    assert sent[1] in capsys.readouterr().out  # the same line in the task's log


@pytest.mark.parametrize("deadline", ["8h", "25:00"])
def test_a_bad_deadline_is_an_import_error_naming_the_setting(airflow_home, monkeypatch, deadline):
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.setenv("PRESSETL_FRESHNESS_DEADLINE", deadline)
    errors = list(DagBag(str(DAG_FILE)).import_errors.values())
    assert len(errors) == 1 and f"PRESSETL_FRESHNESS_DEADLINE={deadline!r} is not a time of day" in errors[0]
