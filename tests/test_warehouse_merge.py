"""warehouse/merge.py: article versions, fetch metadata and story clusters."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import test_warehouse_support as support
from sqlalchemy import Engine
from test_warehouse_support import (
    DAY,
    T0,
    T1,
    T2,
    article,
    cluster_of,
    counts_for,
    partition,
    rows,
    stories,
    story_body,
    write_partition,
)

from warehouse.fingerprint import fingerprints
from warehouse.loader import load_partition

# The fixtures these tests take.
data_dir, engine, pg_database, wh_url = support.data_dir, support.engine, support.pg_database, support.wh_url


def test_fetch_metadata_alone_is_not_a_new_version(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    write_partition(part, [article(i) for i in range(3)])
    load_partition(engine, part, "run-1", counts_for(3), T0, finished_at=T1)
    before = fingerprints(engine, ["articles", "article_versions"])

    # A re-crawl: same article, fetched again into another WARC file.
    recrawled = [
        article(
            i,
            url=f"https://www.maghress.com/fr/x/{i}",
            warc_file="warc/crawl-00001.warc.gz",
            warc_record_id=f"<urn:uuid:{uuid.UUID(int=100 + i)}>",
            fetched_at=T2,
        )
        for i in range(3)
    ]
    write_partition(part, recrawled)
    load_partition(engine, part, "run-2", counts_for(3), T2, finished_at=T2)

    assert fingerprints(engine, ["articles", "article_versions"]) == before
    assert {r["warc_file"] for r in rows(engine, "articles")} == {"warc/crawl-00000.warc.gz"}


def test_each_new_text_is_a_version(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    texts = [
        {},
        {"title": "Titre corrigé", "content_hash": "hash-1b", "warc_record_id": "<urn:uuid:b>"},
        {
            "title": "Titre corrigé",
            "body": "Nouveau corps.",
            "content_hash": "hash-1c",
            "warc_record_id": "<urn:uuid:c>",
        },
        {},  # back to the first text: history does not fold
    ]
    for n, changes in enumerate(texts):
        write_partition(part, [article(0), article(1, **changes)])
        load_partition(engine, part, f"run-{n}", counts_for(2), T0 + timedelta(days=n), finished_at=T2)

    versions = rows(engine, "article_versions")
    assert [(v["canonical_url"], v["version"]) for v in versions] == [
        (article(0)["canonical_url"], 1),
        *((article(1)["canonical_url"], n) for n in (1, 2, 3, 4)),
    ]
    mine = versions[1:]
    assert [v["title"] for v in mine] == [
        article(1)["title"],
        "Titre corrigé",
        "Titre corrigé",
        article(1)["title"],
    ]
    assert [v["body"] for v in mine][2] == "Nouveau corps."
    assert [v["content_hash"] for v in mine] == ["hash-1", "hash-1b", "hash-1c", "hash-1"]
    assert [v["warc_record_id"] for v in mine] == [
        article(1)["warc_record_id"],
        "<urn:uuid:b>",
        "<urn:uuid:c>",
        article(1)["warc_record_id"],
    ]
    assert [(v["run_id"], v["loaded_at"], v["logical_date"]) for v in mine] == [
        (f"run-{n}", T0 + timedelta(days=n), DAY) for n in range(4)
    ]
    [current] = rows(engine, "articles", canonical_url=article(1)["canonical_url"])
    assert (current["title"], current["run_id"], current["first_loaded_at"]) == (
        article(1)["title"],
        "run-3",
        T0,
    )


def test_an_older_day_adds_no_version(engine: Engine, data_dir: Path) -> None:
    old, new = partition(data_dir), partition(data_dir, DAY + timedelta(days=1))
    write_partition(old, [article(0)])
    write_partition(new, [article(0, day=new.day, title="Mis à jour", content_hash="hash-0b")])
    load_partition(engine, old, "run-1", counts_for(1), T0, finished_at=T0)
    load_partition(engine, new, "run-2", counts_for(1), T1, finished_at=T1)
    load_partition(engine, old, "run-3", counts_for(1), T2, finished_at=T2)

    assert [(v["version"], v["title"]) for v in rows(engine, "article_versions")] == [
        (1, article(0)["title"]),
        (2, "Mis à jour"),
    ]


def test_story_clusters_follow_their_articles(engine: Engine, data_dir: Path) -> None:
    part, next_day = partition(data_dir), partition(data_dir, DAY + timedelta(days=1))
    write_partition(part, [article(i) for i in range(7)])
    load_partition(engine, part, "run-1", counts_for(7), T0, chunk_size=2, stories=stories())

    def clusters() -> dict[str, tuple]:
        return {
            c["cluster_id"]: (
                c["representative_url"],
                c["first_seen"],
                c["last_seen"],
                c["members"],
                c["publications"],
            )
            for c in rows(engine, "story_clusters")
        }

    assert clusters() == {
        cluster_of(0): (cluster_of(0), DAY, DAY, 3, 3),
        cluster_of(3): (cluster_of(3), DAY, DAY, 3, 3),
        cluster_of(6, 7): (cluster_of(6, 7), DAY, DAY, 1, 1),
    }
    assert {
        r["canonical_url"]: (r["cluster_id"], r["is_representative"]) for r in rows(engine, "articles")
    } == {
        article(i)["canonical_url"]: (cluster_of(i, 7), article(i)["canonical_url"] == cluster_of(i, 7))
        for i in range(7)
    }

    # The next day's crawl brings a fourth copy of the first story.
    write_partition(next_day, [article(20, day=next_day.day, body=story_body(20, story=0))])
    load_partition(engine, next_day, "run-2", counts_for(1), T1, stories=stories())
    assert clusters()[cluster_of(0)] == (cluster_of(0), DAY, next_day.day, 4, 3)
    [copy] = rows(engine, "articles", canonical_url=article(20)["canonical_url"])
    assert (copy["cluster_id"], copy["is_representative"]) == (cluster_of(0), False)

    # A transform fix changes two texts of the first day: article 6 is a copy of the second
    # story now, article 4 a story of its own, its own representative.
    changed = [article(i) for i in range(7) if i not in (4, 6)] + [
        article(4, body=story_body(4, story=99), content_hash="hash-4b"),
        article(6, body=story_body(6, story=1), content_hash="hash-6b"),
    ]
    write_partition(part, changed)
    load_partition(engine, part, "run-3", counts_for(7), T2, stories=stories())
    alone = article(4)["canonical_url"]
    assert clusters() == {
        cluster_of(0): (cluster_of(0), DAY, next_day.day, 4, 3),
        cluster_of(3): (cluster_of(3), DAY, DAY, 3, 2),  # 3, 5 and 6: hespress, aujourdhui
        alone: (alone, DAY, DAY, 1, 1),
    }
    [four] = rows(engine, "articles", canonical_url=alone)
    assert (four["cluster_id"], four["is_representative"]) == (alone, True)
