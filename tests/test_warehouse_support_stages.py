"""Helpers of the warehouse tests that run the load stage (no tests here): a day's partition
as the stages before the load leave it (validated articles, quarantine, failures, the
transform's and the quality gate's manifests), and the validation results it must give."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conftest import make_settings
from sqlalchemy import Engine
from test_warehouse_support import REGISTRY_KEYS, article, failure, rows, story_body, write_partition

from core.manifests import (
    ExpectationOutcome,
    ExtractionSummary,
    PublicationSummary,
    RawItemsSummary,
    TransformManifest,
    ValidationManifest,
    write_manifest,
)
from core.partitions import Partition
from core.records import LedgerCounts
from core.settings import Settings


def expectations(edition: str, *, failing: int = 0) -> list[ExpectationOutcome]:
    """Outcomes as the quality gate writes them: raw-items suite first, then the staged one.

    ``failing``: how many of the staged expectations failed (the gate stopped the batch).
    """
    staged = [
        ("expect_column_values_to_not_be_null", "title", 0),
        ("expect_column_values_to_be_unique", "canonical_url", []),
        ("expect_column_value_lengths_to_be_between", "body", {"unexpected_percent": 0.0, "sample": []}),
        ("expect_column_values_to_match_regex", "canonical_url", f"{edition}: 0 of n"),
    ]
    out = [
        ExpectationOutcome(
            expectation="expect_table_row_count_to_be_between",
            suite="raw_items",
            success=True,
            observed=12,
            level="error",
        )
    ]
    for n, (name, column, observed) in enumerate(staged):
        fails = n < failing
        out.append(
            ExpectationOutcome(
                expectation=name,
                column=column,
                suite="staged_articles",
                success=not fails,
                observed=observed,
                unexpected_count=1 if fails else 0,
                level="error",
            )
        )
    return out


def write_manifests(
    part: Partition,
    run_id: str,
    *,
    validated: int,
    duplicates: int,
    quarantined: int,
    failed: int,
    outcomes: list[ExpectationOutcome],
    gate: str = "passed",
) -> LedgerCounts:
    """The transform's and the quality gate's manifests for ``part``, whose counts reconcile.

    ``validated`` rows in the validated file, ``duplicates`` dropped by the transform,
    ``quarantined`` held back by the gate, ``failed`` pages. Returns the counts the load
    stage reads from them (``core.manifests.partition_counts``).
    """
    discovered = validated + duplicates + quarantined + failed
    write_manifest(
        part.transform_manifest,
        TransformManifest(
            site=part.site,
            logical_date=part.day,
            run_id=run_id,
            discovered=discovered,
            failed=failed,
            duplicates=duplicates,
            staged=validated + quarantined,
        ),
    )
    write_manifest(
        part.validation_manifest,
        validation_manifest_for(part, run_id, validated, quarantined, outcomes, gate),
    )
    return LedgerCounts(
        discovered=discovered,
        fetched=discovered - failed,
        failed=failed,
        duplicates=duplicates,
        quarantined=quarantined,
    )


@dataclass(frozen=True)
class Edition:
    """A day as the stages before the load left it, and what loading it must record."""

    counts: LedgerCounts  # the ledger row of a load of it (``loaded`` included)
    outcomes: list[ExpectationOutcome]  # the quality gate's, in the manifest
    articles: list[dict[str, Any]]  # distinct validated articles, first occurrences


def registry_article(i: int, **changes: Any) -> dict[str, Any]:
    """``article(i)`` with the publication key ``transforms/data/publications.yaml`` gives it."""
    slug = article(i)["publication_slug"]
    return article(i, **{"publication_key": REGISTRY_KEYS[slug], "publication_is_new": False, **changes})


def write_first_edition(part: Partition, run_id: str) -> Edition:
    """The day as first collected: 7 articles (three stories), one quarantined, one failed page,
    one duplicate dropped by the transform."""
    articles = [registry_article(i) for i in range(7)]
    write_partition(part, articles, quarantined=[(article(50), ["title too short"])], failures=[failure(1)])
    outcomes = expectations("v1")
    counts = write_manifests(
        part, run_id, validated=7, duplicates=1, quarantined=1, failed=1, outcomes=outcomes
    )
    return Edition(dataclasses.replace(counts, loaded=7), outcomes, articles)


def write_second_edition(part: Partition, run_id: str) -> Edition:
    """The day collected again: 13 articles (two corrected texts, one a copy of another story now,
    six new, one from a publication the warehouse has not seen), one of them twice in the
    validated file, two quarantined, two failed pages, two duplicates dropped by the
    transform. Row groups of 4: the load takes four batches, the first all changes."""
    h24 = "https://www.maghress.com/fr/h24info/1012"
    changed = {
        1: {"title": "Titre corrigé 1", "content_hash": "v2-1"},
        2: {"title": "Titre corrigé 2", "body": "Nouveau corps.", "content_hash": "v2-2"},
        6: {"body": story_body(6, story=1), "content_hash": "v2-6"},  # a copy of the second story now
        12: {
            "url": h24.replace("www.", ""),
            "canonical_url": h24,
            "publication_slug": "h24info",
            "publication_name": "H24info",
            "publication_key": "h24info-ma",
        },
    }
    order = (1, 2, 7, 6, 0, 3, 4, 5, 8, 9, 10, 11, 12)
    articles = [registry_article(i, **changed.get(i, {})) for i in order]
    repeated = registry_article(0, title="copie")  # the gate let a repeat through
    write_partition(
        part,
        [*articles[:6], repeated, *articles[6:]],
        quarantined=[(article(51), ["language not fr"]), (article(52), ["body too short"])],
        failures=[failure(2), failure(3, kind="listing", status=None, reason="timeout")],
        row_group_size=4,
    )
    outcomes = expectations("v2")
    counts = write_manifests(
        part, run_id, validated=14, duplicates=2, quarantined=2, failed=2, outcomes=outcomes
    )
    # The repeat is counted by the load, so the row still adds up: 13 + 3 + 2 + 2 = 20.
    return Edition(dataclasses.replace(counts, loaded=13, duplicates=3), outcomes, articles)


def validation_manifest_for(
    part: Partition,
    run_id: str,
    passed: int,
    quarantined: int,
    outcomes: list[ExpectationOutcome] | None = None,
    gate: str = "passed",
) -> ValidationManifest:
    """A ``validation.json`` as ``quality.gate`` writes it. ``gate``: passed, overridden
    (failed, loaded anyway) or failed."""
    rows = passed + quarantined
    success = gate == "passed"
    docs = part.data_dir / "docs" / part.site
    return ValidationManifest(
        site=part.site,
        day=part.day,
        run_id=run_id,
        success=success,
        gate=gate,
        override=gate == "overridden",
        overridden=gate == "overridden",
        loadable=gate != "failed",
        rows=rows,
        passed=passed,
        quarantined=quarantined,
        quarantined_share=round(quarantined / rows, 4) if rows else 0.0,
        max_quarantined_share=0.5,
        failures=[] if success else ["staged_articles: expect_column_values_to_not_be_null(title)"],
        blocked_by=[] if success else ["expectation"],
        extraction=ExtractionSummary(selectors=rows, max_fallback_share=0.2),
        volume={"median": None, "verdict": "no history"},
        publications=PublicationSummary(known=3),
        raw_items=RawItemsSummary(path=str(part.raw_items), rows=rows, success=True),
        validated_path=str(part.validated_articles) if gate != "failed" else None,
        quarantine_path=str(part.quarantined_articles),
        docs_path=str(docs / "index.html"),
        docs_index=str(docs / "index.html"),
        docs_root=str(part.data_dir / "docs" / "index.html"),
        expectations=outcomes or [],
    )


def stage_settings(data_dir: Path, wh_url: str) -> Settings:
    """Settings the load stage runs with: this warehouse (already migrated), the repo's profiles."""
    return make_settings(data_dir, None, wh_url, migrate=False)


def stored_results(engine: Engine, run_id: str) -> list[tuple]:
    """A run's ``validation_results``, in seq order, as (expectation, column, success, observed)."""
    return [
        (r["expectation"], r["column"], r["success"], r["observed_value"])
        for r in rows(engine, "validation_results", run_id=run_id)
    ]


def expected_results(outcomes: list[ExpectationOutcome]) -> list[tuple]:
    """What ``validation_results`` stores for ``outcomes``: observed values as text (JSON)."""
    return [
        (
            o.expectation,
            o.column,
            o.success,
            o.observed
            if o.observed is None or isinstance(o.observed, str)
            else json.dumps(o.observed, ensure_ascii=False, sort_keys=True),
        )
        for o in outcomes
    ]
