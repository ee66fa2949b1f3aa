"""Where each stage reads and writes: one partition per (site, logical date).

Every stage writes its outputs atomically (temp file in the same directory, then
``os.replace``), so a killed stage leaves either the previous file or the new one.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Partition:
    site: str
    day: date
    data_dir: Path

    @property
    def key(self) -> str:
        return f"{self.site}/{self.day.isoformat()}"

    def _zone(self, zone: str) -> Path:
        return self.data_dir / zone / self.site / self.day.isoformat()

    # bronze: what the spider saw
    @property
    def raw_dir(self) -> Path:
        return self._zone("raw")

    @property
    def warc_dir(self) -> Path:
        return self.raw_dir / "warc"

    @property
    def raw_items(self) -> Path:
        """JSON Lines, one ``RawItem`` per discovered article URL."""
        return self.raw_dir / "items.jsonl"

    @property
    def failures(self) -> Path:
        """JSON Lines, one ``PageFailure`` per URL that could not be fetched."""
        return self.raw_dir / "failures.jsonl"

    @property
    def discovered_urls(self) -> Path:
        """JSON Lines, one line per article URL the crawl discovered, fetched or not."""
        return self.raw_dir / "discovered.jsonl"

    @property
    def crawl_manifest(self) -> Path:
        return self.raw_dir / "crawl.json"

    # silver: typed, cleaned articles
    @property
    def staged_dir(self) -> Path:
        return self._zone("staged")

    @property
    def staged_articles(self) -> Path:
        return self.staged_dir / "articles.parquet"

    @property
    def transform_manifest(self) -> Path:
        return self.staged_dir / "transform.json"

    @property
    def transform_outcomes(self) -> Path:
        """JSON Lines, what the transform made of each discovered URL (``core.outcomes``)."""
        return self.staged_dir / "outcomes.jsonl"

    # what the quality gate let through, and what it held back
    @property
    def validated_dir(self) -> Path:
        return self._zone("validated")

    @property
    def validated_articles(self) -> Path:
        return self.validated_dir / "articles.parquet"

    @property
    def validation_manifest(self) -> Path:
        return self.validated_dir / "validation.json"

    @property
    def quarantine_dir(self) -> Path:
        return self._zone("quarantine")

    @property
    def quarantined_articles(self) -> Path:
        return self.quarantine_dir / "articles.parquet"


def docs_dir(data_dir: Path) -> Path:
    """Great Expectations Data Docs site (HTML)."""
    return data_dir / "docs"


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temp path next to ``target``; rename it over ``target`` on success."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)


def _stage_dirs(partition: Partition, stage: str) -> tuple[Path, ...]:
    """Where ``stage`` writes (its outputs, and their temporary names beside them)."""
    return {
        "crawl": (partition.raw_dir, partition.warc_dir),
        "transform": (partition.staged_dir,),
        "validate": (partition.validated_dir, partition.quarantine_dir),
        "load": (),
    }[stage]


def remove_stale_files(partition: Partition, stage: str) -> list[Path]:
    """Remove what dead runs left half-written where ``stage`` writes: a crawl's ``.part``
    files (``part_path``) and ``atomic_path``'s temp files (SIGKILL skips their cleanup).

    Called by a run that holds the partition's lock before the stage writes: any such file
    there then belongs to a run that died, or lost the lock.
    """
    removed = []
    for folder in _stage_dirs(partition, stage):
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            stale = is_part(path) or (path.name.startswith(".") and path.name.endswith(".tmp"))
            if stale and path.is_file():
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


def write_json_atomic(target: Path, payload: dict[str, Any]) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n")


def read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


PART_SUFFIX = ".part"


def part_path(target: Path, run_id: str, pid: int | None = None) -> Path:
    """Where a crawl writes ``target`` until it publishes it (``os.replace``):
    ``.<name>.<run_id>.<pid>.part`` beside it, so that two processes never write one file.
    Readers skip these; the next crawl of the partition removes a dead run's
    (``remove_stale_files``)."""
    pid = os.getpid() if pid is None else pid
    return target.with_name(f".{target.name}.{safe_run_id(run_id) or 'run'}.{pid}{PART_SUFFIX}")


def is_part(path: Path) -> bool:
    return path.name.endswith(PART_SUFFIX)


def safe_run_id(run_id: str) -> str:
    """Airflow run ids carry ':' and '+'; file names made from them stay portable."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", run_id)
