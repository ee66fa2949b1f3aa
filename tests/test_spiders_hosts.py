"""The host guard (spiders.hosts), without a crawl: only the profile's host[:port] pairs pass."""

from __future__ import annotations

import pytest

from spiders.hosts import netloc, request_allowed

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
