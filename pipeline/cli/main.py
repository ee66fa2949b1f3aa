"""The `pressetl` entry point: the app with every command module registered."""

from __future__ import annotations

import sys

from pipeline.cli import db, inspect, metrics, plan, runs  # noqa: F401  (importing them registers their commands)
from pipeline.cli.app import app


def main() -> None:
    app(prog_name="pressetl")


__all__ = ["app", "main"]

if __name__ == "__main__":
    sys.exit(main())
