"""End to end through a real Airflow 3.3: the backfill an operator types, the scheduler,
LocalExecutor workers, the UI.

One Airflow for the module: its own AIRFLOW_HOME in a temp dir, a fresh PostgreSQL
metadata database, ``airflow api-server``, ``scheduler`` and ``dag-processor`` as
subprocesses, the repo's ``dags/``, the profiles pointed at a devsite served by this test.
Then ``airflow backfill create`` for three days, the warehouse checked against devsite's
ground truth, one task cleared and re-run (nothing changes), and the grid checked in
headless Chromium logged in with the simple auth manager's generated password.

Select with ``-m airflow_e2e``; they also run in the default suite.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import PG_ADMIN_URL, SITE, TODAY

from devsite import World, serve
from pipeline.orchestration import host_pool, pool_definitions
from pipeline.schedule import logical_day

pytestmark = [pytest.mark.airflow_e2e, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[1]
DAG_ID = "press_nightly"
DAYS = [date(2011, 2, 8), date(2011, 2, 9), date(2011, 2, 10)]
# `--to-date` is compared with logical dates (02:00 local): the last day's end includes it.
# The three days at once, as the runbook allows: clusters are the warehouse's, the same in
# any order; crawls of the host and loads still take turns in their pools.
BACKFILL_RANGE = ["--from-date", "2011-02-08", "--to-date", "2011-02-10T23:59", "--max-active-runs", "3"]
CLEARED_DAY = date(2011, 2, 9)
CHROMIUM = "/usr/bin/chromium"
SCREENSHOT = ROOT / "docs" / "screenshots" / "airflow-grid.png"

STARTUP_TIMEOUT = 180
RUNS_TIMEOUT = 480


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _base_url_env(site: str) -> str:
    return "PRESSETL_BASE_URL_" + site.upper().replace("-", "_")


@dataclass
class Airflow:
    home: Path
    env: dict[str, str]
    base_url: str
    data_dir: Path
    warehouse_url: str
    sites: list[str]
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    _token: str | None = None

    # -- processes ---------------------------------------------------------------------

    def cli(self, *args: str, timeout: float = 180, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "-m", "airflow", *args],
            env=self.env,
            cwd=self.home,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"airflow {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )
        return result

    def start(self, name: str, *args: str) -> None:
        log = (self.home / f"{name}.log").open("w")
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "airflow", *args],
            env=self.env,
            cwd=self.home,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with its workers
        )

    def stop(self) -> None:
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise AssertionError(f"airflow {name} exited {process.returncode}\n{self.log_tail(name)}")

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.home / f"{name}.log"
        text = path.read_text(errors="replace") if path.is_file() else ""
        kept = [line for line in text.splitlines() if "[http.access]" not in line]  # not the request log
        return f"--- {path} (last {lines} lines) ---\n" + "\n".join(kept[-lines:])

    def diagnostics(self) -> str:
        """What a failed e2e test prints: the unfinished tasks, their logs' last events, the
        processes' log tails."""
        parts = []
        with contextlib.suppress(Exception):
            for run in self.runs():
                path = f"/api/v2/dags/{DAG_ID}/dagRuns/{run['dag_run_id']}/taskInstances"
                for ti in self.api("GET", path)["task_instances"]:
                    if ti["state"] in ("success", "skipped"):
                        continue
                    parts.append(f"{run['dag_run_id']} {ti['task_id']}[{ti['map_index']}]: {ti['state']}")
                    pattern = (
                        f"logs/dag_id={DAG_ID}/run_id={run['dag_run_id']}/task_id={ti['task_id']}/**/*.log"
                    )
                    for log in sorted(self.home.glob(pattern)):
                        parts += [f"  {line}" for line in _log_events(log)[-12:]]
        parts += [self.log_tail(name) for name in self.processes]
        return "\n".join(parts)

    # -- REST API ------------------------------------------------------------------------

    @property
    def password(self) -> str:
        generated = self.home / "simple_auth_manager_passwords.json.generated"
        return json.loads(generated.read_text())["admin"]

    def token(self) -> str:
        if self._token is None:
            self._token = self.request(
                "POST", "/auth/token", {"username": "admin", "password": self.password}, auth=False
            )["access_token"]
        return self._token

    def request(self, method: str, path: str, body: Any = None, auth: bool = True) -> Any:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self.token()}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def api(self, method: str, path: str, body: Any = None) -> Any:
        return self.request(method, path, body)

    def runs(self) -> list[dict]:
        return self.api("GET", f"/api/v2/dags/{DAG_ID}/dagRuns?order_by=logical_date&limit=100")["dag_runs"]

    def wait(self, what: str, probe: Callable[[], Any], timeout: float, every: float = 2.0) -> Any:
        """Poll ``probe`` until it returns something truthy; on timeout fail with diagnostics."""
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                if result := probe():
                    return result
            except (urllib.error.URLError, ConnectionError, OSError, KeyError) as exc:
                last_error = exc
            time.sleep(every)
        pytest.fail(
            f"timed out after {timeout:.0f} s waiting for {what} (last error: {last_error})\n"
            + self.diagnostics()
        )


