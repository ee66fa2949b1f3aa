"""Crawl throughput and memory of the production spider, side by side with `scrapy bench`.

    .venv/bin/python bench/bench_crawl.py --write        # a ~10,000-article day
    .venv/bin/python bench/bench_crawl.py --scale 10     # a quicker ~800-article day

In one run, on one machine:

(a) ``scrapy bench`` (Scrapy's own Twisted server and link-following spider) as a
    subprocess; pages/min = its responses / its ``elapsed_time_seconds``;
(b) the production crawl (``pipeline.stages.crawl``: child process, robots.txt, host guard,
    backoff retries, WARC archive, raw items) of one big devsite day, politeness off;
    pages/min = pages fetched / the crawl's ``elapsed_time_seconds``; and the peak RSS of
    the crawl process, sampled with psutil every 50 ms.

devsite runs in a process of its own. By default the day's pages are rendered by
devsite's own ``HostApp`` (same routing, same bytes) before the clock starts and served by
Twisted, as ``scrapy bench`` serves its pages, so that neither devsite's text generation
for a 10,000-article day nor its thread-per-connection server (and its 4,096-page cache)
is timed: both sides measure the crawler. ``--server devsite`` measures against devsite's
own server instead.

Prints a Markdown report; ``--write`` also replaces bench/results/crawl.md.
"""

from __future__ import annotations

import argparse
import inspect
import json
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SITE = "maghress-fr"
DAY = date(2011, 2, 9)
TODAY = date(2011, 2, 11)
TARGET_RATIO = 0.7
TARGET_RSS_MB = 500


# -- devsite in its own process ---------------------------------------------------


def _world(scale: float):
    from devsite import World

    if "scale" in inspect.signature(World).parameters:
        return World(today=TODAY, scale=scale)
    return World(today=TODAY)


def _day_paths(world) -> list[str]:
    """What the crawl of DAY asks for: robots, home, each listing down past the day, the articles."""
    from devsite.catalog import site_spec

    spec = site_spec(SITE)
    paths = ["/robots.txt", spec.home_path]
    for pub in spec.publications:
        page = 1
        while True:
            listing = world.listing(SITE, pub.slug, page)
            if listing is None:
                break
            paths.append(spec.listing_path(pub.slug, page))
            if not listing.has_next or any(a.published_date < DAY for a in listing.articles):
                break
            page += 1
    paths += [article.path for article in world.articles_for_day(SITE, DAY)]
    return paths


def _serve_devsite(scale: float, queue) -> None:
    """devsite's own HTTP server (a thread per connection)."""
    from devsite import serve

    world = _world(scale)
    with serve(world, host="127.0.0.1", port=0) as server:
        queue.put({"base_url": server.base_url_for(SITE), "articles": len(world.articles_for_day(SITE, DAY))})
        threading.Event().wait()


def _serve_prerendered(scale: float, queue) -> None:
    """devsite's pages for the day (its HostApp: same routing, same bytes), rendered before the
    clock starts and served by Twisted, as `scrapy bench` serves its own pages."""
    from twisted.internet import reactor
    from twisted.web.resource import Resource
    from twisted.web.server import Site

    from devsite.app import HostApp
    from devsite.catalog import site_spec

    world = _world(scale)
    app = HostApp(world, site_spec(SITE).aggregator.name)
    pages = {}
    for path in _day_paths(world):
        pages[path] = app.respond(path)

    class Root(Resource):
        isLeaf = True

        def render_GET(self, request):  # noqa: N802 (Twisted's naming)
            target = request.uri.decode("latin-1")
            response = pages.get(target) or app.respond(target)
            request.setResponseCode(response.status)
            request.setHeader(b"Content-Type", response.content_type.encode("latin-1"))
            return response.body

    port = reactor.listenTCP(0, Site(Root()), interface="127.0.0.1")
    queue.put(
        {
            "base_url": f"http://127.0.0.1:{port.getHost().port}",
            "articles": len(world.articles_for_day(SITE, DAY)),
            "prerendered": len(pages),
        }
    )
    reactor.run()


def start_devsite(scale: float, server: str) -> tuple[multiprocessing.Process, dict]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    target = _serve_prerendered if server == "prerendered" else _serve_devsite
    process = context.Process(target=target, args=(scale, queue), daemon=True)
    process.start()
    info = queue.get(timeout=3600)
    return process, info


# -- scrapy bench -------------------------------------------------------------------


def scrapy_bench(seconds: int) -> dict:
    scrapy = Path(sys.executable).with_name("scrapy")
    command = [str(scrapy), "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}", "-s", "LOGSTATS_INTERVAL=5"]
    with tempfile.TemporaryDirectory() as cwd:  # outside the project: no scrapy.cfg, no project settings
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=seconds + 120)
    log = done.stderr + done.stdout
    pages = int(re.search(r"'response_received_count': (\d+)", log).group(1))
    elapsed = float(re.search(r"'elapsed_time_seconds': ([0-9.]+)", log).group(1))
    return {
        "command": " ".join(["scrapy", *command[1:]]),
        "pages": pages,
        "seconds": elapsed,
        "pages_per_min": pages / elapsed * 60,
    }


# -- the production crawl ----------------------------------------------------------------


class PeakRss:
    """Peak summed RSS of this process's ``spiders.runner`` descendants (the crawl child)."""

    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for child in me.children(recursive=True):
                try:
                    if "spiders.runner" in " ".join(child.cmdline()):
                        total += child.memory_info().rss
                except psutil.Error:
                    continue
            self.peak = max(self.peak, total)
            time.sleep(self.interval)


