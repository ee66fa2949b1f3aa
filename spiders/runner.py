"""Run one crawl (site, day) in this process and write its manifest.

Entry point of the child process started by ``pipeline.stages.crawl``: Twisted's
reactor runs once per process, and a child also keeps a crawl's memory and
signal handlers away from the Airflow worker or CLI that asked for it.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, date, datetime
from pathlib import Path

from scrapy.crawler import CrawlerProcess

from pipeline.partitions import Partition, write_json_atomic
from pipeline.profiles import load_profile
from pipeline.records import RawItem
from pipeline.settings import Settings
from spiders.aggregator import AggregatorSpider
from spiders.settings import scrapy_settings


def crawl_partition(settings: Settings, site: str, day: date, run_id: str) -> dict:
    profile = load_profile(settings.profiles_dir, site, settings.base_url_overrides.get(site))
    partition = Partition(site, day, settings.data_dir)
    log_file = partition.raw_dir / "logs" / f"{run_id}.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    started_at = datetime.now(UTC)

    process = CrawlerProcess(
        scrapy_settings(profile, partition, run_id, settings, str(log_file)), install_root_handler=True
    )
    crawler = process.create_crawler(AggregatorSpider)
    process.crawl(crawler, profile=profile, day=day)
    process.start()

    spider: AggregatorSpider = crawler.spider
    stats = crawler.stats.get_stats()
    items = [RawItem.model_validate_json(line) for line in partition.raw_items.read_text().splitlines()]
    failed = [item for item in items if item.error]
    error = None
    if spider.listing_failures:
        first = spider.listing_failures[0]
        reasons = {
            json.loads(line)["url"]: json.loads(line)["reason"]
            for line in partition.failures.read_text().splitlines()
        }
        error = (
            f"crawl of {site} {day} incomplete: {len(spider.listing_failures)} discovery page(s) failed, "
            f"first {first}: {reasons.get(first, 'see failures.jsonl')}"
        )
    manifest = {
        "site": site,
        "logical_date": day.isoformat(),
        "run_id": run_id,
        "status": "failed" if error else "complete",
        "error": error,
        "discovered": len(items),
        "fetched": len(items) - len(failed),
        "failed": len(failed),
        "pages_fetched": stats.get("response_received_count", 0),
        "bytes_fetched": stats.get("downloader/response_bytes", 0),
        "finish_reason": stats.get("finish_reason"),
        "warc_file": f"warc/{run_id}.warc.gz",
        "log_file": str(log_file.relative_to(partition.raw_dir)),
        "started_at": started_at.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
    }
    write_json_atomic(partition.crawl_manifest, manifest)
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Crawl one site for one day (child process).")
    parser.add_argument("--site", required=True)
    parser.add_argument("--date", required=True, type=date.fromisoformat)
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--settings", required=True, help="pressetl Settings as JSON")
    args = parser.parse_args(argv)
    raw = json.loads(args.settings)
    settings = Settings(
        data_dir=Path(raw["data_dir"]),
        warehouse_url=raw["warehouse_url"],
        profiles_dir=Path(raw["profiles_dir"]),
        contact_url=raw["contact_url"],
        polite=raw["polite"],
        base_url_overrides=raw["base_url_overrides"],
    )
    manifest = crawl_partition(settings, args.site, args.date, args.run_id)
    print(json.dumps({"manifest": manifest}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
