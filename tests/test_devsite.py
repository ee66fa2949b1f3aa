"""devsite: deterministic ground truth, and the pages served for it over real HTTP."""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import subprocess
import sys
import unicodedata
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from parsel import Selector

from devsite import ExpectedArticle, Faults, Publication, World, serve
from devsite.app import HostApp
from devsite.schedule import EPOCH

SITE = "maghress-fr"
TODAY = date(2011, 2, 11)
REFERENCE_DAY = date(2011, 2, 9)
REFERENCE_TITLE = "Maroc Numeric : Sur les traces de la France"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def world() -> World:
    return World(today=TODAY)


@pytest.fixture(scope="module")
def server(world):
    with serve(world, host="127.0.0.1", port=0) as running:
        yield running


def fetch(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


def get_html(server, path: str) -> Selector:
    status, headers, body = fetch(server.base_url + path)
    assert status == 200, path
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    return Selector(text=body.decode("utf-8"))


def clean(node: Selector) -> str:
    """What a correct transform does to a block: entities decoded, NFC, whitespace and nbsp to one space."""
    value = unicodedata.normalize("NFC", "".join(node.xpath(".//text()").getall()))
    return re.sub(r"\s+", " ", value.replace("\u00a0", " ")).strip()


def page_blocks(page: Selector, container: str) -> list[tuple[str, str]]:
    """(kind, text) read back from the body containers; answers are plain paragraphs in the markup."""
    blocks = []
    for node in page.css(f"{container} > p, {container} > h3"):
        if node.root.tag == "h3":
            kind = "subheading"
        elif "question" in node.attrib.get("class", ""):
            kind = "question"
        else:
            kind = "paragraph"
        blocks.append((kind, clean(node)))
    return blocks


def as_markup_kinds(article: ExpectedArticle) -> list[tuple[str, str]]:
    return [("paragraph" if kind == "answer" else kind, text) for kind, text in article.blocks]


def reference_article(world: World) -> ExpectedArticle:
    return next(a for a in world.articles_for_day(SITE, REFERENCE_DAY) if a.title == REFERENCE_TITLE)


# --- ground truth -------------------------------------------------------------------------------


def test_site_and_publications(world):
    assert world.site_names()[0] == SITE and len(world.site_names()) == 12  # the family: test_devsite_family
    publications = world.publications(SITE)
    assert Publication("lesecos", "Les ECO", "https://www.leseco.ma") in publications
    assert "Aujourd'hui le Maroc" in {p.name for p in publications}
    assert 6 <= len(publications) <= 12
    assert len({p.slug for p in publications}) == len(publications)
    with pytest.raises(KeyError):
        world.publications("nowhere-fr")


def test_two_worlds_agree(world):
    other = World(today=TODAY, faults=Faults())
    for day in (EPOCH, REFERENCE_DAY, TODAY):
        assert other.articles_for_day(SITE, day) == world.articles_for_day(SITE, day)
    first = world.articles_for_day(SITE, REFERENCE_DAY)[3]
    assert other.article(SITE, first.publication_slug, first.aggregator_id) == first


def test_pages_identical_across_processes_and_hash_seeds():
    script = (
        "import hashlib, datetime\n"
        "from devsite import World\nfrom devsite.app import HostApp\n"
        "app = HostApp(World(today=datetime.date(2011, 2, 11)), 'maghress')\n"
        "for path in ('/fr/', '/fr/lematin?page=2', '/fr/lesecos/13572', '/fr/h24info/3151'):\n"
        "    print(path, hashlib.sha256(app.respond(path).body).hexdigest())\n"
    )
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1
    here = HostApp(World(today=TODAY), "maghress")
    for line in outputs.pop().splitlines():
        path, digest = line.split()
        assert hashlib.sha256(here.respond(path).body).hexdigest() == digest


def test_articles_sorted_and_well_formed(world):
    articles = world.articles_for_day(SITE, REFERENCE_DAY)
    assert 20 <= len(articles) <= 200
    assert articles == sorted(articles, key=lambda a: (a.publication_slug, a.aggregator_id))
    assert len({a.title for a in articles}) == len(articles)
    for a in articles:
        assert a.site == SITE and a.language == "fr" and a.published_date == REFERENCE_DAY
        assert a.path == f"/fr/{a.publication_slug}/{a.aggregator_id}"
        assert a.canonical_url == "https://www.maghress.com" + a.path
        assert a.thumbnail_url == f"https://images2.maghress.com/{a.publication_slug}/{a.aggregator_id}/thumb"
        assert a.source_url.startswith("https://") and "maghress" not in a.source_url
        assert a.broken is False
        assert a.body == "\n\n".join(text for _, text in a.blocks)
        for kind, text in a.blocks:
            assert kind in ("paragraph", "subheading", "question", "answer")
            assert text == unicodedata.normalize("NFC", text)
            assert text == " ".join(text.split()) and "\u00a0" not in text and "&amp;" not in text


def test_generated_text_shape(world):
    kinds: set[str] = set()
    for offset in range(0, 400, 9):
        for a in world.articles_for_day(SITE, EPOCH + timedelta(days=offset)):
            assert 3 <= len(a.blocks) <= 10
            assert 60 <= len(a.body.split()) <= 800
            assert a.blocks[-1][0] in ("paragraph", "answer")
            kinds.update(kind for kind, _ in a.blocks)
    assert kinds == {"paragraph", "subheading", "question", "answer"}


def test_daily_volume_and_weekends(world):
    totals = {}
    for offset in range(28):
        day = date(2011, 1, 3) + timedelta(days=offset)
        totals[day] = len(world.articles_for_day(SITE, day))
    weekdays = [n for d, n in totals.items() if d.weekday() < 5]
    weekends = [n for d, n in totals.items() if d.weekday() >= 5]
    assert all(30 <= n <= 160 for n in weekdays)
    assert max(weekends) < min(weekdays)


def test_ids_sequential_without_gaps_across_days():
    world = World(today=date(2010, 3, 1))
    by_slug: dict[str, list[int]] = {}
    day = EPOCH
    while day <= world.today:
        for a in world.articles_for_day(SITE, day):
            by_slug.setdefault(a.publication_slug, []).append(a.aggregator_id)
        day += timedelta(days=1)
    assert set(by_slug) == {p.slug for p in world.publications(SITE)}
    for slug, ids in by_slug.items():
        assert ids == list(range(ids[0], ids[0] + len(ids))), slug
        assert world.article(SITE, slug, ids[0] - 1) is None  # nothing before the epoch
        assert world.article(SITE, slug, ids[-1] + 1) is None  # tomorrow's first article
        assert world.published_count(SITE, slug) == len(ids)
        for aggregator_id in ids[:: max(1, len(ids) // 15)]:
            found = world.article(SITE, slug, aggregator_id)
            assert found is not None and found.aggregator_id == aggregator_id


def test_clock_hides_the_future(world):
    tomorrow = TODAY + timedelta(days=1)
    assert world.articles_for_day(SITE, tomorrow) == []
    assert world.articles_for_day(SITE, EPOCH - timedelta(days=1)) == []
    later = World(today=tomorrow)
    future = later.articles_for_day(SITE, tomorrow)
    assert future
    assert world.article(SITE, future[0].publication_slug, future[0].aggregator_id) is None
    assert later.articles_for_day(SITE, REFERENCE_DAY) == world.articles_for_day(SITE, REFERENCE_DAY)


def test_far_dates_are_cheap():
    world = World(today=date(2030, 6, 30))
    articles = world.articles_for_day(SITE, world.today)
    assert articles
    last = articles[-1]
    assert world.article(SITE, last.publication_slug, last.aggregator_id) == last


def test_reference_article(world):
    ref = reference_article(world)
    assert ref.publication_slug == "lesecos" and ref.publication_name == "Les ECO"
    assert ref.published_date == REFERENCE_DAY
    assert world.article(SITE, "lesecos", ref.aggregator_id) == ref
    assert ref.subheadings == (
        "Multipolaire",
        "Programme de démarrage",
        "Le modèle français",
        "«Le cluster a vocation de fédérer les acteurs» : Mehdi Kettani, Président de Maroc Numeric Cluster",
    )
    assert ref.blocks[0][1].startswith(
        "Après un an et quelques mois de la présentation du Plan Maroc Numeric 2013"
    )
    assert ref.blocks[0][1].endswith("évoluera sur quatre pôles.")
    assert [kind for kind, _ in ref.blocks[-6:]] == ["question", "answer"] * 3
    assert ref.blocks[-6][1] == (
        "Les Echos quotidien : Si vous deviez fixer des priorités dans votre action initiale, "
        "quelles seraient-elles ?"
    )
    assert ref.blocks[-1][1].endswith("l'innovation aura plus de certitude que quand on ne l'est pas.")
    assert "«les zones R&D concentrées»" in ref.body
    assert len(ref.blocks) == 14


# --- pages over HTTP ----------------------------------------------------------------------------


def test_server_urls(server):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.base_url)
    assert server.base_url_for(SITE) == server.base_url


def test_home_lists_publications(server, world):
    page = get_html(server, "/fr/")
    links = page.css("ul.publications a::attr(href)").getall()
    assert links == [f"/fr/{p.slug}" for p in world.publications(SITE)]
    assert page.css("ul.publications a::text").getall() == [p.name for p in world.publications(SITE)]
    assert page.css("form.search")
    assert fetch(server.base_url + "/fr")[2] == fetch(server.base_url + "/fr/")[2]


def walk_listing(server, slug: str, stop_before: date | None = None) -> list[tuple[str, date]]:
    """Follow a.next like the spider: (path, listed date), until entries are older than stop_before."""
    seen = []
    path: str | None = f"/fr/{slug}"
    pages = 0
    while path:
        page = get_html(server, path)
        pages += 1
        items = page.css("li.article-item")
        assert 1 <= len(items) <= 20
        for item in items:
            day, month, year = (int(x) for x in item.css("span.article-date::text").get().split(" - "))
            seen.append((item.css("a.article-link::attr(href)").get(), date(year, month, day)))
            assert item.css("p::text").get().strip()
        if stop_before is not None and seen[-1][1] < stop_before:
            break
        path = page.css("a.next::attr(href)").get()
        if path:
            assert path == f"/fr/{slug}?page={pages + 1}"
            assert len(items) == 20
    return seen


def test_listings_cover_the_day_newest_first(server, world):
    expected = world.articles_for_day(SITE, REFERENCE_DAY)
    found = []
    for pub in world.publications(SITE):
        entries = walk_listing(server, pub.slug, stop_before=REFERENCE_DAY)
        keys = [(day, int(path.rsplit("/", 1)[1])) for path, day in entries]
        assert keys == sorted(keys, reverse=True)  # date desc, then id desc
        assert max(d for _, d in entries) <= TODAY
        found += [path for path, day in entries if day == REFERENCE_DAY]
    assert sorted(found) == sorted(a.path for a in expected)


def test_full_listing_matches_published_count():
    small = World(today=date(2010, 1, 9))
    with serve(small) as running:
        entries = walk_listing(running, "h24info")
        assert len(entries) == small.published_count(SITE, "h24info") > 20
        assert len(set(entries)) == len(entries)
        pages = (len(entries) + 19) // 20
        assert fetch(f"{running.base_url}/fr/h24info?page={pages}")[0] == 200
        assert fetch(f"{running.base_url}/fr/h24info?page={pages + 1}")[0] == 404


def test_article_page_structure(server, world):
    ref = reference_article(world)
    status, headers, body = fetch(server.base_url + ref.path)
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert int(headers["Content-Length"]) == len(body)
    html = body.decode("utf-8")
    page = Selector(text=html)
    assert page.xpath("/html/@lang").get() == "fr" and page.xpath("/html/@dir").get() == "ltr"
    assert page.xpath("//meta/@charset").get() == "utf-8"
    assert clean(page.css("h1 span.articletitle")[0]) == REFERENCE_TITLE
    assert clean(page.css("span.articlenewspaper")[0]) == "Publié dans Les ECO le 09 - 02 - 2011"
    assert page.css("span.articlenewspaper a::attr(href)").get() == "/fr/lesecos"
    assert page.css("img.articleimage::attr(src)").get() == ref.thumbnail_url
    assert page_blocks(page, "span.articlecontent") == as_markup_kinds(ref)
    assert page.css("span.articlecontent h3::text").getall() != []
    assert len(page.css("span.articlecontent")) == 2
    assert len(page.css("p.question > strong")) == 3
    source = page.xpath("//a[contains(normalize-space(.), 'Cliquez ici pour lire')]")
    assert source.attrib["href"] == ref.source_url and source.attrib["rel"] == "nofollow"
    assert clean(source[0]) == "Cliquez ici pour lire l'article depuis sa source."
    ticker_links = page.css("div.ticker a::attr(href)").getall()
    assert len(ticker_links) >= 10 and ref.path not in ticker_links
    assert any(link.startswith("/fr/") for link in ticker_links)
    assert any(not link.startswith("/") for link in ticker_links)  # English and Spanish headlines
    for text in (
        "Merci d'avoir signalé!",
        "Cette image sera automatiquement bloquée",
        "Partager",
        "WhatsApp",
    ):
        assert text in html
    markers = ('class="ticker"', "Merci d'avoir", "articletitle", "articlenewspaper", "articlecontent")
    order = [html.index(marker) for marker in markers]
    assert order == sorted(order)
    assert page.css("div.related li a")
    assert page.css("div#footer")


def test_every_article_of_a_day_reads_back_exactly(world):
    """All pages of a day through the app (no sockets): title and body survive the markup noise."""
    app = HostApp(world, "maghress")
    html_seen = []
    for a in world.articles_for_day(SITE, REFERENCE_DAY):
        response = app.respond(a.path)
        assert response.status == 200
        html = response.body.decode("utf-8")
        html_seen.append(html)
        page = Selector(text=html)
        assert clean(page.css("span.articletitle")[0]) == a.title
        assert page_blocks(page, "span.articlecontent") == as_markup_kinds(a)
        line = clean(page.css("span.articlenewspaper")[0])
        assert line == f"Publié dans {a.publication_name} le {a.published_date:%d - %m - %Y}"
    noise = "".join(html_seen)
    for marker in ("&amp;", "\u00a0", "&nbsp;", "&#160;", "&rsquo;", "\u2019", "\u0301", "\n\t\t\t"):
        assert marker in noise, repr(marker)


def test_publication_line_splits_with_profile_pattern(world):
    """Checked against the spider profile: "Aujourd'hui le Maroc" contains " le " itself."""
    profile = yaml.safe_load((ROOT / "profiles" / "maghress-fr.yaml").read_text(encoding="utf-8"))
    pattern = re.compile(profile["publication_line"]["pattern"])
    app = HostApp(world, "maghress")
    article = next(
        a for a in world.articles_for_day(SITE, REFERENCE_DAY) if a.publication_slug == "aujourdhui"
    )
    page = Selector(text=app.respond(article.path).body.decode("utf-8"))
    match = pattern.match(clean(page.css(profile["selectors"]["publication_line"])[0]))
    assert match and match["publication"] == "Aujourd'hui le Maroc" and match["date"] == "09 - 02 - 2011"


def test_not_found(server, world):
    ref = reference_article(world)
    tomorrow = TODAY + timedelta(days=1)
    tomorrow_first = World(today=tomorrow).articles_for_day(SITE, tomorrow)[0]
    for path in (
        "/fr/nosuchpaper",
        "/fr/nosuchpaper/12",
        "/fr/lesecos/1",
        "/fr/lesecos/999999999",
        tomorrow_first.path,
        f"{ref.path}/extra",
        "/fr/lesecos?page=0",
        "/fr/lesecos?page=abc",
        "/fr/lesecos?page=100000",
        "/fr/recherche/x/y",
        "/nowhere",
    ):
        status, headers, _ = fetch(server.base_url + path)
        assert status == 404, path
        assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert fetch(server.base_url + ref.path + "/")[0] == 200


def test_robots_txt(server):
    status, headers, body = fetch(server.base_url + "/robots.txt")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    lines = body.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Disallow: /fr/recherche" in lines and "Disallow: /admin/" in lines


def test_head_and_concurrent_requests(server, world):
    ref = reference_article(world)
    status, headers, body = fetch(server.base_url + ref.path, method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 5000
    paths = [a.path for a in world.articles_for_day(SITE, REFERENCE_DAY)[:40]]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda p: fetch(server.base_url + p), paths * 2))
    assert all(status == 200 for status, _, _ in results)
    bodies = [body for _, _, body in results]
    assert bodies[: len(paths)] == bodies[len(paths) :]


# --- faults -------------------------------------------------------------------------------------


def test_down_answers_503_everywhere(world):
    with serve(World(today=TODAY, faults=Faults(down=True))) as running:
        for path in ("/robots.txt", "/fr/", "/fr/lesecos", reference_article(world).path):
            assert fetch(running.base_url + path)[0] == 503


def test_status_by_path(world):
    ref = reference_article(world)
    faults = Faults(status_by_path={"/fr/lematin?page=2": 500, ref.path: 429})
    with serve(World(today=TODAY, faults=faults)) as running:
        assert fetch(running.base_url + "/fr/lematin?page=2")[0] == 500
        assert fetch(running.base_url + ref.path)[0] == 429
        assert fetch(running.base_url + "/fr/lematin?page=3")[0] == 200
        assert fetch(running.base_url + "/fr/lematin")[0] == 200


def test_broken_articles_lose_title_and_body(world):
    broken_world = World(today=TODAY, faults=Faults(broken_share=0.3))
    articles = broken_world.articles_for_day(SITE, REFERENCE_DAY)
    broken = [a for a in articles if a.broken]
    assert 0.15 < len(broken) / len(articles) < 0.45
    assert [replace(a, broken=False) for a in articles] == world.articles_for_day(SITE, REFERENCE_DAY)
    app = HostApp(broken_world, "maghress")
    for a in articles[:30]:
        page = Selector(text=app.respond(a.path).body.decode("utf-8"))
        assert bool(page.css("span.articletitle")) is not a.broken
        assert bool(page.css("span.articlecontent")) is not a.broken
        assert page.css("span.articlenewspaper")
        assert page.xpath("//a[contains(., 'Cliquez ici')]/@href").get() == a.source_url
        if a.broken:
            assert a.title not in page.css("head title::text").get()
    everything = World(today=TODAY, faults=Faults(broken_share=1.0)).articles_for_day(SITE, REFERENCE_DAY)
    assert all(a.broken for a in everything)


def test_drift_changes_markup_not_content(world):
    drifted = World(today=TODAY, faults=Faults(drift=True))
    ref = reference_article(drifted)
    assert ref == reference_article(world)
    with serve(drifted) as running:
        page = get_html(running, ref.path)
    for gone in ("span.articletitle", "span.articlenewspaper", "span.articlecontent"):
        assert not page.css(gone), gone
    assert clean(page.css("h1.post-title")[0]) == ref.title
    assert clean(page.css("div.post-meta")[0]) == "Publié dans Les ECO le 09 - 02 - 2011"
    assert page_blocks(page, "div.post-body") == as_markup_kinds(ref)


def test_faults_are_immutable_values():
    statuses = {"/fr/": 500}
    faults = Faults(status_by_path=statuses)
    statuses["/fr/"] = 200
    assert faults.status_by_path["/fr/"] == 500
    same = Faults(status_by_path={"/fr/": 500})
    assert faults == same and hash(faults) == hash(same)
    with pytest.raises(TypeError):
        faults.status_by_path["/fr/"] = 200  # type: ignore[index]
    with pytest.raises(ValueError):
        Faults(broken_share=1.5)
    world = World(today=TODAY, faults=faults)
    copy = pickle.loads(pickle.dumps(world))
    assert copy.faults == faults and copy.today == TODAY
