"""Scale reliability over the stored, submitted responses of one instrument version."""

from __future__ import annotations

from sqlmodel import Session, select

from models.tables import Wave
from recommender.reliability import (
    MISSING_POLICIES,
    MISSING_POLICY,
    incomplete_responses,
    reliability_report,
    report_to_dict,
)
from services.access import Actor, require
from services.errors import InvalidInput, NotFound, Problem
from services.organisation import min_group_size
from services.responses import answers_by_response, submitted_responses, unknown_to_hr
from services.waves import report_scope

# Omega comes from a factor fit; a fixed seed keeps the report the same on every run.
RANDOM_STATE = 0


def flagged_count(
    session: Session, *, n_flagged: int, still_open: bool, min_size: int | None = None
) -> dict:
    """How many responses have quality flags, as HR may see it (page, API and CLI alike).

    HR sees counts, never whose. While a wave is open a rep's submission changes the
    count, and the reminders show who newly answered, so watching the count would single
    that rep out: no count while responses can still come in (``"pending"``). Once the
    responses no longer change, the count is shown when it is 0 or at least the minimum
    group size, otherwise only that it is below it (``"fewer_than"``).

    Returns ``{"flagged": int | None, "pending": bool, "fewer_than": int | None}``;
    ``flagged`` is None whenever the count is withheld. ``min_size`` is the minimum
    group size when the caller already holds it (the API's), else the session's.
    """
    if still_open:
        return {"flagged": None, "pending": True, "fewer_than": None}
    minimum = min_group_size(session) if min_size is None else min_size
    if 0 < n_flagged < minimum:
        return {"flagged": None, "pending": False, "fewer_than": minimum}
    return {"flagged": n_flagged, "pending": False, "fewer_than": None}


def answers_still_open(session: Session, wave_row: Wave | None, responses) -> bool:
    """Whether the responses analysed can still change: their wave (or one of them) is open."""
    if wave_row is not None:
        return wave_row.status == "open"
    wave_ids = {r.wave_id for r in responses if r.wave_id is not None}
    if not wave_ids:
        return False
    found = session.exec(select(Wave.id).where(Wave.id.in_(wave_ids), Wave.status == "open"))
    return found.first() is not None


