"""Fault injection for ``pressetl run`` (issue 13, "Nothing lost"): the faults, the operator who
runs the day again, and the kills. Shared by ``tests/test_faults.py`` and
``bench/bench_faults.py`` (no tests here); what must hold afterwards is in ``fault_checks``.

One day of one site is served by devsite with every fault at once (``plan_scenario``): broken,
slow, truncated and wrong-charset articles, articles whose source link is their publisher's home
(shared by many: seen when the crawl follows source links), a rate limit, forced 500/404/503 on a
few article pages, layout drift for the drifted site, and a few listing pages down (500/503/404)
during the first night only (``DevServer.set_faults`` brings them back). An ``Operator`` runs the same
``pressetl run`` command again and again, never cleaning anything, as someone would after a red
night. ``Operator.run(kill=...)`` SIGKILLs the command's process group (the CLI and its crawl
child) inside one stage. Each stage publishes its manifest last (``crawl.json``,
``transform.json``, ``validation.json``), so a stage is known to have begun when the previous
one's manifest appears (the crawl: when its child opens its WARC file; before, it imports), and
the kill comes a seeded random fraction of the stage's window in a run never killed later (the
load's window: its ledger row's start and finish). Where it really landed is read afterwards
from the manifests and the ledger (``Run.killed_in``).

``chain`` is one day's history: the night of the outage, then the kills back to back (each
re-run is the operator's "run again", and may be killed in turn), then re-runs until one
succeeds. The same chain without kills is the reference the warehouse is compared with.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

import yaml

from core.manifests import crawl_manifest, transform_manifest, validation_manifest
from core.partitions import Partition
from core.profiles import load_profile
from core.settings import REPO_ROOT
from devsite import Faults, World, serve

STAGES = ("crawl", "transform", "validate", "load")
AFTER_COMMIT = "after-commit"  # the kill came after the load's commit: the run had succeeded
# The crawl child opened its WARC file: the spider is fetching (before it, the child imports).
FETCHING = "fetching"
# What a stage's window is counted from: the mark of the moment it begins its work.
BEGINS = {"crawl": FETCHING, "transform": "crawl", "validate": "transform", "load": "validate"}
# The per-(site, day) lock (issue 13 (a)) gives a run a lease that a killed run never renews nor
# releases: a short one, so that the operator's re-run, once it has expired, takes the day over.
# Passed to every run (unused until the lock lands); after a kill the operator waits it out.
LEASE_ENV = "PRESSETL_LOCK_LEASE_SECONDS"
LEASE_SECONDS = 3.0
POLL_SECONDS = 0.01
RUN_TIMEOUT = 300.0
PRESSETL = Path(sys.executable).with_name("pressetl")


# -- the faults --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """One site and day, its faults for every night, and the listing pages down the first night."""

    site: str
    day: date
    today: date
    faults: Faults
    outage: dict[str, int]  # listing page (request target) -> status, the first night only
    override: bool = False  # drifted layout: the operator loads the day with --override-quality
    source_follow: bool = False  # the publisher's page behind the source link is fetched too

    @property
    def first_night(self) -> Faults:
        return replace(self.faults, status_by_path={**self.faults.status_by_path, **self.outage})

    def world(self, faults: Faults | None = None) -> World:
        return World(today=self.today, faults=faults or self.faults)

    def fault_counts(self) -> dict[str, int]:
        """Articles of the day hit by each fault (listing pages for the outage)."""
        articles = self.world().articles_for_day(self.site, self.day)
        forced = self.faults.status_by_path
        counts = {flag: sum(getattr(a, flag) for a in articles) for flag in _FLAGS}
        for status in sorted(set(forced.values())):
            counts[f"HTTP {status}"] = sum(forced.get(a.path) == status for a in articles)
        counts["drifted"] = len(articles) if self.faults.drifted(self.site) else 0
        counts["listing pages down the first night"] = len(self.outage)
        return counts


_FLAGS = ("broken", "slow", "truncated", "wrong_charset", "shared_source")


def plan_scenario(
    site: str,
    day: date,
    today: date,
    rng: random.Random,
    *,
    drift: bool = False,
    shares: float = 0.06,
    slow_seconds: float = 0.3,
    rate_limit: int = 20,
    source_follow: bool = False,
) -> Scenario:
    """Every devsite fault at once on (site, day); the pages a status is forced on drawn by ``rng``.

    ``rate_limit``: every Nth request is refused (429, Retry-After: 1). An article refused on
    all of its four tries fails for the night; at 1 in 20 that is rare enough for a test.
    """
    clean = World(today=today)
    articles = clean.articles_for_day(site, day)
    forced = dict(zip((a.path for a in rng.sample(articles, 3)), (500, 404, 503), strict=True))
    faults = Faults(
        broken_share=shares,
        slow_share=2 * shares,
        slow_seconds=slow_seconds,
        truncated_share=shares,
        wrong_charset_share=2 * shares,
        shared_source_share=2 * shares,  # seen by a crawl that follows source links
        rate_limit=rate_limit,
        status_by_path=forced,
        drift_sites=frozenset({site}) if drift else frozenset(),
    )
    return Scenario(
        site, day, today, faults, _outage(clean, site, day, rng), override=drift, source_follow=source_follow
    )


def _outage(world: World, site: str, day: date, rng: random.Random) -> dict[str, int]:
    """Three listing pages the day's walk must read, each on its own publication: 500, 503, 404."""
    urls = load_profile(REPO_ROOT / "profiles", site).urls
    walked: dict[str, list[str]] = {}
    for slug in sorted({a.publication_slug for a in world.articles_for_day(site, day)}):
        pages, number = [], 1
        while (listing := world.listing(site, slug, number)) is not None:
            pages.append(
                urls.listing.format(publication=slug)
                if number == 1
                else urls.listing_page.format(publication=slug, page=number)
            )
            if not listing.has_next or min(a.published_date for a in listing.articles) < day:
                break
            number += 1
        walked[slug] = pages
    slugs = rng.sample(sorted(walked), 3)
    deeper = max(slugs, key=lambda s: len(walked[s]))  # a page beyond the first, where there is one
    slugs.remove(deeper)
    return {walked[slugs[0]][0]: 500, walked[deeper][-1]: 503, walked[slugs[1]][0]: 404}


