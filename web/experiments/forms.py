from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from recommender.catalogue import CATEGORIES
from services.experiments import SEED_MAX
from services.kpis import parse_period
from web.filters import CATEGORIES as CATEGORY_LABELS

ARM_ROWS = 4


def PERIOD(form, field) -> None:  # noqa: N802 - used as the validator it replaced
    """A KPI period as the service reads it (``services.kpis.parse_period``: a month, or a
    quarter with Q or the Norwegian K)."""
    if field.data and parse_period(field.data) is None:
        raise ValidationError(_l("Use YYYY-MM or YYYY-Qn."))


class ArmForm(Form):
    """One row of the arms table; a row left entirely blank is not an arm, a row filled in
    only partly is an error on the fields it lacks."""

    key = StringField(_l("Key"), validators=[Optional(), Length(max=40)])
    label = StringField(_l("Label"), validators=[Optional(), Length(max=120)])
    category = SelectField(
        _l("Reward category"),
        choices=[SelectChoice("", _l("none"))]
        + [SelectChoice(c, CATEGORY_LABELS[c]) for c in CATEGORIES],
    )

    def is_blank(self) -> bool:
        return not (
            (self.key.data or "").strip()
            or (self.label.data or "").strip()
            or (self.category.data or "")
        )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.is_blank():
            return valid
        if not (self.key.data or "").strip():
            self.key.errors.append(_l("Give this arm a key, or empty the whole row."))
            valid = False
        if not (self.label.data or "").strip():
            self.label.errors.append(_l("Give this arm a label, or empty the whole row."))
            valid = False
        return valid


class ExperimentForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(
        _l("What it tests (optional)"), validators=[Optional(), Length(max=2000)]
    )
    metric = SelectField(_l("KPI"), choices=[], validate_choice=False)
    period_before = StringField(
        _l("Period before"),
        validators=[DataRequired(), PERIOD],
        description=_l("A month (2026-06) or a quarter (2026-Q2)."),
    )
    period_after = StringField(
        _l("Period after"),
        validators=[DataRequired(), PERIOD],
        description=_l("The same kind of period, after the rewards were given."),
    )
    starts_on = DateField(
        _l("Start (optional)"),
        validators=[Optional()],
        description=_l(
            "The day the arms start: today if left empty, never earlier. The before period "
            "must end before it and the after period begin on or after it."
        ),
    )
    retrospective = BooleanField(
        _l("Compare periods that are over (observational, not an experiment)"),
        description=_l(
            "Nobody was given rewards because of these arms, so the results describe what "
            "happened and cannot show what caused it; every result is labelled so."
        ),
    )
    arms = FieldList(FormField(ArmForm), min_entries=ARM_ROWS, max_entries=ARM_ROWS)
    control = RadioField(
        _l("Control arm"),
        choices=[SelectChoice(str(i), _l("Arm %(n)s", n=i + 1)) for i in range(ARM_ROWS)],
        default="0",
    )
    teams = SelectMultipleField(
        _l("Teams"),
        choices=[],
        validate_choice=False,
        description=_l("Leave empty to include every active rep."),
    )
    assignment = RadioField(
        _l("Assignment"),
        choices=[
            SelectChoice("random", _l("Random")),
            SelectChoice("stratified", _l("Random, balanced within each motivation profile")),
        ],
        default="random",
    )
    seed = IntegerField(
        _l("Random seed (optional)"),
        validators=[Optional(), NumberRange(min=0, max=SEED_MAX)],
        description=_l("Leave empty for a new one; it is stored so the assignment can be redone."),
    )
    submit = SubmitField(_l("Create the experiment and assign people"))


class FinishForm(FlaskForm):
    submit = SubmitField(_l("Finish the experiment…"))


class KpiImportForm(FlaskForm):
    file = FileField(
        _l("KPI file (CSV)"),
        validators=[
            FileRequired(_l("Choose a CSV file.")),
            FileAllowed(["csv", "txt"], _l("Use a .csv file.")),
        ],
        description=_l(
            "Columns: person (external id), period (YYYY-MM or YYYY-Qn), metric, value."
        ),
    )
    allow_new_metrics = BooleanField(_l("Allow metrics Motivo does not know yet"))
    submit = SubmitField(_l("Import KPIs"))
