"""The expectation suites, as code, built from a site profile.

Two suites per site:

- ``raw_items``: the article URLs the crawl discovered (``items.jsonl``), one row per
  URL. Its row count is the day's volume.
- ``staged_articles``: the articles transform staged (Parquet), one row per article.

The suites are first described as plain ``Check`` records (no Great Expectations
import, so they can be inspected and unit-tested cheaply); ``build_suite`` turns
them into GX ``ExpectationSuite`` objects and is the only place here that imports GX.

Each check has a level, which says what its failure does:

- ``row``: a failing row is quarantined with the check's description as a
  reason, and the rest of the batch still loads. The batch only fails when the
  share of quarantined rows exceeds ``profile.quality.max_quarantined_share``.
- ``batch``: a failure stops the whole batch (duplicates, rows of another site
  or day, too many failed fetches: signs that an upstream stage is wrong, not
  that one page was bad).
- ``drift``: a batch check whose failure is reported as layout drift (too many
  articles read by the generic extractor, or not at all).
- ``volume``: a batch check whose failure is reported as a volume anomaly (far
  fewer articles discovered than the site's recent median).

The suites validate *validation frames* derived from the partition (see
``quality.frames``): the columns the checks need, dates as ISO strings so that they
compare exactly with the logical day, plus the derived columns named below.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from core.boilerplate import load_wording
from core.profiles import QualityThresholds, SiteProfile
from core.text import clean_text

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuite

STAGED = "staged_articles"
RAW = "raw_items"
SUITE_SUFFIX = STAGED  # kept for callers of the first version
Suite = Literal["raw_items", "staged_articles"]

# Derived columns of the validation frames.
ROW_INDEX_COLUMN = "staged_row"  # position of the row in the staged Parquet file
RAW_ROW_COLUMN = "raw_row"  # position of the item in items.jsonl
URL_PATH_COLUMN = "url_path"  # path of ``url``: the profile's article regex is a regex on the path
URL_HOST_COLUMN = "url_host"  # host[:port] of ``url``, as profile.hosts spells it
FETCH_STATUS_COLUMN = "fetch_status"  # HTTP status, 0 when no response arrived
MIN_WORDS_COLUMN = "min_body_words"  # the body-length minimum for the row's language
PUBLICATION_STATUS_COLUMN = "publication_status"  # known | new | None (unresolved)

# Suite parameters rather than literals, so that a suite depends on the profile
# only (one stored suite per site): the day and the volume floor are supplied at
# validation time.
DAY_PARAMETER = "logical_day"
VOLUME_PARAMETER = "volume_min_rows"
HOSTS_PARAMETER = "allowed_hosts"  # the hosts the crawl was allowed to fetch

# Fewer days of history than this and the volume check gives no verdict.
MIN_VOLUME_HISTORY = 3

# Every staged row needs these; aggregator_id is the aggregator's own key (missing when the URL
# is off the article pattern or its id out of range).
REQUIRED_COLUMNS = ("url", "canonical_url", "aggregator_id", "title", "body", "published_date")
REQUIRED_COLUMNS += ("publication_name",)

# Columns of ARTICLE_SCHEMA the staged frame carries (besides the derived ones).
FRAME_COLUMNS = ("site", "logical_date", *REQUIRED_COLUMNS, "language", "word_count", "extraction")

Level = Literal["row", "batch", "drift", "volume"]

# What a "good" extraction is: the profile's selectors found the article.
SELECTOR_EXTRACTION = "selectors"


@dataclass(frozen=True)
class Check:
    """One expectation of a suite and what its failure means for the batch."""

    expectation: str  # GX expectation type, e.g. "expect_column_values_to_not_be_null"
    column: str | None
    level: Level
    kwargs: dict[str, Any] = field(default_factory=dict)
    suite: Suite = STAGED
    column_b: str | None = None  # the second column of a column-pair expectation

    @property
    def description(self) -> str:
        """How quarantine reasons, the manifest, the warehouse and error messages name the check.

        Checks of the raw-items suite carry its name, so that the warehouse's
        ``validation_results`` tell ``raw_items.expect_column_values_to_be_unique(url)``
        from the staged suite's checks.
        """
        columns = ",".join(c for c in (self.column, self.column_b) if c)
        prefix = "" if self.suite == STAGED else f"{self.suite}."
        return f"{prefix}{self.expectation}({columns})"

    def gx_kwargs(self) -> dict[str, Any]:
        if self.column_b is not None:
            return {"column_A": self.column, "column_B": self.column_b, **self.kwargs}
        column = {"column": self.column} if self.column else {}
        return {**column, **self.kwargs}


def suite_name(site: str, suite: Suite = STAGED) -> str:
    # GX splits suite names on "." into directories: Data Docs pages of a site
    # land under validations/<site>/<suite>/.
    return f"{site}.{suite}"


def day_parameters(day_iso: str) -> dict[str, Any]:
    """The day's suite parameters (``expectation_parameters`` in GX)."""
    return {DAY_PARAMETER: [day_iso]}


