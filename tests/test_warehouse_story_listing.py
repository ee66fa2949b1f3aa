"""warehouse/story_listing.py and the view v_story_publications (0007): a day's stories, the
publications that carried each (earliest first) and the likely original, on clusters the
load makes (``load_partition`` with the load stage's story matching), on DuckDB and PostgreSQL.

``newsroom`` (also used by test_cli_stories and test_analyst_queries) loads two days whose
stories tell each rule for "earliest" apart."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
import test_warehouse_support as support
from sqlalchemy import Engine
from test_warehouse_support import (
    DAY,
    SITE,
    T0,
    T1,
    article,
    counts_for,
    partition,
    story_body,
    write_partition,
)

from core.records import ARTICLE_SCHEMA
from warehouse.loader import load_partition
from warehouse.story_listing import day_stories

# The fixtures these tests take.
data_dir, engine, pg_database, wh_url = support.data_dir, support.engine, support.pg_database, support.wh_url

D1, D2 = DAY, DAY + timedelta(days=1)
WITH_TIMES = ARTICLE_SCHEMA.append(pa.field("published_at", pa.timestamp("us", tz="UTC")))
OTHER_SITE = "turess-fr"
BASE = "https://www.maghress.com/fr"


def url(slug: str, n: int) -> str:
    return f"{BASE}/{slug}/{1000 + n}"


def at(hour: int, minute: int = 0, day: date = D1) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def newsroom_days() -> dict[tuple[str, date], list[dict[str, Any]]]:
    """Articles per (site, logical day). ``article(i)`` is publication i % 3 (hespress, lematin,
    aujourdhui) copying story i // 3; every copy was fetched at 00:30:<i> on the 10th."""
    fetched = {i: datetime(2011, 2, 10, 0, 30, i, tzinfo=UTC) for i in range(40)}
    d1 = [
        # story 0: no times given: the first fetched (hespress, 1000) is the likely original,
        # though the cluster is named after its smallest URL (aujourdhui/1002)
        *(article(i) for i in range(3)),
        # story 1: lematin gave the earliest time; hespress a later one; aujourdhui none
        article(3, published_at=at(8)),
        article(4, published_at=at(6, 30)),
        article(5),
        # story 2: aujourdhui published it the day before (no time): the day beats a time
        article(6, published_at=at(5)),
        article(7, published_at=at(4)),
        article(8, published_date=D1 - timedelta(days=1)),
        # story 3: one copy only on D1 (its second one is on D2)
        article(9),
        # story 5 on D1: one publication carrying it twice, and another one
        article(15),
        article(16, **hespress_copy(16)),
        article(17),
        # an article of its own: a cluster of one
        article(30, body=story_body(30, story=99)),
    ]
    d2 = [article(10, day=D2, fetched_at=fetched[10] + timedelta(days=1))]
    other = [article(i, site=OTHER_SITE) for i in range(3)]  # story 0 on another site
    return {(SITE, D1): d1, (SITE, D2): d2, (OTHER_SITE, D1): other}


def hespress_copy(n: int) -> dict[str, Any]:
    """Article ``n`` as a second copy in hespress (another URL, the same publication)."""
    return {
        "url": url("hespress", n).replace("www.", ""),
        "canonical_url": url("hespress", n),
        "publication_slug": "hespress",
        "publication_name": "Hespress",
        "publication_key": "hespress",
        "fetched_at": datetime(2011, 2, 10, 0, 20, tzinfo=UTC),  # before article 15
    }


def load_newsroom(engine: Engine, data_dir: Path) -> None:
    from pipeline.stages.signatures import story_matching

    for (site, day), articles in newsroom_days().items():
        part = partition(data_dir, day, site)
        write_partition(part, articles)
        # No transform fills published_at yet; the load takes it when the Parquet has it.
        pq.write_table(pa.Table.from_pylist(articles, schema=WITH_TIMES), part.validated_articles)
        load_partition(
            engine,
            part,
            f"run-{site}-{day}",
            counts_for(len(articles)),
            T0,
            finished_at=T1,
            stories=story_matching(),
        )


@pytest.fixture
def newsroom(engine: Engine, data_dir: Path) -> Engine:
    load_newsroom(engine, data_dir)
    return engine


def carriers(story) -> list[tuple[int, str, str, bool]]:
    return [(c.rank, c.publication, c.canonical_url, c.is_original) for c in story.carriers]


