"""Filter forms of the insights pages; they only read, so they are sent with GET."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, SubmitField
from wtforms.validators import DataRequired, Length, Optional


class _GetForm(FlaskForm):
    class Meta:
        csrf = False  # read-only filters in the query string; nothing changes


def dimension_choices() -> list[SelectChoice]:
    return [
        SelectChoice("team", _l("Team")),
        SelectChoice("sales_role", _l("Sales role")),
        SelectChoice("profile", _l("Motivation profile")),
    ]


class SummaryFilterForm(_GetForm):
    wave = SelectField(_l("Wave"), validators=[Optional()])
    by = SelectField(_l("Group by"), choices=dimension_choices(), default="team")


class FocusGroupForm(_GetForm):
    wave = SelectField(_l("Wave"), validators=[Optional()])
    by = SelectField(
        _l("Form groups"),
        choices=[
            SelectChoice("profile", _l("One motivation profile per group")),
            SelectChoice("mixed", _l("Profiles spread evenly over the groups")),
        ],
        default="profile",
    )
    size = SelectField(_l("Group size"), coerce=int, default=6)
    anonymous = BooleanField(_l("Anonymous: leave out who is in each group"))


class WaveFilterForm(_GetForm):
    wave = SelectField(_l("Wave"), validators=[Optional()])


class SendRemindersForm(FlaskForm):
    """Sends reminders for one wave: a change, so it is a POST with CSRF."""

    wave = HiddenField(validators=[DataRequired(), Length(max=120)])
    submit = SubmitField(_l("Send reminders"))
