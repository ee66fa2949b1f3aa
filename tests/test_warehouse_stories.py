"""warehouse/stories.py and clusters.py: stories linked at load time, the same whatever order days
load in; a later copy merges earlier clusters, a changed text splits them; loads of one site
never overlap."""

from __future__ import annotations

import random
import threading
import zlib
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import test_warehouse_support as support
from sqlalchemy import Engine, delete
from sqlalchemy import event as sa_event
from test_warehouse_support import DAY, T0, T1, article, counts_for, partition, rows, stories, write_partition

from transforms.near_duplicates import cluster
from warehouse.fingerprint import fingerprints
from warehouse.loader import load_partition
from warehouse.models import Base

# The fixtures these tests take.
data_dir, engine, pg_database, wh_url = support.data_dir, support.engine, support.pg_database, support.wh_url

WORDS = [f"{stem}{n}" for stem in ("ville", "accord", "budget", "route") for n in range(500)]
STORY_TABLES = ("story_signatures", "story_links", "story_clusters")


def words(story: int, count: int = 40) -> list[str]:
    return random.Random(f"wire-{story}").choices(WORDS, k=count)


def text(*parts: list[str]) -> str:
    return " ".join(word for part in parts for word in part) + "."


def copy(n: int, day: date, body: str, **changes: Any) -> dict[str, Any]:
    """Article ``n`` (``article(n)``'s publication and URL) on ``day``, with ``body``."""
    return article(n, day=day, body=body, content_hash=f"hash-{n}-{zlib.crc32(body.encode()):08x}", **changes)


def load(engine: Engine, data_dir: Path, day: date, articles: list[dict[str, Any]], run: str = "run") -> None:
    part = partition(data_dir, day)
    write_partition(part, articles)
    load_partition(
        engine, part, f"{run}-{day}", counts_for(len(articles)), T0, finished_at=T1, stories=stories()
    )


def clusters_of(engine: Engine) -> dict[str, tuple[str | None, bool | None]]:
    return {r["canonical_url"]: (r["cluster_id"], r["is_representative"]) for r in rows(engine, "articles")}


def state(engine: Engine) -> dict[str, Any]:
    """What order must not change: the articles' clusters and the story tables, as sets."""
    out: dict[str, Any] = {"articles": sorted(clusters_of(engine).items())}
    for name in STORY_TABLES:
        out[name] = sorted(tuple(row.values()) for row in rows(engine, name))
    return out


