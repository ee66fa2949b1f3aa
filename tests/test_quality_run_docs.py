"""This run's Data Docs (``quality.run_docs``): where the pages are, as the caller gave docs_dir."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_quality_support import SITE, article, site_profile, stage

from quality.run_docs import DocsLinks, site_docs_dir
from quality.suites import RAW, STAGED
from quality.verdict import Failure


@pytest.fixture(scope="module")
def profile():
    return site_profile()


def test_relative_docs_dir_is_reported_as_given(tmp_path, profile, monkeypatch):
    from quality.gate import validate_partition

    monkeypatch.chdir(tmp_path)
    partition = stage(Path("data"), [article(i) for i in range(3)])

    manifest = validate_partition(partition, profile, Path("data/docs"), "run-rel").model_dump(mode="json")

    assert manifest["docs_index"] == f"data/docs/{SITE}/index.html"
    assert manifest["docs_path"].startswith(f"data/docs/{SITE}/validations/")
    assert Path(manifest["docs_path"]).is_file()


# -- reported paths (no GX) ------------------------------------------------------------------


def test_site_docs_dir_is_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    assert site_docs_dir(Path("data/docs"), SITE) == tmp_path / "data" / "docs" / SITE


def test_links_are_reported_under_docs_dir_as_given(tmp_path):
    site_docs = tmp_path / "data" / "docs" / SITE  # where GX wrote them: absolute
    pages = {
        "raw_items": site_docs / "validations" / SITE / "raw_items" / "run" / "2011-02-09.html",
        "staged_articles": site_docs / "validations" / SITE / "staged_articles" / "run" / "2011-02-09.html",
    }
    given = Path("data/docs")

    passed = DocsLinks.reported(given, site_docs, site_docs / "index.html", pages, [])

    assert passed.index == Path(f"data/docs/{SITE}/index.html")
    assert passed.root == Path("data/docs/index.html")
    assert passed.pages["raw_items"] == Path(
        f"data/docs/{SITE}/validations/{SITE}/raw_items/run/2011-02-09.html"
    )
    assert passed.relative == {
        "raw_items": f"{SITE}/validations/{SITE}/raw_items/run/2011-02-09.html",
        "staged_articles": f"{SITE}/validations/{SITE}/staged_articles/run/2011-02-09.html",
    }
    assert passed.page == passed.pages["staged_articles"]  # a passed batch: the articles' page

    failures = [Failure("volume", RAW, "v"), Failure("batch", STAGED, "b")]
    failed = DocsLinks.reported(given, site_docs, site_docs / "index.html", pages, failures)
    assert failed.page == failed.pages["raw_items"]  # the page that shows the first failure
