"""Service errors in the reader's language: the one place that maps error codes to
translatable messages, and puts each problem under the form field it is about.

Services raise errors with a ``code`` and ``params`` (``services/errors.py``); an error
without a known code is shown with its own (English) text, so nothing is ever lost.
"""

from __future__ import annotations

from flask_babel import gettext

from services.errors import Problem, ServiceError


def N_(message: str) -> str:  # noqa: N802 - the gettext "no-op" marker babel extracts
    return message


MESSAGES = {
    # whole errors
    "not_allowed": N_("You do not have access to this."),
    "person.not_found": N_("No such person."),
    "reward.not_found": N_("No such reward."),
    "team.not_found": N_("No such team."),
    "wave.not_found": N_("No wave %(wave)s."),
    "wave.not_opened": N_("The wave was not opened."),
    "grant.not_given": N_("The reward was not given."),
    "budget.not_set": N_("The budget was not set."),
    "achievement.not_recorded": N_("The achievement was not recorded."),
    "recognition.days_refused": N_("The number of days was not accepted."),
    "experiment.not_created": N_("The experiment was not created."),
    "quarter.not_a_quarter": N_("%(quarter)s is not a quarter."),
    "survey.already_submitted": N_(
        "You have already submitted this survey; it can no longer be changed."
    ),
    "survey.closed": N_("This survey wave is closed; answers can no longer be changed."),
    "survey.closed_submit": N_("This survey wave is closed; answers can no longer be submitted."),
    "survey.not_saved": N_("Some answers could not be saved."),
    "survey.empty": N_("Answer the survey before submitting it."),
    "survey.incomplete": N_("Some questions are not answered yet."),
    "survey.page_not_found": N_("No such survey page."),
    "survey.not_found": N_("No such survey."),
    # problems, shown under their field
    "wave.name_missing": N_("Give the wave a name."),
    "wave.name_taken": N_("A wave called «%(name)s» exists already."),
    "wave.closes_before_opening": N_("The wave must close on or after the day it opens."),
    "team.unknown": N_("There is no team called «%(team)s»."),
    "grant.occasion_unknown": N_("Choose one of the occasions."),
    "reward.retired": N_("This reward has been retired from the catalogue."),
    "reward.not_for_role": N_("This reward is not available for this person's sales role."),
    "grant.note_too_long": N_("Keep the note under 1000 characters."),
    "grant.no_team": N_(
        "Neither this person nor you are in a team, so no budget can pay for the reward; "
        "ask HR to place them in a team."
    ),
    "quarter.malformed": N_("Write the quarter as YYYY-Qn, e.g. 2026-Q4."),
    "budget.amount_negative": N_("Give an amount of 0 or more."),
    "budget.amount_too_large": N_("The amount is too large."),
    "achievement.title_missing": N_("Say what was achieved."),
    "achievement.title_too_long": N_("Keep it under 200 characters."),
    "achievement.date_missing": N_("Give the date of the achievement."),
    "achievement.date_in_future": N_("The date cannot be in the future."),
    "recognition.days_too_few": N_("Use 1 or more."),
    "period.malformed": N_("%(period)s is not a period (use YYYY-MM or YYYY-Qn)."),
    "period.kinds_differ": N_(
        "Use the same kind of period as before (two months or two quarters), or the change "
        "compares different lengths of time."
    ),
    "period.overlaps": N_("%(after)s must start after %(before)s ends."),
    "experiment.name_missing": N_("Give the experiment a name."),
    "experiment.name_taken": N_("An experiment called «%(name)s» exists already."),
    "text.too_long": N_("At most %(limit)s characters."),
    "metric.unknown": N_("Unknown metric %(metric)s (use one of %(known)s)."),
    "experiment.seed_range": N_("Use a whole number from 0 to %(maximum)s."),
    "experiment.starts_in_past": N_(
        "%(starts_on)s is in the past; an experiment's arms start on the day it is created "
        "(%(today)s) or later. To compare periods that are over, mark it retrospective: "
        "observational, not an experiment."
    ),
    "experiment.baseline_overlaps_start": N_(
        "%(period)s must end before the experiment starts (%(start)s), or the baseline "
        "includes time under the arms."
    ),
    "experiment.after_before_start": N_(
        "%(period)s must begin on or after the day the experiment starts (%(start)s), when "
        "the arms start; to compare periods that are over, mark it retrospective: "
        "observational, not an experiment."
    ),
}


def _word(code: str, params: dict) -> str | None:
    message = MESSAGES.get(code)
    if message is None:
        return None
    try:
        return gettext(message, **params)
    except (KeyError, TypeError, ValueError):
        return None


def error_text(exc: ServiceError) -> str:
    """The error's headline in the reader's language."""
    return _word(getattr(exc, "code", ""), getattr(exc, "params", {})) or str(exc.args[0])


def problem_text(problem: str) -> str:
    """One problem in the reader's language, without the field it is about."""
    if isinstance(problem, Problem):
        return _word(problem.code, problem.params) or problem.message
    return str(problem)


def problem_texts(exc: ServiceError) -> list[str]:
    return [problem_text(p) for p in getattr(exc, "problems", [])]


def attach_problems(form, exc: ServiceError, fields: dict[str, str] | None = None) -> list[str]:
    """Put each problem under the form field it names; return those that fit no field.

    ``fields`` maps a service's field name to the form's, where they differ.
    """
    left: list[str] = []
    for problem in getattr(exc, "problems", []):
        name = getattr(problem, "field", "")
        name = (fields or {}).get(name, name)
        target = getattr(form, name, None) if name else None
        if target is not None and hasattr(target, "errors"):
            target.errors = [*target.errors, problem_text(problem)]
        else:
            left.append(problem_text(problem))
    return left