def _mostly(share: float) -> dict[str, float]:
    return {"mostly": round(1.0 - share, 6)}


# -- boilerplate -----------------------------------------------------------------


def _phrase_pattern(phrase: str) -> str:
    # Staged text is already cleaned (NFC, one space); the transform matches
    # case-insensitively with ’ read as ', and so does the gate.
    # re.escape also escapes spaces, which only makes the Data Docs harder to read.
    return re.escape(clean_text(phrase).casefold()).replace("\\ ", " ").replace("'", "['’ʼ]")


def boilerplate_regexes(languages: Sequence[str]) -> list[str]:
    """Regexes (searched in title and body) that find site furniture, from the family's wording
    (``profiles/family/boilerplate.yaml``, the same data the transforms filter with).

    The long widget phrases of every language are searched (they never occur in
    prose, and tickers mix languages); the short prefixes ("Lire aussi") and
    whole-block labels ("Publicité") of the profile's languages only, at the start
    of a block or as a whole block (the body's blocks are its lines).
    """
    wording = load_wording()
    phrases = sorted({_phrase_pattern(p) for group in wording.phrases.values() for p in group})
    prefixes = sorted({_phrase_pattern(p) for lang in languages for p in wording.prefixes.get(lang, ())})
    labels = sorted({_phrase_pattern(p) for lang in languages for p in wording.labels.get(lang, ())})
    regexes = [f"(?i)(?:{'|'.join(phrases)})"] if phrases else []
    if prefixes:
        regexes.append(rf"(?im)^[ :.!|–—-]*(?:{'|'.join(prefixes)})(?!\w)")
    if labels:
        regexes.append(rf"(?im)^[ :.!|–—-]*(?:{'|'.join(labels)})[ :.!|–—-]*$")
    return regexes


# -- volume ----------------------------------------------------------------------


@dataclass(frozen=True)
class VolumePlan:
    """How the day's volume is judged: the floor of the row-count check, and why."""

    min_rows: int  # 0: no verdict, the check cannot fail
    history: tuple[int, ...] | None
    median: float | None
    min_ratio: float
    verdict_possible: bool
    note: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "history": list(self.history) if self.history is not None else None,
            "history_days": len(self.history) if self.history is not None else 0,
            "median": self.median,
            "min_ratio": self.min_ratio,
            "min_rows": self.min_rows,
            "note": self.note,
        }


