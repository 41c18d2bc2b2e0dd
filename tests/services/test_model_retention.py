"""Old model versions are pruned beyond a retention count; the served one never is."""

from __future__ import annotations

import io

import numpy as np
import pytest
from sqlmodel import select

from models.tables import AuditLog, ModelArtefact
from recommender.artefact import from_artefact
from services.access import SYSTEM
from services.errors import InvalidInput
from services.recommendations import current_model, suggest_rewards
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
