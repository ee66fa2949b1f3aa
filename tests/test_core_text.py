"""``one_line``: what an operator reads of an error, everywhere (defined once)."""

from __future__ import annotations

from core.partitions import safe_run_id
from core.text import one_line


def test_one_line_collapses_whitespace_names_empty_errors_and_caps():
    assert one_line(ValueError("site down\n  on  /fr/\t503")) == "site down on /fr/ 503"
    assert one_line(KeyError()) == "KeyError"
    assert one_line("x" * 600, 500) == "x" * 499 + "…"
    assert len(one_line("x" * 600, 500)) == 500
    assert one_line("short", 500) == "short"


def test_run_ids_become_portable_file_names():
    assert safe_run_id("scheduled__2024-04-10T01:00:00+00:00") == "scheduled__2024-04-10T01_00_00_00_00"
    assert safe_run_id("cli_20240410T010000Z_ab12cd") == "cli_20240410T010000Z_ab12cd"