def test_the_days_stories_with_their_publications_earliest_first(newsroom: Engine) -> None:
    found = day_stories(newsroom, D1, site=SITE)
    # the most carried first; then by their originals, earliest first (the rule of the view)
    assert [(s.cluster_id, s.publications) for s in found] == [
        (url("aujourdhui", 8), 3),  # published the day before
        (url("aujourdhui", 5), 3),  # at 06:30
        (url("aujourdhui", 2), 3),  # no time, fetched at 00:30:00
        (url("aujourdhui", 17), 2),  # no time, fetched at 00:20
        (url("hespress", 9), 2),  # no time, fetched at 00:30:09
    ]
    by_id = {s.cluster_id: s for s in found}

    story0 = by_id[url("aujourdhui", 2)]
    assert story0.title == article(2)["title"]  # the representative's
    assert (story0.members, story0.first_seen, story0.last_seen) == (3, D1, D1)
    assert carriers(story0) == [  # no times: by fetch time
        (1, "hespress", url("hespress", 0), True),
        (2, "le-matin", url("lematin", 1), False),
        (3, "aujourd-hui-le-maroc", url("aujourdhui", 2), False),
    ]
    assert story0.original.publication_name == "Hespress"

    assert carriers(by_id[url("aujourdhui", 5)]) == [  # by time; a time before none on the day
        (1, "le-matin", url("lematin", 4), True),
        (2, "hespress", url("hespress", 3), False),
        (3, "aujourd-hui-le-maroc", url("aujourdhui", 5), False),
    ]
    assert by_id[url("aujourdhui", 5)].original.published_at == at(6, 30)

    assert carriers(by_id[url("aujourdhui", 8)]) == [  # the day before beats any time that day
        (1, "aujourd-hui-le-maroc", url("aujourdhui", 8), True),
        (2, "le-matin", url("lematin", 7), False),
        (3, "hespress", url("hespress", 6), False),
    ]

    story3 = by_id[url("hespress", 9)]  # its copy of D2 counts: the story is the cluster
    assert (story3.members, story3.first_seen, story3.last_seen) == (2, D1, D2)
    assert carriers(story3) == [
        (1, "hespress", url("hespress", 9), True),
        (2, "le-matin", url("lematin", 10), False),
    ]

    story5 = by_id[url("aujourdhui", 17)]
    assert story5.members == 3 and story5.publications == 2
    # hespress carried it twice: its first copy (fetched first) stands for it
    assert carriers(story5) == [
        (1, "hespress", url("hespress", 16), True),
        (2, "aujourd-hui-le-maroc", url("aujourdhui", 17), False),
    ]
    assert [c.copies for c in story5.carriers] == [2, 1]


def test_filters_by_publications_site_and_day(newsroom: Engine) -> None:
    three = day_stories(newsroom, D1, site=SITE, min_publications=3)
    assert [s.cluster_id for s in three] == [url("aujourdhui", n) for n in (8, 5, 2)]
    ones = day_stories(newsroom, D1, site=SITE, min_publications=1)
    assert [s.cluster_id for s in ones][-1] == url("hespress", 30)  # the article of its own
    assert ones[-1].publications == 1 and ones[-1].original.is_original

    everywhere = day_stories(newsroom, D1)
    assert [(s.site, s.cluster_id) for s in everywhere if s.site == OTHER_SITE] == [
        (OTHER_SITE, url("aujourdhui", 2))
    ]
    assert len(everywhere) == 6

    # D2: only story 3 has a copy published that day
    assert [s.cluster_id for s in day_stories(newsroom, D2)] == [url("hespress", 9)]
    # story 2 has one copy the day before: the story is listed then too, with all its publications
    assert [(s.cluster_id, s.publications) for s in day_stories(newsroom, D1 - timedelta(days=1))] == [
        (url("aujourdhui", 8), 3)
    ]
    assert day_stories(newsroom, date(2012, 1, 1)) == []


def test_the_view_has_one_row_per_story_and_publication(newsroom: Engine) -> None:
    with newsroom.connect() as conn:
        found = conn.execute(
            sa.text(
                "SELECT cluster_id, publication, publication_rank, publications, copies "
                "FROM v_story_publications WHERE site = :site ORDER BY cluster_id, publication_rank"
            ),
            {"site": SITE},
        ).all()
    assert [tuple(r) for r in found if r[0] == url("aujourdhui", 17)] == [
        (url("aujourdhui", 17), "hespress", 1, 2, 2),
        (url("aujourdhui", 17), "aujourd-hui-le-maroc", 2, 2, 1),
    ]
    assert len(found) == 3 + 3 + 3 + 2 + 2 + 1
