from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import Length, Optional


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


class ChannelsForm(FlaskForm):
    """Chat webhooks; an empty field keeps what is stored (a stored address is never shown)."""

    slack = StringField(
        _l("Slack incoming webhook address"),
        validators=[Optional(), Length(max=500)],
        description=_l(
            "Starts with https://hooks.slack.com/. Leave empty to keep the current one."
        ),
    )
    teams = StringField(
        _l("Microsoft Teams incoming webhook address"),
        validators=[Optional(), Length(max=500)],
        description=_l("An https:// address from the channel's Incoming Webhook connector."),
    )
    remove_slack = BooleanField(_l("Remove the Slack webhook"))
    remove_teams = BooleanField(_l("Remove the Microsoft Teams webhook"))
    submit = SubmitField(_l("Save"))
