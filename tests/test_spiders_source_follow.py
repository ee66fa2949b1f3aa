"""Source follow (spiders.source_follow: "Cliquez ici pour lire l'article depuis sa source"), and
the hosts a crawl may reach: the aggregator's, and the allowed publishers' only when source follow
is on. The ad server linked from every devsite page is never requested."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import yaml
from conftest import make_settings
from parsel import Selector
from spider_harness import make_spider

from core.partitions import Partition
from core.profiles import load_profile
from core.rawzone import index_archived, read_raw_items
from core.settings import REPO_ROOT
from devsite import Faults, World, serve
from pipeline.stages import crawl
from spiders.source_follow import PublisherLinks

TODAY = date(2011, 2, 11)
DAY = date(2011, 2, 10)


@pytest.fixture
def server():
    with serve(World(today=TODAY)) as running:
        yield running


def _settings(tmp_path: Path, server, site: str, source_follow: dict | None = None):
    settings = make_settings(tmp_path / "data", None).with_base_url(site, server.base_url_for(site))
    settings = settings.with_publisher_urls(server.publisher_base_urls)
    if source_follow is None:
        return settings
    profiles = tmp_path / "profiles"
    shutil.copytree(REPO_ROOT / "profiles", profiles)
    path = profiles / f"{site}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["source_follow"].update(source_follow)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return replace(settings, profiles_dir=profiles)


def _publisher_requests(server) -> dict[str, list[str]]:
    return {host: server.request_log(host) for host in server.publisher_base_urls if server.request_log(host)}


def test_without_source_follow_no_publisher_and_no_ad_server_is_requested(tmp_path, server, world):
    site = "maghress-fr"
    settings = _settings(tmp_path, server, site)
    crawl(settings, site, DAY, "off")
    items = list(read_raw_items(Partition(site, DAY, settings.data_dir)))
    assert items and all(item.source_url is None for item in items)
    assert _publisher_requests(server) == {}
    assert server.offsite_requests() == []
    # ... though every page does link to it
    home = server.request_log(site)[:3]
    assert home, "the crawl reached the aggregator"


@pytest.mark.parametrize("site", ["maghress-fr", "masress-ar"])
def test_source_follow_fetches_the_publishers_page_and_keeps_the_real_url(tmp_path, server, world, site):
    settings = _settings(tmp_path, server, site, {"enabled": True})
    summary = crawl(settings, site, DAY, "on")
    partition = Partition(site, DAY, settings.data_dir)
    items = list(read_raw_items(partition))
    expected = {a.path: a for a in world.articles_for_day(site, DAY)}
    base = server.base_url_for(site)
    assert summary["failed"] == 0 and len(items) == len(expected)
    archived = {ref.record_id: url for url, ref in index_archived(partition).items()}
    for item in items:
        article = expected[item.url.removeprefix(base)]
        assert item.source_url == article.source_url  # the real publisher URL, not the devsite port
        assert item.source_status == 200 and item.source_error is None
        assert item.source_warc_file == "on.warc.gz"
        fetched_from = archived[item.source_warc_record_id]
        host = urlsplit(article.source_url).hostname
        assert fetched_from.startswith(server.publisher_base_urls[host])  # ... fetched from devsite
        real = urlsplit(article.source_url)
        assert fetched_from.endswith(urlunsplit(("", "", real.path, real.query, "")))
    asked = _publisher_requests(server)
    hosts = {urlsplit(a.source_url).hostname for a in expected.values()}
    assert set(asked) == hosts
    assert server.offsite_requests() == []


def test_source_follow_reaches_only_the_allowed_publisher_hosts(tmp_path, server, world):
    site = "maghress-fr"
    settings = _settings(tmp_path, server, site, {"enabled": True, "allowed_hosts": ["www.leseco.ma"]})
    crawl(settings, site, DAY, "one")
    items = list(read_raw_items(Partition(site, DAY, settings.data_dir)))
    followed = {item.publication_slug for item in items if item.source_url}
    assert followed == {"lesecos"}
    assert set(_publisher_requests(server)) == {"www.leseco.ma"}


def test_a_link_to_the_ad_server_is_refused_even_if_a_profile_selects_it(tmp_path, server):
    """A careless profile: its source-link selector picks the sponsored links (on the ad server's
    port) and it allows the bare host 127.0.0.1. The selector is only a hint: the page's
    structure says they are ads (a "sponsored" box, the aggregator's own host), so no article
    takes one as its source and the ad server is never asked (the port-aware host guard of
    spiders/hosts.py, tested in test_spiders_hosts.py, stays behind it)."""
    site = "maghress-fr"
    settings = _settings(
        tmp_path,
        server,
        site,
        {"enabled": True, "allowed_hosts": ["127.0.0.1"]},
    )
    path = settings.profiles_dir / f"{site}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["selectors"]["source_link"] = "div.sponsored a::attr(href)"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    crawl(settings, site, DAY, "trap")
    partition = Partition(site, DAY, settings.data_dir)
    items = list(read_raw_items(partition))
    assert items and not any(item.source_url or item.source_error for item in items)
    assert server.offsite_requests() == []


# -- which links are followed, and from where (no crawl) --------------------------------------------


def _links(enabled: bool = True, allowed: list[str] | None = None, publisher_urls=None) -> PublisherLinks:
    profile = load_profile(REPO_ROOT / "profiles", "maghress-fr")
    follow = {"enabled": enabled} | ({"allowed_hosts": allowed} if allowed is not None else {})
    profile = profile.model_copy(update={"source_follow": profile.source_follow.model_copy(update=follow)})
    return PublisherLinks(profile, publisher_urls)


def _article_linking(href: str) -> Selector:
    return Selector(
        text=f'<p><a href="{href}">Cliquez ici pour lire l\'article depuis sa source.</a></p>', type="html"
    )


BASE = "https://www.maghress.com/fr/lesecos/13573"


def test_off_no_link_is_followed_and_no_publisher_host_may_be_reached():
    links = _links(enabled=False, publisher_urls={"www.leseco.ma": "http://127.0.0.1:8101"})
    assert not links.enabled and links.netlocs() == frozenset()
    assert links.source_link(_article_linking("https://www.leseco.ma/a.html"), BASE) is None


@pytest.mark.parametrize(
    ("href", "followed"),
    [
        ("https://www.leseco.ma/a.html?id=3", "https://www.leseco.ma/a.html?id=3"),
        ("https://WWW.LESECO.MA/a.html", "https://WWW.LESECO.MA/a.html"),  # hosts compare lower-cased
        ("https://leseco.ma/a.html", None),  # not in allowed_hosts (only www.leseco.ma is)
        ("https://www.mapexpress.ma/a.html", None),  # allowed by the profile, not by this test's list
        ("javascript:void(0)", None),
        ("/fr/lesecos/13572", None),  # relative: the aggregator itself
    ],
)
def test_only_links_to_the_allowed_hosts_are_followed(href, followed):
    links = _links(allowed=["www.leseco.ma"])
    assert links.source_link(_article_linking(href), BASE) == followed


def test_a_publisher_with_a_base_url_override_is_fetched_there_and_may_be_reached_there():
    links = _links(
        allowed=["www.leseco.ma", "lematin.ma"],
        publisher_urls={"WWW.LESECO.MA": "http://127.0.0.1:8101/", "fr.le360.ma": "http://127.0.0.1:8102"},
    )
    assert links.request_url("https://www.leseco.ma/x/a.html?id=3") == "http://127.0.0.1:8101/x/a.html?id=3"
    assert links.request_url("https://www.leseco.ma") == "http://127.0.0.1:8101/"
    assert links.request_url("https://lematin.ma/a.html") == "https://lematin.ma/a.html"  # no override
    # an override for a host source follow does not allow is ignored
    assert links.netlocs() == {"www.leseco.ma", "lematin.ma", "127.0.0.1:8101"}


def test_the_spider_may_reach_the_site_and_the_followed_publishers_only():
    spider = make_spider(
        "maghress-fr",
        DAY,
        source_follow={"enabled": True, "allowed_hosts": ["www.leseco.ma"]},
        publisher_urls={"www.leseco.ma": "http://127.0.0.1:8101"},
    )
    assert spider.allowed_netlocs == {"www.maghress.com", "maghress.com", "www.leseco.ma", "127.0.0.1:8101"}
    assert spider.allowed_domains == ["127.0.0.1", "maghress.com", "www.leseco.ma", "www.maghress.com"]


# -- many articles, one publisher page ---------------------------------------------------------


def test_articles_sharing_one_publisher_page_are_all_collected_and_loaded(tmp_path):
    """Half the day's articles link to their publisher's home page instead of their own URL: the
    home is fetched once per publisher, and every article is collected and loaded from the
    aggregator's copy, with the follow's outcome recorded (Scrapy's duplicate filter dropped them)."""
    import sqlalchemy as sa

    from pipeline.runner import run_partition
    from warehouse.engine import make_engine

    site = "maghress-fr"
    world = World(today=TODAY, faults=Faults(shared_source_share=0.5))
    expected = {a.path: a for a in world.articles_for_day(site, DAY)}
    sharing = {path for path, a in expected.items() if a.shared_source}
    assert len(sharing) >= 4, "the fault hits several articles of a publisher"
    with serve(world) as server:
        settings = _settings(tmp_path, server, site, {"enabled": True})
        result = run_partition(settings, site, DAY, "shared")
        base = server.base_url_for(site)
        homes = {host: log.count("/") for host, log in _publisher_requests(server).items()}

    assert result.status == "succeeded", result.error
    items = {
        item.url.removeprefix(base): item for item in read_raw_items(Partition(site, DAY, settings.data_dir))
    }
    assert set(items) == set(expected)  # every article, none dropped
    for path in sharing:
        home = urlsplit(expected[path].source_url)
        assert items[path].source_url == f"{home.scheme}://{home.netloc}/"
        assert (items[path].source_status, items[path].source_error) == (200, None)
    shared_hosts = {urlsplit(expected[p].source_url).hostname for p in sharing}
    assert all(homes[host] == 1 for host in shared_hosts)  # one request per shared page
    engine = make_engine(settings.warehouse_url)
    try:
        with engine.connect() as connection:
            loaded = connection.execute(
                sa.text("select count(*) from articles where site = :s and logical_date = :d"),
                {"s": site, "d": DAY},
            ).scalar_one()
    finally:
        engine.dispose()
    assert result.counts["discovered"] == len(expected)
    quarantined_or_failed = (
        result.counts["quarantined"] + result.counts["failed"] + result.counts["duplicates"]
    )
    assert loaded == result.counts["loaded"] == len(expected) - quarantined_or_failed
