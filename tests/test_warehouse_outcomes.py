"""warehouse/outcomes.py: the load settles what became of every discovered URL, writes it to
``url_outcomes`` in the load's transaction, and the ledger's counts are tallied from it: a URL
that no stage accounted for makes the day not reconcile, and is named."""

from __future__ import annotations

from pathlib import Path

import test_warehouse_support as support
from sqlalchemy import Engine
from test_warehouse_support import SITE, T0, T1, article, counts_for, partition, rows, write_partition

from core.outcomes import UrlOutcome
from core.records import LedgerCounts
from warehouse.ledger import ledger
from warehouse.loader import load_partition

data_dir, engine, pg_database, wh_url = support.data_dir, support.engine, support.pg_database, support.wh_url

FAILED = "https://maghress.com/fr/hespress/9001"
REPEAT = "https://maghress.com/fr/hespress/9002"


def _day(staged: list[dict], quarantined: list[dict], lost: list[str] = ()) -> list[UrlOutcome]:
    """The transform's outcomes: every staged row, one failed fetch, one duplicate URL, and
    staged URLs the quality gate then wrote nowhere (``lost``)."""
    return [
        *(UrlOutcome(url=row["url"], outcome="staged") for row in staged + quarantined),
        *(UrlOutcome(url=url, outcome="staged") for url in lost),
        UrlOutcome(url=FAILED, outcome="failed", reason="HTTP 503"),
        UrlOutcome(url=REPEAT, outcome="duplicate", reason=f"same article as {staged[0]['url']}"),
    ]


def _outcomes(engine: Engine) -> dict[str, tuple[str, str | None]]:
    return {r["url"]: (r["outcome"], r["reason"]) for r in rows(engine, "url_outcomes", site=SITE)}


def test_every_url_gets_one_outcome_and_the_ledger_is_tallied_from_them(engine: Engine, data_dir: Path):
    part = partition(data_dir)
    loaded = [article(i) for i in range(6)]
    # the same canonical URL under another URL: loaded once, the other a duplicate of it
    again = article(0, url="https://www.maghress.com/fr/hespress/1000?utm_source=x")
    held = article(40)
    write_partition(
        part,
        [*loaded, again],
        quarantined=[(held, ["title too short"])],
        outcomes=_day([*loaded, again], [held]),
    )

    result = load_partition(engine, part, "run-1", counts_for(0, duplicates=0), T0, finished_at=T1)

    assert result == LedgerCounts(discovered=10, fetched=9, failed=1, duplicates=2, quarantined=1, loaded=6)
    assert result.reconciles
    outcomes = _outcomes(engine)
    assert len(outcomes) == 10
    assert {url for url, (o, _) in outcomes.items() if o == "loaded"} == {row["url"] for row in loaded}
    assert outcomes[again["url"]] == ("duplicate", f"same article as {loaded[0]['url']}")
    assert outcomes[held["url"]] == ("quarantined", "title too short")
    assert outcomes[FAILED] == ("failed", "HTTP 503")
    [run] = ledger(engine)
    assert (run["discovered"], run["loaded"], run["reconciles"]) == (10, 6, True)


def test_a_url_no_stage_accounted_for_makes_the_day_not_reconcile(engine: Engine, data_dir: Path):
    part = partition(data_dir)
    loaded = [article(i) for i in range(4)]
    lost = "https://maghress.com/fr/lematin/7777"
    write_partition(part, loaded, outcomes=[*_day(loaded, [], [lost])])

    result = load_partition(engine, part, "run-1", counts_for(0, duplicates=0), T0, finished_at=T1)

    assert (result.discovered, result.loaded, result.reconciles) == (7, 4, False)
    assert _outcomes(engine)[lost] == ("unaccounted", "staged, then neither loaded nor quarantined")
    [run] = ledger(engine)
    assert run["reconciles"] is False


def test_a_reload_replaces_the_days_outcomes(engine: Engine, data_dir: Path):
    part = partition(data_dir)
    first = [article(i) for i in range(5)]
    write_partition(part, first, outcomes=_day(first, []))
    load_partition(engine, part, "run-1", counts_for(0, duplicates=0), T0, finished_at=T1)
    fewer = first[:3]
    write_partition(part, fewer, outcomes=_day(fewer, []))
    load_partition(engine, part, "run-2", counts_for(0, duplicates=0), T0, finished_at=T1)
    stored = rows(engine, "url_outcomes", site=SITE)
    assert len(stored) == 5 and {r["run_id"] for r in stored} == {"run-2"}
