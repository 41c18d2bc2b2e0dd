import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, SelectField, StringField, SubmitField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    ValidationError,
)
from wtforms.widgets import TextInput

from services.quarters import parse_quarter


def _is_quarter(form, field) -> None:
    if field.data and parse_quarter(field.data) is None:
        raise ValidationError(_l("Write the quarter as 2026-Q4."))


_SPACES = re.compile(r"[\s\u00a0\u202f']")
_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+$")


# One separator followed by exactly three digits: "36,000" is 36 000 in English and 36 in
# Norwegian, "36.000" the other way round. Refused, never guessed (as every import does).
_TWO_WAYS = re.compile(r"^[-+]?\d{1,3}[.,]\d{3}$")


class ReadsTwoWays(ValueError):
    pass


def normalise_amount(text: str) -> str:
    """Read ``1 500,50``, ``1,500.50`` and ``1500.5`` alike, as people type amounts;
    ``ReadsTwoWays`` for ``36,000`` or ``36.000``."""
    text = _SPACES.sub("", text or "")
    if _TWO_WAYS.match(text):
        raise ReadsTwoWays(text)
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        return text.replace(thousands, "").replace(decimal, ".")
    if _GROUPED.match(text):
        return text.replace(",", "")
    return text.replace(",", ".")


class AmountField(DecimalField):
    """A decimal that accepts the separators of both English and Norwegian.

    A text box, not a number box: browsers refuse "12 500,50" in a number box.
    """

    widget = TextInput()

    def process_formdata(self, valuelist):
        if valuelist:
            try:
                valuelist = [normalise_amount(valuelist[0])]
            except ReadsTwoWays as exc:
                self.data = None
                raise ValueError(
                    _l(
                        "%(value)s reads two ways: write 36000 or 36 000, or 36,5 for a decimal.",
                        value=str(exc),
                    )
                ) from exc
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))


class AchievementForm(FlaskForm):
    person = SelectField(_l("Who"), choices=[], validators=[DataRequired(_l("Choose a person."))])
    title = StringField(
        _l("What they achieved"),
        validators=[DataRequired(_l("Say what was achieved.")), Length(max=200)],
        description=_l("Be specific: “Closed the Nordlys renewal two weeks early”."),
    )
    achieved_on = DateField(
        _l("When"), validators=[DataRequired(_l("Give the date."))], default=date.today
    )
    submit = SubmitField(_l("Record the achievement"))


class BudgetForm(FlaskForm):
    team = SelectField(_l("Team"), choices=[], validators=[DataRequired(_l("Choose a team."))])
    quarter = StringField(_l("Quarter"), validators=[DataRequired(), _is_quarter])
    amount = AmountField(
        _l("Budget"),
        places=2,
        validators=[
            InputRequired(_l("Give an amount.")),
            NumberRange(min=0, message=_l("Give an amount of 0 or more.")),
        ],
        description=_l("For the whole quarter, in your organisation's currency."),
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    submit = SubmitField(_l("Save the budget"))


class MarkReadForm(FlaskForm):
    submit = SubmitField(_l("Mark all as read"))
