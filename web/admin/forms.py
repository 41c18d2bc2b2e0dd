from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SubmitField


class PeopleImportForm(FlaskForm):
    file = FileField(
        _l("Roster file (CSV)"),
        validators=[
            FileRequired(_l("Choose a CSV file.")),
            FileAllowed(["csv", "txt"], _l("Use a .csv file.")),
        ],
        description=_l(
            "One row per person. The first row names the columns, spelt as below; sales "
            "roles may be typed in any case and spacing (Closer and closer are one role)."
        ),
    )
    keep_missing = BooleanField(
        _l("This is a partial file: keep people who are not in it active"), default=False
    )
    submit = SubmitField(_l("Import people"))


class PasswordLinkForm(FlaskForm):
    submit = SubmitField(_l("Create a one-time password link"))
