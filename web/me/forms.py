from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, SubmitField


class SettingsForm(FlaskForm):
    locale = SelectField(
        _l("Language"),
        choices=[
            SelectChoice("", _l("Same as my browser")),
            SelectChoice("en", "English"),
            SelectChoice("nb", "Norsk bokmål"),
        ],
    )
    submit = SubmitField(_l("Save settings"))