# -- the operator ------------------------------------------------------------------------------


@dataclass
class Run:
    number: int
    override: bool
    aimed_at: str | None = None  # the stage the kill was meant for
    kill_after: float | None = None  # seconds after the stage's BEGINS mark
    killed_in: str | None = None  # where the kill landed: a stage, or AFTER_COMMIT
    returncode: int | None = None  # None: killed
    seconds: float = 0.0
    marks: dict[str, float] = field(default_factory=dict)  # stage (or FETCHING) -> seconds to it
    # seconds after the launch at which the load began and wrote its ledger row (its ledger row's
    # started_at and finished_at): the load's transaction, short beside the process's exit
    load: tuple[float, float] | None = None
    run_id: str | None = None
    log: Path | None = None

    @property
    def succeeded(self) -> bool:
        return self.returncode == 0

    def tail(self, lines: int = 6) -> str:
        text = self.log.read_text(errors="replace") if self.log and self.log.is_file() else ""
        return "\n".join(text.splitlines()[-lines:])

    def windows(self) -> dict[str, tuple[float, float]]:
        """Per stage of a run that succeeded: (seconds from its ``BEGINS`` mark to its work; the
        seconds of that work): the crawl's fetching, the transform, the validation, the load's
        transaction."""
        assert self.load is not None, f"run {self.number} did not load"
        found = {s: (0.0, self.marks[s] - self.marks[BEGINS[s]]) for s in STAGES[:-1]}
        begun, wrote = self.load
        # half of it: a re-run of a day already loaded has nothing to rewrite, its load is faster
        found["load"] = (begun - self.marks["validate"], (wrote - begun) / 2)
        return found


