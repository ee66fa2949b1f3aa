"""The Data Docs (``quality.docs``): every run listed in the site's and the root index, and,
in a real browser, headless Chromium (Debian's ``chromium``) opening the index, finding the
latest validation, opening its page, and taking screenshots."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
from test_quality_support import BASE_URL, DAY, ROOT, SITE, article, raw_items, site_profile, stage, validate

from core.partitions import docs_dir
from core.profiles import load_profile
from quality.errors import QualityGateError

CHROMIUM = os.environ.get("PRESSETL_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def profile():
    return site_profile()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def chromium(tmp_path: Path):
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (CI does)")

    def run(*args: str) -> str:
        command = [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            # GX pages load CSS/JS from CDNs: fail those at once rather than wait on DNS.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            "--window-size=1280,2000",
            *args,
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    return run


def test_data_docs_show_the_latest_validation(tmp_path, chromium):
    profile = load_profile(ROOT / "profiles", SITE, BASE_URL)
    data_dir = tmp_path / "data"
    older = stage(data_dir, [article(i) for i in range(5)])
    validate(older, profile, run_id="older-run")
    drifted = stage(data_dir, [article(i, extraction="fallback") for i in range(5)])
    with pytest.raises(QualityGateError, match="layout drift suspected"):
        validate(drifted, profile, run_id="drift-run")
    day = DAY + timedelta(days=1)
    rows = [article(i, logical_date=day, published_date=day) for i in range(6)]
    rows[2] = article(2, logical_date=day, published_date=day, title=None)
    latest = stage(data_dir, rows, day)
    raw_items(latest, rows)
    validate(latest, profile, run_id="scheduled__2011-02-11T01:00:00+00:00")
    index = docs_dir(data_dir) / "index.html"

    dom = chromium("--dump-dom", index.as_uri())

    first, second = dom.split("<tbody>")[1].split("</tr>")[:2]
    assert f'data-site="{SITE}" data-day="{day.isoformat()}"' in first
    assert 'data-run-id="scheduled__2011-02-11T01:00:00+00:00"' in first and 'class="passed"' in first
    assert 'data-run-id="drift-run"' in second and 'class="failed"' in second
    assert "layout drift suspected on maghress-fr 2011-02-09: 100% fallback extractions" in second
    pages = dict(re.findall(r'class="(staged_articles|raw_items)" href="([^"]+)"', first))
    assert set(pages) == {"staged_articles", "raw_items"}

    page = index.parent / unquote(pages["staged_articles"])
    page_dom = chromium("--dump-dom", page.as_uri())
    assert "Expectation Validation Result" in page_dom
    assert f"{SITE}/{day.isoformat()}" in page_dom  # the partition, as the data asset
    assert "scheduled__2011-02-11T01:00:00+00:00" in page_dom
    assert "values must not be null" in page_dom
    raw_dom = chromium("--dump-dom", (index.parent / unquote(pages["raw_items"])).as_uri())
    assert f"{SITE}.raw_items" in raw_dom

    shots = {"data-docs.png": index, "data-docs-page.png": page}
    for name, source in shots.items():
        chromium(f"--screenshot={tmp_path / name}", source.as_uri())
        assert (tmp_path / name).stat().st_size > 10_000
    # To refresh the screenshots kept in the repository:
    #   PRESSETL_SCREENSHOTS=docs/screenshots .venv/bin/pytest tests/test_quality_docs.py
    if os.environ.get("PRESSETL_SCREENSHOTS"):
        target = Path(os.environ["PRESSETL_SCREENSHOTS"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / "data-docs.png", target / "data-docs.png")


# -- the indexes, read as files ---------------------------------------------------------


def test_data_docs_list_every_run(data_dir, profile):
    first = stage(data_dir, [article(i) for i in range(5)])
    next_day = DAY + timedelta(days=1)
    second = stage(
        data_dir, [article(i, logical_date=next_day, published_date=next_day) for i in range(5)], next_day
    )

    m1 = validate(first, profile, run_id="scheduled__2011-02-10T01:00:00+00:00")
    m2 = validate(second, profile, run_id="backfill-run-42")

    root = docs_dir(data_dir) / "index.html"
    assert f'href="{SITE}/index.html"' in root.read_text()
    index = docs_dir(data_dir) / SITE / "index.html"
    assert m1["docs_index"] == m2["docs_index"] == str(index)
    html = index.read_text()
    assert "backfill-run-42" in html and "scheduled__2011-02-10T01:00:00+00:00" in html
    assert "2011-02-09" in html and "2011-02-10" in html
    for manifest in (m1, m2):
        page = Path(manifest["docs_path"])
        assert page.is_file() and page.is_relative_to(docs_dir(data_dir) / SITE / "validations")
        assert page.name == f"{manifest['day']}.html"
        assert f"{SITE}/{manifest['day']}" in page.read_text()  # the partition, as the data asset
        assert "values must not be null" in page.read_text()


def test_root_index_lists_the_latest_validations_first(data_dir, profile):
    first = stage(data_dir, [article(i) for i in range(5)])
    validate(first, profile, run_id="run-a")
    next_day = DAY + timedelta(days=1)
    second = stage(
        data_dir,
        [article(i, logical_date=next_day, published_date=next_day, extraction="fallback") for i in range(5)],
        next_day,
    )
    with pytest.raises(QualityGateError):
        validate(second, profile, run_id="run-b")

    root = docs_dir(data_dir) / "index.html"
    html = root.read_text()
    rows = html.split("<tbody>")[1].split("</tbody>")[0].strip().splitlines()
    assert len(rows) == 2
    assert 'data-day="2011-02-10" data-run-id="run-b"' in rows[0] and 'class="failed"' in rows[0]
    assert "layout drift suspected on maghress-fr 2011-02-10" in rows[0]
    assert 'data-day="2011-02-09" data-run-id="run-a"' in rows[1] and 'class="passed"' in rows[1]
    for href in re.findall(r'href="([^"]+)"', html):
        assert (root.parent / unquote(href)).is_file(), href
