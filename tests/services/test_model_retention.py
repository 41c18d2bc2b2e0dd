"""Old model versions are pruned beyond a retention count; the served one never is."""

from __future__ import annotations

import io

import numpy as np
import pytest
from sqlmodel import select

from models.tables import AuditLog, ModelArtefact, Person
from recommender.artefact import from_artefact
from services.access import SYSTEM
from services.errors import InvalidInput
from services.recommendations import current_model, suggest_for_people, suggest_rewards
from services.training import DEFAULT_MODEL_RETENTION, prune_models, train_model
from tests.services.test_training import small_org
from web.config import ConfigError, resolve


def versions(session) -> list[int]:
    session.expire_all()
    return sorted(session.exec(select(ModelArtefact.version)))


def test_training_keeps_the_newest_versions_and_serves_the_newest(session, factory):
    reps = small_org(session, factory)
    for _ in range(4):
        train_model(session=session, actor=SYSTEM, retention=2)
    assert versions(session) == [3, 4]
    assert current_model(session).version == 4
    assert suggest_rewards(session=session, viewer=SYSTEM, person=reps[0]).model_version == 4
    event = session.exec(select(AuditLog).where(AuditLog.action == "model.train")).all()[-1]
    assert event.details["pruned"] == [2]


def test_the_default_keeps_five(session, factory):
    small_org(session, factory)
    for _ in range(DEFAULT_MODEL_RETENTION + 2):
        train_model(session=session, actor=SYSTEM)
    assert versions(session) == list(range(3, DEFAULT_MODEL_RETENTION + 3))


def test_pruning_never_removes_the_newest_and_refuses_nonsense(session, factory):
    small_org(session, factory)
    for _ in range(3):
        train_model(session=session, actor=SYSTEM, retention=10)
    assert prune_models(session=session, keep=1) == [1, 2]
    session.commit()
    assert versions(session) == [3]
    assert prune_models(session=session, keep=1) == []
    for bad in (0, -1):
        with pytest.raises(InvalidInput):
            prune_models(session=session, keep=bad)
    assert versions(session) == [3]


def test_retention_setting_comes_from_the_environment(tmp_path):
    assert resolve(str(tmp_path), None, {})["MOTIVO_MODEL_RETENTION"] == DEFAULT_MODEL_RETENTION
    env = {"MOTIVO_MODEL_RETENTION": "3"}
    assert resolve(str(tmp_path), None, env)["MOTIVO_MODEL_RETENTION"] == 3
    for bad in ("0", "-2", "many"):
        with pytest.raises(ConfigError, match="MOTIVO_MODEL_RETENTION"):
            resolve(str(tmp_path), None, {"MOTIVO_MODEL_RETENTION": bad})


def test_the_artefact_stores_each_profile_label_once(session, factory):
    """The profiles' training labels are the model's person profiles: stored once, restored."""
    small_org(session, factory, n=30)
    train_model(session=session, actor=SYSTEM)
    row = session.exec(select(ModelArtefact)).one()
    with np.load(io.BytesIO(row.blob), allow_pickle=False) as arrays:
        names = set(arrays.files)
    assert "model.person_profiles" in names
    assert "profiles.labels_" not in names
    model = from_artefact(row.blob, row.meta)
    assert model.profiles_ is not None
    kept = model.person_profiles_[model.person_profiles_ >= 0]
    np.testing.assert_array_equal(model.profiles_.labels_, kept)


def test_a_trained_model_stores_no_training_rows_and_old_layouts_serve_alike(session, monkeypatch):
    """New versions keep one per-person array (each training response's profile, for
    summaries pinned to the version); a version stored in the old layout, with every
    training row's features and tastes, still loads and serves the same lists."""
    from recommender import artefact
    from services.summaries import _profiles_of_version
    from tests.recommender.test_artefact import PER_PERSON_DROPPED, PER_PERSON_KEPT, old_layout
    from tests.services.test_recommendations import build

    org = build(session, train=False)
    fitted = []
    real = artefact.to_artefact
    monkeypatch.setattr(artefact, "to_artefact", lambda model: fitted.append(model) or real(model))
    train_model(session=session, actor=SYSTEM)
    row = session.exec(select(ModelArtefact)).one()
    n = len(row.meta["person_ids"])
    with np.load(io.BytesIO(row.blob), allow_pickle=False) as arrays:
        per_person = {
            name
            for name in arrays.files
            if arrays[name].ndim and arrays[name].shape[0] in (n, n + 1)
        } - {"features.mean", "features.sd"}
        assert per_person == PER_PERSON_KEPT
        assert not set(arrays.files) & PER_PERSON_DROPPED
    people = list(session.exec(select(Person).where(Person.access == "rep")))
    assert fitted[0].ranker_.person_n_ratings_.sum() > 0  # ratings are folded in below

    def lists() -> dict[int, list]:
        served = suggest_for_people(session=session, viewer=SYSTEM, people=people, k=8)
        return {
            pid: (s.personal, [(i.reward.slug, i.score, i.reasons) for i in s.items])
            for pid, s in served.items()
        }

    new = lists()
    assert sum(personal for personal, _ in new.values()) >= 10
    blob, _meta = old_layout(fitted[0])
    session.add(ModelArtefact(version=2, blob=blob, meta={**row.meta, "model_version": 2}))
    session.commit()
    assert current_model(session).version == 2
    assert lists() == new
    assert _profiles_of_version(session, 2) == _profiles_of_version(session, 1)
    assert org.rep.id in row.meta["person_ids"]
