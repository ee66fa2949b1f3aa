"""Errors of the quality gate.

Kept free of Great Expectations (and of pandas/pyarrow) so that DAG files and the
CLI can catch ``QualityGateError`` without paying GX's ~10 s import.
"""

from __future__ import annotations


class QualityGateError(RuntimeError):
    """The batch was stopped by the quality gate.

    The message is one line (it is what the Airflow UI shows for a red task): the
    site, the day, what failed and where the Data Docs page is.
    """

    def __init__(
        self,
        message: str,
        *,
        site: str | None = None,
        day: str | None = None,
        failures: list[str] | None = None,
        docs_path: str | None = None,
    ) -> None:
        super().__init__(" ".join(message.split()))
        self.site = site
        self.day = day
        self.failures = list(failures or [])
        self.docs_path = docs_path