class Operator:
    """Runs ``pressetl run`` for one (site, day) in a process group of its own, the same command
    each night, nothing cleaned in between; ``runs`` is what happened."""

    def __init__(self, scenario: Scenario, server, data_dir: Path, warehouse_url: str, label: str = ""):
        self.scenario = scenario
        self.server = server
        self.data_dir = data_dir
        self.warehouse_url = warehouse_url
        self.label = label or scenario.site
        self.partition = Partition(scenario.site, scenario.day, data_dir)
        self.runs: list[Run] = []
        self._killed_at: float | None = None
        self.logs = data_dir.parent / f"{data_dir.name}-logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PRESSETL_")},
            "PRESSETL_DATA_DIR": str(data_dir),
            "PRESSETL_WAREHOUSE_URL": warehouse_url,
            "PRESSETL_POLITE": "0",  # devsite is ours
            LEASE_ENV: str(LEASE_SECONDS),
            "COLUMNS": "200",
        }
        if scenario.source_follow:
            self.env["PRESSETL_PROFILES_DIR"] = str(_following_profiles(data_dir.parent, scenario.site))
            self.env["PRESSETL_PUBLISHER_URLS"] = ",".join(
                f"{host}={url}" for host, url in server.publisher_base_urls.items()
            )

    def command(self, override: bool) -> list[str]:
        s = self.scenario
        command = [str(PRESSETL), "run", "--site", s.site, "--date", s.day.isoformat()]
        command += ["--base-url", self.server.base_url_for(s.site)]
        return command + ["--override-quality"] if override else command

    def status(self) -> subprocess.CompletedProcess:
        """``pressetl status`` for the site, as the operator reads it in the morning."""
        command = [str(PRESSETL), "status", "--site", self.scenario.site]
        return subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=120)

    def run(self, kill: tuple[str, float] | None = None, override: bool | None = None) -> Run:
        """One night: ``kill`` = (stage, seconds after the stage began) SIGKILLs the process group."""
        override = self.scenario.override if override is None else override
        if self._killed_at is not None:  # the killed run's lease runs out first
            time.sleep(max(0.0, self._killed_at + LEASE_SECONDS + 0.5 - time.monotonic()))
            self._killed_at = None
        run = Run(len(self.runs) + 1, override)
        if kill is not None:
            run.aimed_at, run.kill_after = kill
        run.log = self.logs / f"run-{run.number:02d}.log"
        before = self._observe()
        started, wall = time.monotonic(), time.time()
        with run.log.open("w") as log:
            child = subprocess.Popen(
                self.command(override),
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir.parent,
                start_new_session=True,  # its own process group: the crawl child dies with it
            )
            killed = False
            try:
                killed = self._watch(child, run, before, started)
            finally:
                if child.poll() is None and not killed:
                    os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        run.seconds = time.monotonic() - started
        self._note_marks(run, before, run.seconds)
        run.run_id = self._run_id(run)
        if killed:
            self._killed_at = time.monotonic()
            run.killed_in = self._landed(run)
        else:
            run.returncode = child.returncode
            if run.succeeded and run.run_id:
                run.load = self._load_times(run.run_id, wall)
        self.runs.append(run)
        return run

    def _watch(self, child, run: Run, before, started: float) -> bool:
        deadline = None
        while child.poll() is None:
            now = time.monotonic() - started
            if now > RUN_TIMEOUT:
                raise TimeoutError(f"{self.label}: run {run.number} still running after {RUN_TIMEOUT:.0f} s")
            self._note_marks(run, before, now)
            if run.aimed_at is not None and deadline is None:
                begun = run.marks.get(BEGINS[run.aimed_at])
                if begun is not None:
                    deadline = begun + run.kill_after
            if deadline is not None and now >= deadline:
                try:
                    os.killpg(child.pid, signal.SIGKILL)
                except ProcessLookupError:  # it ended on its own meanwhile
                    return False
                return True
            time.sleep(POLL_SECONDS)
        return False

    def _observe(self) -> dict[str, object]:
        """What each mark is read from: a stage's manifest (replaced when the stage ends), the
        names in the WARC directory (a new one when the crawl child opens its file)."""
        p = self.partition
        found: dict[str, object] = {
            stage: _stamp(path)
            for stage, path in (
                ("crawl", p.crawl_manifest),
                ("transform", p.transform_manifest),
                ("validate", p.validation_manifest),
            )
        }
        found[FETCHING] = frozenset(os.listdir(p.warc_dir)) if p.warc_dir.is_dir() else frozenset()
        return found

    def _note_marks(self, run: Run, before: dict[str, object], now: float) -> None:
        for mark, seen in self._observe().items():
            if mark in run.marks:
                continue
            if mark == FETCHING and seen <= before[mark]:  # renamed at the crawl's end: not new
                continue
            if seen != before[mark]:
                run.marks[mark] = now

    def _run_id(self, run: Run) -> str | None:
        for stage, read in (
            ("validate", validation_manifest),
            ("transform", transform_manifest),
            ("crawl", crawl_manifest),
        ):
            if stage in run.marks:
                manifest = read(self.partition)
                return manifest.run_id if manifest is not None else None
        return None

    def _landed(self, run: Run) -> str:
        for stage in STAGES[:-1]:
            if stage not in run.marks:
                return stage
        return AFTER_COMMIT if run.run_id and self.committed(run.run_id) else "load"

    def committed(self, run_id: str) -> bool:
        """The run's ledger row is in the warehouse: its load committed."""
        return self._ledger_row(run_id) is not None

    def _load_times(self, run_id: str, wall: float) -> tuple[float, float] | None:
        row = self._ledger_row(run_id)
        if row is None:
            return None
        return tuple(_utc(moment).timestamp() - wall for moment in (row.started_at, row.finished_at))

    def _ledger_row(self, run_id: str):
        from sqlalchemy import text

        from warehouse.engine import make_engine

        engine = make_engine(self.warehouse_url)
        try:
            with engine.connect() as conn:
                query = "SELECT started_at, finished_at FROM crawl_runs WHERE run_id = :r AND status = :s"
                return conn.execute(text(query), {"r": run_id, "s": "succeeded"}).first()
        finally:
            engine.dispose()  # a DuckDB file takes one process at a time


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns


