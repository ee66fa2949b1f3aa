"""The coverage heatmap of the Data Docs index: one row per site, one cell per day coloured by
its state (title: its counts), and a sparkline of the articles loaded per day.

Plain HTML, CSS and inline SVG (the index is opened offline). Colours are the Okabe-Ito
colour-blind-safe palette, and every state but "loaded" also carries a glyph, named in the
legend, so no cell is told by its colour alone.

The pipeline builds the ``Coverage`` from the warehouse (quality/ does not read it) and
``save``s it as ``<docs_dir>/coverage.json``; ``quality.docs.write_root_index`` draws
what it holds whenever it rewrites the index, so a validation's rewrite keeps the picture.
"""

from __future__ import annotations

import html
from pathlib import Path
from statistics import median

from pydantic import ValidationError

from core.coverage import FAILED, LOADED, MISSING, QUARANTINED_HEAVY, Coverage, DayCoverage, SiteCoverage
from core.partitions import atomic_path

COVERAGE_FILE = "coverage.json"
SPARK_WIDTH, SPARK_HEIGHT = 160, 28
# state → (CSS class, glyph, legend text)
KEY = {
    LOADED: ("loaded", "", "loaded (the latest run succeeded)"),
    QUARANTINED_HEAVY: (
        "quarantined-heavy",
        "q",
        "quarantined-heavy: loaded, but the share of the batch quarantined is above the site's gate limit",
    ),
    FAILED: ("failed", "\u00d7", "failed (the latest run failed: the tooltip says where and why)"),
    MISSING: ("missing", "", "missing (no run in the ledger)"),
}
EXTRA_MARKS = (
    ("loaded", "!", "loaded with the quality gate overridden (recorded)"),
    ("loaded running", "~", "a run is processing the day now"),
)
CSS = """
section#coverage .cells { white-space: nowrap; font-size: 0; }
section#coverage .cell { display: inline-block; width: 11px; height: 16px; margin-right: 1px;
  box-sizing: border-box; font: bold 10px/16px sans-serif; text-align: center; vertical-align: middle; }
section#coverage .loaded { background: #0072B2; color: #fff; }
section#coverage .quarantined-heavy { background: #F0E442; color: #000; }
section#coverage .failed { background: #D55E00; color: #fff; }
section#coverage .missing { background: #fff; border: 1px dashed #777; color: #000; }
section#coverage .running { outline: 2px solid #009E73; outline-offset: -2px; }
section#coverage .axis { white-space: nowrap; font-size: 0; height: 14px; }
section#coverage .axis span { display: inline-block; width: 12px; font-size: 10px; overflow: visible; }
section#coverage table { width: auto; }
section#coverage td.figures { text-align: right; white-space: nowrap; }
section#coverage ul.legend { list-style: none; padding: 0; }
section#coverage ul.legend .cell { margin-right: 0.5em; }
"""


def save(docs_dir: Path, coverage: Coverage) -> Path:
    """Keep ``coverage`` for the index (atomically: a reader sees the old file or the new)."""
    target = docs_dir / COVERAGE_FILE
    with atomic_path(target) as tmp:
        tmp.write_text(coverage.model_dump_json(indent=1) + "\n", encoding="utf-8")
    return target


def section(docs_dir: Path) -> str:
    """The index's coverage section, from ``<docs_dir>/coverage.json`` (what it lacks, said)."""
    path = docs_dir / COVERAGE_FILE
    try:
        coverage = Coverage.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        return _frame("<p>No coverage yet: drawn after the first load or failure in the ledger.</p>")
    except (OSError, ValidationError) as exc:
        return _frame(f"<p>Coverage unreadable ({_esc(path)}): {_esc(' '.join(str(exc).split())[:300])}</p>")
    return render(coverage)


def render(coverage: Coverage) -> str:
    stamp = f"{coverage.generated_at:%Y-%m-%d %H:%M} UTC" if coverage.generated_at else "unknown"
    rows = "\n".join(_site_row(site) for site in coverage.sites)
    body = f"""<p>Each cell is one day of one site, as the ledger's latest run of it says
(<code>pressetl coverage --from {coverage.first} --to {coverage.last}</code> prints the same, and
the commands that fill the gaps). The last days up to the latest day in the ledger; redrawn
after every load and every failure it records (drawn {_esc(stamp)}). Hover a cell for its counts.</p>
{_legend()}
<table class="coverage">
<thead><tr><th>Site</th><th>{_axis(coverage)}</th><th>Articles loaded per day</th>
<th>Articles</th><th>Gaps</th></tr></thead>
<tbody>
{rows}
</tbody></table>"""
    return _frame(body, f"{coverage.first} … {coverage.last}")


