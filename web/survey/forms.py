"""Survey page forms, generated from the instrument with WTForms (one form class per page)."""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import Length, Optional

from recommender.instrument import Instrument, Item, option_order

RANK_SEPARATOR = "__"
BEST, WORST = "best", "worst"
"""Suffixes of a best-worst task's two radio groups: ``bw1__best`` and ``bw1__worst``."""


def localised(texts: Mapping[str, str], locale: str) -> str:
    return texts.get(locale) or texts.get("en") or next(iter(texts.values()), "")


def point_labels(instrument: Instrument, item: Item, locale: str) -> list[SelectChoice]:
    """One choice per scale point; only the ends are named when the instrument says so.

    A bipolar item names its own two ends (its ``poles``) instead of the agreement labels.
    """
    labels = instrument.scale_labels.get(locale) or instrument.scale_labels.get("en") or []
    if item.poles:
        labels = list(item.poles.get(locale) or item.poles.get("en") or ())
    values = list(range(item.min, item.max + 1))
    if len(labels) == len(values):
        return [SelectChoice(v, labels[i]) for i, v in enumerate(values)]
    named = {values[0]: labels[0], values[-1]: labels[-1]} if len(labels) >= 2 else {}
    return [SelectChoice(v, f"{v} – {named[v]}" if v in named else str(v)) for v in values]


def _place(raw: object, n: int) -> bool:
    """Whether ``raw`` is a place from 1 to ``n`` written in ASCII digits ("²" is a digit to
    ``str.isdigit`` but no number ``int`` reads)."""
    text = str(raw)
    return text.isascii() and text.isdigit() and 1 <= int(text) <= n


