"""Suggestions, profiles and the model each worker serves.

Each process loads the newest stored model once and reloads it when a newer version
appears (one small query per call tells). Without a model, or for a rep who has turned
personalisation off, suggestions fall back to a clearly labelled non-personal list.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from sqlalchemy import func
from sqlmodel import Session, select

from models.tables import Grant, ModelArtefact, Person, Rating
from models.tables import Reward as RewardRow
from recommender.artefact import MotivoModel, from_artefact
from recommender.profiles import visible_profiles
from services.access import can_view_person
from services.errors import NotFound
from services.scores import latest_responses, score_stored

MIN_GROUP_SIZE = 5
POPULARITY_PRIOR = 3  # ratings' worth of shrinkage towards the organisation's mean


@dataclass
class ServedModel:
    version: int
    model: MotivoModel
    meta: dict
    row_of: dict[int, int]  # person id -> training row


_lock = threading.Lock()
_cache: dict[str, ServedModel] = {}


def current_model(session: Session) -> ServedModel | None:
    """The newest model, loaded once per process and reloaded when a newer one is stored."""
    newest = session.exec(select(func.max(ModelArtefact.version))).one()
    if newest is None:
        return None
    key = str(session.get_bind().url)
    served = _cache.get(key)
    if served is not None and served.version == newest:
        return served
    with _lock:
        served = _cache.get(key)
        if served is None or served.version != newest:
            row = session.exec(select(ModelArtefact).where(ModelArtefact.version == newest)).one()
            ids = row.meta.get("person_ids", [])
            served = ServedModel(
                version=row.version,
                model=from_artefact(row.blob, row.meta),
                meta=row.meta,
                row_of={int(pid): i for i, pid in enumerate(ids)},
            )
            _cache[key] = served
    return served


@dataclass(frozen=True)
class SuggestionView:
    reward: RewardRow
    score: float | None
    reasons: dict[str, list[str]]  # locale -> sentences

    def reasons_in(self, locale: str) -> list[str]:
        return self.reasons.get(locale) or self.reasons.get("en", [])


@dataclass
class SuggestionList:
    personal: bool
    items: list[SuggestionView] = field(default_factory=list)
    model_version: int | None = None
    why_not_personal: str = ""  # no_model | no_consent | no_response


@dataclass
class FeedbackContext:
    """Rewards, grants and ratings read once, for pages that suggest for many people."""

    rewards: dict[int, RewardRow]
    grants: dict[int, list[Grant]]
    ratings: dict[int, list[Rating]]

    @property
    def by_slug(self) -> dict[str, RewardRow]:
        return {r.slug: r for r in self.rewards.values()}


def load_context(session: Session, person_ids: list[int] | None = None) -> FeedbackContext:
    grants_stmt, ratings_stmt = select(Grant), select(Rating)
    if person_ids is not None:
        grants_stmt = grants_stmt.where(Grant.person_id.in_(person_ids))
        ratings_stmt = ratings_stmt.where(Rating.person_id.in_(person_ids))
    grants: dict[int, list[Grant]] = defaultdict(list)
    for grant in session.exec(grants_stmt):
        grants[grant.person_id].append(grant)
    ratings: dict[int, list[Rating]] = defaultdict(list)
    for rating in session.exec(ratings_stmt):
        ratings[rating.person_id].append(rating)
    return FeedbackContext({r.id: r for r in session.exec(select(RewardRow))}, grants, ratings)


def _exclusions(
    session: Session, person: Person, context: FeedbackContext | None = None
) -> tuple[set[str], list[tuple[str, date]]]:
    """Rewards to leave out for this person, and their grants (for cooldowns).

    Left out: dismissed ("not for me"), rated, and one-off rewards (no cooldown) already
    received. Rewards with a cooldown come back once it has passed.
    """
    context = context or load_context(session, [person.id])
    rewards = context.rewards
    excluded: set[str] = {r.slug for r in rewards.values() if not r.active}
    grants: list[tuple[str, date]] = []
    for grant in context.grants.get(person.id, []):
        reward = rewards.get(grant.reward_id)
        if reward is None:
            continue
        grants.append((reward.slug, grant.given_on))
        if reward.cooldown_days == 0:
            excluded.add(reward.slug)
    for rating in context.ratings.get(person.id, []):
        reward = rewards.get(rating.reward_id)
        if reward is not None:
            excluded.add(reward.slug)
    return excluded, grants


def _views(
    session: Session, suggestions, context: FeedbackContext | None = None
) -> list[SuggestionView]:
    by_slug = context.by_slug if context else {r.slug: r for r in session.exec(select(RewardRow))}
    return [
        SuggestionView(
            reward=by_slug[s.reward_id],
            score=float(s.score),
            reasons={lang: s.explanation.texts(lang) for lang in ("en", "nb")},
        )
        for s in suggestions
        if s.reward_id in by_slug
    ]


def suggest_rewards(
    *,
    session: Session,
    viewer: Person | None,
    person: Person,
    k: int = 5,
    max_cost_band: int | None = None,
    today: date | None = None,
    context: FeedbackContext | None = None,
) -> SuggestionList:
    """Top-``k`` suggestions for ``person`` with reasons; ``viewer`` None means the system.

    Pass a ``context`` from ``load_context`` when suggesting for many people on one page.
    """
    if viewer is not None and not can_view_person(viewer, person):
        raise NotFound("No such person.")
    served = current_model(session)
    if not person.personalise:
        return popular_rewards(
            session=session, person=person, k=k, reason="no_consent", context=context
        )
    if served is None:
        return popular_rewards(
            session=session, person=person, k=k, reason="no_model", context=context
        )
    excluded, grants = _exclusions(session, person, context)
    common = {
        "k": k,
        "role": person.sales_role or None,
        "max_cost_band": max_cost_band,
        "exclude_ids": excluded,
        "grants": grants,
        "today": today or date.today(),
    }
    row = served.row_of.get(person.id)
    if row is not None:
        suggestions = served.model.recommend(person=row, **common)
    else:
        # Answered after the model was trained: score the response and use it directly.
        responses = latest_responses(session, person_ids=[person.id])
        if not responses:
            return popular_rewards(session=session, person=person, k=k, reason="no_response")
        scored = score_stored(session, responses)
        suggestions = served.model.recommend(
            scores=scored.scores, flagged=bool(scored.flagged[0]), **common
        )
    return SuggestionList(
        personal=True, items=_views(session, suggestions, context), model_version=served.version
    )


def popular_rewards(
    *,
    session: Session,
    person: Person | None,
    k: int = 5,
    reason: str = "no_model",
    context: FeedbackContext | None = None,
) -> SuggestionList:
    """The non-personal fallback: rewards colleagues rated well, varied across categories."""
    rewards = list(session.exec(select(RewardRow).where(RewardRow.active.is_(True))))
    if person is not None:
        excluded, _grants = _exclusions(session, person, context)
        role = person.sales_role or None
        rewards = [
            r
            for r in rewards
            if r.slug not in excluded and ("all" in r.roles or role is None or role in r.roles)
        ]
    stats: dict[int, list[int]] = defaultdict(list)
    for rating in session.exec(select(Rating).where(Rating.rating.is_not(None))):
        stats[rating.reward_id].append(rating.rating)
    all_ratings = [x for values in stats.values() for x in values]
    mean = float(np.mean(all_ratings)) if all_ratings else 3.0

    def shrunk(reward: RewardRow) -> float:
        values = stats.get(reward.id, [])
        return (sum(values) + POPULARITY_PRIOR * mean) / (len(values) + POPULARITY_PRIOR)

    ranked = sorted(rewards, key=lambda r: (-shrunk(r), r.cost_band, r.slug))
    picked: list[RewardRow] = []
    seen_categories: set[str] = set()
    for reward in ranked:  # one per category first, so the list is varied
        if reward.category not in seen_categories:
            picked.append(reward)
            seen_categories.add(reward.category)
        if len(picked) == k:
            break
    for reward in ranked:
        if len(picked) == k:
            break
        if reward not in picked:
            picked.append(reward)
    items = []
    for reward in picked:
        values = stats.get(reward.id, [])
        if len(values) >= MIN_GROUP_SIZE:
            avg = np.mean(values)
            reasons = {
                "en": [f"Colleagues rated this {avg:.1f} of 5 ({len(values)} ratings)"],
                "nb": [f"Kolleger ga denne {avg:.1f} av 5 ({len(values)} vurderinger)"],
            }
        else:
            reasons = {
                "en": ["A popular choice while Motivo learns what suits you"],
                "nb": ["Et populært valg mens Motivo lærer hva som passer deg"],
            }
        items.append(SuggestionView(reward=reward, score=None, reasons=reasons))
    return SuggestionList(personal=False, items=items, why_not_personal=reason)


def recommend_for_all(*, session: Session, k: int = 5) -> list[dict]:
    """Suggestions for every active rep, one row per suggestion (the ``recommend --all`` shape)."""
    served = current_model(session)
    people = list(
        session.exec(
            select(Person)
            .where(Person.active.is_(True), Person.access == "rep")
            .order_by(Person.external_id)
        )
    )
    rows: list[dict] = []
    if served is None:
        for person in people:
            rows.extend(_rows(person, popular_rewards(session=session, person=person, k=k)))
        return rows
    model = served.model
    trained = [p for p in people if p.personalise and p.id in served.row_of]
    n = model.ranker_.person_features_.shape[0]
    roles: list[str | None] = [None] * n
    exclude: list[list[int]] = [[] for _ in range(n)]
    index = model.index_
    today = date.today()
    slug_of = {r.id: r for r in session.exec(select(RewardRow))}
    inactive = index.columns([r.slug for r in slug_of.values() if not r.active], skip_unknown=True)
    grants_by: dict[int, list[tuple[str, date]]] = defaultdict(list)
    for grant in session.exec(select(Grant)):
        if grant.reward_id in slug_of:
            grants_by[grant.person_id].append((slug_of[grant.reward_id].slug, grant.given_on))
    rated_by: dict[int, set[str]] = defaultdict(set)
    for rating in session.exec(select(Rating)):
        if rating.reward_id in slug_of:
            rated_by[rating.person_id].add(slug_of[rating.reward_id].slug)
    for person in trained:
        row = served.row_of[person.id]
        roles[row] = person.sales_role or None
        one_off = {s for s, _d in grants_by[person.id] if index_cooldown(index, s) == 0}
        cols = set(index.columns(list(rated_by[person.id] | one_off), skip_unknown=True).tolist())
        cols |= set(inactive.tolist())
        cols |= set(index.cooldown_columns(grants_by[person.id], today).tolist())
        exclude[row] = sorted(cols)
    indices, scores = model.recommend_all(k, roles=roles, exclude=exclude)
    for person in people:
        if person in trained:
            row = served.row_of[person.id]
            for rank, (j, score) in enumerate(zip(indices[row], scores[row], strict=True), start=1):
                if j < 0:
                    continue
                rows.append(
                    {
                        "person": person.external_id,
                        "rank": rank,
                        "reward_id": index.ids[int(j)],
                        "score": round(float(score), 4),
                        "reasons": [],
                    }
                )
        else:
            rows.extend(
                _rows(person, suggest_rewards(session=session, viewer=None, person=person, k=k))
            )
    return rows


def index_cooldown(index, slug: str) -> int:
    return int(index.cooldown_days[index.column(slug)])


def _rows(person: Person, suggestions: SuggestionList, locale: str = "en") -> list[dict]:
    return [
        {
            "person": person.external_id,
            "rank": rank,
            "reward_id": item.reward.slug,
            "score": round(item.score, 4) if item.score is not None else None,
            "reasons": item.reasons_in(locale),
        }
        for rank, item in enumerate(suggestions.items, start=1)
    ]


def recommendation_rows(
    *, session: Session, person: Person, k: int = 5, locale: str = "en"
) -> list[dict]:
    """One person's suggestions in the CLI/API row shape, with reasons."""
    return _rows(person, suggest_rewards(session=session, viewer=None, person=person, k=k), locale)


