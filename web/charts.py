"""Small server-side SVG charts for every page and the printable report.

Each chart is an ``<svg role="img">`` with a title and a description; the page shows the
same figures in a data table next to it, so the chart is never the only way to read them.
Suppressed values are drawn as an empty row marked with ``hidden_text``. All text comes in
already translated; numbers are formatted here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
LABEL_WIDTH = 190
ROW = 26
TOP = 30
BOTTOM = 28
INK = "#1d2433"
MUTED = "#5a6376"
ACCENT = "#1f5fbf"
LINE = "#d9dee7"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None


@dataclass(frozen=True)
class Span:
    """A point with an interval (mean and CI, or median and quartiles)."""

    label: str
    middle: float | None
    low: float | None
    high: float | None


def _number(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def _frame(chart_id: str, title: str, description: str, height: int, body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
        # The title again as visible text: on paper there is no tooltip.
        f'<text x="0" y="16" font-size="13" font-weight="bold" fill="{INK}" '
        f'aria-hidden="true">{escape(title)}</text>'
    )
    return Markup(head + "".join(body) + "</svg>")


def _axis(lo: float, hi: float, top: int, bottom: int, decimals: int) -> tuple[list[str], object]:
    span = hi - lo or 1.0
    plot = WIDTH - LABEL_WIDTH - 45

    def x(value: float) -> float:
        return LABEL_WIDTH + (min(max(value, lo), hi) - lo) / span * plot

    parts = []
    for step in range(5):
        value = lo + span * step / 4
        px = x(value)
        parts.append(
            f'<line x1="{px:.1f}" y1="{top}" x2="{px:.1f}" y2="{bottom}" stroke="{LINE}"/>'
            f'<text x="{px:.1f}" y="{bottom + 16}" font-size="11" fill="{MUTED}" '
            f'text-anchor="middle">{_number(value, decimals)}</text>'
        )
    return parts, x


def _label(y: float, text: str) -> str:
    short = text if len(text) <= 28 else text[:27] + "…"
    return (
        f'<text x="{LABEL_WIDTH - 8}" y="{y:.1f}" font-size="12" fill="{INK}" '
        f'text-anchor="end" dominant-baseline="middle">{escape(short)}</text>'
    )


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    bars: Sequence[Bar],
    *,
    hidden_text: str,
    maximum: float | None = None,
    decimals: int = 0,
) -> Markup:
    """Horizontal bars from zero; a bar without a value shows ``hidden_text``."""
    values = [b.value for b in bars if b.value is not None]
    hi = maximum if maximum is not None else max(values + [1.0])
    height = TOP + ROW * max(len(bars), 1) + BOTTOM
    bottom = height - BOTTOM
    parts, x = _axis(0.0, hi, TOP, bottom, decimals)
    for row, bar in enumerate(bars):
        y = TOP + ROW * row + ROW / 2
        parts.append(_label(y, bar.label))
        if bar.value is None:
            parts.append(
                f'<text x="{LABEL_WIDTH + 4}" y="{y:.1f}" font-size="11" fill="{MUTED}" '
                f'font-style="italic" dominant-baseline="middle">{escape(hidden_text)}</text>'
            )
            continue
        end = x(bar.value)
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y - 8:.1f}" width="{max(end - LABEL_WIDTH, 1):.1f}" '
            f'height="16" fill="{ACCENT}"/>'
            f'<text x="{end + 4:.1f}" y="{y:.1f}" font-size="11" fill="{INK}" '
            f'dominant-baseline="middle">{_number(bar.value, decimals)}</text>'
        )
    return _frame(chart_id, title, description, height, parts)


def span_chart(
    chart_id: str,
    title: str,
    description: str,
    spans: Sequence[Span],
    *,
    lo: float,
    hi: float,
    hidden_text: str,
    reference: float | None = None,
    decimals: int = 1,
) -> Markup:
    """A dot per row with a line over its interval, on a shared axis from ``lo`` to ``hi``."""
    height = TOP + ROW * max(len(spans), 1) + BOTTOM
    bottom = height - BOTTOM
    parts, x = _axis(lo, hi, TOP, bottom, decimals)
    if reference is not None:
        px = x(reference)
        parts.append(
            f'<line x1="{px:.1f}" y1="{TOP}" x2="{px:.1f}" y2="{bottom}" stroke="{MUTED}" '
            f'stroke-dasharray="4 3"/>'
        )
    for row, span in enumerate(spans):
        y = TOP + ROW * row + ROW / 2
        parts.append(_label(y, span.label))
        if span.middle is None:
            parts.append(
                f'<text x="{LABEL_WIDTH + 4}" y="{y:.1f}" font-size="11" fill="{MUTED}" '
                f'font-style="italic" dominant-baseline="middle">{escape(hidden_text)}</text>'
            )
            continue
        if span.low is not None and span.high is not None:
            parts.append(
                f'<line x1="{x(span.low):.1f}" y1="{y:.1f}" x2="{x(span.high):.1f}" '
                f'y2="{y:.1f}" stroke="{ACCENT}" stroke-width="3"/>'
            )
        parts.append(f'<circle cx="{x(span.middle):.1f}" cy="{y:.1f}" r="5" fill="{INK}"/>')
    return _frame(chart_id, title, description, height, parts)


def comparison_chart(
    chart_id: str,
    title: str,
    description: str,
    rows: Sequence[tuple[str, float | None, float | None]],
    *,
    lo: float,
    hi: float,
    own_label: str,
    other_label: str,
    hidden_text: str,
    decimals: int = 1,
) -> Markup:
    """Two markers per row on a shared axis: a filled dot (own value) and a hollow diamond
    (the comparison, e.g. the team's median). A missing comparison is simply not drawn."""
    height = TOP + ROW * max(len(rows), 1) + BOTTOM + 18
    bottom = height - BOTTOM - 18
    parts, x = _axis(lo, hi, TOP, bottom, decimals)
    for row, (label, own, other) in enumerate(rows):
        y = TOP + ROW * row + ROW / 2
        parts.append(_label(y, label))
        if own is None and other is None:
            parts.append(
                f'<text x="{LABEL_WIDTH + 4}" y="{y:.1f}" font-size="11" fill="{MUTED}" '
                f'font-style="italic" dominant-baseline="middle">{escape(hidden_text)}</text>'
            )
            continue
        if other is not None:
            cx = x(other)
            parts.append(
                f'<path d="M{cx:.1f} {y - 6:.1f} L{cx + 6:.1f} {y:.1f} L{cx:.1f} {y + 6:.1f} '
                f'L{cx - 6:.1f} {y:.1f} Z" fill="#ffffff" stroke="{MUTED}" stroke-width="2"/>'
            )
        if own is not None:
            parts.append(f'<circle cx="{x(own):.1f}" cy="{y:.1f}" r="6" fill="{ACCENT}"/>')
    legend_y = height - 10
    parts.append(
        f'<circle cx="{LABEL_WIDTH + 6}" cy="{legend_y - 4}" r="5" fill="{ACCENT}"/>'
        f'<text x="{LABEL_WIDTH + 16}" y="{legend_y}" font-size="11" fill="{INK}">'
        f"{escape(own_label)}</text>"
        f'<path d="M{LABEL_WIDTH + 166} {legend_y - 9} L{LABEL_WIDTH + 171} {legend_y - 4} '
        f'L{LABEL_WIDTH + 166} {legend_y + 1} L{LABEL_WIDTH + 161} {legend_y - 4} Z" '
        f'fill="#ffffff" stroke="{MUTED}" stroke-width="2"/>'
        f'<text x="{LABEL_WIDTH + 176}" y="{legend_y}" font-size="11" fill="{INK}">'
        f"{escape(other_label)}</text>"
    )
    return _frame(chart_id, title, description, height, parts)
