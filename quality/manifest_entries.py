"""The manifest's expectation entries: one JSON-safe record per check.

They become the warehouse's ``validation_results`` rows, so they hold figures
and short samples, never whole article bodies.
"""

from __future__ import annotations

import math
from typing import Any

from quality.validation import Outcome

SAMPLE_SIZE = 5
SAMPLE_CHARS = 200


def expectation_entry(outcome: Outcome) -> dict[str, Any]:
    """One check's entry (``core.manifests.ExpectationOutcome``)."""
    result = outcome.result
    if "observed_value" in result:
        observed: Any = result["observed_value"]
    else:
        # A few failing values, cut short: they may be whole article bodies.
        sample = [short(v) for v in (result.get("partial_unexpected_list") or [])[:SAMPLE_SIZE]]
        observed = {"unexpected_percent": result.get("unexpected_percent"), "sample": sample}
    entry = {
        "expectation": outcome.check.description,
        "column": outcome.check.column,
        "suite": outcome.check.suite,
        "success": outcome.success and not outcome.error,
        "observed": jsonable(observed),
        "unexpected_count": outcome.unexpected_count,
        "level": outcome.check.level,
    }
    if outcome.error:
        entry["error"] = outcome.error
    return entry


def short(value: Any, limit: int = SAMPLE_CHARS) -> Any:
    """A string cut to ``limit`` characters, the last one an ellipsis; anything else as is."""
    if isinstance(value, str) and len(value) > limit:
        return value[: limit - 1] + "…"
    return value


def jsonable(value: Any) -> Any:
    """``value`` as JSON can hold it: GX results carry numpy scalars, NaN, dates, tuples."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, bool | str) or value is None:
        return value
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float):
        # JSON has no NaN nor infinity.
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, int):
        return value
    return str(value)