def volume_plan(recent_volumes: Sequence[int] | None, q: QualityThresholds) -> VolumePlan:
    """The floor under the day's discovered articles: ``volume_min_ratio`` × the recent median.

    The day is measured by the articles the crawl discovered (its raw items): what
    the site published and the crawl found, before any fetch failure, duplicate or
    quarantine of ours, which have checks of their own; so one cause gives one
    verdict. ``recent_volumes`` are the site's daily volumes over the last
    ``volume_history_days`` days before the day, from the warehouse ledger
    (``warehouse.ledger.recent_volumes``; None: no warehouse yet). With fewer than
    ``MIN_VOLUME_HISTORY`` days there is no verdict.
    """
    if recent_volumes is None:
        return VolumePlan(0, None, None, q.volume_min_ratio, False, "no verdict: no history in the warehouse")
    history = tuple(int(v) for v in recent_volumes)
    if len(history) < MIN_VOLUME_HISTORY:
        return VolumePlan(
            0,
            history,
            None,
            q.volume_min_ratio,
            False,
            f"no verdict: {len(history)} day(s) of history, needs {MIN_VOLUME_HISTORY}",
        )
    median = float(statistics.median(history))
    # The row count is an integer: count >= ceil(ratio * median) <=> count >= ratio * median.
    min_rows = math.ceil(round(q.volume_min_ratio * median, 9))
    return VolumePlan(
        min_rows,
        history,
        median,
        q.volume_min_ratio,
        True,
        f"at least {min_rows} articles: {q.volume_min_ratio:g} x the median {median:g} "
        f"of {len(history)} days",
    )


def volume_parameters(plan: VolumePlan) -> dict[str, Any]:
    return {VOLUME_PARAMETER: plan.min_rows}


def hosts_parameters(hosts: Sequence[str]) -> dict[str, Any]:
    return {HOSTS_PARAMETER: sorted(hosts)}


# -- the suites --------------------------------------------------------------------


def canonical_url_regex(profile: SiteProfile) -> str:
    """The profile's article pattern on the canonical host (the pattern is anchored on the path)."""
    path = profile.urls.article.removeprefix("^")
    return f"^https://{re.escape(profile.canonical_host)}{path}"


