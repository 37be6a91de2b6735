"""Small SVG charts rendered on the server.

Why not pygal: its SVG carries inline scripts and styles for tooltips, which our CSP
refuses, and two chart shapes (horizontal bars, weekly columns) are a few dozen lines.
The SVG scales with its container (``viewBox``), so it reads on a laptop and a phone; its
colours come from the admin stylesheet's variables; every label is escaped; each chart has
a ``<title>`` and the figures are in a table next to it for screen readers and CSV.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from markupsafe import Markup, escape

_WIDTH = 420


def bar_chart(title: str, rows: Sequence[tuple[str, float]]) -> Markup:
    """Horizontal bars, one per row, value at the end."""
    row_height, label_width = 24, 130
    height = max(1, len(rows)) * row_height + 10
    top = max((value for _, value in rows), default=0) or 1
    parts = [
        f'<svg class="chart" viewBox="0 0 {_WIDTH} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    span = _WIDTH - label_width - 60
    for index, (label, value) in enumerate(rows):
        y = 5 + index * row_height
        width = round(span * value / top, 1)
        text = str(label)
        short = text if len(text) <= 10 else text[:9] + "…"
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end">{escape(short)}</text>'
            f'<rect class="s1" x="{label_width}" y="{y + 3}" width="{width}" '
            f'height="{row_height - 8}" rx="3">'
            f"<title>{escape(text)}: {escape(_number(value))}</title></rect>"
            f'<text x="{label_width + width + 6}" y="{y + 16}">{escape(_number(value))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value above is escaped


def week_chart(
    title: str, weeks: Sequence[date], series: Sequence[tuple[str, Sequence[float]]]
) -> Markup:
    """Columns per week, one or two series side by side, with a legend."""
    height, bottom, left = 200, 26, 26
    plot_height = height - bottom - 30
    top = max((value for _, values in series for value in values), default=0) or 1
    slot = (_WIDTH - left - 10) / max(1, len(weeks))
    bar = max(2.0, slot / (len(series) + 1))
    parts = [
        f'<svg class="chart" viewBox="0 0 {_WIDTH} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
        f'<line class="axis" x1="{left}" y1="{height - bottom}" x2="{_WIDTH - 10}" '
        f'y2="{height - bottom}"/>',
        f'<text x="2" y="34">{escape(_number(top))}</text>',
    ]
    for number, (name, values) in enumerate(series):
        parts.append(
            f'<rect class="s{number + 1}" x="{left + number * 110}" y="6" width="10" height="10"/>'
            f'<text class="legend" x="{left + 14 + number * 110}" y="15">{escape(name)}</text>'
        )
        for index, value in enumerate(values):
            bar_height = round(plot_height * value / top, 1)
            x = round(left + index * slot + number * bar + bar / 2, 1)
            parts.append(
                f'<rect class="s{number + 1}" x="{x}" y="{height - bottom - bar_height}" '
                f'width="{round(bar, 1)}" height="{bar_height}"><title>'
                f"{escape(weeks[index].isoformat())} {escape(name)}: {escape(_number(value))}"
                f"</title></rect>"
            )
    step = max(1, len(weeks) // 5)
    for index in range(0, len(weeks), step):
        x = round(left + index * slot + slot / 2, 1)
        parts.append(
            f'<text x="{x}" y="{height - 10}" text-anchor="middle">'
            f"{escape(weeks[index].strftime('%m-%d'))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value above is escaped


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