# --- profiles ---------------------------------------------------------------------------


def _visible(served: ServedModel) -> np.ndarray:
    profiles = served.model.profiles_
    if profiles is None:
        return np.zeros(0, dtype=bool)
    return visible_profiles(profiles.counts_, MIN_GROUP_SIZE)


def profile_assignments(*, session: Session) -> dict[int, int]:
    """Person id -> profile, for consenting people in profiles big enough to be shown."""
    served = current_model(session)
    if served is None or served.model.profiles_ is None:
        return {}
    visible = _visible(served)
    consenting = set(session.exec(select(Person.id).where(Person.personalise.is_(True))))
    labels = served.model.person_profiles_
    return {
        pid: int(labels[row])
        for pid, row in served.row_of.items()
        if pid in consenting and labels[row] >= 0 and visible[labels[row]]
    }


def profile_catalogue(*, session: Session) -> dict[int, dict]:
    """Name, description and size of every profile that may be shown."""
    served = current_model(session)
    if served is None or served.model.profiles_ is None:
        return {}
    visible = _visible(served)
    counts = served.model.profiles_.counts_
    return {
        k: {
            "name": dict(label.name),
            "description": dict(label.description),
            "size": int(counts[k]),
        }
        for k, label in enumerate(served.model.profile_labels_)
        if visible[k]
    }


@dataclass(frozen=True)
class PersonProfile:
    profile: int
    name: dict[str, str]
    description: dict[str, str]


def person_profile(
    *, session: Session, viewer: Person | None, person: Person
) -> PersonProfile | None:
    """The person's profile, if they consent and it is shown; a manager sees only this."""
    if viewer is not None and not can_view_person(viewer, person):
        raise NotFound("No such person.")
    if not person.personalise:
        return None
    label = profile_assignments(session=session).get(person.id)
    if label is None:
        return None
    info = profile_catalogue(session=session)[label]
    return PersonProfile(label, info["name"], info["description"])
