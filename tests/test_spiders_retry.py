"""Retry backoff (spiders.retry), without a crawl: exponential delays, Retry-After honoured."""

from __future__ import annotations

from datetime import UTC, datetime

from spiders.retry import backoff_delay, retry_after_seconds


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
