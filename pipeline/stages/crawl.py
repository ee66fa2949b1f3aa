"""Crawl stage: fetch one site's articles for one day into the raw zone."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict
from datetime import date

from pipeline.errors import CrawlError
from pipeline.settings import Settings
from pipeline.stages.common import Progress, no_progress, partition_for, safe_run_id, site_profile


def crawl(
    settings: Settings,
    site: str,
    day: date,
    run_id: str,
    progress: Progress = no_progress,
    refresh: bool = False,
) -> dict:
    site_profile(settings, site)  # a broken profile fails here, before any process starts
    partition = partition_for(settings, site, day)
    run_id = safe_run_id(run_id)
    payload = {key: str(value) if key.endswith("_dir") else value for key, value in asdict(settings).items()}
    command = [
        sys.executable,
        "-m",
        "spiders.runner",
        "--site",
        site,
        "--date",
        day.isoformat(),
        "--run-id",
        run_id,
        "--settings",
        json.dumps(payload),
    ]
    stderr_path = partition.raw_dir / "logs" / f"{run_id}.stderr"
    stderr_path.parent.mkdir(parents=True, exist_ok=True)
    manifest = None
    with stderr_path.open("w") as stderr:
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, text=True)
        assert child.stdout is not None
        for line in child.stdout:
            message = _parse(line)
            if "progress" in message:
                progress("crawl", message["progress"])
            elif "manifest" in message:
                manifest = message["manifest"]
        returncode = child.wait()
    if returncode != 0 or manifest is None:
        last = [ln for ln in stderr_path.read_text(errors="replace").splitlines() if ln.strip()]
        raise CrawlError(
            f"crawl of {site} {day} crashed (exit {returncode}): "
            f"{last[-1] if last else 'no output'} (see {stderr_path})"
        )
    if manifest["status"] == "failed":
        raise CrawlError(manifest["error"])
    return {
        key: manifest[key]
        for key in ("site", "logical_date", "run_id", "discovered", "fetched", "failed", "pages_fetched")
    }


def _parse(line: str) -> dict:
    try:
        message = json.loads(line)
    except ValueError:
        return {}
    return message if isinstance(message, dict) else {}
