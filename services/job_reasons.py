"""Why a training job ran and how it ended, as codes and figures.

A job keeps them as data (``TrainingJob.details``) so that every reader gets them in their
own language: the web words them with its translations (``web/hr/job_text.py``); the
command line, the log and the job's ``reason`` and ``message`` columns use the English
sentences here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from services.errors import ServiceError

REQUESTED = "requested"  # params: who
COMMAND_LINE = "command_line"
STALE = "stale"  # params: trigger (first | counts | age | catalogue), responses, ratings,
# days (age), rewards (catalogue)
FRESH = "fresh"  # params: responses, ratings, version (None before the first model), policy


def _news(n: int, word: str) -> str:
    return f"{n} new {word}{'' if n == 1 else 's'}"


def news(responses: int, ratings: int) -> str:
    """What is new since the model's data, leaving out what is none."""
    parts = [_news(n, word) for n, word in ((responses, "response"), (ratings, "rating")) if n]
    return ", ".join(parts)


@dataclass(frozen=True)
class Why:
    """Why a training runs (or, for ``FRESH``, why it need not)."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        p = self.params
        if self.code == REQUESTED:
            return f"requested by {p['who']}"
        if self.code == COMMAND_LINE:
            return "run from the command line"
        if self.code == STALE:
            if p["trigger"] == "first":
                return f"stale: no model yet, {_news(int(p['responses']), 'response')}"
            what = news(int(p["responses"]), int(p["ratings"]))
            if p["trigger"] == "catalogue":
                n = int(p["rewards"])
                changed = f"{n} reward{'' if n == 1 else 's'} new or changed in the catalogue"
                return f"stale: {', '.join(filter(None, (changed, what)))}"
            if p["trigger"] == "age":
                return f"stale: model {int(p['days'])} days old, {what}"
            return f"stale: {what}"
        if self.code == FRESH:
            if p.get("version") is None:
                return "fresh: no model yet and no submitted responses to train on"
            what = news(int(p["responses"]), int(p["ratings"])) or "nothing new"
            return f"fresh: {what} since model version {p['version']} (policy: {p['policy']})"
        return str(p.get("text", self.code))

    def to_dict(self) -> dict:
        return {"code": self.code, "params": dict(self.params)}


def outcome_failed(exc: BaseException) -> dict:
    """A failed job's outcome: the service error's code and figures (the code empty where
    it has none: its English message is then all there is), or only the kind of error."""
    if isinstance(exc, ServiceError):
        return {"code": "failed", "error": exc.code, "params": dict(exc.params)}
    return {"code": "unexpected", "error": type(exc).__name__}


OUTCOME_ABANDONED = {"code": "abandoned"}
