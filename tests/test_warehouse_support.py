"""Fixtures and helpers shared by the ``test_warehouse_*`` files (no tests here).

Every test that takes ``engine`` or ``wh_url`` runs twice: on a DuckDB file and on a
throwaway PostgreSQL database (127.0.0.1:5432, user postgres). A test file makes the
fixtures its own by name (``engine = support.engine``). The helpers that run the load
stage are in ``test_warehouse_support_stages``.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from conftest import migrated_warehouse, new_pg_database
from sqlalchemy import Engine

from core.outcomes import UrlOutcome, write_outcomes
from core.partitions import Partition
from core.records import ARTICLE_SCHEMA, QUARANTINE_SCHEMA, LedgerCounts, PageFailure
from warehouse.engine import make_engine
from warehouse.models import Base

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SITE = "maghress-fr"
DAY = date(2011, 2, 9)
T0 = datetime(2011, 2, 10, 1, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=1)
T2 = T0 + timedelta(days=1)


# --------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for the warehouse tests, dropped at the end."""
    with new_pg_database() as url:
        yield url


@pytest.fixture(params=["duckdb", "postgresql"])
def wh_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty warehouse: a new DuckDB file, or the session's PostgreSQL database wiped."""
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'wh' / 'warehouse.duckdb'}"
    url = request.getfixturevalue("pg_database")
    wipe = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with wipe.connect() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    wipe.dispose()
    return url


@pytest.fixture
def engine(wh_url: str) -> Iterator[Engine]:
    """A warehouse migrated to head, as ``pressetl db upgrade`` leaves it."""
    migrated_warehouse(wh_url)
    eng = make_engine(wh_url)
    yield eng
    eng.dispose()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


# ---------------------------------------------------------------------- helpers


def article(i: int, day: date = DAY, site: str = SITE, **changes: Any) -> dict[str, Any]:
    slug = ("hespress", "lematin", "aujourdhui")[i % 3]
    row = {
        "site": site,
        "logical_date": day,
        "url": f"https://maghress.com/fr/{slug}/{1000 + i}",
        "canonical_url": f"https://www.maghress.com/fr/{slug}/{1000 + i}",
        "publication_slug": slug,
        "publication_name": {
            "hespress": "Hespress",
            "lematin": "Le Matin",
            "aujourdhui": "Aujourd'hui le Maroc",
        }[slug],
        "aggregator_id": 1000 + i,
        "title": f"Titre numéro {i} — l'été",
        "body": story_body(i),
        "subheadings": ["Multipolaire", "Programme de démarrage"] if i % 2 else [],
        "published_date": day,
        "language": "fr",
        "source_url": f"https://{slug}.example/article/{i}",
        "thumbnail_url": None if i % 4 == 0 else f"https://images2.maghress.com/{slug}/{1000 + i}/thumb",
        "content_hash": f"hash-{i}",
        "word_count": 100 + i,
        "extraction": "selectors",
        "error": None,
        "warc_file": "warc/crawl-00000.warc.gz",
        "warc_record_id": f"<urn:uuid:{uuid.UUID(int=i)}>",
        "fetched_at": datetime(2011, 2, 10, 0, 30, i % 60, 123456, tzinfo=UTC),
        "author": None if i % 5 == 0 else f"Auteur {i % 4}",
        "body_source": "publisher" if i % 2 else "aggregator",
        "publication_key": PUBLICATION_KEYS[slug],
        "publication_is_new": slug == "aujourdhui",
        "language_status": "detected",
        # exact in float32, so both databases give back the very value
        "language_confidence": 0.875,
        "reading_time_minutes": 0.5 + i % 4,
        # the warehouse's to find (from the bodies: three consecutive articles tell one story)
        "cluster_id": None,
        "is_representative": None,
    }
    row.update(changes)
    return row


PUBLICATION_KEYS = {"hespress": "hespress", "lematin": "le-matin", "aujourdhui": "aujourd-hui-le-maroc"}
# The keys ``transforms/data/publications.yaml`` gives these publications: articles with
# them meet the registry the load stage passes (``known_publications``).
REGISTRY_KEYS = {"hespress": "hespress-ma", "lematin": "lematin-ma", "aujourdhui": "aujourdhui-ma"}

ENRICHMENT = (
    "author",
    "body_source",
    "publication_key",
    "publication_is_new",
    "language_status",
    "language_confidence",
    "reading_time_minutes",
    "cluster_id",
    "is_representative",
)


_VOCABULARY = [
    f"{stem}{n}" for stem in ("rabat", "projet", "conseil", "marché", "saison") for n in range(400)
]


