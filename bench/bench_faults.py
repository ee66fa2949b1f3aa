"""Nothing lost: every devsite fault at once, ``pressetl run`` SIGKILLed again and again in every
stage and run again until it succeeds; what was lost (must be nothing), and what it took.

    .venv/bin/python bench/bench_faults.py            # prints the tables
    .venv/bin/python bench/bench_faults.py --write    # and updates its section of bench/RESULTS.md

The harness is the test suite's (``tests/fault_harness.py``, ``tests/fault_checks.py``; the test
is ``tests/test_faults.py``). One day (2011-02-10) of each site: maghress-fr into a DuckDB
file, djazairess-ar (Arabic, its layout drifted) into PostgreSQL; both sites at once. The faults,
for every night: broken, slow (``--slow-seconds``), truncated and wrong-charset articles, a rate
limit (every ``--rate-limit``th request answered 429), a forced 500, 404 and 503 on three
article pages, articles whose source link is their publisher's home (maghress-fr follows source
links, from a copy of its profile), drift on djazairess-ar. Each site is played three times:

- the reference: one run, never killed;
- back to back: the site down (503) the first night, three listing pages down (500, 503, 404)
  the next, for the drifted site a night without ``--override-quality`` (the gate stops it), then
  ``--kills`` kills in each stage in a seeded random order, each at a random point of its stage
  (a fraction of the stage's window in the reference run), the operator's re-run killed in turn,
  then runs until one succeeds;
- recover after each: the same, but every kill followed by runs until one succeeds, so that
  later kills hit re-runs of a day already loaded.

Every history is then checked as the test does: every discovered URL in exactly one outcome
(loaded, quarantined, failed with a reason), the ledger reconciling with them, devsite's ground
truth, and the warehouse the same as the reference's on its stable columns.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

TODAY = date(2011, 2, 11)
DAY = date(2011, 2, 10)
SITES = {"maghress-fr": "duckdb", "djazairess-ar": "postgresql"}
DRIFTED = "djazairess-ar"
FOLLOWS = "maghress-fr"  # follows source links (a copy of the profiles), as in the test
HISTORIES = {
    "back to back": {"down_night": True, "every_stage": True},
    "recover after each": {"down_night": True, "every_stage": True, "recover_each": True},
}
SECTION = "## Faults: every devsite fault at once, runs killed in every stage"


def play_site(site: str, places, args, say) -> dict:
    from fault_checks import differences, ground_truth_problems, ledger_problems, read_outcomes, snapshot
    from fault_harness import plan_scenario, play

    rng = random.Random(f"{args.seed}-{site}")
    scenario = plan_scenario(
        site,
        DAY,
        TODAY,
        rng,
        drift=site == DRIFTED,
        slow_seconds=args.slow_seconds,
        rate_limit=args.rate_limit,
        source_follow=site == FOLLOWS,
    )
    histories = {
        label: {**options, "per_stage": args.kills, "drift_night": scenario.override}
        for label, options in HISTORIES.items()
    }

    def note(label: str, run) -> None:
        landed = f"killed in {run.killed_in}" if run.killed_in else f"exit {run.returncode}"
        aimed = f", aimed at {run.aimed_at} +{run.kill_after:.2f} s" if run.aimed_at else ""
        say(f"{site} {label} run {run.number}{aimed}: {landed} ({run.seconds:.1f} s)")

    chains = play(scenario, places, histories, rng, on_run=note)
    outcomes = {label: read_outcomes(d, url, site, DAY) for label, (d, url) in places.items()}
    skip = {p for o in outcomes.values() for p in o.transient}
    shots = {label: snapshot(url, site, DAY, skip) for label, (_, url) in places.items()}
    rows = []
    for label, found in outcomes.items():
        data_dir, url = places[label]
        history = chains[label]
        status = history.operator.status()
        rows.append(
            {
                "site": site,
                "warehouse": SITES[site],
                "history": label,
                "runs": len(history.runs),
                "killed_in": history.killed_in(),
                "red": [_why(r) for r in history.runs if r.killed_in is None and not r.succeeded],
                "recovered": history.recovered,
                "worst recovery": _worst_recovery(history),
                "outcomes": found.figures(),
                "transient": len(found.transient),
                "problems": found.problems(),
                "ledger": ledger_problems(found, url, site, DAY)
                + ([] if status.returncode == 0 else [f"pressetl status exit {status.returncode}"]),
                "ground truth": ground_truth_problems(scenario, found),
                "differences": differences(shots["reference"], shots[label]) if label != "reference" else {},
                "leftovers": _leftovers(data_dir),
            }
        )
    return {"scenario": scenario, "rows": rows}


def _why(run) -> str:
    tail = re.sub(r"http://127\.0\.0\.1:\d+", "", " ".join(run.tail(12).split()))
    for sign in ("incomplete:", "layout drift suspected", "crashed", "failed:"):
        if sign in tail:
            return tail[tail.index(sign) :][:80]
    return tail[-80:]


def _worst_recovery(history) -> int:
    """The most runs the operator needed after a kill before one succeeded."""
    worst, since = 0, None
    for run in history.runs:
        if run.killed_in is not None:
            since = since or 0
        elif since is not None:
            since += 1
            if run.succeeded:
                worst, since = max(worst, since), None
    return worst if since is None else -1  # -1: the last kill was never recovered from


def _leftovers(data_dir: Path) -> int:
    """Temporary files killed stages left in the zones (never read, never cleaned)."""
    return sum(
        1
        for zone in ("raw", "staged", "validated", "quarantine")
        for path in (data_dir / zone).rglob(".*")
        if path.is_file() and path.name.endswith((".tmp", ".part"))
    )


def report(results: list[dict], command: str, seconds: float, args) -> str:
    fault_rows = []
    for result in results:
        s = result["scenario"]
        c = s.fault_counts()
        fault_rows.append(
            f"| {s.site} | {c['broken']} | {c['slow']} ({s.faults.slow_seconds:g} s) | {c['truncated']} | "
            f"{c['wrong_charset']} | {c['shared_source'] if s.source_follow else '(not followed)'} | "
            f"{c['HTTP 500']} / {c['HTTP 404']} / {c['HTTP 503']} | "
            f"1 in {s.faults.rate_limit} | {c['drifted']} | "
            f"{', '.join(f'`{p}` {v}' for p, v in s.outage.items())} |"
        )
    run_rows = [_row(row) for result in results for row in result["rows"]]
    kills = {}
    for result in results:
        for row in result["rows"]:
            for stage, n in row["killed_in"].items():
                kills[stage] = kills.get(stage, 0) + n
    lost = sum(row["outcomes"]["lost"] for result in results for row in result["rows"])
    problems = [
        (row["site"], row["history"], kind, item)
        for result in results
        for row in result["rows"]
        for kind in ("problems", "ledger", "ground truth")
        for item in row[kind]
    ]
    differing = [
        (row["site"], row["history"], table)
        for result in results
        for row in result["rows"]
        for table in row["differences"]
    ]
    killed = ", ".join(f"{stage} {n}" for stage, n in kills.items())
    findings = [f"- {site} {history}, {kind}: {item}" for site, history, kind, item in problems]
    findings += [
        f"- {site} {history}: `{table}` differs from the reference" for site, history, table in differing
    ]
    return f"""{SECTION}

