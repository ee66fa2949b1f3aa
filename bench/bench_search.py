"""`pressetl search` on a large warehouse: the DuckDB scan, and PostgreSQL's GIN index beside it.

    .venv/bin/python bench/bench_search.py                          # 100,000 articles, DuckDB
    .venv/bin/python bench/bench_search.py --postgres               # and PostgreSQL (a scratch database)
    .venv/bin/python bench/bench_search.py --articles 20000 --write # replace bench/results/search.md

The articles are synthetic but shaped like the warehouse's: half French (maghress-fr), half
Arabic (maghress-ar), spread over 100 days, ~400 words (~2.8 KB) of body each, a title of 8
words. Words are drawn from a vocabulary of 4,000 filler words plus real ones at chosen rates:
"gouvernement(s)" in ~10 % of the French articles, "الحكومة" / "حكومة" in ~10 % of the Arabic
ones, "sécheresse" in 0.2 %. Rows go straight in with SQL (not through the loader: that is
bench_load.py's business), into a warehouse migrated to head. Each query runs ``--repeat`` times
through ``warehouse.search.search`` (what the CLI calls) after one warm-up run; the median is
reported.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

RESULTS = ROOT / "bench" / "results" / "search.md"
FIRST_DAY = date(2011, 1, 1)
WORDS = 400
FILLER = 4000
QUERIES = (  # (label, query, options)
    ("French, common (≈10 % of French)", "gouvernements", {}),
    ("French, rare (0.2 %)", "sécheresse", {}),
    ("French, two words", "gouvernement sécheresse", {}),
    ('French phrase "plan du gouvernement"', '"plan du gouvernement"', {}),
    ("French, with --lang fr", "gouvernement", {"lang": "fr"}),
    ("French, --site, 10 days", "gouvernement", {"site": "maghress-fr", "days": 10}),
    ("Arabic, common, with the article", "الحكومة", {}),
    ("Arabic, with --lang ar", "حكومة", {"lang": "ar"}),
    ("no match", "introuvable", {}),
)


def _words(rng: random.Random, arabic: bool) -> list[str]:
    filler = [f"{'كلمة' if arabic else 'mot'}{n}" for n in range(FILLER)]
    real = (
        ["الحكومة", "حكومة", "للحكومة", "الوزير", "المغرب", "الاقتصاد", "المشروع"]
        if arabic
        else ["gouvernement", "gouvernements", "plan", "du", "ministre", "région", "économie", "projet"]
    )
    # each real word ~1/4000 of a draw: in 1 - (1 - 1/4000)^400 ≈ 10 % of the bodies (at least once)
    return filler + real


def synthetic_rows(n: int, seed: int = 1):
    rng = random.Random(seed)
    vocab = {False: _words(rng, False), True: _words(rng, True)}
    loaded = datetime(2011, 4, 11, 1, 0, tzinfo=UTC)
    for i in range(n):
        arabic = i % 2 == 1
        body = rng.choices(vocab[arabic], k=WORDS)
        if not arabic and i % 1000 == 0:
            body[rng.randrange(WORDS)] = "sécheresse"  # 1 in 500 French articles
        if not arabic and i % 50 == 0:
            body[10:13] = ["plan", "du", "gouvernement"]
        day = FIRST_DAY + timedelta(days=i % 100)
        site = "maghress-ar" if arabic else "maghress-fr"
        url = f"https://www.maghress.com/{'' if arabic else 'fr/'}bench/{i}"
        yield {
            "site": site,
            "canonical_url": url,
            "url": url,
            "logical_date": day,
            "published_date": day,
            "publication_name": f"Publication {i % 60}",
            "title": " ".join(rng.choices(vocab[arabic], k=8)),
            "body": " ".join(body),
            "language": "ar" if arabic else "fr",
            "word_count": WORDS,
            "first_loaded_at": loaded,
            "last_loaded_at": loaded,
            "run_id": "bench",
        }


def fill(url: str, n: int) -> float:
    """Migrate the warehouse at ``url`` and insert ``n`` synthetic articles; seconds taken."""
    import pyarrow as pa
    import sqlalchemy as sa

    from warehouse.engine import make_engine
    from warehouse.migrate import upgrade

    upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    batch: list[dict] = []
    try:
        for row in synthetic_rows(n):
            batch.append(row)
            if len(batch) == 20_000:
                _insert(engine, batch, pa, sa)
                batch = []
        if batch:
            _insert(engine, batch, pa, sa)
    finally:
        engine.dispose()
    return time.perf_counter() - started


def _insert(engine, batch, pa, sa) -> None:
    columns = list(batch[0])
    if engine.dialect.name == "duckdb":
        with engine.begin() as conn:
            duck = conn.connection.driver_connection
            duck.register("bench_rows", pa.Table.from_pylist(batch))
            conn.exec_driver_sql(f"INSERT INTO articles ({', '.join(columns)}) SELECT * FROM bench_rows")
            duck.unregister("bench_rows")
        return
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor, cursor.copy(f"COPY articles ({', '.join(columns)}) FROM STDIN") as copy:
            for row in batch:
                copy.write_row([row[c] for c in columns])
        raw.commit()
    finally:
        raw.close()


def measure(url: str, repeat: int) -> list[tuple[str, str, int, float]]:
    from warehouse.engine import make_engine
    from warehouse.search import SearchRequest, search

    engine = make_engine(url)
    out = []
    try:
        for label, query, options in QUERIES:
            options = dict(options)
            days = options.pop("days", None)
            if days:
                options.update(day_from=FIRST_DAY, day_to=FIRST_DAY + timedelta(days=days - 1))
            request = SearchRequest(query, **options)
            hits = len(search(engine, request))  # warm-up: caches, compiled patterns
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                search(engine, request)
                times.append(time.perf_counter() - started)
            out.append((label, query, hits, statistics.median(times)))
    finally:
        engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", action="store_true", help="also on a scratch PostgreSQL database")
    parser.add_argument("--write", action="store_true", help=f"write {RESULTS.relative_to(ROOT)}")
    args = parser.parse_args()

    results = {}
    with tempfile.TemporaryDirectory(prefix="pressetl-bench-search-") as tmp:
        url = f"duckdb:///{Path(tmp) / 'warehouse.duckdb'}"
        print(f"DuckDB: inserting {args.articles:,} articles …", flush=True)
        fill_s = fill(url, args.articles)
        results["DuckDB (scan)"] = (fill_s, measure(url, args.repeat))
    if args.postgres:
        from conftest import new_pg_database

        with new_pg_database("pressetl_bench_search") as url:
            print(f"PostgreSQL: inserting {args.articles:,} articles (tsvector generated) …", flush=True)
            fill_s = fill(url, args.articles)
            results["PostgreSQL (GIN)"] = (fill_s, measure(url, args.repeat))

    lines = [
        f"{args.articles:,} synthetic articles (half French, half Arabic, {WORDS} words each), "
        f"median of {args.repeat} runs of `warehouse.search.search`, limit 20.",
        "",
    ]
    names = list(results)
    lines.append("| query | " + " | ".join(f"{n}: hits, s" for n in names) + " |")
    lines.append("|---|" + "---:|" * len(names))
    for n, (label, query, _, _) in enumerate(results[names[0]][1]):
        cells = [f"{results[name][1][n][2]}, **{results[name][1][n][3]:.2f}**" for name in names]
        lines.append(f"| {label}: `{query}` | " + " | ".join(cells) + " |")
    lines.append("")
    lines += [f"- {name}: rows inserted in {fill_s:.1f} s" for name, (fill_s, _) in results.items()]
    text = "\n".join(lines)
    print(text)
    if args.write:
        command = "`.venv/bin/python bench/bench_search.py " + " ".join(sys.argv[1:]).replace(" --write", "")
        RESULTS.write_text(f"# Search\n\nReproduce: {command.strip()}`\n\n{text}\n", encoding="utf-8")


if __name__ == "__main__":
    main()
