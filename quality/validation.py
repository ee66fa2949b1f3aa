"""Run one GX suite on one validation frame, and match its results to the checks.

GX is not imported here: the data context (``quality.docs.context``) and the
suite (``quality.suites.build_suite``) come in already built, and the rest is
attribute access on what they return.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.profiles import SiteProfile
from quality import suites

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.core import ExpectationSuite, ExpectationSuiteValidationResult
    from great_expectations.data_context import EphemeralDataContext


@dataclass
class Validation:
    """One suite run on one frame, and its results matched to the checks."""

    which: suites.Suite
    suite: ExpectationSuite
    result: ExpectationSuiteValidationResult
    outcomes: list[Outcome]
    frame: pd.DataFrame

    @classmethod
    def run(
        cls,
        context: EphemeralDataContext,
        profile: SiteProfile,
        which: suites.Suite,
        frame: pd.DataFrame,
        index_column: str,
        parameters: dict[str, Any],
    ) -> Validation:
        suite = suites.build_suite(profile, which)
        result = run_suite(context, which, suite, frame, index_column, parameters)
        outcomes = match_outcomes(suites.checks_for(profile, which), result, index_column)
        return cls(which, suite, result, outcomes, frame)


def run_suite(
    context: EphemeralDataContext,
    name: str,
    suite: ExpectationSuite,
    frame: pd.DataFrame,
    index_column: str,
    parameters: dict[str, Any],
) -> ExpectationSuiteValidationResult:
    """Validate ``frame``; the result keeps every failing row's index (COMPLETE format)."""
    source = context.data_sources.add_pandas(name)
    asset = source.add_dataframe_asset(name)
    batch = asset.add_batch_definition_whole_dataframe("partition").get_batch(
        batch_parameters={"dataframe": frame}
    )
    with warnings.catch_warnings():
        # pandas warns that the article regex has (named) groups it will not extract.
        warnings.filterwarnings("ignore", message="This pattern is interpreted as a regular expression")
        return batch.validate(
            suite,
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [index_column]},
            expectation_parameters=parameters,
        )


class Outcome:
    """One check with its GX result (an ``ExpectationValidationResult``)."""

    def __init__(self, check: suites.Check, result: Any, index_column: str) -> None:
        self.check = check
        self.index_column = index_column
        self.success = bool(result.success)
        # A copy: publishing the Data Docs later strips the bulky keys from GX's own dict.
        self.result: dict[str, Any] = dict(result.result or {})
        info = result.exception_info or {}
        self.error: str | None = (
            (info.get("exception_message") or "raised an exception") if info.get("raised_exception") else None
        )

    @property
    def unexpected_count(self) -> int:
        return int(self.result.get("unexpected_count") or 0)

    @property
    def element_count(self) -> int:
        return int(self.result.get("element_count") or 0)

    def failing_rows(self) -> list[int]:
        return [int(item[self.index_column]) for item in self.result.get("unexpected_index_list") or []]


def match_outcomes(
    checks: list[suites.Check], result: ExpectationSuiteValidationResult, index_column: str
) -> list[Outcome]:
    """The checks' outcomes, in the checks' order.

    Results are matched by the description each expectation carries in its meta
    (``suites.build_suite``), not by position, so that a result cannot be pinned on
    the wrong check; a check without a result is an error, never a silent pass.
    """
    by_description = {}
    for item in result.results:
        description = item.expectation_config.meta.get("pressetl_check")
        by_description[description] = item
    missing = [c.description for c in checks if c.description not in by_description]
    if missing:
        raise RuntimeError(f"GX returned no result for {missing}")
    return [Outcome(check, by_description[check.description], index_column) for check in checks]