def reliability(
    *,
    session: Session,
    viewer: Actor,
    instrument_name: str | None = None,
    wave: str | int | None = None,
    missing: str = MISSING_POLICY,
    include_flagged: bool = True,
) -> dict:
    """Alpha, its interval, omega and item analysis per scale, as a JSON-ready dict.

    Uses the submitted responses to the newest version of ``instrument_name`` (default
    instrument) or, when ``wave`` is given, to that wave's instrument in that wave only.

    The figures, and the warnings, are on all responses by default. Leaving flagged
    responses out flatters a scale: the contradictory-pair flag removes exactly the
    answers that disagree with each other, so alpha rises (agreeableness in the public
    Big Five inventory: .70 on all 2,800 responses, .74 without the flagged ones). The
    figures without flagged responses are given beside them, per scale, under
    ``"unflagged"`` (``None`` when no response is flagged). ``include_flagged=False``
    makes the unflagged figures the main ones, as a sensitivity check.

    HR sees how many responses are flagged only as :func:`flagged_count` allows: while
    the responses can still change (an open wave) ``n_flagged`` is None,
    ``flagged_pending`` is True, and no figure on the unflagged responses alone is given
    (``"unflagged"`` is None, ``include_flagged=False`` is refused), since it would give
    the count away; the same holds once closed while the count is below the minimum group
    size (``flagged_fewer_than`` then holds that size).

    The dict is ``recommender.reliability.report_to_dict``'s, plus ``wave``,
    ``n_flagged`` (flagged responses among those submitted), ``n_flagged_excluded``
    (left out of the main figures), ``basis`` ("all responses" or "unflagged
    responses": what the figures and warnings use) and ``missing_data_policy``, with
    ``n_incomplete`` (responses analysed that miss an answer to a scale item) and
    ``n_in_every_scale`` (responses used in every scale: under listwise deletion an incomplete
    response is left out of the scales it did not answer in full, so a scale's ``n`` can
    be below ``n_responses``; under median imputation every response is used).
    """
    require(viewer, "run_hr")
    if missing not in MISSING_POLICIES:
        known = ", ".join(MISSING_POLICIES)
        raise InvalidInput(
            "Reliability was not computed.",
            [
                Problem(
                    "missing",
                    "choice.one_of_got",
                    f"must be one of {known}, got {missing!r}",
                    {"known": known, "value": missing},
                )
            ],
            code="reliability.not_computed",
        )
    scope = report_scope(
        session,
        instrument_name=instrument_name,
        wave=wave,
        refused="Reliability was not computed.",
        code="reliability.not_computed",
    )
    wave_row, row, instrument, where = scope.wave, scope.row, scope.instrument, scope.where

    responses = submitted_responses(
        session,
        instrument_id=row.id,
        wave_id=wave_row.id if wave_row is not None else None,
    )
    if not responses:
        raise NotFound(
            f"No submitted responses to {where} yet.",
            code="reliability.no_responses",
            params=scope.params(),
        )
    # Item analysis over a few survey answers beside imported ones, which HR holds, can be
    # solved for the few: the report is on the answers HR does not hold, at least the
    # minimum group size of them.
    analysed = unknown_to_hr(responses)
    imported_left_out = len(responses) - len(analysed)
    responses = analysed
    minimum = min_group_size(session)
    if len(responses) < minimum:
        raise InvalidInput(
            f"Reliability needs at least {minimum} responses to {where} (the minimum group "
            f"size), not counting answers HR imported beside them; there are "
            f"{len(responses)}.",
            code="reliability.too_few",
            params={**scope.params(), "minimum": minimum, "count": len(responses)},
        )
    flagged = [bool(r.flags) for r in responses]
    n_flagged = sum(flagged)
    shown = flagged_count(
        session, n_flagged=n_flagged, still_open=answers_still_open(session, wave_row, responses)
    )
    if not include_flagged and shown["flagged"] is None:
        # Figures on the unflagged responses alone would give the withheld count away.
        if shown["pending"]:
            raise InvalidInput(
                f"Figures without flagged responses to {where} are not shown while the wave "
                "is open: they appear when the wave closes.",
                code="reliability.flagged_pending",
                params=scope.params(),
            )
        raise InvalidInput(
            f"Figures without flagged responses are not shown: fewer than "
            f"{shown['fewer_than']} responses to {where} have quality flags.",
            code="reliability.flagged_few",
            params={**scope.params(), "minimum": shown["fewer_than"]},
        )
    excluded = 0 if include_flagged else n_flagged
    if excluded == len(responses):
        raise InvalidInput(
            f"All {excluded} submitted responses to {where} have quality flags, so none are "
            "left to analyse; include flagged responses to see their figures.",
            code="reliability.all_flagged",
            params={"count": excluded, "where": where},
        )
    answers = answers_by_response(session, instrument, [r.id for r in responses])
    rows = [answers[r.id] for r in responses]

    def report(exclude: list[bool] | None, n: int) -> dict:
        reports = reliability_report(
            instrument, rows, exclude=exclude, missing=missing, random_state=RANDOM_STATE
        )
        return report_to_dict(instrument, reports, n_responses=n)

    result = report(None if include_flagged else flagged, len(responses) - excluded)
    side = None
    if include_flagged and shown["flagged"] is not None and 0 < n_flagged < len(responses):
        side = {s["construct"]: s for s in report(flagged, len(responses) - n_flagged)["scales"]}
    labels = {c.key: dict(c.label) for c in instrument.constructs}
    for scale in result["scales"]:
        scale["label"] = labels.get(scale["construct"]) or {"en": scale["construct"]}
        other = side.get(scale["construct"]) if side is not None else None
        scale["unflagged"] = (
            None
            if other is None
            else {key: other[key] for key in ("n", "alpha", "alpha_ci", "omega")}
        )
    result["wave"] = wave_row.name if wave_row is not None else None
    result["n_flagged"] = shown["flagged"]
    result["flagged_pending"] = shown["pending"]
    result["flagged_fewer_than"] = shown["fewer_than"]
    result["n_flagged_excluded"] = excluded
    result["basis"] = "all responses" if include_flagged else "unflagged responses"
    result["missing_data_policy"] = missing
    result["n_imported_left_out"] = imported_left_out
    # Each scale's n counts the responses that answered all its items (listwise); these
    # say how many of the responses analysed that leaves out of a scale, and why.
    analysed = [r for r, f in zip(rows, flagged, strict=True) if include_flagged or not f]
    incomplete = int(incomplete_responses(instrument, analysed).sum()) if analysed else 0
    result["n_incomplete"] = incomplete
    result["n_in_every_scale"] = result["n_responses"] - (
        incomplete if missing == "listwise" else 0
    )
    return result


def export_reliability(*, session: Session, actor: Actor, fmt: str, **filters) -> dict:
    """``reliability(...)`` recorded in the audit log as an export (item-level statistics)."""
    from services.audit import record_export

    report = reliability(session=session, viewer=actor, **filters)
    record_export(session, actor=actor, kind="reliability", fmt=fmt, filters=filters)
    return report
