"""The spider's own downloader middlewares, without a crawl: host guard and retry backoff."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from spiders.hosts import netloc, request_allowed
from spiders.retry import backoff_delay, retry_after_seconds

ALLOWED = frozenset({"127.0.0.1:8000", "www.maghress.com", "maghress.com"})


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:8000/fr/lesecos/1", True),
        ("http://127.0.0.1:8001/track.gif", False),  # same host, another port: another server
        ("https://www.maghress.com/fr/", True),
        ("https://WWW.Maghress.com/fr/", True),
        ("https://images2.maghress.com/x/1/thumb", False),
        ("https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js", False),
        ("javascript:void(0)", False),
        ("ftp://www.maghress.com/x", False),
    ],
)
def test_only_allowed_host_and_port_pairs_pass(url, allowed):
    assert request_allowed(url, ALLOWED) is allowed


def test_netloc_keeps_the_port_only_when_written():
    assert netloc("http://127.0.0.1:8000/x") == "127.0.0.1:8000"
    assert netloc("https://www.maghress.com/x") == "www.maghress.com"


def test_backoff_doubles_and_is_capped():
    delays = [backoff_delay(n, base=1.0, cap=10.0, retry_after=None, jitter=1.0) for n in range(1, 6)]
    assert delays == [1.0, 2.0, 4.0, 8.0, 10.0]
    low = backoff_delay(3, base=1.0, cap=10.0, retry_after=None, jitter=0.0)
    assert low == 2.0  # equal jitter: at least half of the exponential delay


def test_retry_after_wins_when_longer_but_not_past_the_cap():
    assert backoff_delay(1, base=0.1, cap=5.0, retry_after=2.0, jitter=0.5) == 2.0
    assert backoff_delay(1, base=0.1, cap=5.0, retry_after=3600.0, jitter=0.5) == 5.0


def test_retry_after_header_forms():
    now = datetime(2011, 2, 9, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds(b"3", now) == 3.0
    assert retry_after_seconds("Wed, 09 Feb 2011 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Wed, 09 Feb 2011 11:00:00 GMT", now) == 0.0
    assert retry_after_seconds(None) is None and retry_after_seconds(b"soon") is None


def test_publisher_url_overrides_come_from_the_environment():
    from pathlib import Path

    from core.settings import Settings
    from spiders.handoff import settings_from_json, settings_to_json

    env = {
        "PRESSETL_PUBLISHER_URLS": "www.leseco.ma=http://127.0.0.1:8101/, Lematin.ma=http://127.0.0.1:8102"
    }
    settings = Settings.from_env(environ=env, data_dir=Path("/tmp/x"))
    assert settings.publisher_base_url_overrides == {
        "www.leseco.ma": "http://127.0.0.1:8101",
        "lematin.ma": "http://127.0.0.1:8102",
    }
    assert settings_from_json(settings_to_json(settings)) == settings  # what the crawl child receives
    with pytest.raises(ValueError, match="PRESSETL_PUBLISHER_URLS"):
        Settings.from_env(environ={"PRESSETL_PUBLISHER_URLS": "nohost"})