def _frame(body: str, span: str = "") -> str:
    title = f"Coverage {_esc(span)}" if span else "Coverage"
    return f'<section id="coverage">\n<style>{CSS}</style>\n<h2>{title}</h2>\n{body}\n</section>'


def _legend() -> str:
    marks = [*KEY.values(), *EXTRA_MARKS]
    items = [f'<li><span class="cell {c}">{_esc(glyph)}</span>{_esc(text)}</li>' for c, glyph, text in marks]
    return '<ul class="legend">\n' + "\n".join(items) + "\n</ul>"


def _axis(coverage: Coverage) -> str:
    """Month labels over the cells: the first day shown and every 1st of a month."""
    labels = [
        f"{day:%Y-%m}" if index == 0 or day.day == 1 else ("" if day.day % 7 else str(day.day))
        for index, day in enumerate(coverage.days)
    ]
    return '<div class="axis">' + "".join(f"<span>{_esc(label)}</span>" for label in labels) + "</div>"


def _site_row(site: SiteCoverage) -> str:
    cells = "".join(_cell(site.site, day) for day in site.days)
    gaps = sum(d.gap for d in site.days)
    return (
        f'<tr data-site="{_esc(site.site)}"><th>{_esc(site.site)}</th><td class="cells">{cells}</td>'
        f'<td class="spark">{sparkline(site)}</td><td class="figures">{site.articles:,}</td>'
        f'<td class="figures gaps">{gaps}</td></tr>'
    )


def _cell(site: str, day: DayCoverage) -> str:
    cls, glyph, _ = KEY[day.state]
    if day.overridden and day.state == LOADED:
        glyph = "!"
    if day.running:
        cls, glyph = f"{cls} running", "~"
    return (
        f'<span class="cell {cls}" data-day="{day.day.isoformat()}" data-state="{day.state}" '
        f'data-loaded="{day.loaded}" title="{_esc(day.describe(site))}">{_esc(glyph)}</span>'
    )


def sparkline(site: SiteCoverage) -> str:
    """Inline SVG: articles loaded per day; the line breaks on gaps, marked below it."""
    days = site.days
    loaded = [d.loaded for d in days if not d.gap]
    top = max(loaded, default=0) or 1
    step = SPARK_WIDTH / max(len(days) - 1, 1)

    def x(index: int) -> str:
        return f"{index * step:.1f}"

    def y(value: int) -> str:
        return f"{SPARK_HEIGHT - 4 - value / top * (SPARK_HEIGHT - 8):.1f}"

    lines, segment, marks = [], [], []
    for index, day in enumerate(days):
        if day.gap:
            marks.append(f'<rect x="{x(index)}" y="{SPARK_HEIGHT - 3}" width="2" height="3" fill="#D55E00"/>')
            if segment:
                lines.append(segment)
            segment = []
        else:
            segment.append(f"{x(index)},{y(day.loaded)}")
    if segment:
        lines.append(segment)
    paths = "".join(
        f'<polyline fill="none" stroke="#0072B2" stroke-width="1.5" points="{" ".join(points)}"/>'
        if len(points) > 1
        else f'<circle cx="{points[0].split(",")[0]}" cy="{points[0].split(",")[1]}" r="1.5" fill="#0072B2"/>'
        for points in lines
    )
    summary = (
        f"{site.site}: articles loaded per day, min {min(loaded)}, median {median(loaded):g}, "
        f"max {max(loaded)}, last loaded day {loaded[-1]}"
        if loaded
        else f"{site.site}: no day loaded"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SPARK_WIDTH}" height="{SPARK_HEIGHT}" '
        f'viewBox="0 0 {SPARK_WIDTH} {SPARK_HEIGHT}" role="img" aria-label="{_esc(summary)}">'
        f"<title>{_esc(summary)}</title>{paths}{''.join(marks)}</svg>"
    )


def _esc(value: object) -> str:
    return html.escape(str(value))
