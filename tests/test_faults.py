"""Nothing lost (issue 13): one day of two sites, every devsite fault at once, ``pressetl run``
killed by SIGKILL in each of its stages and run again, as an operator would, until it succeeds.

maghress-fr loads into a DuckDB file; djazairess-ar (Arabic, its layout drifted, so the operator
loads it with ``--override-quality``) into PostgreSQL. Each day is played twice
(``fault_harness.chain``): the reference, one run never killed; and the killed history, a first
night with listing pages down (red, and saying why), then one kill in each stage at a seeded
random point of it, back to back, then runs until one succeeds. The reference has no outage
night: where the day ends must not depend on its history. Both sites play at once, a core each.
(The bench adds a night with the whole site down and, for the drifted site, one without
``--override-quality`` that the gate stops.)

The checks (``fault_checks``) then read the final state: every discovered URL in exactly one
outcome, the ledger reconciling with those outcomes, devsite's ground truth, and the killed
warehouse the same as the reference on its stable columns. ``bench/bench_faults.py`` kills more
and reports the figures.
"""

from __future__ import annotations

import random
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from fault_checks import (
    Outcomes,
    differences,
    ground_truth_problems,
    ledger_problems,
    read_outcomes,
    run_rows,
    snapshot,
)
from fault_harness import STAGES, Chain, Scenario, Warehouses, plan_scenario, play

from core.manifests import crawl_manifest

TODAY = date(2011, 2, 11)
DAY = date(2011, 2, 10)
SEED = 13
SITES = {"maghress-fr": "duckdb", "djazairess-ar": "postgresql"}  # site -> warehouse
DRIFTED = "djazairess-ar"
# No shipped profile follows source links; this one does (a copy of the profiles), so that the
# publishers' pages and the articles sharing one (devsite's shared_source fault) are crawled too.
FOLLOWS = "maghress-fr"


@dataclass
class Played:
    scenario: Scenario
    chains: dict[str, Chain]  # "reference" (never killed), "killed"
    outcomes: dict[str, Outcomes]
    status: dict[str, subprocess.CompletedProcess]  # `pressetl status` the morning after


def _play(site: str, places: dict[str, tuple[Path, str]]) -> Played:
    rng = random.Random(f"{SEED}-{site}")
    scenario = plan_scenario(site, DAY, TODAY, rng, drift=site == DRIFTED, source_follow=site == FOLLOWS)
    chains = play(scenario, places, {"killed": {"every_stage": True}}, rng)
    outcomes, status = {}, {}
    for label, (data_dir, url) in places.items():
        outcomes[label] = read_outcomes(data_dir, url, site, DAY)
        status[label] = chains[label].operator.status()
    return Played(scenario, chains, outcomes, status)


@pytest.fixture(scope="module")
def played(tmp_path_factory) -> dict[str, Played]:
    root = tmp_path_factory.mktemp("faults")
    warehouses = Warehouses()
    try:
        places: dict[str, dict[str, tuple[Path, str]]] = {}
        for site, kind in SITES.items():
            places[site] = {}
            for label in ("reference", "killed"):
                data_dir = root / site / label / "data"
                data_dir.mkdir(parents=True)
                places[site][label] = (data_dir, warehouses.new(kind, data_dir))
        with ThreadPoolExecutor(len(SITES)) as pool:
            futures = {site: pool.submit(_play, site, places[site]) for site in SITES}
            yield {site: future.result() for site, future in futures.items()}
    finally:
        warehouses.close()


def _runs(played: Played, label: str) -> str:
    return "\n".join(
        f"run {r.number}: aimed at {r.aimed_at}, killed in {r.killed_in}, exit {r.returncode}, "
        f"{r.seconds:.1f} s\n{r.tail(4)}"
        for r in played.chains[label].runs
    )


@pytest.mark.parametrize("site", SITES)
def test_the_first_night_is_red_and_says_which_listing_pages_failed(played, site):
    first = played[site].chains["killed"].runs[0]
    assert first.returncode == 1 and first.killed_in is None
    outage = played[site].scenario.outage
    said = " ".join(first.tail(20).split())
    why = f"crawl of {site} {DAY} incomplete: {len(outage)} discovery page(s) failed"
    assert why in said
    # the ledger says it too, in one line: the morning's `pressetl status`
    (row,) = run_rows(played[site].chains["killed"].operator.warehouse_url, first.run_id)
    assert (row["status"], row["failed_stage"]) == ("failed", "crawl") and why in row["error"]


@pytest.mark.parametrize("label", ["reference", "killed"])
def test_the_publishers_pages_were_followed(played, label):
    operator = played[FOLLOWS].chains[label].operator
    manifest = crawl_manifest(operator.partition)
    assert manifest.source_followed > 0  # (after a kill, from the pages earlier runs archived)
    # the articles that share their publisher's home as source are loaded (the aggregator's copy)
    scenario, outcomes = played[FOLLOWS].scenario, played[FOLLOWS].outcomes[label]
    shared = {
        a.path
        for a in scenario.world().articles_for_day(FOLLOWS, DAY)
        if a.shared_source and not (a.broken or a.truncated or a.path in scenario.faults.status_by_path)
    }
    assert len(shared) > 1 and shared - set(outcomes.transient) <= set(outcomes.loaded)


