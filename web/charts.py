"""Small server-side SVG charts for every page and the printable report.

Each chart is an ``<svg role="img">`` with a title and a description; the page shows the
same figures in a data table next to it, so the chart is never the only way to read them.
Suppressed values are drawn as an empty row marked with ``hidden_text``. All text comes in
already translated; numbers are formatted here.

Every chart is drawn twice: wide (labels left of the bars) and narrow (each label on its
own line above its row, in a viewBox about as wide as a phone), and the stylesheet shows
the one that fits. A 640-unit chart squeezed onto a 375 px screen would shrink its text
to six pixels and cut its labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

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
class Layout:
    """Where a chart's parts go: labels beside the rows (wide) or above them (stacked)."""

    width: int
    label_width: int
    row: int
    stacked: bool
    suffix: str
    label_chars: int
    title_chars: int
    small: int
    """Font size of axis numbers, values and legends (the narrow chart is shown nearly at
    its own size on a phone, the wide one shrinks with its container)."""

    @property
    def left(self) -> int:
        """Where the plot starts."""
        return self.label_width if not self.stacked else 20

    @property
    def right(self) -> int:
        """Where the plot ends, leaving room for a value printed after a bar."""
        return self.width - (45 if not self.stacked else 38)

    def label_y(self, row: int) -> float:
        return TOP + self.row * row + (self.row / 2 if not self.stacked else 11)

    def mark_y(self, row: int) -> float:
        return TOP + self.row * row + (self.row / 2 if not self.stacked else 32)


# The stylesheet shows the wide layout only in a box at least WIDTH px wide, so its text is
# drawn at least at its own size: 12 px. The narrow one shrinks to about 310 px on a phone,
# so its 14 units stay 12 px there.
WIDE = Layout(WIDTH, LABEL_WIDTH, ROW, False, "", 28, 90, 12)
NARROW = Layout(360, 0, 46, True, "-narrow", 40, 38, 14)


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
    hidden: str | None = None  # why there is no point, where not the chart's ``hidden_text``


def _labelled(value: float, decimals: int) -> Decimal:
    """``value`` as its label shows it: rounded half to even on its decimal digits, as Babel
    rounds (binary rounding would make 4.35 4.3 where the label says 4.4)."""
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN)


def _number(value: float, decimals: int) -> str:
    """``value`` written the reader's way: ``2.5`` in English, ``2,5`` in Norwegian."""
    from flask_babel import format_decimal

    pattern = "0." + "0" * decimals if decimals else "0"
    shown = _labelled(value, decimals)
    try:
        return format_decimal(shown, format=pattern)
    except RuntimeError:  # outside a request or app (a chart drawn for a test or a script)
        return f"{shown:.{decimals}f}"


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _two_lines(text: str, limit: int) -> list[str]:
    """``text`` on one line, or on two split between words, each within ``limit``
    characters (the second shortened only when even two lines are not enough)."""
    if len(text) <= limit:
        return [text]
    words = text.split()
    first = ""
    while words and len(first) + bool(first) + len(words[0]) <= limit:
        first += (" " if first else "") + words.pop(0)
    if not first:
        return [_short(text, limit)]
    return [first, _short(" ".join(words), limit)]


def _title_lines(title: str, layout: Layout) -> list[str]:
    """The visible title, wrapped on words to fit the chart's width."""
    lines: list[str] = []
    for word in title.split():
        if lines and len(lines[-1]) + 1 + len(word) <= layout.title_chars:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _frame(
    chart_id: str, title: str, description: str, height: int, body: list[str], layout: Layout
) -> str:
    lines = _title_lines(title, layout)
    extra = 18 * (len(lines) - 1)  # room for a title that wraps
    chart_id = f"{chart_id}{layout.suffix}"
    visible = "".join(
        f'<text x="0" y="{16 + 18 * n}" font-size="{13 if not layout.stacked else 15}" '
        f'font-weight="bold" fill="{INK}" '
        f'aria-hidden="true">{escape(line)}</text>'
        for n, line in enumerate(lines)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {layout.width} {height + extra}" width="{layout.width}" '
        f'height="{height + extra}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
        # The title again as visible text: on paper there is no tooltip.
        + visible
        + f'<g transform="translate(0 {extra})">'
        + "".join(body)
        + "</g></svg>"
    )


