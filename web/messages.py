"""Service errors in the reader's language: the one place that maps error codes to
translatable messages, and puts each problem under the form field it is about.

Services raise errors with a ``code`` and ``params`` (``services/errors.py``); an error
without a known code is shown with its own (English) text, so nothing is ever lost. A
problem in a row of an imported file (``RowProblem``) is worded as "row N, column X: ..."
in the reader's language around its own coded message. Every code a service uses needs an
entry here and its Norwegian translation (tests/web/test_error_codes.py checks both).
"""

from __future__ import annotations

from flask_babel import gettext, ngettext

from services.errors import CATALOGUE_RULE, Problem, RowProblem, ServiceError


def N_(message: str) -> str:  # noqa: N802 - the gettext "no-op" marker babel extracts
    return message


def NP_(singular: str, plural: str, count: str) -> tuple[str, str, str]:  # noqa: N802
    """A message with a singular and a plural form, chosen by the parameter ``count``
    (babel extracts it with the keyword ``NP_:1,2``)."""
    return singular, plural, count


MESSAGES = {
    # whole errors
    "not_allowed": N_("You do not have access to this."),
    "person.not_found": N_("No such person."),
    "reward.not_found": N_("No such reward."),
    "team.not_found": N_("No such team."),
    "wave.not_found": N_("No wave %(wave)s."),
    "wave.not_opened": N_("The wave was not opened."),
    "wave.overlaps_open_wave": N_(
        "%(people)s of the people this wave asks are asked already in %(waves)s, which is "
        "open on the same days. Tick the box below to open it anyway (they get two "
        "surveys at once)."
    ),
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
    "survey.page_incomplete": N_(
        "Your answers so far are saved; some questions on this page still need an answer."
    ),
    "survey.page_not_found": N_("No such survey page."),
    "survey.not_found": N_("No such survey."),
    # problems, shown under their field
    "wave.name_missing": N_("Give the wave a name."),
    "wave.name_taken": N_("A wave called “%(name)s” exists already."),
    "wave.closes_before_opening": N_("The wave must close on or after the day it opens."),
    "wave.already_over": N_("That day has passed: a wave must close today or later."),
    "wave.too_long": N_("A wave runs for at most %(days)s days."),
    "wave.year_out_of_range": N_("Choose a day in the years %(first)s to %(last)s."),
    "team.unknown": N_("There is no team called “%(team)s”."),
    "grant.occasion_unknown": N_("Choose one of the occasions."),
    "grant.given_recently": NP_(
        "They received this reward %(days_ago)s day ago; confirm to give it again.",
        "They received this reward %(days_ago)s days ago; confirm to give it again.",
        "days_ago",
    ),
    "grant.given_today": N_("They received this reward today already."),
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
    "experiment.name_taken": N_("An experiment called “%(name)s” exists already."),
    "text.too_long": N_("At most %(limit)s characters."),
    "text.control_character": N_(
        "Contains the control character %(character)s, which cannot be stored; remove it."
    ),
    "text.line_break": N_("Keep it on one line (no line breaks or tabs)."),
    "feedback.not_saved": N_("The rating was not saved."),
    "metric.unknown": N_("Unknown metric %(metric)s (use one of %(known)s)."),
    "experiment.seed_range": N_("Use a whole number from 0 to %(maximum)s."),
    # whole errors (added with the import problems)
    "person.not_found_id": N_("No person '%(person)s'."),
    "locale.unknown": N_("Unknown language '%(locale)s'."),
    "import.nothing_imported": NP_(
        "Nothing was imported: %(count)s problem in %(source)s.",
        "Nothing was imported: %(count)s problems in %(source)s.",
        "count",
    ),
    "import.nothing_imported_here": NP_(
        "Nothing was imported: %(count)s problem in the file.",
        "Nothing was imported: %(count)s problems in the file.",
        "count",
    ),
    "people.mass_deactivation": N_(
        "Nothing was imported: this file would deactivate %(leaving)s of %(active)s active people."
    ),
    "export.not_made": N_("Nothing was exported."),
    "kpi.summary_not_made": N_("The KPI summary could not be made."),
    "password.too_short": N_("Choose a password of at least %(n)s characters."),
    "signin.throttled": NP_(
        "Too many failed sign-in attempts. Wait %(n)s minute and try again.",
        "Too many failed sign-in attempts. Wait %(n)s minutes and try again.",
        "n",
    ),
    "person.no_active_email": N_("No active person with email '%(email)s'."),
    "password_link.spent": N_(
        "This link is not valid any more. Ask an administrator for a new one."
    ),
    "focus_groups.not_formed": N_("The focus groups were not formed."),
    "token.not_created": N_("The token was not created."),
    "token.not_found": N_("No token with id %(token)s."),
    "wave.none_submitted": N_("No wave has submitted responses yet."),
    "summary.not_made": N_("The summary was not made."),
    "instrument.not_found": N_("No instrument '%(instrument)s'."),
    "training.no_responses": N_("There are no submitted survey responses to train on yet."),
    "training.no_rewards": N_("The reward catalogue is empty; import rewards first."),
    "training.retention_too_low": N_(
        "Keep at least one model version (MOTIVO_MODEL_RETENTION >= 1)."
    ),
    "training.job_not_found": N_("No training job %(job)s."),
    "grant.status_unknown": N_("Choose one of %(known)s."),
    "reliability.not_computed": N_("Reliability was not computed."),
    "reliability.no_responses": N_("No submitted responses to %(where)s yet."),
    "reliability.all_flagged": N_(
        "All %(count)s submitted responses to %(where)s have quality flags, so none are "
        "left to analyse; include flagged responses to see their figures."
    ),
    "reliability.flagged_pending": N_(
        "Figures without flagged responses are not shown while the wave is open: they "
        "appear when the wave closes."
    ),
    "reliability.flagged_few": N_(
        "Figures without flagged responses are not shown: fewer than %(minimum)s responses "
        "have quality flags."
    ),
    "reliability.too_few": N_(
        "Reliability needs at least %(minimum)s responses to %(where)s (the minimum group "
        "size), not counting answers HR imported beside them; there are %(count)s."
    ),
    "validity.not_computed": N_("Validity was not computed."),
    "validity.no_responses": N_(
        "No submitted responses to %(where)s yet (responses with quality flags are left out "
        "unless included)."
    ),
    "validity.too_few_responses": N_(
        "Only %(n)s complete responses to %(where)s; the factor analysis needs at least "
        "%(minimum)s."
    ),
    "validity.below_group_size": N_(
        "Fewer than %(minimum)s complete responses to %(where)s (the minimum group size): "
        "nothing is reported on so few people."
    ),
    "validity.no_constructs": N_(
        "No construct of %(where)s has %(minimum)s or more Likert items, so there is nothing "
        "to factor-analyse."
    ),
    "validity.weeks_out_of_range": N_("Must be a whole number of weeks from %(low)s to %(high)s."),
    "response.not_found": N_("No such response."),
    "survey.reopen_refused": N_("Only a submitted response with quality flags can be reopened."),
    "experiment.arm_not_understood": N_("The arm '%(arm)s' was not understood."),
    "experiment.not_found": N_("No experiment called '%(ref)s'."),
    "experiment.no_control": N_("The experiment '%(name)s' has no control arm."),
    "change.not_computed": N_("The change was not computed."),
    "wave.none_yet": N_("There are no waves yet. Open one first."),
    "reminders.wave_closed": N_("The wave '%(wave)s' is closed; reminders are for open waves."),
    "notifications.wave_not_answerable": N_(
        "The wave '%(wave)s' does not take answers today; nobody was told it is open."
    ),
    "reward.not_saved": N_("The reward was not saved."),
    "webhook.refused": N_("The webhook address was not accepted."),
    "channel.not_found": N_("No such channel."),
    "email.not_configured": N_("Email is on but not configured."),
    "reminders.settings_not_numbers": N_("The reminder settings are not numbers."),
    "reminders.settings_out_of_range": N_("The reminder settings are out of range."),
    "feedback.rating_range": N_("Choose a rating from 1 to 5."),
    # problems
    "choice.one_of": N_("Must be one of %(known)s."),
    "choice.one_of_got": N_("Must be one of %(known)s, not %(value)s."),
    "channel.one_of": N_("Use one of %(known)s."),
    "number.between": N_("Must be from %(low)s to %(high)s."),
    "wave.instrument_differs": N_("'%(wave)s' uses instrument %(uses)s, not %(wanted)s."),
    "experiment.arm_format": N_("Write each arm as key:label or key:label:category."),
    "reward.id_taken": N_("Another reward already has the id '%(value)s'."),
    "reward.changed_meanwhile": N_(
        "Someone changed this reward since you opened it. Your changes are still in the "
        "form: compare them with its history below, then save again."
    ),
    "reward.changed_during_import": N_(
        "Someone changed the reward '%(reward)s' while this file was being imported: import "
        "the file again."
    ),
    "webhook.not_a_url": N_("Not a URL."),
    "token.name_missing": N_("Give the token a name (what uses it, e.g. 'HRIS sync')."),
    "token.scope_missing": N_("Choose at least one of %(known)s."),
    "token.scope_unknown": N_("Unknown scope '%(scope)s' (use %(known)s)."),
    "token.expiry_range": N_("Give a number of days from 1 to %(maximum)s."),
    # Worded for the roster page, which is where these are read (the command line and the
    # API give the service's English, which names their own switches).
    "people.partial_roster_hint": N_(
        "If it is a partial roster, tick “This is a partial file: keep people who are not "
        "in it active” and upload it again."
    ),
    "people.mass_deactivation_hint": N_(
        "If they really all left, an admin can allow it once from the command line: motivo "
        "people import FILE --allow-mass-deactivation."
    ),
    "experiment.arm_key_twice": N_("The key '%(key)s' is used twice."),
    "experiment.arm_label_missing": N_("Give the arm '%(key)s' a label."),
    "experiment.arm_label_too_long": N_(
        "The label of '%(key)s' is longer than %(limit)s characters."
    ),
    "experiment.control_not_an_arm": N_("'%(control)s' is not one of the arms."),
    "experiment.audience_too_small": NP_(
        "%(count)s active rep in the chosen teams, fewer than the %(arms)s arms.",
        "%(count)s active reps in the chosen teams, fewer than the %(arms)s arms.",
        "count",
    ),
    "experiment.audience_too_small_everywhere": NP_(
        "%(count)s active rep in Motivo, fewer than the %(arms)s arms.",
        "%(count)s active reps in Motivo, fewer than the %(arms)s arms.",
        "count",
    ),
    "answer.choose_value": N_("Choose a value from %(min)s to %(max)s."),
    "answer.required": N_("Choose an answer."),
    "answer.rank_each_once": N_("Give each option its own place."),
    "answer.best_not_worst": N_(
        "Choose one option you want most and a different one you want least."
    ),
    "answer.text_too_long": N_("Keep it under %(limit)s characters."),
    "experiment.start_in_past": N_(
        "%(start)s is in the past; an experiment's arms start on the day it is created (%(today)s) or later. To compare periods that are over, mark it retrospective: observational, not an experiment."
    ),
    "experiment.before_overlaps_start": N_(
        "%(period)s must end before the experiment starts (%(start)s), or the baseline includes time under the arms."
    ),
    "experiment.after_before_start": N_(
        "%(period)s must begin on or after the day the experiment starts (%(start)s), when the arms start; to compare periods that are over, mark it retrospective: observational, not an experiment."
    ),
    # problems in a row of an imported file (the row and column are worded around them)
    "import.column_missing": N_("missing column"),
    "import.column_unknown": N_("unknown column (expected %(expected)s)"),
    "import.cell_empty": N_("empty"),
    "import.line_break": N_("holds a line break or a tab; keep it on one line"),
    "import.duplicate_of_row": N_("duplicate of row %(first)s (%(value)s)"),
    "import.too_long": N_("%(length)s characters, more than the %(limit)s this column holds"),
    "import.cell_too_long": N_("%(length)s characters, more than the %(limit)s any column holds"),
    "import.control_character": N_("contains the control character %(character)s"),
    "import.control_character_remove": N_(
        "contains the control character %(character)s; remove it and import again"
    ),
    "import.more_problems": NP_(
        "… and %(count)s more problem not listed",
        "… and %(count)s more problems not listed",
        "count",
    ),
    "import.person_unknown": N_("unknown person '%(person)s'"),
    "import.person_unknown_first": N_("unknown person '%(person)s' (import people first)"),
    "import.reward_unknown": N_("unknown reward '%(reward)s'"),
    "import.date_invalid": N_("'%(value)s' is not a date (YYYY-MM-DD)"),
    "feedback.given_out_of_range": N_(
        "%(value)s is in the future or before %(first)s: a reward is recorded as given on a "
        "past day"
    ),
    "import.longer_than": N_("longer than %(limit)s characters"),
    "people.none": N_("the file has a header but no people"),
    "people.email_invalid": N_("'%(email)s' is not an email address"),
    "people.email_mixed_scripts": N_(
        "'%(email)s' mixes letters of several scripts (%(scripts)s), so it reads as an address "
        "it is not; write it in one script"
    ),
    "people.access_unknown": N_("unknown access role '%(access)s' (use one of %(known)s)"),
    "people.email_taken": N_("%(email)s already belongs to %(owner)s"),
    "people.external_id_invisible": N_(
        "holds %(character)s, a character that shows as nothing or as a space; write a new id "
        "in visible characters and ordinary spaces"
    ),
    "people.external_id_lookalike": N_(
        "'%(value)s' differs from the id '%(other)s' only in case or character width; use "
        "'%(other)s' for that person, or an id that differs in more"
    ),
    "people.column_left_out": N_(
        'left out of this row; give every column in every row ("" for a blank cell)'
    ),
    "people.manages_self": N_("a person cannot manage themself"),
    "people.manager_cycle": N_(
        "the line of managers from %(email)s comes back to them (%(chain)s)"
    ),
    "people.manager_unknown": N_("unknown manager %(manager)s (not in this file nor in Motivo)"),
    "people.manager_email_changed": N_(
        "%(manager)s is changed to %(email)s by row %(in_row)s of this file; give the new address"
    ),
    "people.manager_not_managing": N_(
        "%(manager)s has access '%(access)s'; give them access 'manager'"
    ),
    "people.own_access": N_("nobody can change their own access"),
    "people.token_access": N_("an API token cannot set access above %(ceiling)s"),
    "people.admin_access": N_("only an admin may grant or remove admin or hr access"),
    "people.admin_email": N_("only an admin may change the email of an admin or HR person"),
    "feedback.rating_invalid": N_("'%(value)s' is not a whole number from 1 to 5"),
    "feedback.duplicate_row": N_("duplicate of row %(first)s (same person, reward and date)"),
    "period.malformed_cell": N_("'%(period)s' is not a period (use YYYY-MM or YYYY-Qn)"),
    "kpi.metric_name_invalid": N_(
        "'%(metric)s' is not a metric name (lower-case letters, digits and _, starting "
        "with a letter, at most 40 characters)"
    ),
    "kpi.metric_unknown": N_(
        "unknown metric '%(metric)s' (known: %(known)s; to add a new metric, allow new metrics)"
    ),
    "kpi.value_not_a_number": N_("'%(value)s' is not a number (write e.g. 1234.5 or 1234,5)"),
    "kpi.value_too_large": N_("%(value)s is more than %(limit)s either side of zero"),
    "kpi.value_negative": N_("%(metric)s cannot be negative (%(value)s)"),
    "kpi.none": N_("the file has a header but no KPI values"),
    "answer.not_whole": N_("'%(value)s' is not a whole number"),
    "answer.out_of_range": N_("%(value)s is out of range for this item (%(min)s to %(max)s)"),
    "answer.attention_out_of_range": N_(
        "%(value)s is out of range for the attention item (%(min)s to %(max)s)"
    ),
    "answer.ranking_gap": N_("'%(value)s' has an empty place between '%(separator)s' signs"),
    "answer.option_unknown": N_("unknown option '%(option)s' (options: %(known)s)"),
    "answer.option_twice": N_("option '%(option)s' is ranked twice"),
    "answer.best_worst_pair": N_("'%(value)s' is not two options as best%(separator)sworst"),
    "answer.best_is_worst": N_("option '%(option)s' is both the best and the worst"),
    "answers.column_ambiguous": N_("matches more than one item code (%(codes)s)"),
    "answers.column_unknown": N_("unknown item code (not in %(instrument)s)"),
    "answers.no_item_columns": N_("no item columns (expected item codes of %(instrument)s)"),
    "answers.person_column_missing": N_("missing column (it holds each person's external_id)"),
    "answers.row_empty": N_("no answers in this row"),
    "answers.none": N_("the file has a header but no responses"),
    "answers.person_unknown": N_(
        "unknown person '%(person)s' (import people first, or create respondents with "
        "--create-people)"
    ),
    "answers.survey_conflict": N_(
        "%(person)s answered wave '%(wave)s' through the survey (%(count)s answers); an "
        "import does not replace that unless you choose to replace survey answers"
    ),
    "feedback.own_feedback": N_(
        "%(person)s said what they think of '%(reward)s' themselves in Motivo (a rating or "
        '"not for me"); an import does not replace what a person said'
    ),
    "feedback.over_budget": N_(
        "the rewards this file records as given take the team over its %(quarter)s budget "
        "(%(spent)s of %(amount)s); raise the budget first or leave these rows out"
    ),
    "answers.already_shown": N_(
        "%(person)s's answers in wave '%(wave)s' are already part of figures shown for it; "
        "they cannot be replaced, or the change would show in those figures"
    ),
    "answers.person_not_rep": N_(
        "%(person)s has %(access)s access, not rep; only reps answer a survey"
    ),
    "answers.survey_raced": N_(
        "someone answered through the survey during the import; import again"
    ),
    "answers.wave_instrument_differs": N_("'%(wave)s' uses instrument %(uses)s, not %(wanted)s."),
}


