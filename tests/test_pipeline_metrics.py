"""pipeline/metrics.py: a stage run's metrics go out through Airflow's own StatsD client, set up
as an operator would (AIRFLOW__METRICS__*), to a real UDP socket on 127.0.0.1; emitting them
never fails a stage."""

from __future__ import annotations

import logging
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SITE, migrated_warehouse

from pipeline import metrics

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
DATAGRAM = re.compile(r"^(?P<name>[^:]+):(?P<value>-?[0-9.]+)\|(?P<kind>ms|c|g)$")

# Run in a child process: Airflow reads its configuration once, when first imported. The load
# of a day the stages before it left (7 articles, 1 duplicate), then one of a day never
# validated (it fails). Prints the stage_runs rows it wrote.
CHILD = """
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, {tests!r})
from test_warehouse_support import DAY, SITE, partition
from test_warehouse_support_stages import stage_settings, write_first_edition

from pipeline.runner import run_stage
from warehouse.engine import make_engine
from warehouse.stage_runs import stage_runs

data_dir, url = Path(sys.argv[1]), sys.argv[2]
settings = stage_settings(data_dir, url)
write_first_edition(partition(data_dir), "run-1")
run_stage(settings, "load", SITE, DAY, "run-1")
try:
    run_stage(settings, "load", SITE, DAY + timedelta(days=1), "run-1")
except Exception as exc:
    print("failed:", type(exc).__name__)
engine = make_engine(url)
for row in stage_runs(engine, SITE):
    print("row:", row["logical_date"], row["status"], row["duration_seconds"], row["loaded"])
engine.dispose()
"""


def _run_child(tmp_path: Path, env: dict[str, str]) -> tuple[subprocess.CompletedProcess, str]:
    url = migrated_warehouse(f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
    child = subprocess.run(
        [sys.executable, "-c", CHILD.format(tests=str(TESTS)), str(tmp_path / "data"), url],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env={k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__METRICS__")} | env,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    return child, url


def _received(sock: socket.socket) -> list[tuple[str, float, str]]:
    """Every datagram the socket holds (the child has exited: all were sent)."""
    sock.settimeout(0.5)
    found = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            payload = sock.recv(65535).decode()
        except TimeoutError:
            break
        for line in payload.splitlines():  # one metric a datagram, unless the client batches
            match = DATAGRAM.match(line)
            assert match, line
            found.append((match["name"], float(match["value"]), match["kind"]))
    return found


def test_a_stage_run_reaches_statsd_through_airflows_client(tmp_path: Path):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        env = {
            "AIRFLOW__METRICS__STATSD_ON": "True",
            "AIRFLOW__METRICS__STATSD_HOST": "127.0.0.1",
            "AIRFLOW__METRICS__STATSD_PORT": str(sock.getsockname()[1]),
        }
        child, _ = _run_child(tmp_path, env)
        received = _received(sock)

    assert "failed: LoadError" in child.stdout
    rows = [line.split()[1:] for line in child.stdout.splitlines() if line.startswith("row:")]
    assert [(day, status, loaded) for day, status, _, loaded in rows] == [
        ("2011-02-09", "ok", "7"),
        ("2011-02-10", "failed", "None"),
    ]
    ours = [(name, value, kind) for name, value, kind in received if name.startswith("airflow.pressetl.")]
    stage = f"airflow.pressetl.load.{SITE}"  # Airflow's statsd_prefix, then ours
    durations = [value for name, value, kind in ours if name == f"{stage}.duration" and kind == "ms"]
    assert durations == pytest.approx([float(seconds) * 1000 for _, _, seconds, _ in rows], rel=1e-3)
    counters = sorted((name, value) for name, value, kind in ours if kind == "c")
    assert counters == [
        (f"{stage}.duplicates", 1),
        (f"{stage}.loaded", 7),
        (f"{stage}.runs.failed", 1),
        (f"{stage}.runs.ok", 1),
    ]  # a failed load counts nothing; no count the load does not produce


def test_metrics_that_cannot_be_sent_fail_no_stage(tmp_path: Path):
    """A StatsD host that does not resolve: Airflow's client gives up, the stage runs on."""
    env = {"AIRFLOW__METRICS__STATSD_ON": "True", "AIRFLOW__METRICS__STATSD_HOST": "statsd.invalid"}
    child, _ = _run_child(tmp_path, env)
    assert [line.split()[2] for line in child.stdout.splitlines() if line.startswith("row:")] == [
        "ok",
        "failed",
    ]


def test_an_error_in_the_metrics_client_is_logged_not_raised(monkeypatch: pytest.MonkeyPatch, caplog):
    def broken():
        raise OSError("sendto: network unreachable")

    monkeypatch.setattr(metrics, "configured", lambda: True)
    monkeypatch.setattr(metrics, "airflow_stats", broken)
    with caplog.at_level(logging.WARNING, logger="pipeline.metrics"):
        metrics.emit_stage_run(SITE, "load", "ok", 1.5, {"loaded": 7})
        metrics.emit_unrecorded(SITE, "load")
    assert [r.getMessage() for r in caplog.records] == [
        f"could not emit the metrics of the load stage of {SITE}",
        f"could not emit {metrics.UNRECORDED}",
    ]


def test_airflow_is_imported_for_metrics_only_when_its_configuration_may_turn_them_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    for name in [n for n in sys.modules if n == "airflow" or n.startswith("airflow.")]:
        monkeypatch.delitem(sys.modules, name)  # restored after the test
    for key in [k for k in os.environ if k.startswith("AIRFLOW__METRICS__")]:
        monkeypatch.delenv(key)
    monkeypatch.delenv("AIRFLOW_CONFIG", raising=False)
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    assert not metrics.configured()  # no airflow.cfg: nothing to turn them on
    (tmp_path / "airflow.cfg").write_text("[core]\nload_examples = False\n")
    assert not metrics.configured()
    (tmp_path / "airflow.cfg").write_text("[metrics]\nstatsd_on = True\n")
    assert metrics.configured()
    (tmp_path / "airflow.cfg").unlink()
    monkeypatch.setenv("AIRFLOW__METRICS__OTEL_ON", "True")
    assert metrics.configured()


def test_every_name_of_every_profile_is_one_statsd_and_opentelemetry_take():
    """Airflow's clients drop a name they find invalid (logged, not sent): check them all."""
    from airflow.sdk._shared.observability.metrics.otel_logger import name_is_otel_safe
    from airflow.sdk._shared.observability.metrics.validators import stat_name_default_handler

    from core.profiles import load_profiles
    from pipeline.runner import STAGES

    sites = list(load_profiles(ROOT / "profiles"))
    names = [metrics.UNRECORDED]
    for site in sites:
        for stage in STAGES:
            names.append(metrics.duration_name(stage, site))
            names += [metrics.status_name(stage, site, status) for status in metrics.STATUSES]
            names += [metrics.count_name(stage, site, count) for count in metrics.COUNTS]
    assert len(sites) >= 12 and len(names) == 1 + len(sites) * len(STAGES) * 12
    for name in names:
        assert stat_name_default_handler(f"airflow.{name}") == f"airflow.{name}"
        assert name_is_otel_safe("airflow", name), name
