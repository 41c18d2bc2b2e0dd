"""A posted survey page read without its form gives what the form would, or defers to it."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from services.instruments import definition, ensure_default_instrument
from web.survey.forms import RANK_SEPARATOR, build_page_form, read_posted_page

# What a browser, a stale page or a hand-made request may send for one field.
SPELLINGS = ["", "0", "1", "2", "3", "4", "5", "6", "7", "01", " 3", "+2", "-1", "x", "²", "3.0"]
TEXTS = ["", "  ", "More time with customers.", "  trimmed  ", "x" * 2000, "y" * 2001]


@pytest.fixture
def instrument(session):
    return definition(ensure_default_instrument(session=session).row)


def field_names(items):
    for item in items:
        if item.type == "ranking":
            for option in item.options:
                yield item, f"{item.code}{RANK_SEPARATOR}{option.code}"
        else:
            yield item, item.code


def complete_page(items, order=None) -> MultiDict:
    """A page as a browser posts it with every item answered."""
    data = MultiDict()
    for item in items:
        if item.type == "ranking":
            codes = order or [o.code for o in item.options]
            for option in item.options:
                name = f"{item.code}{RANK_SEPARATOR}{option.code}"
                data.add(name, str(1 + codes.index(option.code)))
        elif item.type == "text":
            data.add(item.code, "Fewer meetings.")
        elif item.type == "attention":
            data.add(item.code, str(item.expected))
        else:
            data.add(item.code, str(item.max))
    return data


@st.composite
def posts(draw, pages):
    """A complete page with up to three fields changed to anything a request may carry."""
    _key, items = draw(st.sampled_from(pages))
    rankings = [item for item in items if item.type == "ranking"]
    order = draw(st.permutations([o.code for o in rankings[0].options])) if rankings else None
    data = complete_page(items, order)
    names = list(field_names(items))
    for _ in range(draw(st.integers(0, 3))):
        item, name = draw(st.sampled_from(names))
        value = draw(st.sampled_from([None, *(TEXTS if item.type == "text" else SPELLINGS)]))
        data.pop(name, None)
        if value is not None:
            data.add(name, value)
    return items, data, draw(st.booleans())


def form_reading(app, instrument, items, data, complete):
    """What the form makes of the post: its answers, or None when it has something to say."""
    with app.test_request_context(method="POST", data=data):
        app.config["WTF_CSRF_ENABLED"] = False
        try:
            form = build_page_form(instrument, items, "en", {}, formdata=data)
            form.validate()
            problems = form.ranking_problems()
            missing = form.missing() if complete else []
        finally:
            app.config["WTF_CSRF_ENABLED"] = True
        if problems or missing or any(field.errors for field in form):
            return None
        return form.answers()


def test_an_ordinary_complete_page_is_read_without_the_form(instrument):
    for _key, items in instrument.pages():
        assert read_posted_page(items, complete_page(items), complete=True) is not None


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_the_reading_matches_the_form_whenever_it_gives_one(app, instrument, data):
    items, posted, complete = data.draw(posts(instrument.pages()))
    fast = read_posted_page(items, posted, complete=complete)
    if fast is not None:
        assert form_reading(app, instrument, items, posted, complete) == fast
