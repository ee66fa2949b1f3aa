"""warehouse/locks.py: one run at a time per (site, day), on DuckDB and PostgreSQL; racing
acquirers (threads and processes), lease expiry, re-entrance, release, the heartbeat."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
import test_warehouse_support as support
from sqlalchemy import Engine

from core.errors import LockLost, PartitionBusy, WarehouseSchemaError
from warehouse import locks
from warehouse.engine import make_engine

# The fixtures these tests take.
data_dir, engine, pg_database, wh_url = support.data_dir, support.engine, support.pg_database, support.wh_url

ROOT = Path(__file__).resolve().parents[1]
SITE, DAY = "maghress-fr", date(2011, 2, 9)
LEASE = 300.0
WAIT = 60.0  # the most a condition below is waited for (it normally holds in well under a second)


def expire(engine: Engine, site: str = SITE, day: date = DAY) -> None:
    """What time does to a holder that stopped renewing (killed): its lease is over."""
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE partition_locks SET expires_at = acquired_at - INTERVAL '1 second' "
                "WHERE site = :site AND logical_date = :day"
            ),
            {"site": site, "day": day},
        )


def rows(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        found = conn.execute(sa.text("SELECT site, logical_date, run_id FROM partition_locks"))
        return [tuple(r) for r in found]


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.01)


def test_a_free_partition_is_taken_and_another_run_is_refused_with_who_and_since(engine: Engine) -> None:
    mine = locks.acquire(engine, SITE, DAY, "run-a", LEASE, holder="h1:1")
    assert (mine.run_id, mine.holder) == ("run-a", "h1:1")
    assert mine.expires_at > mine.acquired_at

    with pytest.raises(PartitionBusy) as refused:
        locks.acquire(engine, SITE, DAY, "run-b", LEASE, holder="h2:2")
    since = mine.acquired_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    assert str(refused.value) == f"maghress-fr 2011-02-09 is being processed by run run-a since {since}"
    assert (refused.value.run_id, refused.value.holder) == ("run-a", "h1:1")
    assert locks.current(engine, SITE, DAY) == mine  # the refusal changed nothing

    # other partitions are other locks
    other_day = locks.acquire(engine, SITE, date(2011, 2, 10), "run-b", LEASE, holder="h2:2")
    other_site = locks.acquire(engine, "djazairess-fr", DAY, "run-b", LEASE, holder="h2:2")
    assert other_day.run_id == other_site.run_id == "run-b"


def test_the_same_run_takes_it_again_and_the_earlier_holder_loses_it(engine: Engine) -> None:
    """An Airflow retry of a run: same run id, another process."""
    first = locks.acquire(engine, SITE, DAY, "run-a", LEASE, holder="worker1:10")
    retry = locks.acquire(engine, SITE, DAY, "run-a", LEASE, holder="worker2:20")
    assert (retry.run_id, retry.holder) == ("run-a", "worker2:20")
    assert retry.acquired_at == first.acquired_at  # "since": when the run first took it
    assert retry.expires_at >= first.expires_at

    assert locks.renew(engine, SITE, DAY, "run-a", LEASE, holder="worker1:10") is None
    assert locks.release(engine, SITE, DAY, "run-a", holder="worker1:10") is False
    assert locks.current(engine, SITE, DAY).holder == "worker2:20"
    renewed = locks.renew(engine, SITE, DAY, "run-a", LEASE, holder="worker2:20")
    assert renewed is not None and renewed.expires_at >= retry.expires_at


def test_an_expired_lease_is_taken_over_and_its_holder_cannot_renew_it(engine: Engine) -> None:
    locks.acquire(engine, SITE, DAY, "killed", LEASE, holder="h1:1")
    with pytest.raises(PartitionBusy):
        locks.acquire(engine, SITE, DAY, "next", LEASE, holder="h2:2")  # live: refused
    expire(engine)
    taken = locks.acquire(engine, SITE, DAY, "next", LEASE, holder="h2:2")
    assert (taken.run_id, taken.holder) == ("next", "h2:2")
    assert taken.expires_at > locks.database_now(engine)

    # the old holder, come back to life, has nothing any more
    assert locks.renew(engine, SITE, DAY, "killed", LEASE, holder="h1:1") is None
    assert locks.release(engine, SITE, DAY, "killed", holder="h1:1") is False
    with pytest.raises(PartitionBusy, match="is being processed by run next since"):
        locks.acquire(engine, SITE, DAY, "killed", LEASE, holder="h1:1")


def test_release_frees_the_partition_for_the_next_run(engine: Engine) -> None:
    locks.acquire(engine, SITE, DAY, "run-a", LEASE, holder="h1:1")
    assert locks.release(engine, SITE, DAY, "run-b", holder="h2:2") is False  # not its lock
    assert locks.release(engine, SITE, DAY, "run-a", holder="h1:1") is True
    assert locks.current(engine, SITE, DAY) is None and rows(engine) == []
    assert locks.acquire(engine, SITE, DAY, "run-b", LEASE, holder="h2:2").run_id == "run-b"


def test_threads_racing_for_one_partition_leave_one_winner(engine: Engine) -> None:
    barrier = threading.Barrier(8)
    outcomes: dict[int, str] = {}

    def race(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i] = "won:" + locks.acquire(engine, SITE, DAY, f"run-{i}", LEASE, holder=f"h:{i}").run_id
        except PartitionBusy as exc:
            outcomes[i] = f"refused:{exc.run_id}"

    threads = [threading.Thread(target=race, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [o for o in outcomes.values() if o.startswith("won:")]
    assert len(outcomes) == 8 and len(winners) == 1, outcomes
    winner = winners[0].removeprefix("won:")
    assert sorted(o for o in outcomes.values() if o.startswith("refused:")) == [f"refused:{winner}"] * 7
    assert rows(engine) == [(SITE, DAY, winner)]


RACER = """
import json, sys, time
from datetime import date
from pathlib import Path
from core.errors import PartitionBusy
from warehouse import locks
from warehouse.engine import make_engine