def wipe(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            conn.execute(delete(table))


# --- merging and splitting ---------------------------------------------------------------

D1, D2 = DAY, DAY + timedelta(days=1)
X, Y = words(1), words(2)
A, B, C = 0, 1, 2  # hespress/1000, lematin/1001, aujourdhui/1002


def url(n: int) -> str:
    return article(n)["canonical_url"]


@pytest.mark.parametrize("order", ["in order", "newest first"])
def test_a_later_day_linking_two_earlier_clusters_merges_them(
    engine: Engine, data_dir: Path, order: str
) -> None:
    days = {D1: [copy(A, D1, text(X)), copy(B, D1, text(Y))], D2: [copy(C, D2, text(X, Y))]}
    loading = [D1, D2] if order == "in order" else [D2, D1]
    load(engine, data_dir, loading[0], days[loading[0]])
    if order == "in order":  # two stories, each its own cluster
        assert clusters_of(engine) == {url(A): (url(A), True), url(B): (url(B), True)}
    load(engine, data_dir, loading[1], days[loading[1]])

    # C carries both texts: one story now, named after its earliest member (A: D1, smaller URL than B)
    assert clusters_of(engine) == {url(A): (url(A), True), url(B): (url(A), False), url(C): (url(A), False)}
    assert [(r["site"], r["url_a"], r["url_b"]) for r in rows(engine, "story_links")] == sorted(
        [(support.SITE, *sorted((url(A), url(C)))), (support.SITE, *sorted((url(B), url(C))))]
    )
    assert [
        (c["cluster_id"], c["representative_url"], c["members"], c["first_seen"], c["last_seen"])
        for c in rows(engine, "story_clusters")
    ] == [(url(A), url(A), 3, D1, D2)]


def test_a_changed_text_splits_the_cluster_it_had_joined(engine: Engine, data_dir: Path) -> None:
    load(engine, data_dir, D1, [copy(A, D1, text(X)), copy(B, D1, text(Y))])
    load(engine, data_dir, D2, [copy(C, D2, text(X, Y))])
    merged = state(engine)
    # C corrected: the story of A alone. B is a story of its own again.
    load(engine, data_dir, D2, [copy(C, D2, text(X[:35], ["(MAP)"]))], run="rerun")
    assert clusters_of(engine) == {url(A): (url(A), True), url(B): (url(B), True), url(C): (url(A), False)}
    assert [(r["url_a"], r["url_b"]) for r in rows(engine, "story_links")] == [
        tuple(sorted((url(A), url(C))))
    ]
    assert {c["cluster_id"]: c["members"] for c in rows(engine, "story_clusters")} == {url(A): 2, url(B): 1}
    # and back: the same state as the first time
    load(engine, data_dir, D2, [copy(C, D2, text(X, Y))])
    assert state(engine) == merged


def test_a_text_too_short_to_compare_has_no_cluster_and_leaves_its_story(
    engine: Engine, data_dir: Path
) -> None:
    load(engine, data_dir, D1, [copy(A, D1, text(X)), copy(B, D1, text(X[:38]))])
    assert clusters_of(engine) == {url(A): (url(A), True), url(B): (url(A), False)}
    load(engine, data_dir, D1, [copy(A, D1, text(X)), copy(B, D1, "Trop court.")], run="rerun")
    assert clusters_of(engine) == {url(A): (url(A), True), url(B): (None, None)}
    assert [r["canonical_url"] for r in rows(engine, "story_signatures")] == [url(A)]
    assert rows(engine, "story_links") == []


def test_an_older_day_loaded_after_a_newer_one_keeps_the_newer_signature(
    engine: Engine, data_dir: Path
) -> None:
    # Article A was listed on D1 with one text, and on D2 with another, a copy of C's story.
    older = [copy(A, D1, text(X))]
    newer = [copy(A, D2, text(Y), published_date=D1), copy(C, D2, text(Y[:36]))]
    results = []
    for days in (
        [(D1, older), (D2, newer)],
        [(D2, newer), (D1, older)],
        [(D1, older), (D2, newer), (D1, older)],
    ):
        wipe(engine)
        for day, articles in days:
            load(engine, data_dir, day, articles)
        results.append(state(engine))
    assert results[0] == results[1] == results[2]
    assert clusters_of(engine) == {url(A): (url(A), True), url(C): (url(A), False)}


def test_copies_further_apart_than_the_span_are_not_linked(engine: Engine, data_dir: Path) -> None:
    span = stories().span_days
    load(engine, data_dir, D1, [copy(A, D1, text(X))])
    load(engine, data_dir, D1 + timedelta(days=span), [copy(B, D1 + timedelta(days=span), text(X[:38]))])
    load(
        engine, data_dir, D1 + timedelta(days=span + 1), [copy(C, D1 + timedelta(days=span + 1), text(X[2:]))]
    )
    # A–B are span days apart: linked. A–C are further apart: not linked, but B–C are: one story.
    assert [(r["url_a"], r["url_b"]) for r in rows(engine, "story_links")] == sorted(
        [tuple(sorted((url(A), url(B)))), tuple(sorted((url(B), url(C))))]
    )
    assert set(clusters_of(engine).values()) == {(url(A), True), (url(A), False)}


def test_a_story_that_recurs_every_day_is_walked_in_a_few_steps(engine: Engine, data_dir: Path) -> None:
    """A daily report whose every edition copies most of the day before's: one cluster from its
    first edition on, and a load walks it through cluster ids, not one link a day."""
    text_of = random.Random("daily").choices(WORDS, k=200)
    editions = [
        (DAY + timedelta(days=k), copy(100 + k, DAY + timedelta(days=k), text(text_of[3 * k : 3 * k + 40])))
        for k in range(20)
    ]
    walked = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO PRESSETL_STORY_NODES"):
            walked[-1] += 1

    for day, edition in editions:
        walked.append(0)
        sa_event.listen(engine, "before_cursor_execute", count)
        try:
            load(engine, data_dir, day, [edition])
        finally:
            sa_event.remove(engine, "before_cursor_execute", count)
    first = url(100)
    assert clusters_of(engine) == {url(100 + k): (first, k == 0) for k in range(20)}
    assert max(walked) <= 4, walked


# --- any order ---------------------------------------------------------------------------


def week() -> tuple[dict[date, list[dict[str, Any]]], dict[str, str]]:
    """Seven days of articles, and what each is (story number, ``own`` or ``bridge``): stories
    whose copies run over up to three days, a copy on most days carrying two stories, articles
    of their own, an article listed again on a later day."""
    days: dict[date, list[dict[str, Any]]] = {DAY + timedelta(days=n): [] for n in range(7)}
    labels: dict[str, str] = {}
    n = 0
    for story in range(12):
        first = DAY + timedelta(days=story % 5)
        for offset in range(story % 4 + 1):
            day = first + timedelta(days=min(offset, 2))
            days[day].append(copy(n, day, text(words(100 + story)[offset:], ["(MAP)"] * offset)))
            labels[url(n)] = f"story {story}"
            n += 1
    for number, (day, articles) in enumerate(list(days.items())[1:]):
        # a copy of the story born that day and of the one born the day before (12 stories, 5 days)
        articles.append(copy(n, day, text(words(100 + (number + 1) % 5), words(100 + number % 5))))
        articles.append(copy(n + 1, day, text(words(500 + n))))
        labels[url(n)], labels[url(n + 1)] = "bridge", "own"
        n += 2
    relisted = days[DAY + timedelta(days=1)][0]
    days[DAY + timedelta(days=3)].append({**relisted, "logical_date": DAY + timedelta(days=3)})
    return days, labels


def test_days_loaded_in_any_order_give_the_clusters_of_all_of_them_at_once(
    engine: Engine, data_dir: Path
) -> None:
    days, labels = week()
    orders = [sorted(days), sorted(days, reverse=True)]
    rng = random.Random(11)
    for _ in range(2):
        orders.append(rng.sample(sorted(days), len(days)))
    results = []
    for order in orders:
        wipe(engine)
        for day in order:
            load(engine, data_dir, day, days[day])
        results.append(state(engine))
    assert all(result == results[0] for result in results[1:]), orders

    # ... which are the clusters of the whole week clustered in memory, at once
    everything = [
        (a["canonical_url"], a["published_date"], a["body"]) for day in sorted(days) for a in days[day]
    ]
    expected = {
        found_url: (found.cluster_id, found.is_representative) if found else (None, None)
        for found_url, found in cluster(everything).items()
    }
    assert clusters_of(engine) == expected
    members: dict[str, set[str]] = {}
    for member, (cluster_id, _) in expected.items():
        members.setdefault(cluster_id, set()).add(labels[member])
    assert any(len(found - {"bridge"}) > 1 for found in members.values()), "a bridge must merge two stories"
    assert all(len(found - {"bridge"}) == 1 for found in members.values() if "own" in found)

    # A re-run of every day, in yet another order, writes nothing.
    before = fingerprints(engine)
    for day in rng.sample(sorted(days), len(days)):
        load(engine, data_dir, day, days[day])
    assert fingerprints(engine) == before


# --- two loads at once -------------------------------------------------------------------


def test_two_loads_of_one_site_never_overlap_and_find_each_others_links(
    wh_url: str, engine: Engine, data_dir: Path
) -> None:
    """The second load waits for the first to commit before it reads the signatures around it."""
    if engine.dialect.name != "postgresql":
        pytest.skip("DuckDB takes one writer at a time")
    inside = {D1: threading.Event(), D2: threading.Event()}
    overlapped = []

    def gated(day: date, linking):
        def signatures(part):
            inside[day].set()
            if day == D1:  # hold the transaction open: does the other load get in meanwhile?
                overlapped.append(inside[D2].wait(timeout=2))
            return linking.signatures(part)

        return replace(linking, signatures=signatures)

    errors: list[BaseException] = []

    def run(day: date) -> None:
        try:
            linking = gated(day, stories())
            load_partition(engine, partition(data_dir, day), f"run-{day}", counts_for(1), T0, stories=linking)
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    write_partition(partition(data_dir, D1), [copy(A, D1, text(X))])
    write_partition(partition(data_dir, D2), [copy(B, D2, text(X[:38]))])
    first = threading.Thread(target=run, args=(D1,))
    first.start()
    assert inside[D1].wait(timeout=30)
    second = threading.Thread(target=run, args=(D2,))
    second.start()
    for thread in (first, second):
        thread.join(timeout=60)
        assert not thread.is_alive()
    assert errors == []
    assert overlapped == [False]  # the second load waited at the site's lock meanwhile
    assert inside[D2].is_set()
    # ... and, once in, found the first one's signature: one story over the two days
    assert clusters_of(engine) == {url(A): (url(A), True), url(B): (url(A), False)}
