"""Construct validity of an instrument over its stored, submitted responses.

Three checks (``recommender.validity`` says how each is computed):

- a confirmatory factor analysis of the instrument's Likert constructs, on complete
  responses (listwise);
- measurement invariance across the languages people answered in (the person's chosen
  language; people who left it to their browser are not counted in any language), only
  when every language of the instrument that has responses has at least 200 complete ones;
- test-retest: ICC(A,1) per scale for people who answered two waves of the same instrument
  version within ``retest_weeks`` weeks.

This is an HR aggregate, so it obeys the organisation's minimum group size: no model is
fitted on fewer responses, no language is counted and no ICC reported for fewer people.
Responses with quality flags are left out by default (a careless answer is noise in a
covariance matrix); ``include_flagged=True`` keeps them.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from collections import OrderedDict, defaultdict
from datetime import timedelta

from sqlmodel import Session, select

from models.tables import Person, SurveyResponse
from services.access import Actor, require
from services.errors import InvalidInput, NotFound, Problem
from services.organisation import min_group_size
from services.reliability import answers_still_open, flagged_count
from services.responses import answers_by_response, submitted_responses, unknown_to_hr
from services.waves import report_scope

RETEST_WEEKS = 8
"""Default window: long enough for two waves, short enough that real change stays small."""
RETEST_WEEKS_RANGE = (1, 52)
# The pure module's refusals, as the codes front ends word (web/messages.py).
ERROR_CODES = {
    "too_few_responses": "validity.too_few_responses",
    "below_group_size": "validity.below_group_size",
    "no_constructs": "validity.no_constructs",
}
EXPORT_KEYS = (
    "instrument",
    "version",
    "n",
    "basis",
    "fit",
    "loadings",
    "omega",
    "warnings",
    "invariance",
    "retest",
)


def _not_computed(field: str, code: str, message: str, **params) -> InvalidInput:
    return InvalidInput(
        "Validity was not computed.",
        [Problem(field, code, message, params)],
        code="validity.not_computed",
    )


def validity(
    *,
    session: Session,
    viewer: Actor,
    instrument_name: str | None = None,
    wave: str | int | None = None,
    include_flagged: bool = False,
    retest_weeks: int = RETEST_WEEKS,
) -> dict:
    """CFA fit, loadings and omega, invariance across languages and test-retest, as a dict.

    Uses the submitted responses to the newest version of ``instrument_name`` (default
    instrument) or, with ``wave``, that wave's responses and instrument. The dict has the
    keys of ``EXPORT_KEYS`` and, for the pages, ``wave``, ``basis``, ``n_flagged_excluded``,
    ``min_group_size``, ``notes`` (the warnings as codes and parameters) and ``labels``.
    """
    from recommender.validity import (
        ValidityError,
        cfa_report,
        describe,
        invariance,
        keyed_answers,
        plan_model,
        result_to_dict,
        retest,
        scale_means,
    )

    require(viewer, "run_hr")
    low, high = RETEST_WEEKS_RANGE
    if not low <= int(retest_weeks) <= high:
        raise _not_computed(
            "retest_weeks",
            "validity.weeks_out_of_range",
            f"must be a whole number of weeks from {low} to {high}, got {retest_weeks}",
            low=low,
            high=high,
            value=retest_weeks,
        )
    scope = report_scope(
        session,
        instrument_name=instrument_name,
        wave=wave,
        refused="Validity was not computed.",
        code="validity.not_computed",
    )
    wave_row, row, instrument, where = scope.wave, scope.row, scope.instrument, scope.where
    minimum = min_group_size(session)

    # Answers HR imported are known to it; see ``unknown_to_hr``.
    everyone = unknown_to_hr(submitted_responses(session, instrument_id=row.id))
    # Leaving flagged responses out shows how many there were (in n, or as the difference
    # from the report that includes them), so that happens only when HR may see the count
    # (the reliability report's rule, ``flagged_count``): not while the wave is open, when
    # the count moving as each rep submits would say whose answers were flagged, and not
    # while it is below the minimum group size, here or in the other waves whose responses
    # the retest uses. Until then every response counts.
    in_scope = [r for r in everyone if wave_row is None or r.wave_id == wave_row.id]
    still_open = answers_still_open(session, wave_row, in_scope)
    shown = [
        flagged_count(
            session,
            n_flagged=sum(bool(r.flags) for r in group),
            still_open=group_open,
            min_size=minimum,
        )
        for group, group_open in (
            (in_scope, still_open),
            # The retest pairs responses from the other waves too, open ones included.
            (everyone, still_open or answers_still_open(session, None, everyone)),
        )
    ]
    withheld = any(count["flagged"] is None for count in shown)
    fewer_than = next((c["fewer_than"] for c in shown if c["fewer_than"] is not None), None)
    include_flagged = include_flagged or withheld
    if not include_flagged:
        everyone = [r for r in everyone if not r.flags]
    chosen = [r for r in everyone if wave_row is None or r.wave_id == wave_row.id]
    if not chosen:
        raise NotFound(
            f"No submitted responses to {where} yet (responses with quality flags are left "
            "out unless included).",
            code="validity.no_responses",
            params=scope.params(),
        )
    answers = answers_by_response(session, instrument, [r.id for r in everyone])
    rows = [answers[r.id] for r in chosen]
    try:
        cfa = _remembered(
            ("cfa", instrument.fingerprint(), minimum, _json_key(rows)),
            lambda: cfa_report(instrument, rows, min_group_size=minimum),
        )
    except ValidityError as exc:
        raise InvalidInput(
            f"Validity was not computed for {where}: {exc}",
            code=ERROR_CODES[exc.code],
            params={**scope.params(), **exc.params},
        ) from exc
    result = {
        "instrument": instrument.name,
        "version": instrument.version,
        **result_to_dict(cfa),
    }

    # Invariance across the languages people chose, on the same items as the CFA.
    plan = plan_model(instrument)
    languages = sorted({lang for item in instrument.likert_items() for lang in item.text})
    locale_of = dict(
        session.exec(
            select(Person.id, Person.locale).where(
                Person.id.in_({r.person_id for r in chosen})  # type: ignore[attr-defined]
            )
        ).all()
    )
    by_language = defaultdict(list)
    for response, row_answers in zip(chosen, rows, strict=True):
        language = locale_of.get(response.person_id) or ""
        if language in languages:
            by_language[language].append(row_answers)
    groups = {}
    for language in languages:
        if not by_language.get(language):
            continue
        x = keyed_answers(instrument, by_language[language], plan)
        groups[language] = x[~_any_nan(x)]
    fitted = _remembered(
        ("invariance", instrument.fingerprint(), minimum, _arrays_key(groups)),
        lambda: invariance(groups, plan.item_construct, min_group_size=minimum),
    )
    result["invariance"] = _worded(fitted, describe)

    # Test-retest: each person's first two responses, in different waves, within the window.
    pairs = _retest_pairs(everyone, wave_row.id if wave_row else None, retest_weeks)
    first = [answers[a.id] for a, _b in pairs]
    second = [answers[b.id] for _a, b in pairs]
    constructs, scores_first = scale_means(instrument, first, plan)
    _constructs, scores_second = scale_means(instrument, second, plan)
    result["retest"] = _worded(
        retest(
            scores_first,
            scores_second,
            constructs,
            weeks=retest_weeks,
            min_group_size=minimum,
        ),
        describe,
    )

    result["wave"] = wave_row.name if wave_row is not None else None
    result["basis"] = "all responses" if include_flagged else "unflagged responses"
    result["n_flagged_excluded"] = 0 if include_flagged else sum(bool(r.flags) for r in in_scope)
    result["flagged_pending"] = still_open
    result["flagged_fewer_than"] = None if still_open else fewer_than
    # This wave is closed but another one the retest uses is not: every response counts.
    result["flagged_other_open"] = not still_open and shown[1]["pending"]
    result["min_group_size"] = minimum
    result["labels"] = {c.key: dict(c.label) for c in instrument.constructs}
    return result


def export_validity(*, session: Session, actor: Actor, fmt: str, **filters) -> dict:
    """``validity(...)`` trimmed to ``EXPORT_KEYS``, recorded in the audit log as an export."""
    from services.audit import record_export

    report = validity(session=session, viewer=actor, **filters)
    record_export(session, actor=actor, kind="validity", fmt=fmt, filters=filters)
    return {key: report[key] for key in EXPORT_KEYS}


# The factor models take seconds to fit, and HR opens the page again and again between new
# answers. Fits are kept per worker, keyed on the data themselves (a hash of the answers
# fitted), so a new or changed answer can never be served a stale fit.
_FITS: OrderedDict[str, object] = OrderedDict()
_FITS_KEPT = 8
_FITS_LOCK = threading.Lock()


def _remembered(key: tuple, compute):
    digest = hashlib.sha256(repr(key).encode()).hexdigest()
    with _FITS_LOCK:
        if digest in _FITS:
            _FITS.move_to_end(digest)
            return copy.deepcopy(_FITS[digest])  # callers word and change what they get
    value = compute()
    with _FITS_LOCK:
        _FITS[digest] = copy.deepcopy(value)
        while len(_FITS) > _FITS_KEPT:
            _FITS.popitem(last=False)
    return value


def _json_key(rows) -> str:
    text = json.dumps(rows, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _arrays_key(groups: dict) -> str:
    import numpy as np

    digest = hashlib.sha256()
    for name in sorted(groups):
        array = np.ascontiguousarray(groups[name], dtype=float)
        digest.update(f"{name}:{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _any_nan(x):
    import numpy as np

    return np.isnan(x).any(axis=1)


def _worded(section: dict, describe) -> dict:
    notes = section.pop("notes", [])
    section["warnings"] = [describe(code, params) for code, params in notes]
    section["notes"] = [{"code": code, "params": dict(params)} for code, params in notes]
    return section


def _retest_pairs(
    responses: list[SurveyResponse], wave_id: int | None, weeks: int
) -> list[tuple[SurveyResponse, SurveyResponse]]:
    """Per person, the earliest two consecutive responses in different waves at most
    ``weeks`` apart (one of them in ``wave_id`` when given)."""
    window = timedelta(weeks=weeks)
    by_person = defaultdict(list)
    for response in responses:
        if response.submitted_at is not None:
            by_person[response.person_id].append(response)
    pairs = []
    for mine in by_person.values():
        mine.sort(key=lambda r: r.submitted_at)
        for a, b in zip(mine, mine[1:], strict=False):
            if a.wave_id == b.wave_id or b.submitted_at - a.submitted_at > window:
                continue
            if wave_id is not None and wave_id not in (a.wave_id, b.wave_id):
                continue
            pairs.append((a, b))
            break
    return pairs
