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
from services.quality import flagged_people
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
    why_not_personal: str = ""  # no_model | no_consent | no_response | flagged


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
    session: Session,
    person: Person,
    context: FeedbackContext | None = None,
    *,
    today: date | None = None,
    max_cost_band: int | None = None,
) -> tuple[set[str], list[tuple[str, date]]]:
    """Rewards to leave out for this person, and their grants (for cooldowns).

    Left out, from the catalogue as it is now (not as the model saw it at training time):
    inactive rewards, rewards the person's sales role may not have, rewards above the cost
    cap, dismissed ("not for me") and rated rewards, one-off rewards (no cooldown) already
    received, and rewards still in their cooldown.
    """
    context = context or load_context(session, [person.id])
    rewards = context.rewards
    today = today or date.today()
    role = person.sales_role or None
    excluded: set[str] = {
        r.slug
        for r in rewards.values()
        if not r.active
        or not ("all" in r.roles or role is None or role in r.roles)
        or (max_cost_band is not None and r.cost_band > max_cost_band)
    }
    grants: list[tuple[str, date]] = []
    for grant in context.grants.get(person.id, []):
        reward = rewards.get(grant.reward_id)
        if reward is None:
            continue
        grants.append((reward.slug, grant.given_on))
        if reward.cooldown_days == 0 or (today - grant.given_on).days < reward.cooldown_days:
            excluded.add(reward.slug)
    for rating in context.ratings.get(person.id, []):
        reward = rewards.get(rating.reward_id)
        if reward is not None:
            excluded.add(reward.slug)
    return excluded, grants