def _both(chart_id: str, title: str, description: str, draw) -> Markup:
    """The chart in both layouts; ``draw(layout)`` returns ``(height, parts)``."""
    wide = _frame(chart_id, title, description, *draw(WIDE), WIDE)
    narrow = _frame(chart_id, title, description, *draw(NARROW), NARROW)
    return Markup(
        f'<span class="chart-wide">{wide}</span><span class="chart-narrow">{narrow}</span>'
    )


def _axis(
    lo: float, hi: float, top: int, bottom: int, decimals: int, layout: Layout = WIDE
) -> tuple[list[str], object]:
    span = hi - lo or 1.0
    plot = layout.right - layout.left

    def x(value: float) -> float:
        return layout.left + (min(max(value, lo), hi) - lo) / span * plot

    def mark(value: float) -> float:
        # A figure is drawn at the precision it is labelled with: a bar's length must not
        # tell the decimals its label rounds away (with few ratings, the exact sum).
        return x(float(_labelled(value, decimals)))

    parts = []
    for step in range(5):
        value = lo + span * step / 4
        px = x(value)
        parts.append(
            f'<line x1="{px:.1f}" y1="{top}" x2="{px:.1f}" y2="{bottom}" stroke="{LINE}"/>'
            f'<text x="{px:.1f}" y="{bottom + 16}" font-size="{layout.small}" fill="{MUTED}" '
            f'text-anchor="middle">{_number(value, decimals)}</text>'
        )
    return parts, mark


def _label(y: float, text: str, layout: Layout = WIDE) -> str:
    if layout.stacked:
        short = _short(text, layout.label_chars)
        return (
            f'<text x="0" y="{y:.1f}" font-size="15" fill="{INK}" '
            f'dominant-baseline="middle">{escape(short)}</text>'
        )
    lines = _two_lines(text, layout.label_chars)
    if len(lines) == 1:
        return (
            f'<text x="{LABEL_WIDTH - 8}" y="{y:.1f}" font-size="12" fill="{INK}" '
            f'text-anchor="end" dominant-baseline="middle">{escape(lines[0])}</text>'
        )
    # A long scale name ("Recognition in front of others") on two smaller lines in its row,
    # rather than cut off.
    return "".join(
        f'<text x="{LABEL_WIDTH - 8}" y="{y + offset:.1f}" font-size="12" fill="{INK}" '
        f'text-anchor="end" dominant-baseline="middle">{escape(line)}</text>'
        for line, offset in zip(lines, (-7, 7), strict=True)
    )


