"""What the crawl child receives (spiders.handoff): the settings, through JSON, unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import Settings
from spiders.handoff import settings_from_json, settings_to_json


def test_publisher_url_overrides_come_from_the_environment():
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