url, run_id, go = sys.argv[1], sys.argv[2], Path(sys.argv[3])
engine = make_engine(url)
print("ready", flush=True)
while not go.exists():
    time.sleep(0.001)
try:
    won = locks.acquire(engine, "maghress-fr", date(2011, 2, 9), run_id, 300.0)
    print(json.dumps({"run_id": run_id, "won": True, "holder": won.holder}), flush=True)
except PartitionBusy as exc:
    print(json.dumps({"run_id": run_id, "won": False, "by": exc.run_id}), flush=True)
finally:
    engine.dispose()
"""


def test_processes_racing_for_one_partition_leave_one_winner(engine: Engine, wh_url: str, tmp_path) -> None:
    """Six processes released at once; on DuckDB they also meet each other's file lock."""
    go = tmp_path / "go"
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, wh_url, f"proc-{i}", str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for i in range(6)
    ]
    engine.dispose()  # this process keeps no DuckDB connection open meanwhile
    try:
        for racer in racers:
            assert racer.stdout.readline().strip() == "ready"
        go.touch()
        results = []
        for racer in racers:
            out, err = racer.communicate(timeout=120)
            assert racer.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for racer in racers:
            if racer.poll() is None:
                racer.kill()
    winners = [r for r in results if r["won"]]
    assert len(winners) == 1, results
    winner = winners[0]["run_id"]
    assert all(r["by"] == winner for r in results if not r["won"])
    held = locks.current(engine, SITE, DAY)
    assert (held.run_id, held.holder) == (winner, winners[0]["holder"])


def test_hold_renews_the_lease_while_the_block_runs_and_releases_it_after(wh_url: str, engine: Engine):
    with locks.hold(wh_url, SITE, DAY, "run-a", 0.6) as held:
        first = held.row.expires_at
        wait_for(lambda: locks.current(engine, SITE, DAY).expires_at > first, "a renewal")
        assert locks.current(engine, SITE, DAY).holder == locks.this_holder()
        held.check()  # still ours
    assert locks.current(engine, SITE, DAY) is None


