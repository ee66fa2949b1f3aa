"""Transform stage throughput against trafilatura, on the same 10,000 devsite article pages.

    .venv/bin/python bench/bench_transform.py [--articles 10000] [--site maghress-fr] [--profile]

One raw partition of ``--articles`` pages is written from devsite
(``World(scale=...)``: one day of a site, scaled up), as a crawl archives it
(gzipped WARC + raw items). Then, in the same process:

- the whole transform stage (``pipeline.stages.transform.transform``): WARC
  reading and decoding, extraction, cleaning, dates, publications, language,
  hashing, exact and near-duplicates, two Parquet passes, the manifest;
- ``trafilatura.extract`` on the same pages, already decoded in memory (its
  default settings, and again with ``with_metadata=True``, which also reads
  title, date, author and site name as the stage does).

Throughput is articles per CPU second of this process (``time.process_time``:
all its threads, so "per core"); wall time is shown too. The machine may be
shared: CPU time is the figure to compare, and the runs alternate in rounds so
that a busy minute does not land on one side only. Markdown on stdout.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.rawzone import iter_responses  # noqa: E402
from core.settings import Settings  # noqa: E402
from devsite.partitions import devsite_pages, write_partition  # noqa: E402
from devsite.world import World  # noqa: E402
from pipeline.stages.common import partition_for  # noqa: E402
from pipeline.stages.transform import transform  # noqa: E402
from transforms.language import preload  # noqa: E402

DAY = date(2024, 5, 2)
WARM_UP_DAY = date(2024, 4, 20)  # far enough from DAY: not in its near-duplicate window


@dataclass
class Timing:
    articles: int = 0
    cpu: float = 0.0
    wall: float = 0.0

    def add(self, articles: int, cpu: float, wall: float) -> None:
        self.articles += articles
        self.cpu += cpu
        self.wall += wall

    @property
    def per_cpu_second(self) -> float:
        return self.articles / self.cpu if self.cpu else 0.0

    @property
    def per_wall_second(self) -> float:
        return self.articles / self.wall if self.wall else 0.0


def _timed(function, *args, **kwargs):
    cpu, wall = time.process_time(), time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.process_time() - cpu, time.perf_counter() - wall


def build_partition(settings: Settings, site: str, articles: int) -> int:
    """One day of ``site`` scaled up to at least ``articles`` pages, written as a raw partition."""
    probe = len(World(today=DAY, scale=1.0).articles_for_day(site, DAY))
    world = World(today=DAY, scale=max(1.0, articles / max(probe, 1) * 1.05))
    pages = devsite_pages(world, site, DAY, world.site(site).aggregator.real_base_url)[:articles]
    if len(pages) < articles:
        raise SystemExit(f"devsite gave {len(pages)} pages for {site} {DAY}, fewer than {articles}")
    return write_partition(partition_for(settings, site, DAY), pages, run_id="bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--site", default="maghress-fr")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of each side")
    parser.add_argument("--profile", action="store_true", help="cProfile one stage run, top functions")
    parser.add_argument("--keep", type=Path, help="data directory to keep (and reuse) the partition in")
    args = parser.parse_args()

    data_dir = args.keep or Path(tempfile.mkdtemp(prefix="pressetl-bench-transform-"))
    settings = Settings.from_env(environ={}, data_dir=data_dir, warehouse_url="duckdb:///:memory:")
    partition = partition_for(settings, args.site, DAY)
    started = time.perf_counter()
    if not partition.raw_items.is_file():
        build_partition(settings, args.site, args.articles)
    built = time.perf_counter() - started
    warc_bytes = sum(p.stat().st_size for p in partition.warc_dir.glob("*.warc.gz"))
    pages = [(r.url, r.text) for r in iter_responses(partition)]
    html_bytes = sum(len(text.encode()) for _, text in pages)

    import trafilatura

    # Both sides start warm: imports, lingua's models, compiled selectors and patterns. The
    # stage's warm-up is a small partition of its own (another day), so that nothing of the
    # measured day is cached.
    preload()
    warm_up = partition_for(settings, args.site, WARM_UP_DAY)
    if not warm_up.raw_items.is_file():
        world = World(today=DAY)
        write_partition(
            warm_up,
            devsite_pages(world, args.site, WARM_UP_DAY, world.site(args.site).aggregator.real_base_url)[:20],
        )
    transform(settings, args.site, WARM_UP_DAY, "warm-up")
    for url, html in pages[:20]:
        trafilatura.extract(html, url=url)
        trafilatura.extract(html, url=url, with_metadata=True)

    stage, plain, metadata = Timing(), Timing(), Timing()
    summary: dict = {}
    for round_number in range(args.rounds):
        summary, cpu, wall = _timed(transform, settings, args.site, DAY, f"bench-{round_number}")
        stage.add(summary["staged"] + summary["duplicates"] + summary["failed"], cpu, wall)
        _, cpu, wall = _timed(lambda: [trafilatura.extract(html, url=url) for url, html in pages])
        plain.add(len(pages), cpu, wall)
        _, cpu, wall = _timed(
            lambda: [trafilatura.extract(html, url=url, with_metadata=True) for url, html in pages]
        )
        metadata.add(len(pages), cpu, wall)

    print(f"## Transform stage vs trafilatura (`{' '.join(sys.argv)}`)\n")
    per_page = html_bytes / len(pages) / 1024
    print(
        f"{len(pages)} devsite pages of {args.site} (one day at scale, {per_page:.1f} KiB of HTML each, "
        f"WARC {warc_bytes / 2**20:.1f} MiB, built in {built:.0f} s); {args.rounds} alternating rounds; "
        f"staged {summary.get('staged')}, duplicates {summary.get('duplicates')}, "
        f"signed {summary.get('signed')} (story signatures; linked at load).\n"
    )
    print("| run | articles | CPU s | articles / CPU s | wall s | articles / wall s |")
    print("|---|---|---|---|---|---|")
    for name, timing in (
        ("transform stage (whole: WARC → staged Parquet)", stage),
        ("trafilatura.extract (defaults)", plain),
        ("trafilatura.extract (with_metadata=True)", metadata),
    ):
        print(
            f"| {name} | {timing.articles} | {timing.cpu:.1f} | {timing.per_cpu_second:.0f} | "
            f"{timing.wall:.1f} | {timing.per_wall_second:.0f} |"
        )
    print(
        f"\nRatio (articles per CPU second): stage / trafilatura = "
        f"**{stage.per_cpu_second / plain.per_cpu_second:.1f}×** (defaults), "
        f"**{stage.per_cpu_second / metadata.per_cpu_second:.1f}×** (with metadata)."
    )

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        transform(settings, args.site, DAY, "bench-profile")
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
        print("\n```\n" + out.getvalue().strip() + "\n```")

    if not args.keep:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
