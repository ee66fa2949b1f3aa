"""Import Great Expectations without flooding the output.

With Airflow installed, its structlog setup routes every stdlib log record to
stdout, and GX logs hundreds of INFO lines at import ("Skipping registering
function …") and while working. GX's loggers are capped at WARNING unless the
application has set a level for them itself.
"""

from __future__ import annotations

import logging
from types import ModuleType


def import_gx() -> ModuleType:
    gx_logger = logging.getLogger("great_expectations")
    if gx_logger.level == logging.NOTSET:
        gx_logger.setLevel(logging.WARNING)
    import great_expectations

    # A few GX modules pin their own logger to INFO when imported, which escapes the
    # cap above: let those inherit it again.
    if gx_logger.level >= logging.WARNING:
        for name, child in list(logging.root.manager.loggerDict.items()):
            if (
                name.startswith("great_expectations.")
                and isinstance(child, logging.Logger)
                and logging.NOTSET < child.level < gx_logger.level
            ):
                child.setLevel(logging.NOTSET)
    return great_expectations
