"""Politeness and safety: robots.txt, allowed hosts only, identifying User-Agent, retries with
backoff, size limits, timeouts kept as failures."""

from __future__ import annotations

import json
import shutil
import threading
import time
import urllib.error
import urllib.request
from dataclasses import replace
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from conftest import SITE, make_settings
from warcio.archiveiterator import ArchiveIterator

from core.errors import CrawlError
from core.partitions import Partition
from core.rawzone import read_raw_items
from core.settings import REPO_ROOT
from devsite import Faults, World
from pipeline.stages import crawl

DAY = date(2011, 2, 9)
TODAY = date(2011, 2, 11)


def profiles_with(tmp_path: Path, site: str, mutate) -> Path:
    """A copy of the shipped profiles with one of them changed."""
    target = tmp_path / "profiles"
    shutil.copytree(REPO_ROOT / "profiles", target)
    path = target / f"{site}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    mutate(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return target


def _warc_records(partition: Partition, run_id: str) -> list:
    with (partition.warc_dir / f"{run_id}.warc.gz").open("rb") as fh:
        return [
            (r.rec_headers.get_header("WARC-Target-URI"), r.http_headers.get_statuscode())
            for r in ArchiveIterator(fh)
            if r.rec_type == "response"
        ]


def _bodies(partition: Partition, run_id: str) -> list[bytes]:
    with (partition.warc_dir / f"{run_id}.warc.gz").open("rb") as fh:
        return [r.content_stream().read() for r in ArchiveIterator(fh) if r.rec_type == "response"]


def _failures(partition: Partition) -> list[dict]:
    return [json.loads(line) for line in partition.failures.read_text().splitlines()]


def test_robots_txt_is_obeyed_even_for_a_link_the_profile_selects(tmp_path, devsite_url):
    def select_search_link(data):  # the search form's action is a disallowed path
        data["selectors"]["home_publication_links"] = (
            "ul.publications a::attr(href), form.search::attr(action)"
        )

    settings = make_settings(tmp_path / "data", devsite_url)
    settings = replace(settings, profiles_dir=profiles_with(tmp_path, SITE, select_search_link))
    with pytest.raises(CrawlError, match="robots.txt") as err:
        crawl(settings, SITE, DAY, "robots")
    assert f"{devsite_url}/fr/recherche" in str(err.value)
    partition = Partition(SITE, DAY, settings.data_dir)
    uris = [uri for uri, _ in _warc_records(partition, "robots")]
    assert f"{devsite_url}/robots.txt" in uris
    assert not [u for u in uris if "/recherche" in u]  # never requested
    assert any(f["url"].endswith("/fr/recherche") and "robots" in f["reason"] for f in _failures(partition))


def test_user_agent_identifies_pressetl_with_the_contact_url(tmp_path, devsite_url):
    from spiders.settings import user_agent

    settings = make_settings(tmp_path / "data", devsite_url)
    agent = user_agent(settings)
    assert agent.startswith("pressetl/") and settings.contact_url in agent


def test_pages_over_download_maxsize_are_failed_not_kept_half(tmp_path, devsite_url, world):
    limit = 12_000  # listings (~10 kB) pass, article pages (~13 kB and more) do not

    def small(data):
        data["crawl"] = {"max_size_bytes": limit, "retry_times": 0}

    settings = replace(
        make_settings(tmp_path / "data", devsite_url), profiles_dir=profiles_with(tmp_path, SITE, small)
    )
    summary = crawl(settings, SITE, DAY, "big")
    partition = Partition(SITE, DAY, settings.data_dir)
    items = list(read_raw_items(partition))
    failed = [item for item in items if item.error]
    assert len(items) == len(world.articles_for_day(SITE, DAY)) == summary["discovered"]
    assert failed and summary["failed"] == len(failed)
    assert all(item.status is None and "max size" in item.error for item in failed)
    assert all(len(body) <= limit for body in _bodies(partition, "big"))  # nothing over the limit kept


