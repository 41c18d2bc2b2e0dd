from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from services.api_tokens import MAX_EXPIRY_DAYS, MAX_NAME_LENGTH

# The admin page's words for each scope (``services.api_tokens.SCOPES`` has the same keys).
SCOPE_LABELS = {
    "people:read": _l("List people with their roster fields (never survey answers)."),
    "people:write": _l("Import the roster, all or nothing."),
    "waves:read": _l("List survey waves with participation counts (small counts withheld)."),
    "responses:read": _l("Count a wave's responses; never who answered, nor any answer."),
    "responses:write": _l("Import answers collected with another survey tool."),
    "recommendations:read": _l("Read reward suggestions per person."),
    "feedback:write": _l("Import reps’ ratings of rewards, and when they were given."),
    "kpis:write": _l("Import KPI figures per person and period."),
    "kpis:read": _l("Read KPIs aggregated over groups no smaller than the minimum group size."),
}


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Give the token a name.")),
            Length(max=MAX_NAME_LENGTH, message=_l("Use at most %(max)d characters.")),
        ],
        description=_l("What will use it, e.g. “HRIS nightly sync”."),
    )
    scopes = SelectMultipleField(
        _l("Scopes"),
        choices=list(SCOPE_LABELS),
        validators=[DataRequired(_l("Choose at least one scope."))],
    )
    expires_days = IntegerField(
        _l("Expires after (days)"),
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=MAX_EXPIRY_DAYS,
                message=_l("Give a number of days from %(min)d to %(max)d."),
            ),
        ],
        description=_l("Leave empty for a token that does not expire."),
    )
    submit = SubmitField(_l("Create token"))


class RevokeForm(FlaskForm):
    submit = SubmitField(_l("Revoke"))
