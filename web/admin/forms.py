from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SubmitField


class PeopleImportForm(FlaskForm):
    file = FileField(
        "Roster file (CSV)",
        validators=[
            FileRequired("Choose a CSV file."),
            FileAllowed(["csv", "txt"], "Use a .csv file."),
        ],
        description="Columns: external_id, name, email, team, manager_email, access, sales_role.",
    )
    keep_missing = BooleanField(
        "This is a partial file: keep people who are not in it active", default=False
    )
    submit = SubmitField("Import people")


class PasswordLinkForm(FlaskForm):
    submit = SubmitField("Create a one-time password link")
