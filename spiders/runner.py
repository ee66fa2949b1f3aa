"""Run one crawl (site, day) in this process and write its manifest.

Entry point of the child process started by ``pipeline.stages.crawl``: Twisted's
reactor runs once per process, and a child also keeps a crawl's memory and
signal handlers away from the Airflow worker or CLI that asked for it.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from datetime import UTC, date, datetime

from scrapy.crawler import CrawlerProcess

from core.manifests import CrawlManifest, write_manifest
from core.outcomes import write_discovered
from core.partitions import Partition
from core.profiles import load_profile
from core.rawzone import index_archived
from core.records import RawItem
from core.settings import Settings
from spiders.aggregator import AggregatorSpider
from spiders.handoff import settings_from_json
from spiders.settings import scrapy_settings


def crawl_partition(
    settings: Settings,
    site: str,
    day: date,
    run_id: str,
    *,
    refresh: bool = False,
    last_ids: dict[str, int] | None = None,
    neighbours: dict[str, dict] | None = None,
) -> CrawlManifest:
    profile = load_profile(settings.profiles_dir, site, settings.base_url_overrides.get(site))
    partition = Partition(site, day, settings.data_dir)
    log_file = partition.raw_dir / "logs" / f"{run_id}.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    started_at = datetime.now(UTC)
    # What earlier runs of this partition archived: article pages are not downloaded twice.
    archive = {} if refresh else index_archived(partition, exclude_run=run_id)

    process = CrawlerProcess(
        scrapy_settings(profile, partition, run_id, settings, str(log_file)), install_root_handler=True
    )
    crawler = process.create_crawler(AggregatorSpider)
    process.crawl(
        crawler,
        profile=profile,
        day=day,
        partition=partition,
        archive=archive,
        refresh=refresh,
        last_ids=last_ids or {},
        neighbours=neighbours or {},
        publisher_urls=settings.publisher_base_url_overrides,
    )
    process.start()

    spider: AggregatorSpider = crawler.spider
    stats = crawler.stats.get_stats()
    lines = partition.raw_items.read_text().splitlines() if partition.raw_items.is_file() else []
    items = [RawItem.model_validate_json(line) for line in lines]
    failed = [item for item in items if item.error]
    item_urls = {item.url for item in items}
    discovered = item_urls | (spider.crawl_day.discovered if spider is not None else set())
    # a URL with no RawItem (a dropped request) is counted here; the transform names it, and
    # the ledger shows it unaccounted
    unanswered = len(discovered - item_urls)
    # Published before the manifest: a crawl.json always comes with its run's list.
    write_discovered(partition.discovered_urls, sorted(discovered))
    error = None
    if spider is None:  # the spider never started (e.g. a profile it cannot use)
        error = f"crawl of {site} {day} did not start: see {log_file}"
    elif spider.discovery_failures:
        first = spider.discovery_failures[0]
        reasons = {
            json.loads(line)["url"]: json.loads(line)["reason"]
            for line in partition.failures.read_text().splitlines()
        }
        error = (
            f"crawl of {site} {day} incomplete: {len(spider.discovery_failures)} discovery page(s) failed, "
            f"first {first}: {reasons.get(first, 'see failures.jsonl')}"
        )
    requests = request_counts(stats)
    manifest = CrawlManifest(
        site=site,
        logical_date=day,
        run_id=run_id,
        status="failed" if error else "complete",
        error=error,
        discovered=len(discovered),
        fetched=len(items) - len(failed),
        failed=len(failed),
        unanswered=unanswered,
        pages_fetched=stats.get("response_received_count", 0),
        reused=sum(1 for item in items if item.reused_from_run),
        discovered_by=dict(Counter(item.discovered_by for item in items)),
        source_followed=sum(1 for item in items if item.source_url),
        source_failed=sum(1 for item in items if item.source_error),
        selector_misses=stats.get("pressetl/selector_misses", 0),
        offsite_blocked=stats.get("pressetl/offsite_blocked", 0),
        retries=stats.get("retry/count", 0),
        backoff_seconds=round(stats.get("pressetl/retry/backoff_seconds", 0.0), 3),
        strategies=list(profile.discovery.strategies),
        refresh=refresh,
        bytes_fetched=stats.get("downloader/response_bytes", 0),
        finish_reason=stats.get("finish_reason"),
        hosts=sorted(profile.hosts),
        **requests,
        before_history=dict(spider.crawl_day.before_history) if spider is not None else {},
        warc_file=f"warc/{run_id}.warc.gz",
        log_file=str(log_file.relative_to(partition.raw_dir)),
        started_at=started_at,
        finished_at=datetime.now(UTC),
    )
    write_manifest(partition.crawl_manifest, manifest)
    return manifest


def request_counts(stats: dict) -> dict[str, int]:
    """discovery / article / source requests, from the spider's per-kind counters."""
    by_kind = {
        key.removeprefix("pressetl/requests/"): value
        for key, value in stats.items()
        if key.startswith("pressetl/requests/")
    }
    probe_articles = by_kind.pop("probe_article", 0)
    articles = by_kind.pop("article", 0) + probe_articles
    source = by_kind.pop("publisher", 0)
    return {
        "discovery_requests": sum(by_kind.values()) - probe_articles,
        "article_requests": articles,
        "source_requests": source,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Crawl one site for one day (child process).")
    parser.add_argument("--site", required=True)
    parser.add_argument("--date", required=True, type=date.fromisoformat)
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--settings", required=True, help="pressetl Settings as JSON")
    parser.add_argument("--refresh", action="store_true", help="download again what the raw zone holds")
    parser.add_argument("--last-ids", default="{}", help="id probing: last id seen per publication, JSON")
    parser.add_argument(
        "--neighbours",
        default="{}",
        help='ids of neighbouring days, JSON: {slug: {"below": [id, day], "above": [id, day]}}',
    )
    args = parser.parse_args(argv)
    settings = settings_from_json(args.settings)
    last_ids = {slug: int(value) for slug, value in json.loads(args.last_ids).items()}
    manifest = crawl_partition(
        settings,
        args.site,
        args.date,
        args.run_id,
        refresh=args.refresh,
        last_ids=last_ids,
        neighbours=json.loads(args.neighbours),
    )
    print(json.dumps({"manifest": manifest.model_dump(mode="json")}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