def _following_profiles(root: Path, site: str) -> Path:
    """A copy of the shipped profiles with source follow on for ``site``."""
    profiles = root / "profiles"
    if not profiles.is_dir():
        shutil.copytree(REPO_ROOT / "profiles", profiles)
        path = profiles / f"{site}.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["source_follow"]["enabled"] = True
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return profiles


# -- one day's history -------------------------------------------------------------------------


def kill_plan(rng: random.Random, per_stage: int = 1, low: float = 0.1, high: float = 0.7) -> list:
    """(stage, fraction of its duration) for ``per_stage`` kills in each stage, in a random order."""
    plan = [(stage, rng.uniform(low, high)) for stage in STAGES for _ in range(per_stage)]
    rng.shuffle(plan)
    return plan


@dataclass
class Chain:
    operator: Operator
    runs: list[Run]

    @property
    def kills(self) -> list[Run]:
        return [r for r in self.runs if r.killed_in is not None]

    @property
    def recovered(self) -> bool:
        return bool(self.runs) and self.runs[-1].succeeded

    def killed_in(self) -> dict[str, int]:
        counts = dict.fromkeys((*STAGES, AFTER_COMMIT), 0)
        for run in self.kills:
            counts[run.killed_in] += 1
        return counts


def chain(
    operator: Operator,
    plan: Sequence[tuple[str, float]] = (),
    windows: dict[str, tuple[float, float]] | None = None,
    *,
    outage: bool = True,
    down_night: bool = False,
    every_stage: bool = False,
    drift_night: bool = False,
    recover_each: bool = False,
    recoveries: int = 4,
    on_run: Callable[[Run], None] | None = None,
) -> Chain:
    """The day's nights: with ``down_night`` first one with the whole site down (503), with
    ``outage`` one with a few listing pages down (each run fails, saying why), with ``drift_night`` one
    without --override-quality (the gate stops the drifted day), then one killed run per ``plan``
    entry, back to back (``recover_each``: each followed by runs until one succeeds, so that
    later kills hit re-runs of a day already loaded), then runs until one succeeds (at most
    ``recoveries`` each time).

    ``every_stage``: a stage whose kill landed elsewhere (the stage ran faster this time) is
    aimed at again, earlier in it, until every stage was killed once (twice more at most each).
    """
    server, scenario = operator.server, operator.scenario
    note = on_run or (lambda run: None)
    nights = [replace(scenario.faults, down=True)] if down_night else []
    nights += [scenario.first_night] if outage else []
    for faults in nights:
        server.set_faults(faults)
        try:
            note(operator.run(override=False))
        finally:
            server.set_faults(scenario.faults)
    if drift_night:
        note(operator.run(override=False))
    pending = list(plan)
    retries = dict.fromkeys(STAGES, 2 if every_stage else 0)
    while pending:
        stage, fraction = pending.pop(0)
        assert windows is not None, "kills need the stage windows of a run that was not killed"
        begin, length = windows[stage]
        run = operator.run(kill=(stage, begin + fraction * length))
        note(run)
        if stage not in {r.killed_in for r in operator.runs} and retries[stage] > 0:
            retries[stage] -= 1
            pending.insert(0, (stage, fraction / 2))
        if recover_each and pending:
            _recover(operator, recoveries, note)
    _recover(operator, recoveries, note)
    return Chain(operator, list(operator.runs))


