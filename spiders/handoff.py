"""What the parent (``pipeline.stages.crawl``) and the crawl child (``spiders.runner``) agree
on, importable without Scrapy: the settings as JSON, and the profile checks made before a
child is started."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

from core.settings import Settings


def settings_to_json(settings: Settings) -> str:
    return json.dumps(
        {f.name: str(v) if isinstance(v := getattr(settings, f.name), Path) else v for f in fields(settings)}
    )


def settings_from_json(text: str) -> Settings:
    raw = json.loads(text)
    paths = {f.name for f in fields(Settings) if f.name.endswith("_dir")}
    return Settings(**{key: Path(value) if key in paths else value for key, value in raw.items()})