def _views(
    session: Session,
    suggestions,
    context: FeedbackContext | None = None,
    *,
    for_manager: bool = False,
) -> list[SuggestionView]:
    """Suggestions with their reasons; a manager gets the third-person, scale-level wording
    that never reveals a single survey answer (see ``render_for_manager``)."""
    by_slug = context.by_slug if context else {r.slug: r for r in session.exec(select(RewardRow))}

    def texts(explanation, lang):
        return explanation.texts_for_manager(lang) if for_manager else explanation.texts(lang)

    return [
        SuggestionView(
            reward=by_slug[s.reward_id],
            score=float(s.score),
            reasons={lang: texts(s.explanation, lang) for lang in ("en", "nb")},
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
    fallback = {
        "session": session,
        "person": person,
        "k": k,
        "context": context,
        "today": today,
        "max_cost_band": max_cost_band,
    }
    if not person.personalise:
        return popular_rewards(reason="no_consent", **fallback)
    if flagged_people(session, [person.id]):  # no silent mix: see services.quality
        return popular_rewards(reason="flagged", **fallback)
    if served is None:
        return popular_rewards(reason="no_model", **fallback)
    excluded, grants = _exclusions(
        session, person, context, today=today, max_cost_band=max_cost_band
    )
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
            return popular_rewards(reason="no_response", **fallback)
        scored = score_stored(session, responses)
        suggestions = served.model.recommend(
            scores=scored.scores, flagged=bool(scored.flagged[0]), **common
        )
    for_manager = viewer is not None and viewer.id != person.id
    return SuggestionList(
        personal=True,
        items=_views(session, suggestions, context, for_manager=for_manager),
        model_version=served.version,
    )


def popular_rewards(
    *,
    session: Session,
    person: Person | None,
    k: int = 5,
    reason: str = "no_model",
    context: FeedbackContext | None = None,
    today: date | None = None,
    max_cost_band: int | None = None,
) -> SuggestionList:
    """The non-personal fallback: rewards colleagues rated well, varied across categories.

    The same exclusions apply as for personal suggestions (role, cooldown, cost cap, ...).
    """
    rewards = list(session.exec(select(RewardRow).where(RewardRow.active.is_(True))))
    if max_cost_band is not None:
        rewards = [r for r in rewards if r.cost_band <= max_cost_band]
    if person is not None:
        excluded, _grants = _exclusions(
            session, person, context, today=today, max_cost_band=max_cost_band
        )
        rewards = [r for r in rewards if r.slug not in excluded]
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


def recommend_for_all(*, session: Session, k: int = 5, locale: str = "en") -> list[dict]:
    """Suggestions with reasons for every active rep, one row per suggestion, by external id.

    Each rep gets what ``recommendation_rows`` gives them one at a time, computed for all
    of them together: the people the model was trained on and those who answered since
    are ranked and explained in two batches, everyone else gets the non-personal list.
    """
    served = current_model(session)
    people = session.exec(
        select(Person.id, Person.external_id, Person.sales_role, Person.personalise)
        .where(Person.active.is_(True), Person.access == "rep")
        .order_by(Person.external_id)
    ).all()
    context = _bulk_context(session)
    today = date.today()
    # The same rules as one by one (role, retired, rated, dismissed, received, cooldown).
    left_out = {p.id: _exclusions(session, p, context, today=today) for p in people}
    lang = locale if locale in ("en", "nb") else "en"
    rows_of: dict[int, list[dict]] = {}
    if served is not None:
        flagged = flagged_people(session)
        personal = [p for p in people if p.personalise and p.id not in flagged]
        trained = [p for p in personal if p.id in served.row_of]
        answered_since = [p for p in personal if p.id not in served.row_of]
        for group, new in ((trained, False), (answered_since, True)):
            if group:
                ranked = _ranked_rows(session, served, context, left_out, group, new, k, lang)
                rows_of.update(ranked)
    # No model, no consent, no response or a flagged one: the non-personal list.
    rest = [p for p in people if p.id not in rows_of]
    rows_of.update(_popular_rows(context, left_out, rest, k, lang))
    return [row for p in people for row in rows_of[p.id]]


@dataclass(frozen=True, slots=True)
class _RewardFacts:
    id: int
    slug: str
    active: bool
    roles: list[str]
    cost_band: int
    cooldown_days: int
    category: str


def _bulk_context(session: Session) -> FeedbackContext:
    """The catalogue and everyone's grants and ratings, read as plain column rows.

    Plain rows with the fields ``_exclusions`` reads stand in for the ORM objects: building
    tens of thousands of those, and reading a reward's attributes once per reward for
    every person, would cost seconds. ``rating`` and ``category`` ride along for the
    non-personal list.
    """
    rewards = [
        _RewardFacts(*row)
        for row in session.exec(
            select(
                RewardRow.id,
                RewardRow.slug,
                RewardRow.active,
                RewardRow.roles,
                RewardRow.cost_band,
                RewardRow.cooldown_days,
                RewardRow.category,
            )
        )
    ]
    grants: dict[int, list] = defaultdict(list)
    for row in session.exec(select(Grant.person_id, Grant.reward_id, Grant.given_on)):
        grants[row.person_id].append(row)
    ratings: dict[int, list] = defaultdict(list)
    for row in session.exec(select(Rating.person_id, Rating.reward_id, Rating.rating)):
        ratings[row.person_id].append(row)
    return FeedbackContext({r.id: r for r in rewards}, grants, ratings)


def _ranked_rows(
    session: Session,
    served: ServedModel,
    context: FeedbackContext,
    left_out: dict[int, tuple[set[str], list[tuple[str, date]]]],
    people: list,
    new: bool,
    k: int,
    lang: str,
) -> dict[int, list[dict]]:
    """Personal suggestions with reasons: for people the model was trained on, or (``new``)
    for people who answered after training; those without a response are left out."""
    model = served.model
    index = model.index_
    scored = None
    if new:
        responses = []
        ids = [p.id for p in people]
        for start in range(0, len(ids), 900):  # below SQLite's limit on bound parameters
            responses += latest_responses(session, person_ids=ids[start : start + 900])
        if not responses:
            return {}
        scored = score_stored(session, responses)
        by_id = {p.id: p for p in people}
        people = [by_id[pid] for pid in scored.person_ids]
    column = {slug: j for j, slug in enumerate(index.ids)}
    today = date.today()
    hits_row: list[int] = []
    hits_col: list[int] = []
    for row, person in enumerate(people):
        excluded, grants = left_out[person.id]
        cols = [column[slug] for slug in excluded if slug in column]
        # As ``MotivoModel.recommend``: cooldowns as the model knew them, too.
        cols += index.cooldown_columns(grants, today).tolist()
        hits_row += [row] * len(cols)
        hits_col += cols
    excluded_mask = np.zeros((len(people), len(index)), dtype=bool)
    excluded_mask[hits_row, hits_col] = True
    roles = [p.sales_role or None for p in people]
    common = {"roles": roles, "exclude": excluded_mask, "explain": True}
    if scored is None:
        rows = [served.row_of[p.id] for p in people]
        items, scores, reasons = model.recommend_all(k, persons=rows, **common)
    else:
        items, scores, reasons = model.recommend_all(
            k, scores=scored.scores, flagged=scored.flagged, **common
        )
    known = {r.slug for r in context.rewards.values()}
    out: dict[int, list[dict]] = {}
    for r, person in enumerate(people):
        person_rows = []
        for j, col in enumerate(items[r].tolist()):
            slug = index.ids[col] if col >= 0 else None
            if slug not in known:
                continue
            person_rows.append(
                {
                    "person": person.external_id,
                    "rank": len(person_rows) + 1,
                    "reward_id": slug,
                    "score": round(float(scores[r, j]), 4),
                    "reasons": reasons.texts(r, j, lang),
                }
            )
        out[person.id] = person_rows
    return out


def _popular_rows(
    context: FeedbackContext,
    left_out: dict[int, tuple[set[str], list[tuple[str, date]]]],
    people: list,
    k: int,
    lang: str,
) -> dict[int, list[dict]]:
    """``popular_rewards`` for many people: one ranking of the catalogue, filtered per person.

    Mirrors ``popular_rewards`` rule for rule (tests hold the two to the same output), so a
    thousand reps without a response cost one pass over the ratings, not a thousand.
    """
    if not people:
        return {}
    stats: dict[int, list[int]] = defaultdict(list)
    for rows in context.ratings.values():
        for rating in rows:
            if rating.rating is not None:
                stats[rating.reward_id].append(rating.rating)
    all_ratings = [x for values in stats.values() for x in values]
    mean = float(np.mean(all_ratings)) if all_ratings else 3.0

    def shrunk(reward) -> float:
        values = stats.get(reward.id, [])
        return (sum(values) + POPULARITY_PRIOR * mean) / (len(values) + POPULARITY_PRIOR)

    active = [r for r in context.rewards.values() if r.active]
    ranked = sorted(active, key=lambda r: (-shrunk(r), r.cost_band, r.slug))
    texts: dict[int, list[str]] = {}
    for reward in ranked:
        values = stats.get(reward.id, [])
        if len(values) >= MIN_GROUP_SIZE:
            avg = np.mean(values)
            texts[reward.id] = [
                f"Kolleger ga denne {avg:.1f} av 5 ({len(values)} vurderinger)"
                if lang == "nb"
                else f"Colleagues rated this {avg:.1f} of 5 ({len(values)} ratings)"
            ]
        else:
            texts[reward.id] = [
                "Et populært valg mens Motivo lærer hva som passer deg"
                if lang == "nb"
                else "A popular choice while Motivo learns what suits you"
            ]
    out: dict[int, list[dict]] = {}
    for person in people:
        excluded, _grants = left_out[person.id]
        allowed = [r for r in ranked if r.slug not in excluded]
        picked: list = []
        seen_categories: set[str] = set()
        for reward in allowed:  # one per category first, so the list is varied
            if reward.category not in seen_categories:
                picked.append(reward)
                seen_categories.add(reward.category)
            if len(picked) == k:
                break
        for reward in allowed:
            if len(picked) == k:
                break
            if reward not in picked:
                picked.append(reward)
        out[person.id] = [
            {
                "person": person.external_id,
                "rank": rank,
                "reward_id": reward.slug,
                "score": None,
                "reasons": list(texts[reward.id]),
            }
            for rank, reward in enumerate(picked, start=1)
        ]
    return out


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


def _current_members(session: Session, served: ServedModel) -> tuple[dict[int, int], np.ndarray]:
    """Profile of each consenting, active person the model knows, and the profile sizes.

    Sizes are counted now, not at training time: someone who withdraws consent or leaves
    no longer counts, so a profile that falls under the minimum is hidden at once.
    """
    labels = served.model.person_profiles_
    n_profiles = len(served.model.profile_labels_)
    current = set(
        session.exec(select(Person.id).where(Person.personalise.is_(True), Person.active.is_(True)))
    )
    members = {
        pid: int(labels[row])
        for pid, row in served.row_of.items()
        if pid in current and labels[row] >= 0
    }
    counts = (
        np.bincount(list(members.values()), minlength=n_profiles)
        if members
        else np.zeros(n_profiles, dtype=int)
    )
    return members, counts


def profile_assignments(
    *, session: Session, min_group_size: int = MIN_GROUP_SIZE
) -> dict[int, int]:
    """Person id -> profile, for consenting people in profiles big enough to be shown."""
    served = current_model(session)
    if served is None or served.model.profiles_ is None:
        return {}
    members, counts = _current_members(session, served)
    visible = visible_profiles(counts, min_group_size)
    return {pid: label for pid, label in members.items() if visible[label]}


def profile_catalogue(*, session: Session, min_group_size: int = MIN_GROUP_SIZE) -> dict[int, dict]:
    """Name, description and current size of every profile that may be shown."""
    served = current_model(session)
    if served is None or served.model.profiles_ is None:
        return {}
    _members, counts = _current_members(session, served)
    visible = visible_profiles(counts, min_group_size)
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
