"""A chart as an SVG string, drawn on the server: no script, no library, no network.

Pure and dependency-free so that the page and the PDF draw the same picture. Bars carry their
value as a label and an accessible ``<title>``; the chart has a ``<title>`` and a legend.
"""

from __future__ import annotations

from html import escape

from teia.reports.figures import Chart

COLOURS = ("#1f5f8b", "#d9822b", "#3b8b5a", "#8b3b6f", "#6b6b6b")
FONT = 'font-family="Helvetica, Arial, sans-serif" font-size="11"'
WIDTH = 640


def _number(value: float) -> str:
    return f"{value:,.1f}".rstrip("0").rstrip(".").replace(",", " ") if value else "0"


def _legend(chart: Chart, y: float) -> list[str]:
    parts = []
    x = 10.0
    for i, series in enumerate(chart.series):
        colour = COLOURS[i % len(COLOURS)]
        parts.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="{y + 9}" {FONT}>{escape(series.name)}</text>')
        x += 24 + 7 * len(series.name)
    return parts


def _svg(chart: Chart, height: float, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0f}" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" role="img" aria-labelledby="chart-{chart.code}">'
        f'<title id="chart-{chart.code}">{escape(chart.title)}</title>' + "".join(body) + "</svg>"
    )


def _peak(chart: Chart) -> float:
    return max((v for s in chart.series for v in s.values), default=0.0) or 1.0


def _hbar(chart: Chart) -> str:
    label_width, bar, gap = 200.0, 14.0, 8.0
    plot = WIDTH - label_width - 70
    peak = _peak(chart)
    group = bar * len(chart.series) + gap
    body: list[str] = []
    for row, label in enumerate(chart.labels):
        top = 10 + row * group
        body.append(
            f'<text x="{label_width - 6}" y="{top + bar * len(chart.series) / 2 + 4:.1f}" '
            f'text-anchor="end" {FONT}>{escape(label[:32])}</text>'
        )
        for i, series in enumerate(chart.series):
            value = series.values[row]
            y = top + i * bar
            width = plot * value / peak
            body.append(
                f'<rect x="{label_width}" y="{y:.1f}" width="{width:.1f}" height="{bar - 2}" '
                f'fill="{COLOURS[i % len(COLOURS)]}"><title>{escape(label)} · '
                f"{escape(series.name)}: {_number(value)}</title></rect>"
                f'<text x="{label_width + width + 4:.1f}" y="{y + bar - 4:.1f}" {FONT}>'
                f"{_number(value)}</text>"
            )
    legend_y = 10 + len(chart.labels) * group + 4
    return _svg(chart, legend_y + 20, [*body, *_legend(chart, legend_y)])


def _bar(chart: Chart) -> str:
    height, base, left = 240.0, 190.0, 40.0
    peak = _peak(chart)
    slot = (WIDTH - left - 10) / max(len(chart.labels), 1)
    bar = max(min((slot - 10) / max(len(chart.series), 1), 40.0), 2.0)
    body = [f'<line x1="{left}" y1="{base}" x2="{WIDTH - 10}" y2="{base}" stroke="#999"/>']
    for col, label in enumerate(chart.labels):
        x0 = left + col * slot + (slot - bar * len(chart.series)) / 2
        for i, series in enumerate(chart.series):
            value = series.values[col]
            h = (base - 30) * value / peak
            x = x0 + i * bar
            body.append(
                f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar - 2:.1f}" height="{h:.1f}" '
                f'fill="{COLOURS[i % len(COLOURS)]}"><title>{escape(label)} · '
                f"{escape(series.name)}: {_number(value)}</title></rect>"
                f'<text x="{x + bar / 2:.1f}" y="{base - h - 3:.1f}" text-anchor="middle" '
                f"{FONT}>{_number(value)}</text>"
            )
        body.append(
            f'<text x="{left + col * slot + slot / 2:.1f}" y="{base + 14}" text-anchor="middle" '
            f"{FONT}>{escape(label[:18])}</text>"
        )
    return _svg(chart, height, [*body, *_legend(chart, base + 28)])


def _line(chart: Chart) -> str:
    height, base, left = 240.0, 190.0, 40.0
    peak = _peak(chart)
    steps = max(len(chart.labels) - 1, 1)
    span = WIDTH - left - 20
    body = [f'<line x1="{left}" y1="{base}" x2="{WIDTH - 10}" y2="{base}" stroke="#999"/>']
    for col, label in enumerate(chart.labels):
        body.append(
            f'<text x="{left + span * col / steps:.1f}" y="{base + 14}" text-anchor="middle" '
            f"{FONT}>{escape(label[:12])}</text>"
        )
    for i, series in enumerate(chart.series):
        colour = COLOURS[i % len(COLOURS)]
        points = [
            (left + span * col / steps, base - (base - 30) * value / peak)
            for col, value in enumerate(series.values)
        ]
        body.append(
            '<polyline fill="none" stroke-width="2" stroke="{}" points="{}"/>'.format(
                colour, " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            )
        )
        for (x, y), label, value in zip(points, chart.labels, series.values, strict=True):
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"><title>'
                f"{escape(label)} · {escape(series.name)}: {_number(value)}</title></circle>"
            )
    return _svg(chart, height, [*body, *_legend(chart, base + 28)])


def chart_svg(chart: Chart) -> str:
    """The chart as an SVG document (one ``<svg>`` element)."""
    if chart.kind == "hbar":
        return _hbar(chart)
    if chart.kind == "line":
        return _line(chart)
    return _bar(chart)