def _recover(operator: Operator, tries: int, note: Callable[[Run], None]) -> None:
    for _ in range(tries):
        run = operator.run()
        note(run)
        if run.succeeded:
            return


def play(
    scenario: Scenario,
    places: dict[str, tuple[Path, str]],
    histories: dict[str, dict],
    rng: random.Random,
    on_run: Callable[[str, Run], None] | None = None,
) -> dict[str, Chain]:
    """The reference (one run, never killed) in ``places["reference"]`` (data dir, warehouse URL),
    then each killed history (label -> ``chain`` keywords, ``per_stage`` kills in each stage) in
    its own place, the kills placed in the reference run's stage windows; one devsite server."""
    chains: dict[str, Chain] = {}
    note = on_run or (lambda label, run: None)
    with serve(scenario.world()) as server:
        for label, (data_dir, url) in places.items():
            operator = Operator(scenario, server, data_dir, url, label=f"{scenario.site} {label}")
            if label == "reference":
                chains[label] = chain(operator, outage=False, on_run=lambda run: note("reference", run))
                continue
            options = dict(histories[label])
            plan = kill_plan(rng, options.pop("per_stage", 1))
            windows = chains["reference"].runs[-1].windows()
            chains[label] = chain(
                operator, plan, windows, on_run=lambda run, label=label: note(label, run), **options
            )
    return chains


class Warehouses:
    """Warehouses at head, as ``pressetl db upgrade`` leaves them: DuckDB files, or PostgreSQL
    databases of their own on 127.0.0.1:5432, dropped by ``close``. Made before any thread
    starts: Alembic's context is process-global."""

    def __init__(self) -> None:
        self.databases: list[str] = []

    def new(self, kind: str, data_dir: Path) -> str:
        from conftest import migrated_warehouse

        if kind == "duckdb":
            return migrated_warehouse(f"duckdb:///{data_dir / 'warehouse.duckdb'}")
        name = f"pressetl_faults_{uuid.uuid4().hex[:10]}"
        self._admin(f'CREATE DATABASE "{name}"')
        self.databases.append(name)
        return migrated_warehouse(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")

    def close(self) -> None:
        while self.databases:
            self._admin(f'DROP DATABASE IF EXISTS "{self.databases.pop()}" WITH (FORCE)')

    @staticmethod
    def _admin(statement: str) -> None:
        from conftest import PG_ADMIN_URL
        from sqlalchemy import create_engine, text

        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(statement))
        finally:
            engine.dispose()
