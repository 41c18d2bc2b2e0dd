"""Template filters shared by every page."""

from __future__ import annotations

from flask import Flask
from flask_babel import format_number
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

SALES_ROLES = {
    "presales": _l("Presales"),
    "sdr": _l("Sales development (SDR)"),
    "closer": _l("Closer"),
    "account_manager": _l("Account manager"),
    "customer_success": _l("Customer success"),
    "sales_manager": _l("Sales manager"),
}


CATEGORIES = {
    "recognition": _l("Recognition"),
    "development": _l("Development"),
    "experience": _l("Experiences"),
    "wellness": _l("Health and wellness"),
    "exclusive": _l("Exclusive access"),
    "personal": _l("Personal gifts"),
    "time": _l("Time and flexibility"),
}


def category_label(category: str | None) -> str:
    """A reward category's name in the reader's language."""
    return str(CATEGORIES.get(category or "", category or ""))


def role_label(role: str | None) -> str:
    """A sales role as people say it; unknown roles (free text) are shown as they are."""
    if not role:
        return ""
    return str(SALES_ROLES.get(role, role))


def bdi(value: object) -> Markup:
    """A person's name isolated from the text around it (``<bdi>``), so a right-to-left
    override in a name cannot turn the rest of the sentence around."""
    return Markup("<bdi>{}</bdi>").format("" if value is None else value)


def number(value: int) -> str:
    """A count with the reader's digit grouping (20,001 in English, 20 001 in Norwegian)."""
    return format_number(value)


def init_app(app: Flask) -> None:
    app.add_template_filter(number, "number")
    app.add_template_filter(bdi, "bdi")
    app.add_template_filter(role_label, "role_label")
    app.add_template_filter(category_label, "category_label")
