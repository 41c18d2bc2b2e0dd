"""The integration API for HRIS and CRM systems, authorised by bearer tokens with scopes.

Every endpoint here is described in ``web.api.openapi`` (a test holds the two together).
Views stay thin: read the request, call one service, return JSON.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, jsonify

from services.api_reads import (
    MAX_SUGGESTIONS,
    kpi_summary,
    person_suggestions,
    response_counts,
    suggestions_page,
    wave_details,
    wave_participation,
)
from services.feedback import import_feedback
from services.kpis import import_kpis
from services.organisation import min_group_size
from services.people import import_people, list_people
from services.responses_import import import_responses
from web.api import inputs
from web.api.auth import current_actor, init_blueprint, token_required
from web.api.openapi import openapi_document
from web.db import get_session
from web.extensions import csrf

bp = Blueprint("v1", __name__, url_prefix="/v1")
# Only a bearer token opens these endpoints, never a browser's cookie, so a forged
# cross-site form has nothing to ride on.
csrf.exempt(bp)
init_blueprint(bp)


def _min_group_size() -> int:
    return min_group_size(get_session())


def _source() -> str:
    return current_actor().label


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI document; public, since it holds no data, only the shape of the API."""
    return jsonify(openapi_document())


@bp.get("/people")
@token_required("people:read")
def people():
    page = inputs.page()
    rows = list_people(
        session=get_session(),
        viewer=current_actor(),
        include_inactive=inputs.flag("include_inactive"),
    )
    return jsonify(page.of(rows))


@bp.post("/people/import")
@token_required("people:write")
def people_import():
    source = _source()
    rows = inputs.import_rows(source)
    keep_missing = inputs.flag("keep_missing")
    summary = import_people(
        session=get_session(),
        actor=current_actor(),
        header=rows.header,
        records=rows.records,
        deactivate_missing=not keep_missing,
        allow_mass_deactivation=inputs.flag("allow_mass_deactivation"),
        source=source,
    )
    return jsonify({"counts": summary.as_dict(), "external_ids": summary.external_ids()})


@bp.get("/waves")
@token_required("waves:read")
def waves():
    page = inputs.page()
    rows = wave_participation(
        session=get_session(), viewer=current_actor(), min_group_size=_min_group_size()
    )
    return jsonify(page.of(rows))


@bp.get("/waves/<int:wave_id>")
@token_required("waves:read")
def wave(wave_id: int):
    facts = wave_details(
        session=get_session(),
        viewer=current_actor(),
        wave_id=wave_id,
        min_group_size=_min_group_size(),
    )
    return jsonify(facts)


@bp.get("/waves/<int:wave_id>/responses")
@token_required("responses:read")
def wave_responses(wave_id: int):
    counts = response_counts(
        session=get_session(),
        viewer=current_actor(),
        wave_id=wave_id,
        min_group_size=_min_group_size(),
    )
    return jsonify(counts)


@bp.post("/responses/import")
@token_required("responses:write")
def responses_import():
    source = inputs.text("source") or "API upload"
    rows = inputs.import_rows(source)
    summary = import_responses(
        session=get_session(),
        actor=current_actor(),
        header=rows.header,
        records=rows.records,
        wave=inputs.text("wave"),
        instrument_name=inputs.text("instrument"),
        instrument_version=inputs.whole_number("version", None, 1, inputs.MAX_VERSION),
        create_people=inputs.flag("create_people"),
        source=source,
        replace_survey_responses=inputs.flag("replace_survey_answers"),
    )
    return jsonify(
        {"counts": summary.as_dict(), "wave": summary.wave, "instrument": summary.instrument}
    )


@bp.post("/kpis/import")
@token_required("kpis:write")
def kpis_import():
    source = _source()
    rows = inputs.import_rows(source)
    summary = import_kpis(
        session=get_session(),
        actor=current_actor(),
        header=rows.header,
        records=rows.records,
        allow_new_metrics=inputs.flag("allow_new_metrics"),
        source=source,
    )
    return jsonify(summary.as_dict())


@bp.get("/kpis")
@token_required("kpis:read")
def kpis():
    summary = kpi_summary(
        session=get_session(),
        viewer=current_actor(),
        metric=inputs.text("metric") or "",
        period=inputs.text("period"),
        by=inputs.text("by") or "team",
        min_group_size=_min_group_size(),
    )
    return jsonify(summary)


@bp.get("/recommendations")
@token_required("recommendations:read")
def recommendations():
    page = inputs.page()
    k = inputs.whole_number("k", 5, 1, MAX_SUGGESTIONS)
    items, total = suggestions_page(
        session=get_session(), viewer=current_actor(), k=k, limit=page.limit, offset=page.offset
    )
    return jsonify(page.counted(items, total))


@bp.get("/recommendations/<external_id>")
@token_required("recommendations:read")
def person_recommendations(external_id: str):
    k = inputs.whole_number("k", 5, 1, MAX_SUGGESTIONS)
    return jsonify(
        person_suggestions(
            session=get_session(), viewer=current_actor(), external_id=external_id, k=k
        )
    )


@bp.post("/feedback")
@token_required("feedback:write")
def feedback_import():
    source = _source()
    rows = inputs.import_rows(source)
    summary = import_feedback(
        session=get_session(),
        actor=current_actor(),
        header=rows.header,
        records=rows.records,
        source=source,
    )
    return jsonify(asdict(summary))
