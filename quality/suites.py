"""The staged-articles expectation suite, as code, built from a site profile.

The suite is first described as plain ``Check`` records (no Great Expectations
import, so it can be inspected and unit-tested cheaply); ``build_suite`` turns it
into a GX ``ExpectationSuite`` and is the only place here that imports GX.

Each check has a level:

- ``row``: a failing row is quarantined with the check's description as a
  reason, and the rest of the batch still loads. The batch only fails when the
  share of quarantined rows exceeds ``profile.quality.max_quarantined_share``.
- ``batch``: a failure stops the whole batch (duplicates, rows of another site
  or day: signs that an upstream stage is wrong, not that one page was bad).

The suite validates a *validation frame* derived from the staged partition (see
``quality.gate``): the article columns the checks need, dates as ISO strings so
that they compare exactly with the logical day, plus the derived columns below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pipeline.profiles import SiteProfile

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuite

SUITE_SUFFIX = "staged_articles"

# Derived columns of the validation frame.
ROW_INDEX_COLUMN = "staged_row"  # position of the row in the staged Parquet file
URL_PATH_COLUMN = "url_path"  # path of ``url``: the profile's article regex is a regex on the path

# A suite parameter rather than a literal, so the suite depends on the profile only:
# one stored suite per site, the day is supplied at validation time.
DAY_PARAMETER = "logical_day"

REQUIRED_COLUMNS = ("url", "canonical_url", "title", "body", "published_date", "publication_name")

# Columns of ARTICLE_SCHEMA the validation frame carries (besides the derived ones).
FRAME_COLUMNS = (
    "site",
    "logical_date",
    "url",
    "canonical_url",
    "title",
    "body",
    "published_date",
    "publication_name",
    "language",
    "word_count",
)

Level = Literal["row", "batch"]


@dataclass(frozen=True)
class Check:
    """One expectation of the suite and what its failure means for the batch."""

    expectation: str  # GX expectation type, e.g. "expect_column_values_to_not_be_null"
    column: str | None
    level: Level
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def description(self) -> str:
        """How quarantine reasons, the manifest and error messages name the check."""
        return f"{self.expectation}({self.column or ''})"


def suite_name(site: str) -> str:
    # GX splits suite names on "." into directories: Data Docs pages of a site
    # land under validations/<site>/staged_articles/.
    return f"{site}.{SUITE_SUFFIX}"


def day_parameters(day_iso: str) -> dict[str, Any]:
    """The suite parameters for one logical day (``expectation_parameters`` in GX)."""
    return {DAY_PARAMETER: [day_iso]}


def staged_articles_checks(profile: SiteProfile) -> list[Check]:
    q = profile.quality
    day = {"$PARAMETER": DAY_PARAMETER}
    # Row-level checks carry ``mostly`` so that GX marks an expectation failed only
    # when that check alone quarantines more than the site tolerates; the gate
    # still quarantines every failing row, whatever ``mostly`` says.
    mostly = {"mostly": round(1.0 - q.max_quarantined_share, 6)}
    checks = [
        Check("expect_column_values_to_not_be_null", column, "row", dict(mostly))
        for column in REQUIRED_COLUMNS
    ]
    checks += [
        Check(
            "expect_column_values_to_match_regex",
            URL_PATH_COLUMN,
            "row",
            {"regex": profile.urls.article, **mostly},
        ),
        # Dates are already local to the site's time zone, so an exact match: an
        # article of another day is held back rather than loaded under the wrong day.
        Check("expect_column_values_to_be_in_set", "published_date", "row", {"value_set": day, **mostly}),
        Check(
            "expect_column_value_lengths_to_be_between",
            "title",
            "row",
            {"min_value": q.min_title_chars, "max_value": q.max_title_chars, **mostly},
        ),
        Check(
            "expect_column_values_to_be_between",
            "word_count",
            "row",
            {"min_value": q.min_body_words, "max_value": q.max_body_words, **mostly},
        ),
        # A page in a language the site does not publish is usually a boilerplate
        # or error page that the extractor took for an article.
        Check(
            "expect_column_values_to_be_in_set",
            "language",
            "row",
            {"value_set": list(profile.languages), **mostly},
        ),
        # Duplicates are removed by transform; one reaching the gate means transform
        # is broken, so the batch stops rather than loading one copy at random.
        Check("expect_column_values_to_be_unique", "canonical_url", "batch"),
        # Rows of another site or day mean the partition itself was written wrongly.
        Check("expect_column_values_to_be_in_set", "site", "batch", {"value_set": [profile.site]}),
        Check("expect_column_values_to_be_in_set", "logical_date", "batch", {"value_set": day}),
    ]
    return checks


def _class_name(expectation: str) -> str:
    return "".join(part.capitalize() for part in expectation.split("_"))


def build_suite(profile: SiteProfile) -> ExpectationSuite:
    """The GX suite for ``profile``; each expectation's meta carries its check."""
    from quality._quiet import import_gx

    gx = import_gx()
    gxe = gx.expectations

    expectations = []
    for check in staged_articles_checks(profile):
        expectation_class = getattr(gxe, _class_name(check.expectation))
        column = {"column": check.column} if check.column else {}
        meta = {"pressetl_check": check.description, "level": check.level}
        expectations.append(expectation_class(**column, **check.kwargs, meta=meta))
    # Passed to the constructor, not added one by one: ``add_expectation`` on a suite
    # whose name a store already holds writes each expectation through to that
    # store, outside the gate's lock.
    return gx.ExpectationSuite(
        name=suite_name(profile.site),
        expectations=expectations,
        meta={"notes": f"Staged articles of {profile.display_name}, built from profiles/{profile.site}.yaml"},
    )
