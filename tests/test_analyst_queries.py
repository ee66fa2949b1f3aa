"""docs/analyst_queries.sql, the README's "analyst's first three queries": each runs as written
on both warehouses (DuckDB and PostgreSQL), on stories the load clustered, and answers what
the tables say."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC
from pathlib import Path

import sqlalchemy as sa
import test_warehouse_story_listing as listing
import test_warehouse_support as support
from sqlalchemy import Engine
from test_warehouse_support import SITE, rows

from warehouse.story_listing import day_stories

# The fixtures these tests take.
data_dir, engine, pg_database, wh_url = support.data_dir, support.engine, support.pg_database, support.wh_url
newsroom = listing.newsroom

QUERIES = Path(__file__).resolve().parents[1] / "docs" / "analyst_queries.sql"


def queries() -> list[str]:
    """The file's statements, in order (each ends with a semicolon at the end of a line)."""
    text = QUERIES.read_text(encoding="utf-8")
    return [q.strip() for q in re.split(r";\s*$", text, flags=re.MULTILINE) if q.strip()]


def run(engine: Engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


def test_the_file_holds_three_queries_each_introduced_by_a_comment() -> None:
    found = queries()
    assert len(found) == 3
    for n, sql in enumerate(found, 1):
        assert re.search(rf"^-- {n}\. ", sql, flags=re.MULTILINE), sql
        assert ":" not in re.sub(r"'[^']*'|--[^\n]*", "", sql)  # no bind parameters: runs as pasted


def test_articles_per_publication_per_day(newsroom: Engine) -> None:
    expected: dict[tuple, list] = defaultdict(lambda: [None, 0, 0])
    for a in rows(newsroom, "articles", site=SITE):
        day = a["published_date"] or a["logical_date"]
        if "2011-02-08" <= day.isoformat() <= "2011-02-10":
            entry = expected[(day, a["publication_key"] or a["publication_slug"])]
            entry[0] = a["publication_name"]
            entry[1] += 1
            entry[2] += a["word_count"]
    want = sorted(((d, p, *v) for (d, p), v in expected.items()), key=lambda r: (r[0], -r[3], r[1]))
    assert run(newsroom, queries()[0]) == want
    assert len(want) == 5  # three days, three publications on the 9th


def test_the_days_biggest_stories_with_their_original_source(newsroom: Engine) -> None:
    stories = day_stories(newsroom, listing.D1, site=SITE)
    want = [
        (
            s.publications,
            s.title,
            s.original.publication_name,
            s.original.url,
            s.original.published_date,
            s.original.published_at,
        )
        for s in stories
    ]
    found = [(*r[:5], r[5].astimezone(UTC) if r[5] else None) for r in run(newsroom, queries()[1])]
    assert found == want
    assert [r[2] for r in found[:3]] == ["Aujourd'hui le Maroc", "Le Matin", "Hespress"]


def test_who_wrote_about_a_subject(newsroom: Engine) -> None:
    counts: dict[str, list] = {}
    for a in rows(newsroom, "articles", site=SITE):
        if "rabat" in (a["title"] or "").lower() or "rabat" in (a["body"] or "").lower():
            day = a["published_date"] or a["logical_date"]
            entry = counts.setdefault(a["publication_name"], [0, day, day])
            entry[0] += 1
            entry[1], entry[2] = min(entry[1], day), max(entry[2], day)
    want = sorted(((name, *v) for name, v in counts.items()), key=lambda r: (-r[1], r[0]))
    assert run(newsroom, queries()[2]) == want
    assert sum(r[1] for r in want) >= 10


def test_the_readme_shows_these_queries_as_they_are() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert QUERIES.read_text(encoding="utf-8").strip() in readme
