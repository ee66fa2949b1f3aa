"""``python -m pipeline.cli``: the `pressetl` command."""

from pipeline.cli.main import main

main()
