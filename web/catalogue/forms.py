"""The reward form. It checks nothing but CSRF: the rules are the import's, in services."""

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.widgets import CheckboxInput, ListWidget

from recommender.catalogue import ALL_ROLES, CATEGORIES, HORIZONS, SALES_ROLES, SCOPES
from services.errors import Problem
from web.catalogue.messages import translate_problem
from web.filters import CATEGORIES as CATEGORY_LABELS
from web.filters import role_label
from web.messages import problem_text

VISIBILITY_LABELS = {"public": _l("Public: colleagues see it"), "private": _l("Private")}
SCOPE_LABELS = {"individual": _l("One person"), "team": _l("The whole team")}
HORIZON_LABELS = {"short": _l("Short term"), "long": _l("Long term")}
COST_BAND_LABELS = {
    "1": _l("1: up to 500 kr"),
    "2": _l("2: up to 2,000 kr"),
    "3": _l("3: up to 6,000 kr"),
    "4": _l("4: above 6,000 kr"),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RewardForm(FlaskForm):
    slug = StringField(
        _l("Id"),
        description=_l(
            "The reward's stable name in files: lowercase letters, digits and hyphens. "
            "It cannot be changed later."
        ),
    )
    name_en = StringField(_l("Name in English"))
    name_nb = StringField(_l("Name in Norwegian Bokmål"))
    description_en = TextAreaField(_l("Description in English"), render_kw={"rows": 3})
    description_nb = TextAreaField(_l("Description in Norwegian Bokmål"), render_kw={"rows": 3})
    category = SelectField(
        _l("Category"),
        choices=[SelectChoice(c, CATEGORY_LABELS[c]) for c in CATEGORIES],
        validate_choice=False,
    )
    visibility = SelectField(
        _l("Visibility"),
        choices=[SelectChoice(k, v) for k, v in VISIBILITY_LABELS.items()],
        validate_choice=False,
    )
    scope = SelectField(
        _l("Who receives it"),
        choices=[SelectChoice(s, SCOPE_LABELS[s]) for s in SCOPES],
        validate_choice=False,
    )
    roles = MultiCheckboxField(
        _l("Sales roles it suits"),
        choices=[
            SelectChoice(ALL_ROLES, _l("Every role")),
            *(SelectChoice(r, LazyString(role_label, r)) for r in SALES_ROLES),
        ],
        validate_choice=False,
        description=_l("Choose “Every role”, or one or more roles."),
    )
    cost_band = SelectField(
        _l("Cost band"),
        choices=[SelectChoice(k, v) for k, v in COST_BAND_LABELS.items()],
        validate_choice=False,
    )
    cost = StringField(_l("Indicative cost (NOK)"), render_kw={"inputmode": "decimal"})
    horizon = SelectField(
        _l("Horizon"),
        choices=[SelectChoice(h, HORIZON_LABELS[h]) for h in HORIZONS],
        validate_choice=False,
    )
    cooldown_days = StringField(
        _l("Days before the same person may receive it again"),
        render_kw={"inputmode": "numeric"},
    )
    version = HiddenField()
    submit = SubmitField(_l("Save the reward"))

    # The service names fields as the import does ("name.en"); the form's are flat.
    FIELD_FOR_PROBLEM = {
        "id": "slug",
        "name": "name_en",
        "name.en": "name_en",
        "name.nb": "name_nb",
        "description": "description_en",
        "description.en": "description_en",
        "description.nb": "description_nb",
    }

    def record(self) -> dict:
        """The form's values in the catalogue's TOML/JSON shape, unchecked."""
        return {
            "id": (self.slug.data or "").strip(),
            "name": {"en": self.name_en.data or "", "nb": self.name_nb.data or ""},
            "description": {
                "en": self.description_en.data or "",
                "nb": self.description_nb.data or "",
            },
            "category": self.category.data or "",
            "visibility": self.visibility.data or "",
            "scope": self.scope.data or "",
            "roles": list(self.roles.data or []),
            "cost_band": self.cost_band.data or "",
            "cost": self.cost.data or "",
            "horizon": self.horizon.data or "",
            "cooldown_days": self.cooldown_days.data or "",
        }

    def fill(self, record: dict) -> None:
        """Show a stored reward (its ``reward_record``) in the form."""
        self.slug.data = record["id"]
        self.name_en.data = record["name"].get("en", "")
        self.name_nb.data = record["name"].get("nb", "")
        self.description_en.data = record["description"].get("en", "")
        self.description_nb.data = record["description"].get("nb", "")
        for key in ("category", "visibility", "scope", "horizon"):
            getattr(self, key).data = record[key]
        self.roles.data = list(record["roles"])
        self.cost_band.data = str(record["cost_band"])
        cost = float(record["cost"])
        self.cost.data = str(int(cost)) if cost.is_integer() else str(cost)
        self.cooldown_days.data = str(record["cooldown_days"])

    def show_problems(self, problems: list[str]) -> None:
        for problem in problems:
            name = getattr(problem, "field", "")
            target = getattr(self, self.FIELD_FOR_PROBLEM.get(name, name), None) if name else None
            if isinstance(problem, Problem):
                text = problem_text(problem)
            else:  # a problem of the file as a whole, in the rules' own words
                text = translate_problem(str(problem))
            if target is None or not hasattr(target, "errors"):
                self.form_errors.append(text)
            else:
                target.errors = [*target.errors, text]


class RewardActionForm(FlaskForm):
    submit = SubmitField(_l("Retire"))