Reproduce: `{command}` ({seconds:.0f} s, seed {args.seed}). One day ({DAY}) per site, devsite with
every fault below on every night, `pressetl run` as an operator types it (politeness off), killed
by SIGKILL of its process group (the CLI and its crawl child) at a seeded random point of a
stage: a fraction (0.1–0.7) of that stage's window in a run never killed, counted from the
moment the stage begins its work in the killed run (the crawl: its child opens its WARC file;
the transform, validation and load: the previous stage's manifest appears; the load's window is
the first half of its ledger row's start to finish, since a re-run of a day already loaded has
nothing to rewrite and loads faster). Where a kill landed is read back from the manifests and
the ledger ("after commit": the load had committed). maghress-fr follows source links (a copy
of its profile with `source_follow.enabled`; no shipped profile does), so its publishers' pages,
and the articles whose link is the publisher's home, are crawled too. The outcomes are read
from the warehouse's tables and from its per-URL record (`url_outcomes`), which must agree. The
test (`tests/test_faults.py`, one kill per stage) runs the same harness.

Faults (articles of the day hit; listing pages down on the outage night only):

{_head(FAULT_COLUMNS)}
{chr(10).join(fault_rows)}

{_head(RUN_COLUMNS)}
{chr(10).join(run_rows)}