def staged_articles_checks(profile: SiteProfile) -> list[Check]:
    q = profile.quality
    day = {"$PARAMETER": DAY_PARAMETER}
    # Row-level checks carry ``mostly`` so that GX marks an expectation failed only
    # when that check alone quarantines more than the site tolerates; the gate
    # still quarantines every failing row, whatever ``mostly`` says.
    mostly = _mostly(q.max_quarantined_share)
    checks = [
        Check("expect_column_values_to_not_be_null", column, "row", dict(mostly))
        for column in REQUIRED_COLUMNS
    ]
    boilerplate = boilerplate_regexes(profile.languages)
    checks += [
        Check(
            "expect_column_values_to_match_regex",
            URL_PATH_COLUMN,
            "row",
            {"regex": profile.urls.article, **mostly},
        ),
        Check(
            "expect_column_values_to_match_regex",
            "canonical_url",
            "row",
            {"regex": canonical_url_regex(profile), **mostly},
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
        # The minimum depends on the row's language (Arabic sentences carry fewer
        # words than French ones): the frame carries each row's minimum.
        Check(
            "expect_column_pair_values_a_to_be_greater_than_b",
            "word_count",
            "row",
            {"or_equal": True, "ignore_row_if": "either_value_is_missing", **mostly},
            column_b=MIN_WORDS_COLUMN,
        ),
        Check(
            "expect_column_values_to_be_between",
            "word_count",
            "row",
            {"max_value": q.max_body_words, **mostly},
        ),
        # A page in a language the site does not publish is usually a boilerplate
        # or error page that the extractor took for an article.
        Check(
            "expect_column_values_to_be_in_set",
            "language",
            "row",
            {"value_set": list(profile.languages), **mostly},
        ),
        # Site furniture that the extraction let through (widget, "Cliquez ici…").
        *(
            Check(
                "expect_column_values_to_not_match_regex_list",
                column,
                "row",
                {"regex_list": boilerplate, **mostly},
            )
            for column in ("title", "body")
        ),
        # Every article is attributed to a publication the warehouse knows, or to one
        # that transform added and flagged as new (for review).
        Check("expect_column_values_to_not_be_null", PUBLICATION_STATUS_COLUMN, "row", dict(mostly)),
        # Most pages read by the generic extractor (or not at all): the site's markup
        # changed under the profile's selectors.
        Check(
            "expect_column_values_to_be_in_set",
            "extraction",
            "drift",
            {"value_set": [SELECTOR_EXTRACTION], **_mostly(q.max_fallback_share)},
        ),
        # Duplicates are removed by transform; one reaching the gate means transform
        # is broken, so the batch stops rather than loading one copy at random.
        Check("expect_column_values_to_be_unique", "canonical_url", "batch"),
        # Rows of another site or day mean the partition itself was written wrongly.
        Check("expect_column_values_to_be_in_set", "site", "batch", {"value_set": [profile.site]}),
        Check("expect_column_values_to_be_in_set", "logical_date", "batch", {"value_set": day}),
    ]
    return checks


def raw_items_checks(profile: SiteProfile) -> list[Check]:
    """Checks of the crawl's output. None is row-level: a bad item becomes a bad staged
    row, which the staged suite quarantines; here only the batch is judged."""
    q = profile.quality
    day = {"$PARAMETER": DAY_PARAMETER}
    tolerance = _mostly(q.max_quarantined_share)
    article = profile.urls.article
    volume_floor = {"$PARAMETER": VOLUME_PARAMETER}
    hosts = {"$PARAMETER": HOSTS_PARAMETER}

    def raw(expectation: str, column: str | None, level: Level, **kwargs: Any) -> Check:
        return Check(expectation, column, level, kwargs, suite=RAW)

    return [
        # The spider keeps one request per URL: a repeated URL means it is broken.
        raw("expect_column_values_to_be_unique", "url", "batch"),
        # On a host the crawl was allowed: the spider follows no link off the site.
        raw("expect_column_values_to_be_in_set", URL_HOST_COLUMN, "batch", value_set=hosts),
        raw("expect_column_values_to_match_regex", URL_PATH_COLUMN, "batch", regex=article, **tolerance),
        # Failed fetches are counted in the ledger, not quarantined; a day where many
        # fail is incomplete and is stopped, to be re-crawled.
        raw("expect_column_values_to_be_in_set", FETCH_STATUS_COLUMN, "batch", value_set=[200], **tolerance),
        # The date the listing showed next to the link, when it showed one.
        raw("expect_column_values_to_be_in_set", "listing_date", "batch", value_set=day, **tolerance),
        raw("expect_column_values_to_be_in_set", "site", "batch", value_set=[profile.site]),
        raw("expect_column_values_to_be_in_set", "logical_date", "batch", value_set=day),
        # The day's volume: articles discovered against the recent median.
        raw("expect_table_row_count_to_be_between", None, "volume", min_value=volume_floor),
    ]


def checks_for(profile: SiteProfile, suite: Suite) -> list[Check]:
    return raw_items_checks(profile) if suite == RAW else staged_articles_checks(profile)


def _class_name(expectation: str) -> str:
    return "".join(part.capitalize() for part in expectation.split("_"))


def build_suite(profile: SiteProfile, suite: Suite = STAGED) -> ExpectationSuite:
    """The GX suite for ``profile``; each expectation's meta carries its check."""
    from quality._quiet import import_gx

    gx = import_gx()
    gxe = gx.expectations

    expectations = []
    for check in checks_for(profile, suite):
        expectation_class = getattr(gxe, _class_name(check.expectation))
        meta = {"pressetl_check": check.description, "level": check.level}
        expectations.append(expectation_class(**check.gx_kwargs(), meta=meta))
    what = "Article URLs discovered by the crawl" if suite == RAW else "Staged articles"
    # Passed to the constructor, not added one by one: ``add_expectation`` on a suite
    # whose name a store already holds writes each expectation through to that
    # store, outside the gate's lock.
    return gx.ExpectationSuite(
        name=suite_name(profile.site, suite),
        expectations=expectations,
        meta={"notes": f"{what} of {profile.display_name}, built from profiles/{profile.site}.yaml"},
    )
