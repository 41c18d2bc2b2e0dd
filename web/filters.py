"""Template filters shared by every page."""

from __future__ import annotations

from flask import Flask, g, has_app_context
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


def _stored_role_labels() -> dict[str, str]:
    """The labels roles were first typed with, read once per request."""
    if not has_app_context():
        return {}
    if "sales_role_labels" not in g:
        from services.sales_roles import role_labels
        from web.db import get_session

        g.sales_role_labels = role_labels(session=get_session())
    return g.sales_role_labels


def humanise(key: str) -> str:
    """A key a person never chose a label for, made readable: ``key_account`` -> "Key account"."""
    words = key.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def role_label(role: str | None) -> str:
    """A sales role as people say it: the translated name of a known role, else the label it
    was first typed with, else its key made readable (never ``account_manager``)."""
    if not role:
        return ""
    if role in SALES_ROLES:
        return str(SALES_ROLES[role])
    return _stored_role_labels().get(role) or humanise(role)


def bdi(value: object) -> Markup:
    """A person's name isolated from the text around it (``<bdi>``), so a right-to-left
    override in a name cannot turn the rest of the sentence around."""
    return Markup("<bdi>{}</bdi>").format("" if value is None else value)


def init_app(app: Flask) -> None:
    app.add_template_filter(bdi, "bdi")
    app.add_template_filter(role_label, "role_label")
    app.add_template_filter(category_label, "category_label")