def _log_events(path: Path) -> list[str]:
    """A task log (JSON lines) as "level event: error" lines."""
    events = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            events.append(line)
            continue
        errors = "; ".join(e.get("exc_value", "") for e in record.get("error_detail") or [])
        events.append(f"{record.get('level')} {record.get('event')}" + (f": {errors}" if errors else ""))
    return events


def _create_database() -> tuple[str, Callable[[], None]]:
    from sqlalchemy import create_engine, text

    name = f"pressetl_airflow_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", drop


@pytest.fixture(scope="module")
def airflow(tmp_path_factory) -> Iterator[Airflow]:
    home = tmp_path_factory.mktemp("airflow-home")
    data_dir = home / "data"
    profiles = home / "profiles"
    profiles.mkdir()
    sites = [SITE]  # one site: the 2-CPU CI budget; the DAG tests cover every host group
    for site in sites:  # only the sites under test: the DAG's groups are the profiles' hosts
        shutil.copy(ROOT / "profiles" / f"{site}.yaml", profiles)
    port = _free_port()
    metadata_url, drop_database = _create_database()
    with contextlib.ExitStack() as stack:
        stack.callback(drop_database)
        devsite = stack.enter_context(serve(World(today=TODAY), host="127.0.0.1", port=0))
        inherited = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "PRESSETL_"))}
        env = {
            **inherited,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
            # psycopg 3 is async too; Airflow would otherwise derive an asyncpg URL (not installed)
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": metadata_url,
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__PARALLELISM": "3",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            # Only backfill runs: an unpaused DAG would otherwise also start today's run,
            # against a devsite whose clock stops in 2011.
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
            "PRESSETL_DATA_DIR": str(data_dir),
            "PRESSETL_WAREHOUSE_URL": f"duckdb:///{data_dir / 'warehouse.duckdb'}",
            "PRESSETL_PROFILES_DIR": str(profiles),
            "PRESSETL_POLITE": "0",
            **{_base_url_env(site): devsite.base_url_for(site) for site in sites},
        }
        af = Airflow(
            home=home,
            env=env,
            base_url=f"http://127.0.0.1:{port}",
            data_dir=data_dir,
            warehouse_url=env["PRESSETL_WAREHOUSE_URL"],
            sites=sites,
        )
        timings = af.timings
        started = time.monotonic()
        af.cli("db", "migrate", timeout=300)
        timings["db migrate"] = time.monotonic() - started

        # The pools, as the compose init job creates them (idempotent: `pools import` upserts).
        pools_file = home / "pools.json"
        pools_file.write_text(json.dumps(pool_definitions(profiles, env)))
        af.cli("pools", "import", str(pools_file))
        # The warehouse schema, as the init job sets it up: stages never migrate.
        subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "db", "upgrade"], env=env, check=True, capture_output=True
        )

        stack.callback(af.stop)
        af.start("api-server", "api-server", "--host", "127.0.0.1", "--port", str(port))
        af.start("scheduler", "scheduler")
        af.start("dag-processor", "dag-processor")
        stack.callback(lambda: _print_timings(timings))

        started = time.monotonic()
        af.wait(
            "the API server", lambda: af.request("GET", "/api/v2/monitor/health", auth=False), STARTUP_TIMEOUT
        )
        af.wait("the DAG to be parsed", lambda: _dag_is_parsed(af), STARTUP_TIMEOUT)
        timings["start and parse"] = time.monotonic() - started
        yield af


def _dag_is_parsed(af: Airflow) -> bool:
    try:
        return af.api("GET", f"/api/v2/dags/{DAG_ID}")["dag_id"] == DAG_ID
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return False
        raise


