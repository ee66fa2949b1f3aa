"""The `pressetl` entry point: the app with every command module registered."""

from __future__ import annotations

import sys

# importing them registers their commands
from pipeline.cli import (  # noqa: F401
    coverage,
    db,
    export,
    freshness,
    inspect,
    metrics,
    plan,
    runs,
    search,
    stories,
)
from pipeline.cli.app import app


def main() -> None:
    app(prog_name="pressetl")


__all__ = ["app", "main"]

if __name__ == "__main__":
    sys.exit(main())
