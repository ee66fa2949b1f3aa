"""transforms.urls: one canonical URL per article, whichever host served it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from core.profiles import SiteProfile, load_profile_file
from transforms.urls import aggregator_key, canonical_url, why_no_key

PROFILES = Path(__file__).resolve().parents[1] / "profiles"
CANONICAL = "https://www.maghress.com/fr/lesecos/1234"


@pytest.fixture(scope="module")
def profile() -> SiteProfile:
    return load_profile_file(PROFILES / "maghress-fr.yaml")


@pytest.mark.parametrize(
    "url",
    [
        "https://www.maghress.com/fr/lesecos/1234",
        "http://www.maghress.com/fr/lesecos/1234",
        "https://maghress.com/fr/lesecos/1234",
        "http://maghress.com/fr/lesecos/1234/",
        "HTTPS://WWW.MAGHRESS.COM:443/fr/lesecos/1234",
        "https://www.maghress.com/fr//lesecos/./1234",
        "https://www.maghress.com/fr/lesecos/1234#comments",
        "https://www.maghress.com/fr/lesecos/1234?utm_source=facebook&utm_medium=social&utm_campaign=x",
        "https://www.maghress.com/fr/lesecos/1234/?fbclid=IwAR0abc&gclid=xyz&UTM_Term=a",
        "http://127.0.0.1:8123/fr/lesecos/1234",  # devsite
        "http://localhost:8123/fr/lesecos/1234/",
        "/fr/lesecos/1234",  # a relative link off a listing
        "  https://www.maghress.com/fr/lesecos/1234\n",
        "https://www.maghress.com/fr/%6Cesecos/1234",  # an escaped unreserved letter
        "https://www.maghress.com/lesecos/1234",  # the edition's prefix left out
        "http://maghress.com/lesecos/1234/?utm_source=rss",
    ],
)
def test_aliases_share_one_canonical_url(profile: SiteProfile, url: str) -> None:
    assert canonical_url(url, profile) == CANONICAL


def test_meaningful_query_parameters_stay_sorted(profile: SiteProfile) -> None:
    url = "https://maghress.com/fr/lesecos?page=2&utm_source=x&lang=fr"
    assert canonical_url(url, profile) == "https://www.maghress.com/fr/lesecos?lang=fr&page=2"


def test_root_and_home(profile: SiteProfile) -> None:
    assert canonical_url("http://maghress.com", profile) == "https://www.maghress.com/"
    assert canonical_url("https://www.maghress.com/fr/", profile) == "https://www.maghress.com/fr"


def test_non_ascii_paths_are_percent_encoded_once(profile: SiteProfile) -> None:
    raw = canonical_url("https://www.maghress.com/هسبريس/12", profile)
    escaped = canonical_url("https://www.maghress.com/%d9%87%d8%b3%d8%a8%d8%b1%d9%8a%d8%b3/12", profile)
    assert raw == escaped == "https://www.maghress.com/%D9%87%D8%B3%D8%A8%D8%B1%D9%8A%D8%B3/12"


def test_devsite_base_url_with_a_path_prefix(profile: SiteProfile) -> None:
    served = profile.with_base_url("http://127.0.0.1:8123/maghress-fr/")
    assert canonical_url("http://127.0.0.1:8123/maghress-fr/fr/lesecos/1234/", served) == CANONICAL
    assert aggregator_key("http://127.0.0.1:8123/maghress-fr/fr/lesecos/1234", served) == ("lesecos", 1234)


def test_garbage_never_raises(profile: SiteProfile) -> None:
    assert canonical_url("http://[::1", profile).startswith("https://www.maghress.com/")
    assert canonical_url("", profile) == "https://www.maghress.com/"


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://www.maghress.com/fr/lesecos/1234", ("lesecos", 1234)),
        ("http://maghress.com/fr/aujourdhui/9876543/?utm_source=x", ("aujourdhui", 9876543)),
        ("http://127.0.0.1:8123/fr/le-matin/7", ("le-matin", 7)),
        ("https://www.maghress.com/fr/lesecos", None),  # a listing
        ("https://www.maghress.com/lesecos/1234", ("lesecos", 1234)),  # the prefix left out
        ("https://www.maghress.com/lesecos", None),  # a listing without the prefix: not an article
        ("https://www.maghress.com/fr/lesecos/12a", None),
        ("https://www.maghress.com/fr/lesecos/99999999999999999999", None),  # beyond int64
        ("https://www.maghress.com/fr/lesecos/9223372036854775807", ("lesecos", 2**63 - 1)),
        ("https://www.maghress.com/fr/lesecos/" + "9" * 5000, None),  # beyond what int() reads
        ("https://www.maghress.com/fr/lesecos/١٢٣", None),  # Arabic-Indic digits are not an id
    ],
)
def test_aggregator_key(profile: SiteProfile, url: str, key) -> None:
    assert aggregator_key(url, profile) == key


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (
            "https://www.maghress.com/fr/lesecos/1" + "0" * 30,
            "aggregator id 1"
            + "0" * 30
            + " out of range (0 to 2^63-1): https://www.maghress.com/fr/lesecos/1"
            + "0" * 30,
        ),
        (
            "https://www.maghress.com/fr/lesecos/" + "9" * 5000,
            "aggregator id 99999999999999999999… (5000 digits) out of range (0 to 2^63-1): "
            "https://www.maghress.com/fr/lesecos/" + "9" * 164,
        ),
        (
            "https://www.maghress.com/fr/lesecos",
            "not an article URL for maghress-fr (urls.article): https://www.maghress.com/fr/lesecos",
        ),
    ],
)
def test_why_no_key_names_the_reason(profile: SiteProfile, url: str, reason: str) -> None:
    assert why_no_key(url, profile) == reason


url_parts = st.sampled_from(
    ["http://", "https://", "HTTP://", "//", "", "maghress.com", "www.maghress.com", "127.0.0.1:8123",
     "/", "//", "/fr", "/lesecos", "/1234", "/./", "/../", "%2F", "%2e%2E", "%41", "%zz", "%", "هسبريس",
     "?", "&", "=", "utm_source=x", "a=1", "b=%20", "fbclid=1", "+", "#", "#frag", " ", ";", "@", ":"]
)  # fmt: skip


@given(st.one_of(st.lists(url_parts, max_size=12).map("".join), st.text(max_size=80)))
@example("/a/%2e%2E/b")  # ".." only once the escape is read
@example("/a?b=1&a=2&a=1")
def test_canonical_url_is_idempotent(url: str) -> None:
    profile = load_profile_file(PROFILES / "maghress-fr.yaml")
    once = canonical_url(url, profile)
    assert once.startswith("https://www.maghress.com/")
    assert canonical_url(once, profile) == once


def test_the_edition_prefix_is_added_only_to_article_links(profile: SiteProfile) -> None:
    assert canonical_url("https://www.maghress.com/lesecos", profile) == "https://www.maghress.com/lesecos"
    assert canonical_url("https://www.maghress.com/", profile) == "https://www.maghress.com/"
    arabic = load_profile_file(PROFILES / "maghress-ar.yaml")  # its edition is at the root
    assert (
        canonical_url("https://maghress.com/hespress/12/", arabic) == "https://www.maghress.com/hespress/12"
    )
    assert canonical_url("https://www.maghress.com/fr/lesecos/1234", arabic).endswith("/fr/lesecos/1234")
