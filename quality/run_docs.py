"""This run's Data Docs: publish its pages, list it in the indexes, say where they are.

GX wants absolute store paths; the paths reported back (manifest, error message)
keep the form the caller gave ``docs_dir`` in: relative stays relative.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.manifests import ValidationManifest
from quality import docs, suites
from quality.quarantine import Quarantine
from quality.validation import Validation
from quality.verdict import Failure, Verdict

if TYPE_CHECKING:
    from great_expectations.data_context import EphemeralDataContext


def site_docs_dir(docs_dir: Path, site: str) -> Path:
    """The site's Data Docs directory, absolute (as GX's stores need it)."""
    return docs_dir.absolute() / site


@dataclass(frozen=True)
class DocsLinks:
    """Where this run's pages are, as the caller gave ``docs_dir``."""

    index: Path  # the site's GX index
    pages: dict[str, Path]  # each suite's page, by suite
    relative: dict[str, str]  # the same pages relative to the docs root, for pressetl's index
    page: Path  # the page to read first: the first failure's suite, else the staged articles'
    root: Path  # pressetl's index of every site

    @classmethod
    def reported(
        cls,
        docs_dir: Path,
        site_docs: Path,
        index: Path,
        pages: dict[str, Path],
        failures: Sequence[Failure],
    ) -> DocsLinks:
        """``index`` and ``pages`` as GX wrote them (under ``site_docs``), reported under ``docs_dir``."""

        def reported(path: Path) -> Path:
            return docs_dir / path.relative_to(site_docs.parent)

        shown = {suite: reported(page) for suite, page in pages.items()}
        return cls(
            index=reported(index),
            pages=shown,
            relative={suite: str(page.relative_to(site_docs.parent)) for suite, page in pages.items()},
            page=shown[failures[0].suite] if failures else shown[suites.STAGED],
            root=docs_dir / "index.html",
        )


def publish_run(
    context: EphemeralDataContext,
    validations: Sequence[Validation],
    verdict: Verdict,
    quarantine: Quarantine,
    *,
    site: str,
    day_iso: str,
    run_id: str,
    docs_dir: Path,
) -> DocsLinks:
    """Render the pages of ``validations`` (in the order they ran) and the site's GX index."""
    site_docs = site_docs_dir(docs_dir, site)
    index, pages = docs.publish(
        context,
        [(v.suite, v.result, verdict.suite_passed(v.which)) for v in validations],
        site=site,
        site_docs=site_docs,
        day_iso=day_iso,
        run_id=run_id,
        summary={
            "gate": verdict.gate,
            "rows": quarantine.total,
            "quarantined": quarantine.count,
            "failures": verdict.texts,
        },
    )
    return DocsLinks.reported(docs_dir, site_docs, index, pages, verdict.failures)


def record_run(docs_dir: Path, manifest: ValidationManifest, links: DocsLinks) -> None:
    """List the run in the site's runs and rewrite pressetl's root index."""
    site_docs = site_docs_dir(docs_dir, manifest.site)
    docs.record_run(
        site_docs,
        {
            "site": manifest.site,
            "day": manifest.day.isoformat(),
            "run_id": manifest.run_id,
            "gate": manifest.gate,
            "rows": manifest.rows,
            "quarantined": manifest.quarantined,
            "message": manifest.message,
            "pages": links.relative,
            "validated_at": dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
        },
    )
    with docs.root_lock(site_docs.parent):
        docs.write_root_index(site_docs.parent)
