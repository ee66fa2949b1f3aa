"""The Data Docs in a real browser: headless Chromium (Debian's ``chromium``) opens the
index, finds the latest validation, opens its page, and takes screenshots."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
from test_quality import BASE_URL, DAY, ROOT, SITE, article, raw_items, stage, validate

from core.partitions import docs_dir
from core.profiles import load_profile
from quality.errors import QualityGateError

CHROMIUM = os.environ.get("PRESSETL_CHROMIUM", "/usr/bin/chromium")


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