class SurveyPageForm(FlaskForm):
    """Base for generated page forms; knows how to turn its data into an answer dict."""

    shown_at = HiddenField()
    items: tuple[Item, ...] = ()
    # Best-worst options in the order this response sees them: item code -> option codes.
    option_orders: dict[str, list[str]] = {}

    def best_worst_rows(self, item: Item) -> list[tuple[object, object]]:
        """The (most, least) radio buttons of each option, in this response's order."""
        best = {sub.data: sub for sub in self[f"{item.code}{RANK_SEPARATOR}{BEST}"]}
        worst = {sub.data: sub for sub in self[f"{item.code}{RANK_SEPARATOR}{WORST}"]}
        order = self.option_orders.get(item.code) or [o.code for o in item.options]
        return [(best[code], worst[code]) for code in order]

    def best_worst_pair(self, item: Item) -> tuple[str | None, str | None]:
        best = self[f"{item.code}{RANK_SEPARATOR}{BEST}"].data or None
        worst = self[f"{item.code}{RANK_SEPARATOR}{WORST}"].data or None
        known = {o.code for o in item.options}
        return (best if best in known else None, worst if worst in known else None)

    def answers(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for item in self.items:
            if item.type == "ranking":
                ranks = {}
                for option in item.options:
                    raw = self[f"{item.code}{RANK_SEPARATOR}{option.code}"].data
                    if _place(raw, len(item.options)):
                        ranks[option.code] = int(raw)
                if len(ranks) == len(item.options) and len(set(ranks.values())) == len(ranks):
                    out[item.code] = sorted(ranks, key=ranks.get)
                else:
                    out[item.code] = None
            elif item.type == "best_worst":
                best, worst = self.best_worst_pair(item)
                # Half an answer, or the same option twice, is no answer (and an error).
                out[item.code] = [best, worst] if best and worst and best != worst else None
            elif item.type == "text":
                out[item.code] = (self[item.code].data or "").strip() or None
            else:
                out[item.code] = self[item.code].data
        return out

    def seconds_on_page(self) -> float | None:
        return seconds_since(self.shown_at.data)

    def ranking_problems(self) -> dict[str, str]:
        """Per ranking item: a message when the ranks are incomplete or repeat."""
        problems = {}
        for item in self.items:
            if item.type == "best_worst":
                best, worst = self.best_worst_pair(item)
                if best and best == worst:
                    problems[item.code] = _l(
                        "Choose a different option for least wanted than for most wanted."
                    )
                elif bool(best) != bool(worst):
                    problems[item.code] = _l(
                        "Choose both the one you want most and the one you want least."
                    )
                continue
            if item.type != "ranking":
                continue
            values = [self[f"{item.code}{RANK_SEPARATOR}{o.code}"].data for o in item.options]
            given = [v for v in values if _place(v, len(values))]
            if given and len(set(given)) != len(given):
                problems[item.code] = _l(
                    "Use each place only once, from 1 to %(n)s.", n=len(values)
                )
            elif given and len(given) != len(values):
                problems[item.code] = _l(
                    "Give every option a place, from 1 to %(n)s.", n=len(values)
                )
        return problems

    def missing(self) -> list[Item]:
        answers = self.answers()
        return [i for i in self.items if i.required and answers.get(i.code) in (None, "", [])]


def seconds_since(shown_at: object) -> float | None:
    """Seconds from the page's ``shown_at`` stamp to now, at most an hour."""
    try:
        shown = float(shown_at)
    except (TypeError, ValueError):
        return None
    return max(0.0, min(time.time() - shown, 3600.0))


def read_posted_page(
    items: tuple[Item, ...], formdata: Mapping[str, str], *, complete: bool
) -> dict[str, object] | None:
    """The answers of a posted page read straight from the form data, when every value is
    one the page's form accepts as it stands (and, with ``complete``, every required item
    is answered); None otherwise, and the form then says what is wrong.

    Binding a generated form's fields cost more CPU than the rest of a save; a post that
    the form would accept without a remark, as nearly all are, needs none of it. Gives the
    same dict as the form's :meth:`SurveyPageForm.answers` (a test compares them).
    """
    out: dict[str, object] = {}
    for item in items:
        if item.type in ("likert", "attention"):
            raw = formdata.get(item.code)
            value = None if raw is None else _points(item.min, item.max).get(raw)
            if raw is not None and value is None:
                return None
        elif item.type == "ranking":
            places = _points(1, len(item.options))
            ranks = {}
            for option in item.options:
                raw = formdata.get(f"{item.code}{RANK_SEPARATOR}{option.code}")
                if raw in places:
                    ranks[option.code] = places[raw]
                elif raw not in (None, ""):
                    return None
            if ranks and (len(ranks) != len(places) or len(set(ranks.values())) != len(ranks)):
                return None  # places missing or repeated: the form words the problem
            value = sorted(ranks, key=ranks.get) if ranks else None
        elif item.type == "text":
            raw = formdata.get(item.code)
            if raw is not None and len(raw) > 2000:
                return None
            value = (raw or "").strip() or None
        else:
            return None  # an item type only the form knows
        if complete and item.required and value in (None, "", []):
            return None
        out[item.code] = value
    return out


@functools.cache
def _points(low: int, high: int) -> dict[str, int]:
    """The posted spellings of ``low`` ... ``high`` the fast path accepts, with their values."""
    return {str(n): n for n in range(low, high + 1)}


def build_page_form(
    instrument: Instrument,
    items: tuple[Item, ...],
    locale: str,
    saved: Mapping[str, object],
    formdata=None,
    order_key: str = "",
) -> SurveyPageForm:
    """A form for one survey page, pre-filled with the rep's saved answers.

    ``order_key`` names the response (its wave and person): best-worst options are shown
    in an order of its own, the same on every visit.
    """
    data: dict[str, object] = {"shown_at": f"{time.time():.3f}"}
    for item in items:
        if item.type in ("likert", "attention"):
            data[item.code] = saved.get(item.code)
        elif item.type == "ranking":
            order = saved.get(item.code) or []
            for option in item.options:
                if option.code in order:
                    data[f"{item.code}{RANK_SEPARATOR}{option.code}"] = str(
                        order.index(option.code) + 1
                    )
        elif item.type == "best_worst":
            pair = saved.get(item.code) or []
            if len(pair) == 2:
                data[f"{item.code}{RANK_SEPARATOR}{BEST}"] = pair[0]
                data[f"{item.code}{RANK_SEPARATOR}{WORST}"] = pair[1]
        elif item.type == "text":
            data[item.code] = saved.get(item.code) or ""
    form_class = page_form_class(instrument, items, locale)
    if formdata is not None:
        form = form_class(formdata=formdata)
    else:
        form = form_class(formdata=None, data=data)
    form.option_orders = {
        item.code: [o.code for o in option_order(item, order_key)]
        for item in items
        if item.type == "best_worst"
    }
    return form


# Generated form classes per process, by instrument version, page and language: building
# one took longer than the rest of a save. The instrument is kept with its class, and
# compared by identity, because parsed instruments are themselves kept per process.
_FORM_CLASSES: dict[tuple[int, tuple[str, ...], str], tuple[Instrument, type]] = {}


def page_form_class(instrument: Instrument, items: tuple[Item, ...], locale: str) -> type:
    """The form class of one page in one language (generated once per process)."""
    key = (id(instrument), tuple(item.code for item in items), locale)
    cached = _FORM_CLASSES.get(key)
    if cached is not None and cached[0] is instrument:
        return cached[1]
    fields: dict[str, object] = {"items": items}
    for item in items:
        label = localised(item.text, locale)
        if item.type in ("likert", "attention"):
            fields[item.code] = RadioField(
                label,
                choices=point_labels(instrument, item, locale),
                coerce=int,
                validators=[Optional()],
            )
        elif item.type == "ranking":
            places = [SelectChoice("", "–")] + [
                SelectChoice(str(n)) for n in range(1, len(item.options) + 1)
            ]
            for option in item.options:
                name = f"{item.code}{RANK_SEPARATOR}{option.code}"
                fields[name] = SelectField(
                    localised(option.text, locale), choices=places, validate_choice=False
                )
        elif item.type == "best_worst":
            choices = [SelectChoice(o.code, localised(o.text, locale)) for o in item.options]
            for part in (BEST, WORST):
                # Unknown values count as no choice; the page then asks for one.
                fields[f"{item.code}{RANK_SEPARATOR}{part}"] = RadioField(
                    label, choices=choices, validators=[Optional()], validate_choice=False
                )
        elif item.type == "text":
            fields[item.code] = TextAreaField(
                label, validators=[Optional(), Length(max=2000)], render_kw={"rows": 4}
            )
    form_class = type("GeneratedSurveyPageForm", (SurveyPageForm,), fields)
    _FORM_CLASSES[key] = (instrument, form_class)
    return form_class