def test_hold_is_reentrant_for_one_run_in_one_process(wh_url: str, engine: Engine) -> None:
    with locks.hold(wh_url, SITE, DAY, "run-a", LEASE) as outer:
        with locks.hold(wh_url, SITE, DAY, "run-a", LEASE) as inner:  # run_partition → run_stage
            assert inner is outer and rows(engine) == [(SITE, DAY, "run-a")]
        assert rows(engine) == [(SITE, DAY, "run-a")]  # the inner block does not release it
        with (
            pytest.raises(PartitionBusy, match="is being processed by run run-a since"),
            locks.hold(wh_url, SITE, DAY, "run-b", LEASE),
        ):
            pass
    assert rows(engine) == []


def test_hold_says_when_another_run_took_the_partition_over(wh_url: str, engine: Engine) -> None:
    """The heartbeat finds its lease gone (it lapsed: the process was stopped, the database
    away) and another run holding the partition: ``check()`` says so."""
    with locks.hold(wh_url, SITE, DAY, "slow", 0.6) as held:
        expire(engine)
        locks.acquire(engine, SITE, DAY, "fast", LEASE, holder="other:1")
        wait_for(lambda: held.lost is not None, "the heartbeat to notice")
        with pytest.raises(LockLost) as lost:
            held.check()
    message = str(lost.value)
    assert message.startswith("maghress-fr 2011-02-09: run slow lost its lock")
    assert "run fast (other:1) has it since" in message
    assert locks.current(engine, SITE, DAY).run_id == "fast"  # the loser's exit released nothing


def test_a_heartbeat_that_could_not_beat_for_a_lease_asks_the_database(wh_url: str, engine: Engine) -> None:
    """A starved heartbeat thread (or a database away for a while): ``check()`` finds out
    from the row whether the lock is still this run's."""
    with locks.hold(wh_url, SITE, DAY, "run-a", LEASE) as held:
        before = held.row.expires_at
        held._renewed -= 2 * LEASE  # as if its last renewal were two leases ago
        held.check()  # nobody took it: renewed, still ours
        assert held.lost is None and locks.current(engine, SITE, DAY).expires_at > before

        expire(engine)
        locks.acquire(engine, SITE, DAY, "run-b", LEASE, holder="other:1")
        held._renewed -= 2 * LEASE
        with pytest.raises(LockLost, match="run run-a lost its lock.*run run-b \\(other:1\\) has it"):
            held.check()
    assert locks.current(engine, SITE, DAY).run_id == "run-b"


def test_hold_on_a_warehouse_at_another_revision_says_what_to_run(wh_url: str) -> None:
    from warehouse import migrate

    with (
        pytest.raises(WarehouseSchemaError, match=r"no revision \(empty database\).*pressetl db upgrade"),
        locks.hold(wh_url, SITE, DAY, "run-a", LEASE),
    ):
        pass
    if wh_url.startswith("duckdb"):
        assert not Path(sa.engine.make_url(wh_url).database).exists()  # checking created nothing
    migrate.upgrade(wh_url, "0005")
    with (
        pytest.raises(WarehouseSchemaError, match=f"schema at 0005, code expects {migrate.head()}"),
        locks.hold(wh_url, SITE, DAY, "run-a", LEASE),
    ):
        pass


HOLD_FILE = "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('locked', flush=True); "
HOLD_FILE += "sys.stdin.read()"


def test_on_duckdb_an_acquire_waits_for_another_process_to_let_go_of_the_file(
    tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    from conftest import migrated_warehouse

    url = migrated_warehouse(f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_FILE, str(tmp_path / "warehouse.duckdb")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    outcome: list = []
    try:
        assert holder.stdout.readline().strip() == "locked"  # e.g. another run's load
        eng = make_engine(url)
        with caplog.at_level("INFO", logger="warehouse.locks"):
            acquirer = threading.Thread(
                target=lambda: outcome.append(locks.acquire(eng, SITE, DAY, "run-a", LEASE, holder="h:1"))
            )
            acquirer.start()
            wait_for(lambda: "warehouse file locked by another process" in caplog.text, "a retry")
            holder.stdin.close()  # the other process is done with the file
            holder.wait(timeout=30)
            acquirer.join(timeout=WAIT)
        assert [row.run_id for row in outcome] == ["run-a"]
        eng.dispose()
    finally:
        if holder.poll() is None:
            holder.kill()