@pytest.mark.parametrize("site", SITES)
def test_every_stage_was_killed_and_the_next_run_recovered(played, site):
    killed = played[site].chains["killed"]
    counts = killed.killed_in()
    assert all(counts[stage] >= 1 for stage in STAGES), (counts, _runs(played[site], "killed"))
    assert killed.recovered, _runs(played[site], "killed")
    # once the last kill is behind it, the very next run succeeds
    after = killed.runs[killed.runs.index(killed.kills[-1]) + 1 :]
    assert [r.succeeded for r in after] == [True], _runs(played[site], "killed")
    assert played[site].chains["reference"].recovered, _runs(played[site], "reference")


@pytest.mark.parametrize("label", ["reference", "killed"])
@pytest.mark.parametrize("site", SITES)
def test_every_discovered_url_has_exactly_one_outcome(played, site, label):
    outcomes = played[site].outcomes[label]
    assert outcomes.discovered and outcomes.problems() == []
    assert outcomes.lost == []


@pytest.mark.parametrize("label", ["reference", "killed"])
@pytest.mark.parametrize("site", SITES)
def test_the_ledger_reconciles_with_the_outcomes(played, site, label):
    operator = played[site].chains[label].operator
    outcomes = played[site].outcomes[label]
    assert ledger_problems(outcomes, operator.warehouse_url, site, DAY) == []
    status = played[site].status[label]
    assert status.returncode == 0 and DAY.isoformat() in status.stdout, status.stdout + status.stderr


@pytest.mark.parametrize("label", ["reference", "killed"])
@pytest.mark.parametrize("site", SITES)
def test_devsite_ground_truth(played, site, label):
    assert ground_truth_problems(played[site].scenario, played[site].outcomes[label]) == []


@pytest.mark.parametrize("site", SITES)
def test_the_killed_warehouse_is_the_one_never_killed(played, site):
    outcomes = played[site].outcomes
    # an article a rate limit refused on every try is compared nowhere (see fault_checks)
    skip = {*outcomes["reference"].transient, *outcomes["killed"].transient}
    shots = {
        label: snapshot(played[site].chains[label].operator.warehouse_url, site, DAY, skip)
        for label in ("reference", "killed")
    }
    assert shots["reference"]["articles"], "the reference loaded nothing"
    assert differences(shots["reference"], shots["killed"]) == {}


# -- the checks themselves (no runs) ----------------------------------------------------------


@pytest.mark.parametrize("site", SITES)
def test_the_day_has_every_fault_at_once(site):
    scenario = plan_scenario(site, DAY, TODAY, random.Random(f"{SEED}-{site}"), drift=site == DRIFTED)
    counts = scenario.fault_counts()
    hit = {
        "broken",
        "slow",
        "truncated",
        "wrong_charset",
        "shared_source",
        "HTTP 500",
        "HTTP 404",
        "HTTP 503",
    }
    assert all(counts[kind] >= 1 for kind in hit), counts
    assert counts["listing pages down the first night"] == 3 and scenario.faults.rate_limit
    assert (counts["drifted"] > 0) == (site == DRIFTED) == scenario.override
    assert set(scenario.outage.values()) == {500, 503, 404}


def test_the_checks_see_a_lost_url_a_url_twice_and_a_changed_row():
    urls = {"/a/1", "/a/2", "/a/3", "/a/4", "/a/5"}
    outcomes = Outcomes(
        discovered=urls,
        fetched=dict.fromkeys(urls, ""),
        loaded={"/a/1": {}, "/a/4": {}},
        quarantined={"/a/4": "expect_column_values_to_not_be_null(title)"},
        failed={"/a/2": "HTTP 500", "/a/9": ""},
        recorded={
            "/a/1": ("loaded", None),
            "/a/2": ("failed", "HTTP 500"),
            "/a/4": ("loaded", None),
            "/a/5": ("duplicate", "same article as /a/1"),
        },
    )
    assert outcomes.lost == ["/a/3"]
    assert outcomes.ambiguous == {"/a/4": ["loaded", "quarantined"]}
    assert outcomes.unexplained == ["/a/9"] and outcomes.strays == ["/a/9"]
    assert set(outcomes.disagreeing) == {"/a/3", "/a/4", "/a/9"}
    assert outcomes.figures()["duplicates"] == 1
    assert len(outcomes.problems()) == 7
    found = differences(
        {"articles": {("x", 1)}, "sites": {("s",)}}, {"articles": {("x", 2)}, "sites": {("s",)}}
    )
    assert list(found) == ["articles"] and found["articles"]["counts"] == (1, 1)
