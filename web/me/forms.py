from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional


class SettingsForm(FlaskForm):
    locale = SelectField(
        _l("Language"),
        choices=[
            SelectChoice("", _l("Same as my browser")),
            SelectChoice("en", "English"),
            SelectChoice("nb", "Norsk bokmål"),
        ],
    )
    personalise = BooleanField(
        _l("Use my answers to personalise my rewards"),
        description=_l(
            "When this is off, you get the same suggestions as everyone and your manager sees "
            "no profile for you. Your answers stay in anonymous summaries of 5 or more people."
        ),
    )
    submit = SubmitField(_l("Save settings"))


class RateForm(FlaskForm):
    rating = RadioField(
        _l("Your rating"),
        choices=[SelectChoice(n, str(n)) for n in range(1, 6)],
        coerce=int,
        validators=[InputRequired(_l("Choose a rating from 1 to 5."))],
    )
    comment = TextAreaField(
        _l("Comment (optional)"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2}
    )
    submit = SubmitField(_l("Save rating"))


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (not for me, undo)."""

    submit = SubmitField()