def test_429_with_retry_after_is_retried_after_waiting_then_succeeds(tmp_path, served, world):
    base_url = served(
        World(today=TODAY, faults=Faults(rate_limit=7))
    )  # every 7th request: 429, Retry-After: 1
    settings = make_settings(tmp_path / "data", base_url)
    summary = crawl(settings, SITE, DAY, "rl")
    expected = {a.canonical_url for a in world.articles_for_day(SITE, DAY)}
    partition = Partition(SITE, DAY, settings.data_dir)
    items = list(read_raw_items(partition))
    assert summary["failed"] == 0 and len(items) == len(expected)
    statuses = [status for _, status in _warc_records(partition, "rl")]
    refused = statuses.count("429")
    assert refused > 0  # the refusals are archived too
    manifest = json.loads(partition.crawl_manifest.read_text())
    assert manifest["retries"] == refused
    assert manifest["backoff_seconds"] >= refused * 1.0  # Retry-After: 1 honoured for each


class _Flaky(BaseHTTPRequestHandler):
    """In front of devsite: the first GET of every article answers 503, of every listing 429."""

    upstream = ""
    seen: dict[str, list[float]]
    lock = threading.Lock()

    def do_GET(self):  # noqa: N802
        with self.lock:
            times = self.seen.setdefault(self.path, [])
            times.append(time.monotonic())
            first = len(times) == 1
        parts = self.path.strip("/").split("/")
        if first and len(parts) == 3:
            return self._send(503, b"busy", [])
        if first and len(parts) == 2:
            return self._send(429, b"slow down", [("Retry-After", "1")])
        try:
            with urllib.request.urlopen(self.upstream + self.path, timeout=10) as answer:
                self._send(answer.status, answer.read(), [("Content-Type", answer.headers["Content-Type"])])
        except urllib.error.HTTPError as error:
            self._send(error.code, error.read(), [("Content-Type", error.headers["Content-Type"])])

    def _send(self, status, body, headers):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_5xx_and_429_are_retried_with_exponential_backoff_then_succeed(tmp_path, devsite_url, world):
    handler = type("Flaky", (_Flaky,), {"upstream": devsite_url, "seen": {}})
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        settings = make_settings(tmp_path / "data", f"http://127.0.0.1:{proxy.server_address[1]}")
        summary = crawl(settings, SITE, DAY, "flaky")
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert summary["failed"] == 0 and summary["discovered"] == len(world.articles_for_day(SITE, DAY))
    articles = {p: t for p, t in handler.seen.items() if p.count("/") == 3}
    listings = {p: t for p, t in handler.seen.items() if p.count("/") == 2 and p != "/fr/"}
    assert articles and listings
    # each failed once, then succeeded on the first retry, after a wait: base 0.1 s with equal
    # jitter (at least half of it) for a 503, the server's Retry-After (1 s) for a 429
    assert all(len(t) == 2 and t[1] - t[0] >= 0.05 for t in articles.values())
    assert all(len(t) == 2 and t[1] - t[0] >= 1.0 for t in listings.values())
    partition = Partition(SITE, DAY, settings.data_dir)
    statuses = [status for _, status in _warc_records(partition, "flaky")]
    assert statuses.count("503") == len(articles) and statuses.count("429") == len(listings)


def test_timeouts_are_recorded_as_failures(tmp_path, served):
    world = World(today=TODAY, faults=Faults(slow_share=0.2, slow_seconds=4.0))
    base_url = served(world)
    for day in (DAY - timedelta(days=1), DAY, DAY + timedelta(days=1), TODAY):
        world.articles_for_day(SITE, day)  # generated before the clock runs: only slow pages are slow

    def impatient(data):
        data["crawl"] = {"download_timeout": 1.5, "retry_times": 0}

    settings = replace(
        make_settings(tmp_path / "data", base_url), profiles_dir=profiles_with(tmp_path, SITE, impatient)
    )
    summary = crawl(settings, SITE, DAY, "slow")
    slow = {a.canonical_url for a in world.articles_for_day(SITE, DAY) if a.slow}
    partition = Partition(SITE, DAY, settings.data_dir)
    failed = [item for item in read_raw_items(partition) if item.error]
    assert summary["failed"] == len(failed) == len(slow) > 0
    assert all("Timeout" in item.error and item.status is None for item in failed)
    assert {f["url"] for f in _failures(partition)} >= {item.url for item in failed}