def production_crawl(base_url: str, data_dir: Path) -> dict:
    from dataclasses import replace

    from core.settings import Settings
    from pipeline.stages import crawl

    settings = Settings.from_env(
        environ={}, data_dir=data_dir, warehouse_url=f"duckdb:///{data_dir}/w.duckdb"
    )
    settings = replace(settings.with_base_url(SITE, base_url), polite=False)
    started = time.perf_counter()
    with PeakRss() as rss:
        summary = crawl(settings, SITE, DAY, "bench")
    wall = time.perf_counter() - started
    manifest = json.loads((data_dir / "raw" / SITE / DAY.isoformat() / "crawl.json").read_text())
    log = (data_dir / "raw" / SITE / DAY.isoformat() / "logs" / "bench.log").read_text()
    elapsed = float(re.search(r"'elapsed_time_seconds': ([0-9.]+)", log).group(1))
    return {
        "articles": summary["discovered"],
        "failed": summary["failed"],
        "pages": manifest["pages_fetched"],
        "seconds": elapsed,
        "wall_seconds": wall,
        "pages_per_min": manifest["pages_fetched"] / elapsed * 60,
        "peak_rss_mb": rss.peak / 2**20,
        "bytes": manifest["bytes_fetched"],
    }


def report(args, benches: list[dict], ours: dict, info: dict, load: list[float]) -> str:
    bench_rate = sum(b["pages_per_min"] for b in benches) / len(benches)
    ratio = ours["pages_per_min"] / bench_rate
    cpus = os.cpu_count()
    memory = psutil.virtual_memory().total / 2**30
    options = (("scale", args.scale, 130), ("server", args.server, "prerendered"))
    flags = "".join(f" --{name} {value}" for name, value, default in options if value != default)
    ok = "meets" if ratio >= TARGET_RATIO else "MISSES"
    ok_rss = "meets" if ours["peak_rss_mb"] < TARGET_RSS_MB else "MISSES"
    server = (
        "devsite's pages (its HostApp), rendered before the clock starts,\n  served by Twisted"
        if args.server == "prerendered"
        else "devsite's own threaded server"
    )
    rows = "\n".join(
        f"| `{b['command']}` ({when}) | {b['pages']} | {b['seconds']:.1f} | {b['pages_per_min']:.0f} |"
        for b, when in zip(benches, ("before", "after"), strict=False)
    )
    return f"""# Crawl benchmark

Reproduce (one run does both sides, same machine, one after the other):

    .venv/bin/python bench/bench_crawl.py{flags} --write

Machine: {cpus} CPUs, {memory:.0f} GiB RAM, Python {sys.version.split()[0]}; everything on 127.0.0.1;
1-minute load average {load[0]:.1f} at the start, {load[1]:.1f} at the end (other work on the machine
slows both sides alike; scrapy bench runs before and after the crawl and the mean is the reference).

| | pages | seconds | pages/min |
|---|---:|---:|---:|
{rows}
| production crawl, {SITE} {DAY}, devsite scale {args.scale:g}, politeness off | {ours["pages"]} | \
{ours["seconds"]:.1f} | {ours["pages_per_min"]:.0f} |

- **Throughput: {ratio:.2f}× scrapy bench** ({ours["pages_per_min"]:.0f} vs {bench_rate:.0f} pages/min;
  target ≥ {TARGET_RATIO}×: {ok}).
- **Peak RSS of the crawl process: {ours["peak_rss_mb"]:.0f} MB** for a day of {ours["articles"]} articles
  ({ours["failed"]} failed; target < {TARGET_RSS_MB} MB: {ok_rss}); psutil, every 50 ms.
- devsite's ground truth for the day: {info["articles"]} articles. {ours["bytes"] / 2**20:.0f} MiB downloaded;
  every response written to the WARC archive, every article to items.jsonl.
- pages/min = responses / Scrapy's `elapsed_time_seconds` (engine open to close) on both sides; the
  crawl's wall time, child process start and manifest included, was {ours["wall_seconds"]:.1f} s.
- Server: {server}, in a process of its own (`scrapy bench` likewise serves from its own
  process); `--server devsite` measures against devsite's own server, rendering on demand.
- `scrapy bench` runs with Scrapy's defaults (16 concurrent requests, a LinkExtractor spider on
  small generated pages); the production crawl with its politeness-off settings (32 concurrent
  requests, robots.txt, host guard, backoff retries, WARC archive, raw items).
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=130, help="devsite World scale (130: ~10,000)")
    parser.add_argument("--bench-seconds", type=int, default=20, help="CLOSESPIDER_TIMEOUT for scrapy bench")
    parser.add_argument(
        "--server",
        choices=["prerendered", "devsite"],
        default="prerendered",
        help="prerendered: devsite's pages served by Twisted; devsite: its own threaded server",
    )
    parser.add_argument("--write", action="store_true", help="write bench/results/crawl.md")
    args = parser.parse_args(argv)

    server, info = start_devsite(args.scale, args.server)
    load = [os.getloadavg()[0]]
    try:
        benches = [scrapy_bench(args.bench_seconds)]
        with tempfile.TemporaryDirectory(prefix="pressetl-bench-") as tmp:
            ours = production_crawl(info["base_url"], Path(tmp) / "data")
        benches.append(scrapy_bench(args.bench_seconds))
    finally:
        server.terminate()
        server.join(timeout=10)
    load.append(os.getloadavg()[0])
    text = report(args, benches, ours, info, load)
    print(text)
    if args.write:
        out = ROOT / "bench" / "results" / "crawl.md"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
