from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

OCCASION_LABELS = {
    "goal_reached": _l("Goal reached"),
    "milestone": _l("Milestone"),
    "peer_nomination": _l("Peer nomination"),
    "other": _l("Other"),
}


class GiveRewardForm(FlaskForm):
    reward = SelectField(
        _l("Reward"), validators=[DataRequired(_l("Choose a reward."))], choices=[]
    )
    occasion = SelectField(
        _l("Occasion"),
        choices=[SelectChoice(k, v) for k, v in OCCASION_LABELS.items()],
        validators=[DataRequired()],
    )
    note = TextAreaField(
        _l("A note to go with it (optional)"),
        validators=[Optional(), Length(max=1000)],
        render_kw={"rows": 3},
        description=_l("Say what it is for: specific recognition means more than general praise."),
    )
    # The slug of the reward the manager confirmed giving over budget, or again within its
    # cooldown: choosing another reward after a warning does not carry it over to that one.
    confirm_over_budget = HiddenField(default="")
    confirm_again = HiddenField(default="")
    submit = SubmitField(_l("Give the reward"))