def _print_timings(timings: dict[str, float]) -> None:
    print("\nairflow e2e timings: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()))


def _runs_finished(af: Airflow, count: int) -> list[dict] | None:
    runs = af.runs()
    if len(runs) >= count and all(run["state"] in ("success", "failed") for run in runs):
        return runs
    return None


@pytest.fixture(scope="module")
def backfilled(airflow: Airflow) -> list[dict]:
    """The three days, backfilled the way the runbook says; the finished runs."""
    airflow.cli("dags", "unpause", DAG_ID)
    started = time.monotonic()
    airflow.cli("backfill", "create", "--dag-id", DAG_ID, *BACKFILL_RANGE)
    runs = airflow.wait(
        "the backfill's runs", lambda: _runs_finished(airflow, len(DAYS)), RUNS_TIMEOUT, every=3
    )
    airflow.timings["backfill (3 days)"] = time.monotonic() - started
    failed = [run["dag_run_id"] for run in runs if run["state"] != "success"]
    assert not failed, f"runs failed: {failed}\n{airflow.diagnostics()}"
    return runs


# -- the warehouse ------------------------------------------------------------------------


def _warehouse(af: Airflow, sql: str, **params) -> list:
    from sqlalchemy import create_engine, text

    engine = create_engine(af.warehouse_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).all()
    finally:
        engine.dispose()


def test_backfill_loads_exactly_devsite_ground_truth(airflow, backfilled):
    world = World(today=TODAY)
    # The backfill created one run per day, and each run collected its own day.
    collected = sorted(logical_day(datetime.fromisoformat(run["data_interval_start"])) for run in backfilled)
    assert collected == DAYS
    assert {run["run_type"] for run in backfilled} == {"backfill"}

    for site in airflow.sites:
        for day in DAYS:
            expected = {a.canonical_url: a for a in world.articles_for_day(site, day) if not a.broken}
            rows = _warehouse(
                airflow,
                "SELECT canonical_url, title, published_date FROM articles "
                "WHERE site = :s AND logical_date = :d",
                s=site,
                d=day,
            )
            assert {r.canonical_url for r in rows} == set(expected), (site, day)
            assert all(r.title == expected[r.canonical_url].title for r in rows), (site, day)
            ledger = _warehouse(
                airflow,
                "SELECT status, discovered, loaded, duplicates, quarantined, failed FROM crawl_runs "
                "WHERE site = :s AND logical_date = :d",
                s=site,
                d=day,
            )
            assert [row.status for row in ledger] == ["succeeded"], (site, day, ledger)
            status, discovered, loaded, duplicates, quarantined, failed = ledger[0]
            assert discovered == loaded + duplicates + quarantined + failed
            assert loaded == len(expected)


@pytest.fixture(scope="module")
def rerun(airflow, backfilled) -> tuple[dict, dict]:
    """One site and day re-run the runbook's way; the articles table before and after."""
    before = _articles(airflow)
    run_id = next(
        r["dag_run_id"]
        for r in backfilled
        if logical_day(datetime.fromisoformat(r["data_interval_start"])) == CLEARED_DAY
    )
    load_task = "maghress.site.load"
    tries_before = _try_number(airflow, run_id, load_task)

    # An operator re-runs one site and day: clear its crawl and everything after it. (Airflow
    # 3.3 matches --task-regex as a plain substring, apache/airflow#72941: this id works both
    # ways.)
    started = time.monotonic()
    airflow.cli(
        "tasks",
        "clear",
        DAG_ID,
        "--task-regex",
        "maghress.site.crawl",
        "--downstream",
        "--start-date",
        CLEARED_DAY.isoformat(),
        "--end-date",
        f"{CLEARED_DAY.isoformat()}T23:59",
        "--yes",
    )
    airflow.wait(
        "the clear to reset the run (did it match no task?)",
        lambda: (
            _run_state(airflow, run_id) != "success" or _try_number(airflow, run_id, load_task) > tries_before
        ),
        60,
        every=1,
    )
    airflow.wait(
        "the cleared tasks to run again",
        lambda: (
            _try_number(airflow, run_id, load_task) > tries_before
            and _run_state(airflow, run_id) == "success"
        ),
        RUNS_TIMEOUT,
        every=3,
    )
    airflow.timings["clear and re-run one day"] = time.monotonic() - started
    assert [r["state"] for r in airflow.runs()] == ["success"] * len(DAYS)
    return before, _articles(airflow)


# What an article is: a re-run must not change any of it.
CONTENT = ("logical_date", "publication_slug", "title", "body", "published_date", "content_hash")


def test_a_cleared_task_reruns_and_changes_no_article(airflow, rerun):
    before, after = rerun
    assert after["rows"].keys() == before["rows"].keys()
    assert after["versions"] == before["versions"]  # no new article version
    changed = _differences(before, after, CONTENT)
    assert not changed, changed


def test_a_cleared_task_leaves_the_articles_table_byte_identical(airflow, rerun):
    """docs/decisions.md: re-running a day leaves the articles table byte-identical."""
    before, after = rerun
    changed = _differences(before, after, None)
    print(f"\narticles changed by the re-run: {changed}")
    assert not changed, changed


def _articles(af: Airflow) -> dict:
    from sqlalchemy import create_engine, text

    engine = create_engine(af.warehouse_url)
    try:
        with engine.connect() as conn:
            result = conn.execute(text("SELECT * FROM articles ORDER BY site, canonical_url"))
            columns = list(result.keys())
            rows = {(r.site, r.canonical_url): dict(zip(columns, r, strict=True)) for r in result.all()}
            versions = conn.execute(text("SELECT count(*) FROM article_versions")).scalar_one()
    finally:
        engine.dispose()
    return {"rows": rows, "versions": versions}


def _differences(before: dict, after: dict, columns: tuple[str, ...] | None) -> dict[str, list]:
    """Column -> the first few (article, before, after) that differ."""
    changed: dict[str, list] = {}
    for key, row in before["rows"].items():
        other = after["rows"].get(key, {})
        for column in columns or row:
            if row.get(column) != other.get(column):
                changed.setdefault(column, []).append((key[1], row.get(column), other.get(column)))
    return {
        column: pairs[:3] + ([f"... {len(pairs)} rows"] if len(pairs) > 3 else [])
        for column, pairs in changed.items()
    }


def _try_number(af: Airflow, run_id: str, task_id: str) -> int:
    instances = af.api("GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{task_id}/listMapped")
    done = [ti for ti in instances["task_instances"] if ti["state"] == "success"]
    return (
        min((ti["try_number"] for ti in done), default=0)
        if len(done) == len(instances["task_instances"])
        else 0
    )


def _run_state(af: Airflow, run_id: str) -> str:
    return af.api("GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}")["state"]


# -- monitoring -------------------------------------------------------------------------------


def test_health_endpoint_reports_the_components_healthy(airflow):
    health = airflow.request("GET", "/api/v2/monitor/health", auth=False)
    assert health["metadatabase"]["status"] == "healthy"
    assert health["scheduler"]["status"] == "healthy"
    assert health["dag_processor"]["status"] == "healthy"


def test_pools_exist_per_aggregator_host_and_for_the_warehouse(airflow):
    pools = {p["name"]: p["slots"] for p in airflow.api("GET", "/api/v2/pools")["pools"]}
    assert pools["pressetl_warehouse"] == 1
    for site in airflow.sites:
        assert pools[host_pool(site.split("-")[0])] == 1


def test_ui_grid_shows_the_mapped_site_tasks_green(airflow, backfilled, tmp_path):
    run_id = backfilled[-1]["dag_run_id"]
    with Chromium(tmp_path / "chromium") as browser:
        browser.navigate(f"{airflow.base_url}/")
        browser.wait_for("document.querySelector('input[name=\"username\"]') !== null", "the login form")
        browser.type_into('input[name="username"]', "admin")
        browser.type_into('input[name="password"]', airflow.password)
        browser.evaluate("document.querySelector('button[type=\"submit\"]').click()")
        browser.wait_for("!location.pathname.startsWith('/auth/')", "the login to go through")

        # The mapped per-site instances of one run: labelled with the site, in success.
        for task_id in ("maghress.site.crawl", "maghress.site.load"):
            browser.navigate(f"{airflow.base_url}/dags/{DAG_ID}/runs/{run_id}/tasks/{task_id}/mapped")
            browser.wait_for(f"document.body.innerText.includes({SITE!r})", f"{task_id}'s mapped instances")
            text = browser.evaluate("document.body.innerText")
            assert "success" in text.lower(), text[:2000]

        # The grid: every run green, the host groups expanded down to the mapped tasks.
        browser.navigate(f"{airflow.base_url}/dags/{DAG_ID}")
        browser.wait_for("document.body.innerText.includes('maghress')", "the grid")
        browser.expand_all_groups()
        row = "document.querySelector('[data-task-id=\"maghress.site.{}\"]') !== null"
        for stage in ("crawl", "transform", "validate", "load"):
            browser.wait_for(row.format(stage), f"the grid row of maghress.site.{stage}")
        time.sleep(1.5)  # let the grid finish painting before the screenshot
        shot = tmp_path / "airflow-grid.png"
        shot.write_bytes(browser.screenshot())

    # The REST API, same login, corroborates what the grid shows.
    for run in airflow.runs():
        mapped = airflow.api(
            "GET",
            f"/api/v2/dags/{DAG_ID}/dagRuns/{run['dag_run_id']}/taskInstances/maghress.site.crawl/listMapped",
        )["task_instances"]
        assert [(ti["rendered_map_index"], ti["state"]) for ti in mapped] == [(SITE, "success")]
    assert shot.stat().st_size > 10_000
    # To refresh the screenshot kept in the repository:
    #   PRESSETL_SCREENSHOTS=docs/screenshots .venv/bin/pytest tests/test_airflow_e2e.py
    if os.environ.get("PRESSETL_SCREENSHOTS"):
        target = Path(os.environ["PRESSETL_SCREENSHOTS"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, target / SCREENSHOT.name)


# -- a small DevTools-protocol client for headless Chromium ---------------------------------------------


class Chromium:
    """Headless Debian chromium driven over the DevTools protocol (no Playwright here)."""

    def __init__(self, profile: Path, width: int = 1600, height: int = 1000) -> None:
        self.profile = profile
        self.size = (width, height)
        self._ids = itertools.count(1)

    def __enter__(self) -> Chromium:
        from websockets.sync.client import connect

        self.profile.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--no-default-browser-check",
                f"--user-data-dir={self.profile}",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                f"--window-size={self.size[0]},{self.size[1]}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=(self.profile / "chromium.log").open("w"),
            start_new_session=True,
        )
        active = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (active.is_file() and len(active.read_text().splitlines()) >= 2):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise AssertionError(
                    "chromium did not start:\n" + (self.profile / "chromium.log").read_text()
                )
            time.sleep(0.1)
        port = int(active.read_text().splitlines()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            page = next(t for t in json.loads(response.read()) if t["type"] == "page")
        self._stack = contextlib.ExitStack()
        self.ws = self._stack.enter_context(
            connect(page["webSocketDebuggerUrl"], max_size=64 * 1024 * 1024, open_timeout=10)
        )
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": self.size[0], "height": self.size[1], "deviceScaleFactor": 1, "mobile": False},
        )
        return self

    def __exit__(self, *exc) -> None:
        with contextlib.suppress(Exception):
            self._stack.close()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def send(self, method: str, params: dict | None = None, timeout: float = 30) -> dict:
        message_id = next(self._ids)
        self.ws.send(json.dumps({"id": message_id, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if message.get("id") == message_id:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression: str) -> Any:
        result = self.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True}
        )
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def navigate(self, url: str) -> None:
        self.send("Page.navigate", {"url": url})
        self.wait_for("document.readyState === 'complete'", f"{url} to load")

    def wait_for(self, condition: str, what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(AssertionError):
                if self.evaluate(f"Boolean({condition})"):
                    return
            time.sleep(0.25)
        text = self.evaluate("document.body ? document.body.innerText.slice(0, 1500) : ''")
        raise AssertionError(f"timed out waiting for {what}; the page shows:\n{text}")

    def type_into(self, selector: str, text: str) -> None:
        """Focus the field and type, as a user would (React sees real input events)."""
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        self.send("Input.insertText", {"text": text})

    def expand_all_groups(self) -> None:
        """Open every task group of the grid with its "Expand all task groups" button."""
        button = "document.querySelector('[data-testid=\"expand-all-button\"]')"
        self.wait_for(f"{button} !== null && !{button}.disabled", "the grid's expand-all button")
        self.evaluate(f"{button}.click()")

    def screenshot(self) -> bytes:
        return base64.b64decode(self.send("Page.captureScreenshot", {"format": "png"})["data"])
