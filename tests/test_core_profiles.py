"""Profiles are validated at load: a bad file fails with the file and the key named."""

from pathlib import Path

import pytest
import yaml

from core.profiles import ProfileError, load_profile, load_profile_file, load_profiles

PROFILES = Path(__file__).resolve().parents[1] / "profiles"


def _write_variant(tmp_path: Path, mutate) -> Path:
    data = yaml.safe_load((PROFILES / "maghress-fr.yaml").read_text())
    mutate(data)
    path = tmp_path / "maghress-fr.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def test_every_shipped_profile_loads():
    profiles = load_profiles(PROFILES)
    assert "maghress-fr" in profiles
    assert profiles["maghress-fr"].timezone == "Africa/Casablanca"


def test_missing_key_names_file_and_key(tmp_path):
    path = _write_variant(tmp_path, lambda d: d["selectors"].pop("title"))
    with pytest.raises(ProfileError) as err:
        load_profile_file(path)
    assert str(path) in str(err.value)
    assert "missing key 'selectors.title'" in str(err.value)


def test_misspelt_key_names_file_and_key(tmp_path):
    def misspell(d):
        d["selectors"]["titel"] = d["selectors"].pop("title")

    path = _write_variant(tmp_path, misspell)
    with pytest.raises(ProfileError) as err:
        load_profile_file(path)
    assert "unknown key 'selectors.titel'" in str(err.value)
    assert str(path) in str(err.value)


def test_bad_time_zone_is_rejected(tmp_path):
    path = _write_variant(tmp_path, lambda d: d.update(timezone="Africa/Atlantis"))
    with pytest.raises(ProfileError, match="timezone"):
        load_profile_file(path)


def test_unknown_site_lists_known_sites():
    with pytest.raises(ProfileError, match="known sites: .*maghress-fr"):
        load_profile(PROFILES, "nosuch-site")


def test_base_url_override_restricts_hosts_to_it():
    profile = load_profile(PROFILES, "maghress-fr", "http://127.0.0.1:8123/")
    assert profile.base_url == "http://127.0.0.1:8123"
    assert profile.hosts == ["127.0.0.1:8123"]
    assert profile.canonical_host == "www.maghress.com"


def test_a_strategy_without_its_url_pattern_names_the_key(tmp_path):
    def rss_without_feed(d):
        d["discovery"]["strategies"] = ["rss"]
        d["urls"].pop("feed", None)

    path = _write_variant(tmp_path, rss_without_feed)
    with pytest.raises(ProfileError, match=r"urls\.feed is missing") as err:
        load_profile_file(path)
    assert str(path) in str(err.value)
