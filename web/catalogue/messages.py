"""The catalogue rules' messages in the reader's language.

The rules (``recommender.catalogue``) speak English, the language of import reports and
the command line. A page shows the same message through gettext: the msgids below are the
rules' own wording, so English readers see the import's exact words and Norwegian readers
a translation. A message with no pattern here is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _

_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r"^Someone changed this reward since you opened it\."),
        lambda m: _(
            "Someone changed this reward since you opened it. Your changes are still in "
            "the form: compare them with its history below, then save again."
        ),
    ),
    (re.compile(r"^missing value$"), lambda m: _("missing value")),
    (
        re.compile(r"^missing value \(use 'all' for every role\)$"),
        lambda m: _("missing value (use 'all' for every role)"),
    ),
    (
        re.compile(
            r"^'(?P<value>.*)' is not a valid id: use lowercase letters, digits and hyphens, for example '(?P<example>.*)'$"
        ),
        lambda m: _(
            "'%(value)s' is not a valid id: use lowercase letters, digits and hyphens, "
            "for example '%(example)s'",
            value=m["value"],
            example=m["example"],
        ),
    ),
    (
        re.compile(
            r"^'(?P<value>.*)' is not a valid id: use lowercase letters, digits and hyphens$"
        ),
        lambda m: _(
            "'%(value)s' is not a valid id: use lowercase letters, digits and hyphens",
            value=m["value"],
        ),
    ),
    (
        re.compile(r"^'(?P<value>.*)' is longer than (?P<n>\d+) characters$"),
        lambda m: _("'%(value)s' is longer than %(n)s characters", value=m["value"], n=m["n"]),
    ),
    (
        re.compile(r"^another reward already has the id '(?P<value>.*)'$"),
        lambda m: _("another reward already has the id '%(value)s'", value=m["value"]),
    ),
    (
        re.compile(r"^unknown (?P<column>\w+) (?P<value>.*) \(expected one of: (?P<allowed>.*)\)$"),
        lambda m: _unknown_choice(m["column"], m["value"], m["allowed"]),
    ),
    (
        re.compile(r"^unknown role (?P<value>.*) \(expected 'all' or any of: (?P<allowed>.*)\)$"),
        lambda m: _(
            "unknown role %(value)s (expected 'all' or any of: %(allowed)s)",
            value=m["value"],
            allowed=m["allowed"],
        ),
    ),
    (
        re.compile(r"^'all' cannot be combined with specific roles$"),
        lambda m: _("'all' cannot be combined with specific roles"),
    ),
    (
        re.compile(
            r"^expected a whole number from (?P<low>\d+) to (?P<high>\d+), got (?P<value>.*)$"
        ),
        lambda m: _(
            "expected a whole number from %(low)s to %(high)s, got %(value)s",
            low=m["low"],
            high=m["high"],
            value=m["value"],
        ),
    ),
    (
        re.compile(r"^expected a whole number of (?P<low>\d+) or more, got (?P<value>.*)$"),
        lambda m: _(
            "expected a whole number of %(low)s or more, got %(value)s",
            low=m["low"],
            value=m["value"],
        ),
    ),
    (
        re.compile(
            r"^not a number: (?P<value>.*) \(write it without a thousands separator, e\.g\. 1500\)$"
        ),
        lambda m: _(
            "not a number: %(value)s (write it without a thousands separator, e.g. 1500)",
            value=m["value"],
        ),
    ),
    (
        re.compile(r"^not a number: (?P<value>.*)$"),
        lambda m: _("not a number: %(value)s", value=m["value"]),
    ),
    (
        re.compile(r"^must not be negative, got (?P<value>.*)$"),
        lambda m: _("must not be negative, got %(value)s", value=m["value"]),
    ),
    (
        re.compile(r"^must be at most (?P<high>\d+), got (?P<value>.*)$"),
        lambda m: _("must be at most %(high)s, got %(value)s", high=m["high"], value=m["value"]),
    ),
]


def _unknown_choice(column: str, value: str, allowed: str) -> str:
    messages = {
        "category": _(
            "unknown category %(value)s (expected one of: %(allowed)s)",
            value=value,
            allowed=allowed,
        ),
        "visibility": _(
            "unknown visibility %(value)s (expected one of: %(allowed)s)",
            value=value,
            allowed=allowed,
        ),
        "scope": _(
            "unknown scope %(value)s (expected one of: %(allowed)s)", value=value, allowed=allowed
        ),
        "horizon": _(
            "unknown horizon %(value)s (expected one of: %(allowed)s)",
            value=value,
            allowed=allowed,
        ),
    }
    return messages.get(column, f"unknown {column} {value} (expected one of: {allowed})")


def translate_problem(message: str) -> str:
    """One rule's message in the reader's language (unchanged when no pattern knows it)."""
    for pattern, render in _PATTERNS:
        match = pattern.match(message)
        if match:
            return render(match)
    return message