Kills survived: {killed}. **Articles lost: {lost}.** Every discovered URL in exactly one outcome,
the ledger reconciling with them, devsite's ground truth, and the warehouse as the reference's:
{"all hold." if not findings else "NOT ALL HOLD:"}
{chr(10).join(findings)}
"""


# (heading, numeric: right-aligned)
FAULT_COLUMNS = (
    ("site", False),
    ("broken", True),
    ("slow", True),
    ("truncated", True),
    ("wrong charset", True),
    ("source link = publisher's home", True),
    ("HTTP 500 / 404 / 503", True),
    ("rate limit (429)", False),
    ("drifted", True),
    ("listing pages down", False),
)
RUN_COLUMNS = (
    ("site (warehouse)", False),
    ("history", False),
    ("runs", True),
    ("killed in crawl / transform / validate / load / after commit", False),
    ("red nights (not killed)", False),
    ("most runs to recover", True),
    ("discovered", True),
    ("loaded", True),
    ("quarantined", True),
    ("failed", True),
    ("failed on a 429 (last try)", True),
    ("lost", True),
    ("leftover temp files", True),
    ("vs reference", False),
)


def _head(columns) -> str:
    names = " | ".join(name for name, _ in columns)
    rule = "|".join("---:" if numeric else "---" for _, numeric in columns)
    return f"| {names} |\n|{rule}|"


def _row(row: dict) -> str:
    o = row["outcomes"]
    k = row["killed_in"]
    kills = " / ".join(str(k[stage]) for stage in ("crawl", "transform", "validate", "load", "after-commit"))
    red = "; ".join(row["red"]) or "—"
    differs = ", ".join(row["differences"]) or ("same" if row["history"] != "reference" else "—")
    recovery = row["worst recovery"] if row["recovered"] else "never recovered"
    return (
        f"| {row['site']} ({row['warehouse']}) | {row['history']} | {row['runs']} | {kills} | {red} | "
        f"{recovery} | {o['discovered']} | {o['loaded']} | {o['quarantined']} | {o['failed']} | "
        f"{row['transient']} | {o['lost']} | {row['leftovers']} | {differs} |"
    )


def write_section(text: str, section: str) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    current = path.read_text(encoding="utf-8")
    heading = f"\n{section}\n"  # the whole line: another section's heading may start the same
    if heading in current:
        start = current.index(heading) + 1
        following = current.find("\n## ", start + len(section))
        current = current[:start] + text + (current[following + 1 :] if following != -1 else "")
    else:
        current = current.rstrip("\n") + "\n\n" + text
    path.write_text(current, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--write", action="store_true", help="update this bench's section of bench/RESULTS.md"
    )
    parser.add_argument("--kills", type=int, default=3, help="kills per stage in each killed history")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--sites", default=",".join(SITES), help="comma-separated, of " + ", ".join(SITES))
    parser.add_argument("--rate-limit", type=int, default=20, help="every Nth request answered 429")
    parser.add_argument("--slow-seconds", type=float, default=0.3)
    args = parser.parse_args(argv)
    sites = [s for s in args.sites.split(",") if s]
    if unknown := set(sites) - set(SITES):
        parser.error(f"unknown sites {sorted(unknown)}; choose among {sorted(SITES)}")
    from fault_harness import Warehouses

    started = time.perf_counter()

    def say(line: str) -> None:
        print(f"[{time.perf_counter() - started:6.0f} s] {line}", flush=True)

    warehouses = Warehouses()
    with tempfile.TemporaryDirectory(prefix="pressetl-faults-") as tmp:
        try:
            places = {}
            for site in sites:
                places[site] = {}
                for label in ("reference", *HISTORIES):
                    data_dir = Path(tmp) / site / label.replace(" ", "-") / "data"
                    data_dir.mkdir(parents=True)
                    places[site][label] = (data_dir, warehouses.new(SITES[site], data_dir))
            with ThreadPoolExecutor(len(sites)) as pool:
                futures = [pool.submit(play_site, site, places[site], args, say) for site in sites]
                results = [future.result() for future in futures]
        finally:
            warehouses.close()
    command = ".venv/bin/python bench/bench_faults.py"
    for flag, default in (("kills", 3), ("seed", 13), ("rate_limit", 20), ("slow_seconds", 0.3)):
        if getattr(args, flag) != default:
            command += f" --{flag.replace('_', '-')} {getattr(args, flag)}"
    command += f" --sites {args.sites}" if sites != list(SITES) else ""
    text = report(results, command + " --write", time.perf_counter() - started, args)
    print(text)
    if args.write:
        write_section(text, SECTION)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
