"""Charts speak the reader's language: numbers with the reader's decimal mark, and long
scale names whole (on two lines) instead of cut off."""

from __future__ import annotations

import re

from flask_babel import force_locale

from web.charts import Span, span_chart

LONG = "Recognition in front of others"


def _chart(app, locale: str) -> str:
    with app.test_request_context(), force_locale(locale):
        return str(
            span_chart(
                "test",
                "Scores",
                "One row per scale.",
                [Span(LONG, 2.5, 2.0, 3.0), Span("Autonomy", 4.0, 3.5, 4.5)],
                lo=1.0,
                hi=5.0,
                hidden_text="Hidden",
            )
        )


def test_axis_numbers_use_the_readers_decimal_mark(app):
    wide = _chart(app, "nb").split('class="chart-narrow"')[0]
    ticks = re.findall(r'text-anchor="middle">([^<]+)</text>', wide)
    assert ticks == ["1,0", "2,0", "3,0", "4,0", "5,0"]
    english = _chart(app, "en").split('class="chart-narrow"')[0]
    assert re.findall(r'text-anchor="middle">([^<]+)</text>', english)[0] == "1.0"


def test_a_long_scale_name_is_shown_whole_on_two_lines(app):
    wide = _chart(app, "en").split('class="chart-narrow"')[0]
    labels = re.findall(r'text-anchor="end" dominant-baseline="middle">([^<]+)</text>', wide)
    assert "…" not in "".join(labels)
    assert " ".join(labels[:2]) == LONG
    assert labels[2] == "Autonomy"


def test_tables_write_figures_with_the_readers_decimal_mark(app):
    """Scores and statistics in tables: 0.87 in English, 0,87 in Norwegian."""
    from flask import render_template_string

    template = "{{ 0.8712|decimal(2) }} {{ 3.14159|decimal(3) }} {{ (-0.5)|decimal(1) }}"
    with app.test_request_context(), force_locale("en"):
        assert render_template_string(template) == "0.87 3.142 -0.5"
    with app.test_request_context(), force_locale("nb"):
        assert render_template_string(template) == "0,87 3,142 -0,5"


def test_a_bar_is_drawn_at_the_precision_of_its_label(app):
    """Two means that both read 4.1 draw bars of one length: the length must not give away
    the hidden decimals (with few ratings, 4.12 against 4.14 tells the exact sum)."""
    from web.charts import Bar, bar_chart

    def widths(value: float) -> list[str]:
        with app.test_request_context(), force_locale("en"):
            svg = str(
                bar_chart(
                    "test",
                    "Mean rating",
                    "One bar per category.",
                    [Bar("Recognition", value)],
                    hidden_text="Hidden",
                    maximum=5.0,
                    decimals=1,
                )
            )
        labels = re.findall(r'dominant-baseline="middle">(\d\.\d)</text>', svg)
        return re.findall(r'<rect x="[^"]+" y="[^"]+" width="([^"]+)"', svg) + labels[:1]

    assert widths(4.12) == widths(4.14) == widths(4.1)
    assert widths(4.12) != widths(4.2)
    # Halves go where their label says (4.35 reads 4.4, 4.45 reads 4.4 too), not where
    # the binary fraction would round (4.3 for 4.35).
    assert widths(4.35) == widths(4.45) == widths(4.4)
