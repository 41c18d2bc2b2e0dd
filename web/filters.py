"""Template filters shared by every page."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime

from flask import Flask, g, has_app_context
from flask_babel import format_currency, format_decimal, format_number, format_time
from flask_babel import get_locale as babel_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from services.labels import SALES_ROLES, sales_role_label

CATEGORIES = {
    "recognition": _l("Recognition"),
    "development": _l("Development"),
    "experience": _l("Experiences"),
    "wellness": _l("Health and wellness"),
    "exclusive": _l("Exclusive access"),
    "personal": _l("Personal gifts"),
    "time": _l("Time and flexibility"),
}


ACCESS = {
    "rep": _l("Rep"),
    "manager": _l("Manager"),
    "hr": _l("HR"),
    "admin": _l("Administrator"),
}


def access_label(access: str | None) -> str:
    """What a person may do in Motivo (``Person.access``), in the reader's language."""
    return str(ACCESS.get(access or "", access or ""))


def category_label(category: str | None) -> str:
    """A reward category's name in the reader's language."""
    return str(CATEGORIES.get(category or "", category or ""))


def _stored_role_labels() -> dict[str, str]:
    """The labels roles were first typed with, read once per request."""
    if not has_app_context():
        return {}
    if "sales_role_labels" not in g:
        from services.sales_roles import role_labels
        from web.db import get_session

        g.sales_role_labels = role_labels(session=get_session())
    return g.sales_role_labels


def role_label(role: str | None) -> str:
    """A sales role as people say it: the translated name of a known role, else the label it
    was first typed with, else its key made readable (never ``account_manager``)."""
    if not role:
        return ""
    # One table of role names serves pages and exports alike (services.labels); the labels
    # people typed are read only for a role that table does not know.
    stored = None if role in SALES_ROLES else _stored_role_labels()
    return sales_role_label(role, str(babel_locale() or "en"), stored)


def bdi(value: object) -> Markup:
    """A person's name isolated from the text around it (``<bdi>``), so a right-to-left
    override in a name cannot turn the rest of the sentence around."""
    return Markup("<bdi>{}</bdi>").format("" if value is None else value)


def organisation_currency() -> str:
    """The organisation's currency code (``MOTIVO_CURRENCY``), as every service sees it."""
    from services.organisation import currency
    from web.db import get_session

    return currency(get_session())


_LETTERS_THEN_DIGIT = re.compile(r"([^\W\d_]{2,})([-\u2212]?\d)")


def money(value: float | None, whole: bool = True) -> str:
    """An amount in the organisation's currency, written the reader's way: ``NOK 20,700`` in
    English, ``20 700 kr`` in Norwegian. Whole units unless ``whole`` is false."""
    if value is None:
        return "–"
    if not math.isfinite(value) or abs(value) >= 1e15:
        # Beyond what a budget or a reward costs, and beyond what currency formatting
        # handles: a stored value from before the catalogue's bounds still shows.
        return f"{value:.6g} {organisation_currency()}"
    code = organisation_currency()
    if not whole:
        return _spaced(format_currency(value, code))
    pattern = babel_locale().currency_formats["standard"].pattern.split(";")[0]
    pattern = pattern.replace(".00", "").replace(",00", "")
    return _spaced(format_currency(round(value), code, format=pattern, currency_digits=False))


def _spaced(amount: str) -> str:
    """A no-break space between a currency written in letters and its digits (``NOK 300``,
    not ``NOK300``): Unicode's currency-spacing rule, which Babel does not apply; a symbol
    such as € or $ stays next to the number."""
    return _LETTERS_THEN_DIGIT.sub("\\1\u00a0\\2", amount)


def band_range(band: int) -> str:
    """What a cost band means in money: the cheapest to the dearest reward in it."""
    if "cost_band_ranges" not in g:
        from services.budgets import cost_band_ranges
        from web.db import get_session

        g.cost_band_ranges = cost_band_ranges(session=get_session())
    low_high = g.cost_band_ranges.get(int(band))
    if low_high is None:
        return ""
    low, high = low_high
    return money(low) if low == high else f"{money(low)}–{money(high)}"


def number(value: int) -> str:
    """A count with the reader's digit grouping (20,001 in English, 20 001 in Norwegian)."""
    return format_number(value)


def decimal(value: float, digits: int = 2) -> str:
    """A figure with ``digits`` decimals and the reader's decimal mark: 0.87 in English,
    0,87 in Norwegian (no grouping: these are scores and statistics, not amounts)."""
    pattern = "0." + "0" * digits if digits else "0"
    return format_decimal(value, format=pattern)


def _as_date_or_time(value: object) -> date | datetime | None:
    if isinstance(value, str):
        try:
            return (
                datetime.fromisoformat(value)
                if "T" in value or " " in value
                else date.fromisoformat(value)
            )
        except ValueError:
            return None
    return value if isinstance(value, date) else None


def day(value: object) -> str:
    """A date as the reader writes it, as notifications and emails write it too
    (``services.notifications.format_day``): "6 December 2026", "6. desember 2026".

    Forms and files keep ISO dates (a browser's date field and a spreadsheet read them);
    sentences on a page use the reader's own.
    """
    from services.notifications import format_day

    parsed = _as_date_or_time(value)
    if parsed is None:
        return "" if value is None else str(value)
    if isinstance(parsed, datetime):
        parsed = _in_utc(parsed).date()
    return format_day(parsed, str(babel_locale().language))


def _in_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def moment(value: object) -> str:
    """A date and time of day the reader's way ("6 December 2026 9:05 PM", "6. desember 2026
    21:05"), in UTC, as the pages that show times say."""
    parsed = _as_date_or_time(value)
    if not isinstance(parsed, datetime):
        return day(value)
    time = format_time(_in_utc(parsed), "short")
    # Norwegian writes "kl." before a time of day: "7. desember 2026 kl. 14:46".
    at = "kl. " if str(babel_locale().language) == "nb" else ""
    return f"{day(parsed)} {at}{time}"


def period(value: object) -> str:
    """A KPI period the reader's way: "November 2026" / "november 2026" for ``2026-11``,
    "4th quarter 2026" / "4. kvartal 2026" for ``2026-Q4``. Forms and files keep the
    stored form, which is what an import reads; anything else is shown as it is."""
    from babel.dates import format_date

    from services.kpis import parse_period, period_kind, period_months

    stored = parse_period(str(value or ""))
    if stored is None:
        return "" if value is None else str(value)
    first, _last = period_months(stored)
    start = date(first // 12, first % 12 + 1, 1)
    pattern = "QQQQ y" if period_kind(stored) == "quarter" else "LLLL y"
    return format_date(start, pattern, locale=str(babel_locale() or "en"))


def or_list(values: Iterable[object]) -> str:
    """Alternatives joined the reader's way: "Experiences or Recognition", "A, B eller C"."""
    from babel.lists import format_list

    return format_list([str(v) for v in values], style="or", locale=str(babel_locale() or "en"))


def init_app(app: Flask) -> None:
    app.add_template_filter(day, "day")
    app.add_template_filter(period, "period")
    app.add_template_filter(moment, "moment")
    app.add_template_filter(money, "money")
    app.add_template_filter(decimal, "decimal")
    app.add_template_filter(access_label, "access_label")
    app.add_template_global(band_range, "band_range")
    app.add_template_global(organisation_currency, "organisation_currency")
    app.add_template_filter(number, "number")
    app.add_template_filter(or_list, "or_list")
    app.add_template_filter(bdi, "bdi")
    app.add_template_filter(role_label, "role_label")
    app.add_template_filter(category_label, "category_label")
