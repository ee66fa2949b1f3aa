"""Scrapy settings for one crawl, built from the site profile and pressetl settings.

Scrapy's own layers do the work (defaults < these < command line): this module
only maps a profile's politeness and size limits onto Scrapy's setting names.
"""

from __future__ import annotations

from importlib.metadata import version

from core.partitions import Partition
from core.profiles import SiteProfile
from core.settings import Settings

RETRY_HTTP_CODES = [408, 429, 500, 502, 503, 504, 522, 524]
# Exponential backoff between retries (spiders.retry); Retry-After wins when longer, up to the cap.
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_MAX_SECONDS = 120.0


def user_agent(settings: Settings) -> str:
    return f"pressetl/{version('pressetl')} (+{settings.contact_url})"


def scrapy_settings(
    profile: SiteProfile, partition: Partition, run_id: str, settings: Settings, log_file: str | None
) -> dict:
    crawl = profile.crawl
    values = {
        "BOT_NAME": "pressetl",
        "USER_AGENT": user_agent(settings),
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrent_requests_per_host,
        "DOWNLOAD_DELAY": crawl.download_delay,
        "RANDOMIZE_DOWNLOAD_DELAY": True,
        "AUTOTHROTTLE_ENABLED": crawl.autothrottle,
        "AUTOTHROTTLE_START_DELAY": max(crawl.download_delay, 1.0),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": max(1.0, crawl.concurrent_requests_per_host / 2),
        "DOWNLOAD_TIMEOUT": crawl.download_timeout,
        "DOWNLOAD_MAXSIZE": crawl.max_size_bytes,
        "DOWNLOAD_WARNSIZE": crawl.max_size_bytes // 2,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": crawl.retry_times,
        "RETRY_HTTP_CODES": RETRY_HTTP_CODES,
        "PRESSETL_RETRY_BACKOFF_BASE": BACKOFF_BASE_SECONDS,
        "PRESSETL_RETRY_BACKOFF_MAX": BACKOFF_MAX_SECONDS,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "DOWNLOADER_MIDDLEWARES": {
            # before Offsite (50) and robots.txt (100): an off-site URL is not even asked about
            "spiders.hosts.AllowedHostsMiddleware": 40,
            # between HttpCompression (590) and Retry (550): sees every response, decompressed
            "spiders.warc.WarcArchiveMiddleware": 585,
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "spiders.retry.BackoffRetryMiddleware": 550,
        },
        "ITEM_PIPELINES": {"spiders.pipelines.RawZoneWriter": 100},
        "EXTENSIONS": {"spiders.progress.ProgressReporter": 500},
        "LOG_LEVEL": "INFO",
        "LOGSTATS_INTERVAL": 30.0,
        "PRESSETL_SITE": profile.site,
        "PRESSETL_LOGICAL_DATE": partition.day.isoformat(),
        "PRESSETL_RUN_ID": run_id,
        "PRESSETL_WARC_PATH": str(partition.warc_dir / f"{run_id}.warc.gz"),
        "PRESSETL_ITEMS_PATH": str(partition.raw_items),
        "PRESSETL_FAILURES_PATH": str(partition.failures),
    }
    if log_file:
        values["LOG_FILE"] = log_file
    if not settings.polite:
        # Our own devsite (demo, tests, benchmarks): no reason to wait.
        values.update(
            {
                "DOWNLOAD_DELAY": 0,
                "AUTOTHROTTLE_ENABLED": False,
                "CONCURRENT_REQUESTS": 32,
                "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
                # still backing off, still honouring Retry-After, but a test need not wait minutes
                "PRESSETL_RETRY_BACKOFF_BASE": 0.1,
                "PRESSETL_RETRY_BACKOFF_MAX": 5.0,
            }
        )
    return values
