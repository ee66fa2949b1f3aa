"""The `pressetl` command line: a thin layer over ``pipeline.runner`` and the stage functions.

``pipeline.cli.main`` assembles it: each command module registers its commands on the
one Typer app (``pipeline.cli.app``).
"""