def _word(code: str, params: dict, text: str = "") -> str | None:
    if code == CATALOGUE_RULE:
        from web.catalogue.messages import translate_problem

        return translate_problem(text)
    message = MESSAGES.get(code)
    if message is None:
        return None
    if "where_title" in params:
        params = {**params, **_where(params)}
    try:
        if isinstance(message, tuple):
            singular, plural, count = message
            return ngettext(singular, plural, int(params[count]), **params)
        return gettext(message, **params)
    except (KeyError, TypeError, ValueError):
        return None


def _where(params: dict) -> dict[str, str]:
    """The survey version a message is about (``ReportScope.params``), in the reader's
    words: ``instrument`` names the version, ``where`` adds the wave when there is one."""
    from web.i18n import get_locale

    titles = params["where_title"] or {}
    title = titles.get(str(get_locale())) or titles.get("en") or ""
    survey = gettext(
        "“%(title)s”, version %(version)s", title=title, version=params["where_version"]
    )
    where = survey
    if params.get("where_wave"):
        where = gettext(
            "%(survey)s in the wave “%(wave)s”", survey=survey, wave=params["where_wave"]
        )
    return {"instrument": survey, "where": where}


def message_text(code: str, params: dict) -> str | None:
    """The coded message in the reader's language; None for a code without an entry."""
    return _word(code, params)


def error_text(exc: ServiceError) -> str:
    """The error's headline in the reader's language."""
    return _word(getattr(exc, "code", ""), getattr(exc, "params", {})) or str(exc.args[0])


def problem_text(problem: str) -> str:
    """One problem in the reader's language, without the field it is about."""
    if isinstance(problem, RowProblem):
        message = _word(problem.code, problem.params, problem.message) or problem.message
        if problem.column:
            return gettext(
                "row %(row)s, column %(column)s: %(message)s",
                row=problem.row,
                column=problem.column,
                message=message,
            )
        return gettext("row %(row)s: %(message)s", row=problem.row, message=message)
    if isinstance(problem, Problem):
        return _word(problem.code, problem.params, problem.message) or problem.message
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
