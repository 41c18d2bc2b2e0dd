from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional


class OpenWaveForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    opens_on = DateField(_l("Opens on"), validators=[DataRequired()])
    closes_on = DateField(_l("Closes on"), validators=[DataRequired()])
    teams = SelectMultipleField(
        _l("Teams"),
        choices=[],
        validate_choice=False,
        description=_l("Leave empty to ask everyone."),
    )
    # Set when HR was told the wave shares people and days with an open one and sends again.
    confirm_overlap = BooleanField(_l("Open it anyway: these people get two surveys at once"))
    submit = SubmitField(_l("Open the wave"))


class CloseWaveForm(FlaskForm):
    submit = SubmitField(_l("Close"))


class ResponsesImportForm(FlaskForm):
    file = FileField(
        _l("Answers file (CSV)"),
        validators=[FileRequired(_l("Choose a CSV file.")), FileAllowed(["csv", "txt"])],
        description=_l(
            "A person column with external ids, then one column per item code. "
            "Rankings: option codes joined by >."
        ),
    )
    wave = StringField(_l("Wave (name or id, optional)"), validators=[Optional(), Length(max=120)])
    create_people = BooleanField(_l("Create unknown people as respondents without a login"))
    replace_survey = BooleanField(
        _l("Replace answers people gave through the survey"),
        description=_l(
            "Off: such rows are listed as conflicts and nothing is imported. "
            "On: their survey answers are overwritten, and the audit log names them."
        ),
    )
    submit = SubmitField(_l("Import answers"))