def _hidden(y: float, text: str, layout: Layout) -> str:
    return (
        f'<text x="{layout.left + 4}" y="{y:.1f}" font-size="{layout.small}" fill="{MUTED}" '
        f'font-style="italic" dominant-baseline="middle">{escape(text)}</text>'
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

    def draw(layout: Layout) -> tuple[int, list[str]]:
        height = TOP + layout.row * max(len(bars), 1) + BOTTOM
        bottom = height - BOTTOM
        parts, x = _axis(0.0, hi, TOP, bottom, decimals, layout)
        for row, bar in enumerate(bars):
            y = layout.mark_y(row)
            parts.append(_label(layout.label_y(row), bar.label, layout))
            if bar.value is None:
                parts.append(_hidden(y, hidden_text, layout))
                continue
            end = x(bar.value)
            parts.append(
                f'<rect x="{layout.left}" y="{y - 8:.1f}" '
                f'width="{max(end - layout.left, 1):.1f}" height="16" fill="{ACCENT}"/>'
                f'<text x="{end + 4:.1f}" y="{y:.1f}" font-size="{layout.small}" fill="{INK}" '
                f'dominant-baseline="middle">{_number(bar.value, decimals)}</text>'
            )
        return height, parts

    return _both(chart_id, title, description, draw)


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

    def draw(layout: Layout) -> tuple[int, list[str]]:
        height = TOP + layout.row * max(len(spans), 1) + BOTTOM
        bottom = height - BOTTOM
        parts, x = _axis(lo, hi, TOP, bottom, decimals, layout)
        if reference is not None:
            px = x(reference)
            parts.append(
                f'<line x1="{px:.1f}" y1="{TOP}" x2="{px:.1f}" y2="{bottom}" '
                f'stroke="{MUTED}" stroke-dasharray="4 3"/>'
            )
        for row, span in enumerate(spans):
            y = layout.mark_y(row)
            parts.append(_label(layout.label_y(row), span.label, layout))
            if span.middle is None:
                parts.append(_hidden(y, span.hidden or hidden_text, layout))
                continue
            if span.low is not None and span.high is not None:
                parts.append(
                    f'<line x1="{x(span.low):.1f}" y1="{y:.1f}" x2="{x(span.high):.1f}" '
                    f'y2="{y:.1f}" stroke="{ACCENT}" stroke-width="3"/>'
                )
            parts.append(f'<circle cx="{x(span.middle):.1f}" cy="{y:.1f}" r="5" fill="{INK}"/>')
        return height, parts

    return _both(chart_id, title, description, draw)


def comparison_chart(
    chart_id: str,
    title: str,
    description: str,
    rows: Sequence[tuple[str, float | None, float | None]],
    *,
    lo: float,
    hi: float,
    own_label: str,
    other_label: str | None,
    hidden_text: str,
    decimals: int = 1,
) -> Markup:
    """Two markers per row on a shared axis: a filled dot (own value) and a hollow diamond
    (the comparison, e.g. the team's median). A missing comparison is simply not drawn;
    with ``other_label`` None the legend names the dot only.

    The diamond is drawn first and larger than the dot, and the dot has a white ring: where
    both values are equal the diamond's outline still shows around the dot."""

    def draw(layout: Layout) -> tuple[int, list[str]]:
        height = TOP + layout.row * max(len(rows), 1) + BOTTOM + 18
        bottom = height - BOTTOM - 18
        parts, x = _axis(lo, hi, TOP, bottom, decimals, layout)
        for row, (label, own, other) in enumerate(rows):
            y = layout.mark_y(row)
            parts.append(_label(layout.label_y(row), label, layout))
            if own is None and other is None:
                parts.append(_hidden(y, hidden_text, layout))
                continue
            if other is not None:
                cx = x(other)
                parts.append(
                    f'<path d="M{cx:.1f} {y - 11:.1f} L{cx + 11:.1f} {y:.1f} L{cx:.1f} '
                    f'{y + 11:.1f} L{cx - 11:.1f} {y:.1f} Z" fill="#ffffff" stroke="{MUTED}" '
                    f'stroke-width="2"/>'
                )
            if own is not None:
                parts.append(
                    f'<circle cx="{x(own):.1f}" cy="{y:.1f}" r="5.5" fill="{ACCENT}" '
                    f'stroke="#ffffff" stroke-width="2"/>'
                )
        legend_y = height - 10
        start = layout.left
        parts.append(
            f'<circle cx="{start + 6}" cy="{legend_y - 4}" r="5" fill="{ACCENT}"/>'
            f'<text x="{start + 16}" y="{legend_y}" font-size="{layout.small}" fill="{INK}">'
            f"{escape(own_label)}</text>"
        )
        if other_label is not None:
            parts.append(
                f'<path d="M{start + 166} {legend_y - 11} L{start + 173} {legend_y - 4} '
                f'L{start + 166} {legend_y + 3} L{start + 159} {legend_y - 4} Z" '
                f'fill="#ffffff" stroke="{MUTED}" stroke-width="2"/>'
                f'<text x="{start + 176}" y="{legend_y}" font-size="{layout.small}" '
                f'fill="{INK}">{escape(other_label)}</text>'
            )
        return height, parts

    return _both(chart_id, title, description, draw)