def story_body(i: int, story: int | None = None) -> str:
    """Article ``i``'s text: its publication's copy of story ``i // 3`` (or ``story``), long enough
    to be signed and compared. Copies of one story differ a little (a dateline, a sentence
    dropped or added); two stories share no run of six words."""
    story = i // 3 if story is None else story
    words = random.Random(f"story-{story}").choices(_VOCABULARY, k=60)
    edit = i % 3
    if edit == 1:
        words = ["RABAT", "(MAP)", "-", *words[:-5]]
    elif edit == 2:
        words = [*words[:30], "a", "appris", "la", "rédaction", "ce", "lundi", *words[30:], "(MAP)"]
    return " ".join(words[:30]) + ".\n\nMultipolaire\n\n" + " ".join(words[30:]) + "."


def cluster_of(i: int, members: int | None = None) -> str:
    """The id the warehouse gives article(i)'s story: the canonical URL of its earliest copy (all
    on one day: the smallest URL, aujourdhui's < hespress's < lematin's), among the story's
    articles numbered below ``members`` (default: its three)."""
    first = i - i % 3
    present = [j for j in range(first, first + 3) if members is None or j < members]
    return min(
        f"https://www.maghress.com/fr/{('hespress', 'lematin', 'aujourdhui')[j % 3]}/{1000 + j}"
        for j in present
    )


def stories():
    """The story linking the load stage gives the loader (signatures from the validated texts
    when the partition has none staged, as in these tests)."""
    from pipeline.stages.signatures import story_matching

    return story_matching()


def partition(data_dir: Path, day: date = DAY, site: str = SITE) -> Partition:
    return Partition(site=site, day=day, data_dir=data_dir)


def write_partition(
    part: Partition,
    articles: list[dict[str, Any]],
    quarantined: list[tuple[dict[str, Any], list[str]]] | None = None,
    failures: list[dict[str, Any]] | None = None,
    *,
    row_group_size: int | None = None,
    outcomes: list[UrlOutcome] | None = None,
) -> None:
    """The files a load reads; ``outcomes``: the transform's per-URL outcomes, else none."""
    if outcomes is None:
        part.transform_outcomes.unlink(missing_ok=True)
    else:
        write_outcomes(part.transform_outcomes, outcomes)
    part.validated_dir.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist(articles, schema=ARTICLE_SCHEMA)
    pq.write_table(table, part.validated_articles, row_group_size=row_group_size)
    if quarantined is None:
        part.quarantined_articles.unlink(missing_ok=True)
    else:
        part.quarantine_dir.mkdir(parents=True, exist_ok=True)
        rows = [{**row, "reasons": reasons} for row, reasons in quarantined]
        pq.write_table(pa.Table.from_pylist(rows, schema=QUARANTINE_SCHEMA), part.quarantined_articles)
    if failures is None:
        part.failures.unlink(missing_ok=True)
    else:
        part.raw_dir.mkdir(parents=True, exist_ok=True)
        lines = [PageFailure(site=part.site, logical_date=part.day, **f).model_dump_json() for f in failures]
        part.failures.write_text("".join(line + "\n" for line in lines))


def failure(n: int, **changes: Any) -> dict[str, Any]:
    row = {
        "url": f"https://www.maghress.com/fr/hespress/{9000 + n}",
        "kind": "article",
        "status": 503,
        "reason": "HTTP 503 after 3 retries",
        "failed_at": datetime(2011, 2, 10, 0, 40, n, tzinfo=UTC),
    }
    row.update(changes)
    return row


def dump(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every warehouse table, in key order."""
    out = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            query = sa.select(table).order_by(*table.primary_key.columns)
            out[table.name] = [tuple(row) for row in conn.execute(query)]
    return out


def rows(engine: Engine, table: str, **where: Any) -> list[dict[str, Any]]:
    t = Base.metadata.tables[table]
    query = sa.select(t).where(*(t.c[k] == v for k, v in where.items())).order_by(*t.primary_key.columns)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def counts_for(loaded: int, duplicates: int = 2, quarantined: int = 0, failed: int = 0) -> LedgerCounts:
    """Counts as the earlier stages would report them for a partition that reconciles."""
    discovered = loaded + duplicates + quarantined + failed
    return LedgerCounts(
        discovered=discovered,
        fetched=discovered - failed,
        failed=failed,
        duplicates=duplicates,
        quarantined=quarantined,
    )


def json_list(values: list[str]) -> str:
    return json.dumps(values, ensure_ascii=False)
