"""A day with 15 % wrong-charset pages (devsite's fault, both ways) loads whole and clean."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import make_settings
from sqlalchemy import create_engine, text

from core.decoding import DETECTED, HEADER_META, UTF8_DISAGREED
from core.manifests import transform_manifest
from core.partitions import Partition
from devsite import Faults, World, serve
from devsite.faults import LATIN1_HEADER, LEGACY_BODY, charset_variant
from pipeline.runner import run_partition

TODAY = date(2011, 2, 11)
DAY = date(2011, 2, 9)
MOJIBAKE = ("Ã", "â€", "\ufffd", "Ø§Ù")  # utf-8 read as windows-1252 (French, Arabic), replacements


def _rows(url: str, sql: str, **params) -> list:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text(sql), params).all()
    engine.dispose()
    return rows


@pytest.mark.parametrize(
    ("site", "legacy"), [("maghress-fr", "windows-1252"), ("maghress-ar", "windows-1256")]
)
def test_a_day_of_wrong_charsets_loads_every_article_clean(tmp_path, site, legacy):
    world = World(today=TODAY, faults=Faults(wrong_charset_share=0.15))
    expected = world.articles_for_day(site, DAY)
    wrong = [a for a in expected if a.wrong_charset]
    variants = [charset_variant(a) for a in wrong]
    assert LEGACY_BODY in variants and LATIN1_HEADER in variants, "the fault must hit both ways"

    with serve(world, host="127.0.0.1", port=0) as server:
        settings = make_settings(tmp_path / "data", None).with_base_url(site, server.base_url_for(site))
        result = run_partition(settings, site, DAY, "run-charset")
    assert result.status == "succeeded", result.error

    # every article of the day is loaded, as devsite wrote it
    rows = {
        r.canonical_url: r
        for r in _rows(
            settings.warehouse_url,
            "SELECT canonical_url, title, body, publication_name FROM articles WHERE site = :s",
            s=site,
        )
    }
    assert set(rows) == {a.canonical_url for a in expected}
    for article in expected:
        row = rows[article.canonical_url]
        assert (row.title, row.body, row.publication_name) == (
            article.title,
            article.body,
            article.publication_name,
        ), article.canonical_url
    quarantined = _rows(settings.warehouse_url, "SELECT title, reasons FROM quarantined_articles")
    assert quarantined == []
    stored = [value for r in rows.values() for value in (r.title, r.body)]
    assert not [v for v in stored if any(bad in v for bad in MOJIBAKE)]

    # the manifest says how each page was decoded; the disagreements are the fault's pages
    manifest = transform_manifest(Partition(site, DAY, settings.data_dir))
    charsets = manifest.charsets
    assert charsets[UTF8_DISAGREED] == {"utf-8": variants.count(LATIN1_HEADER)}
    assert charsets[DETECTED] == {legacy: variants.count(LEGACY_BODY)}
    assert charsets[HEADER_META]["utf-8"] >= len(expected) - len(wrong)
    assert set(charsets) <= {HEADER_META, UTF8_DISAGREED, DETECTED}

    # the ledger reconciles: nothing lost
    c = result.counts
    assert (c["discovered"], c["loaded"], c["quarantined"], c["failed"]) == (
        len(expected),
        len(expected),
        0,
        0,
    )
    assert c["discovered"] == c["loaded"] + c["duplicates"] + c["quarantined"] + c["failed"]
    (ledger,) = _rows(
        settings.warehouse_url,
        "SELECT status, discovered, loaded, duplicates, quarantined, failed FROM crawl_runs WHERE site = :s",
        s=site,
    )
    assert tuple(ledger) == ("succeeded", len(expected), len(expected), 0, 0, 0)
