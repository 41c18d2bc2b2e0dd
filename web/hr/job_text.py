"""Why a training job ran and how it ended, in the reader's language.

Jobs keep both as codes and figures (``services.job_reasons``); a job recorded before they
did, or a reason no code covers, is shown with the English sentence it was stored with.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from models.tables import TrainingJob
from services import job_reasons as jr
from web.filters import decimal
from web.messages import message_text


def _responses(n: int) -> str:
    return ngettext("%(num)s new response", "%(num)s new responses", n)


def _ratings(n: int) -> str:
    return ngettext("%(num)s new rating", "%(num)s new ratings", n)


def changed_rewards(n: int) -> str:
    """Rewards the model has not seen as they are now (``Staleness.changed_rewards``)."""
    return ngettext(
        "%(num)s reward new or changed in the catalogue",
        "%(num)s rewards new or changed in the catalogue",
        n,
    )


def _news(params: dict) -> str:
    parts = [
        words(int(params[key]))
        for key, words in (("responses", _responses), ("ratings", _ratings))
        if int(params[key])
    ]
    return ", ".join(parts)


def _why(code: str, params: dict) -> str | None:
    if code == jr.REQUESTED:
        return _("requested by %(who)s", who=params["who"])
    if code == jr.COMMAND_LINE:
        return _("run from the command line")
    if code == jr.STALE:
        if params["trigger"] == "first":
            return _(
                "stale: no model yet, %(responses)s",
                responses=_responses(int(params["responses"])),
            )
        if params["trigger"] == "catalogue":
            changed = changed_rewards(int(params["rewards"]))
            news = _news(params)
            return _("stale: %(news)s", news=f"{changed}, {news}" if news else changed)
        if params["trigger"] == "age":
            return ngettext(
                "stale: model %(num)s day old, %(news)s",
                "stale: model %(num)s days old, %(news)s",
                int(params["days"]),
                news=_news(params),
            )
        return _("stale: %(news)s", news=_news(params))
    return None


def job_reason(job: TrainingJob) -> str:
    """Why the job ran."""
    found = (job.details or {}).get("reason") or {}
    try:
        text = _why(found.get("code", ""), found.get("params") or {})
    except (KeyError, ValueError):
        text = None
    return text or job.reason


def _figure(value: float | None) -> str:
    return "–" if value is None or value != value else decimal(value, 2)


def _trained(o: dict) -> str:
    parts = [
        _("model version %(version)s", version=o["version"]),
        ngettext("%(num)s response", "%(num)s responses", o["responses"]),
        ngettext("%(num)s rating", "%(num)s ratings", o["ratings"])
        + ", "
        + ngettext('%(num)s "not for me"', '%(num)s "not for me"', o["dismissals"]),
        ngettext("%(num)s reward", "%(num)s rewards", o["rewards"]),
    ]
    if o.get("profiles") is not None:
        profiles = ngettext(
            "%(num)s profile (silhouette %(s)s, entropy %(e)s)",
            "%(num)s profiles (silhouette %(s)s, entropy %(e)s)",
            o["profiles"],
            s=_figure(o.get("silhouette")),
            e=_figure(o.get("entropy")),
        )
        if o.get("weak_structure"):
            profiles += "; " + _("weak structure: ranking on scores alone")
        parts.append(profiles)
    return "; ".join(parts)


def job_result(job: TrainingJob) -> str:
    """How the job ended (empty while it has not)."""
    o = (job.details or {}).get("outcome") or {}
    try:
        if o.get("code") == "trained":
            return _trained(o)
        if o.get("code") == "failed" and o.get("error"):
            return message_text(o["error"], o.get("params") or {}) or job.message
        if o.get("code") == "unexpected":
            return _(
                "Training failed unexpectedly (%(error)s); the server log has details.",
                error=o["error"],
            )
        if o.get("code") == "abandoned":
            return ngettext(
                "No result after %(num)s minute; the worker was probably stopped.",
                "No result after %(num)s minutes; the worker was probably stopped.",
                int(o.get("minutes", 30)),
            )
    except (KeyError, ValueError):
        pass
    return job.message
