"""Suggestions, profiles and the model each worker serves.

Each process loads the newest stored model once and reloads it when a newer version
appears (one small query per call tells). Training learns weights, profiles and item
effects; serving applies them at request time to each rep's latest submitted, consented
response and their ratings as they are now (scale scores, standardised with the stored
training statistics, profile from the stored mixture, the person's own taste folded in
from their ratings, then constraints, diversification and reasons). So a new submission,
a change of consent or a new rating shows on the next page view, on every worker, without
retraining; pages, the CLI and the API share that one path. Without a model, or for a rep
who has turned personalisation off, suggestions fall back to a clearly labelled
non-personal list.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import func
from sqlmodel import Session, select

from models.queries import chunks
from models.tables import Grant, ModelArtefact, Person, Rating, utc_today
from models.tables import Reward as RewardRow
from recommender.ratings import Ratings
from services.access import Actor, can_view_person, require
from services.audit import record_event
from services.errors import NotFound
from services.organisation import min_group_size
from services.quality import flagged_people
from services.scores import ScoredResponses, latest_response_keys, score_stored

if TYPE_CHECKING:
    from recommender.artefact import MotivoModel
    from recommender.explain import BatchExplanations

POPULARITY_PRIOR = 3  # ratings' worth of shrinkage towards the organisation's mean


@dataclass
class ServedModel:
    version: int
    model: MotivoModel
    meta: dict


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
    # scikit-learn loads with the first model, not with every process that imports this.
    from recommender.artefact import from_artefact

    with _lock:
        served = _cache.get(key)
        if served is None or served.version != newest:
            row = session.exec(select(ModelArtefact).where(ModelArtefact.version == newest)).one()
            served = ServedModel(
                version=row.version, model=from_artefact(row.blob, row.meta), meta=row.meta
            )
            _cache[key] = served
    return served


@dataclass(frozen=True)
class SuggestionView:
    reward: RewardRow
    score: float | None
    reasons: Mapping[str, list[str]]  # locale -> sentences

    def reasons_in(self, locale: str) -> list[str]:
        return self.reasons.get(locale) or self.reasons.get("en", [])


@dataclass
class SuggestionList:
    personal: bool
    items: list[SuggestionView] = field(default_factory=list)
    model_version: int | None = None
    # no_model | no_consent | no_response | flagged, or withheld (one of the two private
    # reasons, as the person's manager sees it: see ``reason_shown``)
    why_not_personal: str = ""


@dataclass
class FeedbackContext:
    """Rewards, grants and ratings read once, for pages that suggest for many people."""

    rewards: dict[int, RewardRow]
    grants: dict[int, list[Grant]]
    ratings: dict[int, list[Rating]]
    # (role, cost cap) -> slugs left out for everyone with that role: worked out once.
    _left_out: dict[tuple[str | None, int | None], set[str]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @cached_property
    def by_slug(self) -> dict[str, RewardRow]:
        return {r.slug: r for r in self.rewards.values()}

    def left_out_for(self, role: str | None, max_cost_band: int | None) -> set[str]:
        """Inactive rewards, those this role may not have, and those above the cost cap."""
        key = (role, max_cost_band)
        if key not in self._left_out:
            self._left_out[key] = {
                r.slug
                for r in self.rewards.values()
                if not r.active
                or not ("all" in r.roles or role is None or role in r.roles)
                or (max_cost_band is not None and r.cost_band > max_cost_band)
            }
        return self._left_out[key]


def load_context(session: Session, person_ids: list[int] | None = None) -> FeedbackContext:
    """Rewards, and the grants and ratings of ``person_ids`` (everyone's when None).

    Grants and ratings are plain rows of the columns suggestions read (``person_id``,
    ``reward_id``, ``given_on``, ``rating``, ``dismissed``), not ORM objects.
    """
    grants_stmt = select(Grant.person_id, Grant.reward_id, Grant.given_on)
    ratings_stmt = select(Rating.person_id, Rating.reward_id, Rating.rating, Rating.dismissed)
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


class CurrentAnswers:
    """Every consenting, active person's latest submitted response, read and scored once.

    Profiles need everyone's (a profile is shown only while it has enough members across
    the organisation) and personal suggestions need the same rows for the people on the
    page: a page that shows both makes one of these and hands it to ``profiles_now`` and
    ``suggest_for_people``, so the answers are read and scored once per request, not once
    for each. Nothing is read until profiles need everyone's: until then, suggestions read
    only their own people's (a page without a model reads nothing). It is a snapshot for
    one request: a response submitted after it was read is not in it.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    @cached_property
    def scored(self) -> ScoredResponses:
        """Scale scores of every latest response, one row each, by person id."""
        return score_stored(self._session, latest_response_keys(self._session))

    @cached_property
    def row(self) -> dict[int, int]:
        """Person id -> row of ``scored``."""
        return {pid: r for r, pid in enumerate(self.scored.person_ids)}

    def of(self, person_ids: Sequence[int]) -> ScoredResponses | None:
        """The rows of those of ``person_ids`` who have a response (None if nobody has),
        in the order of ``scored``; read for them alone while everyone's are unread."""
        if "scored" not in self.__dict__:
            return _score_latest(self._session, person_ids)
        row = self.row
        rows = sorted(row[pid] for pid in set(person_ids) if pid in row)
        return self.scored.take(rows) if rows else None


def _score_latest(session: Session, person_ids: Sequence[int]) -> ScoredResponses | None:
    """The scored latest consenting responses of ``person_ids``; None if nobody has one."""
    responses = []
    for chunk in chunks(list(person_ids)):
        responses += latest_response_keys(session, person_ids=chunk)
    return score_stored(session, responses) if responses else None


def current_answers(session: Session) -> CurrentAnswers:
    """Everyone's latest consenting response, read and scored on first use (see
    ``CurrentAnswers``)."""
    return CurrentAnswers(session)


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
    today = today or utc_today()
    excluded = set(context.left_out_for(person.sales_role or None, max_cost_band))
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


def _dismissed(person_id: int, context: FeedbackContext) -> set[str]:
    """Slugs of the rewards this person said "not for me" to."""
    return {reward.slug for reward in _dismissed_rewards(person_id, context)}


def _dismissed_rewards(person_id: int, context: FeedbackContext) -> list:
    rewards = context.rewards
    return [
        rewards[row.reward_id]
        for row in context.ratings.get(person_id, [])
        if row.dismissed and row.reward_id in rewards
    ]


def _kinds(rewards) -> set[tuple[str, str]]:
    """Category and visibility: what makes two rewards the same kind of thing to a rep."""
    return {(r.category, r.visibility) for r in rewards}


REASON_LANGUAGES = ("en", "nb")


class _Reasons(Mapping[str, list[str]]):
    """One personal suggestion's reasons by locale, rendered when first read.

    A page shows one language, and a team page has a hundred and fifty suggestions:
    rendering every sentence in every language up front cost more than the ranking.
    """

    __slots__ = ("_batch", "_row", "_col", "_for_manager", "_explanation", "_texts")

    def __init__(self, batch: BatchExplanations, row: int, col: int, for_manager: bool) -> None:
        self._batch = batch
        self._row = row
        self._col = col
        self._for_manager = for_manager
        self._explanation = None
        self._texts: dict[str, list[str]] = {}

    def __getitem__(self, lang: str) -> list[str]:
        if lang not in REASON_LANGUAGES:
            raise KeyError(lang)
        texts = self._texts.get(lang)
        if texts is None:
            if self._explanation is None:
                self._explanation = self._batch.explanation(self._row, self._col)
            explanation = self._explanation
            texts = (
                explanation.texts_for_manager(lang)
                if self._for_manager
                else explanation.texts(lang)
            )
            self._texts[lang] = texts
        return texts

    def __iter__(self) -> Iterator[str]:
        return iter(REASON_LANGUAGES)

    def __len__(self) -> int:
        return len(REASON_LANGUAGES)

    def __repr__(self) -> str:
        return repr(dict(self))


def _views(
    ranked: _Ranked, person_id: int, context: FeedbackContext, *, for_manager: bool = False
) -> list[SuggestionView]:
    """One person's suggestions with their reasons; a manager gets the third-person,
    scale-level wording that never reveals a single survey answer (see
    ``render_for_manager``)."""
    by_slug = context.by_slug
    r = ranked.row[person_id]
    views = []
    for j, slug, score in ranked.picks(person_id):
        if slug not in by_slug:
            continue
        views.append(
            SuggestionView(
                reward=by_slug[slug],
                score=score,
                reasons=_Reasons(ranked.reasons, r, j, for_manager),
            )
        )
    return views


def suggest_rewards(
    *,
    session: Session,
    viewer: Actor,
    person: Person,
    k: int = 5,
    max_cost_band: int | None = None,
    today: date | None = None,
    context: FeedbackContext | None = None,
    answers: CurrentAnswers | None = None,
) -> SuggestionList:
    """Top-``k`` suggestions for ``person`` with reasons; ``viewer`` may be the system actor.

    For a page that suggests for many people, ``suggest_for_people`` does the same for
    all of them with a fixed number of queries.
    """
    return suggest_for_people(
        session=session,
        viewer=viewer,
        people=[person],
        k=k,
        max_cost_band=max_cost_band,
        today=today,
        context=context,
        answers=answers,
    )[person.id]


def suggest_for_people(
    *,
    session: Session,
    viewer: Actor,
    people: Sequence[Person],
    k: int = 5,
    max_cost_band: int | None = None,
    today: date | None = None,
    context: FeedbackContext | None = None,
    answers: CurrentAnswers | None = None,
) -> dict[int, SuggestionList]:
    """``suggest_rewards`` for each of ``people`` (person id -> list), read together.

    The queries do not grow with the number of people: the model, their feedback (or
    ``context``), their latest responses (or ``answers``, when the page has them already
    scored) and the non-personal ranking are each read once for all of them.
    """
    if not all(can_view_person(viewer, p) for p in people):
        raise NotFound("No such person.", code="person.not_found")
    if not people:
        return {}
    served = current_model(session)
    context = context or load_context(session, [p.id for p in people])
    today = today or utc_today()
    # A flagged response gives the labelled non-personal list, never a silent mix.
    flagged = flagged_people(session, [p.id for p in people])
    why: dict[int, str] = {}
    for person in people:
        if not person.personalise:
            why[person.id] = "no_consent"
        elif person.id in flagged:
            why[person.id] = "flagged"
        elif served is None:
            why[person.id] = "no_model"
    out: dict[int, SuggestionList] = {}
    personal = [p for p in people if p.id not in why]
    if personal:
        left_out = {
            p.id: _exclusions(session, p, context, today=today, max_cost_band=max_cost_band)
            for p in personal
        }
        ranked = _rank(
            session, served, context, personal, left_out, k, max_cost_band, today, answers
        )
        for person in personal:
            if person.id not in ranked.row:
                why[person.id] = "no_response"
                continue
            out[person.id] = SuggestionList(
                personal=True,
                items=_views(ranked, person.id, context, for_manager=_about(viewer, person)),
                model_version=served.version,
            )
    popularity: _Popularity | None = None
    for person in people:
        if person.id in out:
            continue
        popularity = popularity or _popularity(session, context)
        out[person.id] = _popular_list(
            session,
            person,
            popularity,
            k=k,
            reason=reason_shown(why[person.id], viewer=viewer, person=person),
            for_manager=_about(viewer, person),
            context=context,
            today=today,
            max_cost_band=max_cost_band,
        )
    return out


PRIVATE_REASONS = frozenset({"flagged", "no_consent", "no_response"})
WITHHELD = "withheld"


def why_not_personal_after_submitting(session: Session, person: Person) -> str:
    """What keeps a rep who has just submitted clean answers from personal suggestions, in
    ``SuggestionList.why_not_personal``'s words ("" when nothing does), without ranking:
    turned off, or no model trained yet."""
    if not person.personalise:
        return "no_consent"
    newest = session.exec(select(func.max(ModelArtefact.version))).one()
    return "no_model" if newest is None else ""


def _about(viewer: Actor, person: Person) -> bool:
    """Whether ``viewer`` reads about ``person`` rather than being them: their manager (or
    HR). The system actor (the command line) has no id and reads a rep's own words."""
    return viewer.id is not None and viewer.id != person.id


def reason_shown(reason: str, *, viewer: Actor, person: Person) -> str:
    """Why a list is not personal, as ``viewer`` may know it.

    A flagged response and turning personalisation off are the person's own business: their
    manager sees one neutral reason (``withheld``) for both, and for having no response yet
    too. Were "not answered yet" told apart, a manager would read a rep's choice before they
    answer, and then a flag from the card's change when they submit. The person themself,
    and the system (the operator's CLI), see the real reason.
    """
    if reason in PRIVATE_REASONS and _about(viewer, person):
        return WITHHELD
    return reason


@dataclass(frozen=True)
class _Ranked:
    """Personal suggestions for a batch of people: ``items[row[pid]]`` are reward columns
    of ``ids`` (-1 for none), with predicted ratings and reasons."""

    row: dict[int, int]  # person id -> row
    ids: Sequence[str]  # reward id of each column
    items: np.ndarray
    scores: np.ndarray
    reasons: BatchExplanations | None

    def picks(self, person_id: int) -> list[tuple[int, str, float]]:
        """(position in the list, reward id, predicted rating) of one person's suggestions."""
        r = self.row[person_id]
        return [
            (j, self.ids[col], float(self.scores[r, j]))
            for j, col in enumerate(self.items[r].tolist())
            if col >= 0
        ]


def _rank(
    session: Session,
    served: ServedModel,
    context: FeedbackContext,
    people: Sequence,
    left_out: dict[int, tuple[set[str], list[tuple[str, date]]]],
    k: int,
    max_cost_band: int | None,
    today: date,
    answers: CurrentAnswers | None = None,
) -> _Ranked:
    """Rank ``people`` (consenting, not flagged) from their current answers and ratings.

    The one serving path behind pages, the CLI and the API: each person's latest submitted
    response (read in one batch) is scored and transformed with the stored training
    statistics, their profile comes from the stored mixture, their own taste is folded in
    from their ratings in ``context``, and the model ranks, diversifies and explains within
    ``left_out`` (see ``_exclusions``). People without a response are left out of ``row``.
    ``answers`` shares them with the page's profiles (see ``CurrentAnswers``).
    """
    model = served.model
    index = model.index_
    by_id = {p.id: p for p in people}
    people_ids = list(by_id)
    scored = answers.of(people_ids) if answers is not None else _score_latest(session, people_ids)
    if scored is None:
        return _Ranked({}, index.ids, np.empty((0, k), dtype=np.int64), np.empty((0, k)), None)
    answered = [by_id[pid] for pid in scored.person_ids]
    column = {slug: j for j, slug in enumerate(index.ids)}
    records = []
    hits_row: list[int] = []
    hits_col: list[int] = []
    for row, person in enumerate(answered):
        for rating in context.ratings.get(person.id, []):
            reward = context.rewards.get(rating.reward_id)
            col = column.get(reward.slug) if reward is not None else None
            if col is None:
                continue  # a reward the model has not seen: nothing to learn from yet
            if rating.dismissed:
                records.append((row, col, None))
            elif rating.rating is not None:
                records.append((row, col, float(rating.rating)))
        excluded, grants = left_out[person.id]
        cols = [column[slug] for slug in excluded if slug in column]
        # Cooldowns as the model knew them, too.
        cols += index.cooldown_columns(grants, today).tolist() if grants else []
        hits_row += [row] * len(cols)
        hits_col += cols
    exclude = np.zeros((len(answered), len(index)), dtype=bool)
    exclude[hits_row, hits_col] = True
    # "Not for me" is also a signal: the same kind of reward waits until nothing else is left.
    dismissed = np.zeros((len(answered), len(index)), dtype=bool)
    for row, person in enumerate(answered):
        cols = [column[slug] for slug in _dismissed(person.id, context) if slug in column]
        dismissed[row, cols] = True
    items, scores, reasons = model.recommend_all(
        k,
        roles=[p.sales_role or None for p in answered],
        exclude=exclude,
        dismissed=dismissed,
        max_cost_band=max_cost_band,
        scores=scored.scores,
        flagged=scored.flagged,
        ratings=Ratings.from_records(records),
        explain=True,
        min_group_size=min_group_size(session),
    )
    return _Ranked({p.id: r for r, p in enumerate(answered)}, index.ids, items, scores, reasons)


@dataclass(frozen=True)
class _Popularity:
    """The non-personal ranking: active rewards, best rated first, and their rating facts."""

    ranked: list[RewardRow]
    stats: dict[int, tuple[int, int]]  # reward id -> (number of ratings, sum of ratings)
    people: dict[int, int]  # reward id -> number of distinct people who rated it
    min_size: int
    mean: float  # of every rating

    def reasons(self, reward: RewardRow, *, for_manager: bool = False) -> dict[str, list[str]]:
        n, total = self.stats.get(reward.id, (0, 0))
        # A summary speaks for people, not ratings: one person's five ratings are one voice.
        # It quotes no mean: worked out afresh at every view, a mean read before and after
        # one colleague rates the reward would give that rating away.
        people = self.people.get(reward.id, 0)
        if n and people >= self.min_size and total / n >= self.mean:
            return {
                "en": [f"Colleagues rated this above average ({people} people)"],
                "nb": [f"Kolleger vurderte denne over snittet ({people} personer)"],
            }
        if for_manager:
            # About the rep, as the manager reads it (third person, as ``render_for_manager``).
            return {
                "en": ["A popular choice while Motivo learns what suits them"],
                "nb": ["Et populært valg mens Motivo lærer hva som passer hen"],
            }
        return {
            "en": ["A popular choice while Motivo learns what suits you"],
            "nb": ["Et populært valg mens Motivo lærer hva som passer deg"],
        }


def _popularity(session: Session, context: FeedbackContext | None = None) -> _Popularity:
    """Rank the active rewards by their shrunk mean rating: one aggregate query."""
    if context is not None:
        rewards = [r for r in context.rewards.values() if r.active]
    else:
        rewards = list(session.exec(select(RewardRow).where(RewardRow.active.is_(True))))
    stats: dict[int, tuple[int, int]] = {}
    people: dict[int, int] = {}
    for reward_id, n, total, raters in session.exec(
        select(
            Rating.reward_id,
            func.count(Rating.rating),
            func.sum(Rating.rating),
            func.count(func.distinct(Rating.person_id)),
        )
        .where(Rating.rating.is_not(None))
        .group_by(Rating.reward_id)
    ):
        stats[reward_id] = (int(n), int(total))
        people[reward_id] = int(raters)
    n_all = sum(n for n, _ in stats.values())
    mean = sum(total for _, total in stats.values()) / n_all if n_all else 3.0

    def shrunk(reward: RewardRow) -> float:
        n, total = stats.get(reward.id, (0, 0))
        return (total + POPULARITY_PRIOR * mean) / (n + POPULARITY_PRIOR)

    ranked = sorted(rewards, key=lambda r: (-shrunk(r), r.cost_band, r.slug))
    return _Popularity(ranked, stats, people, min_group_size(session), mean)


def _popular_list(
    session: Session,
    person: Person | None,
    popularity: _Popularity,
    *,
    k: int,
    reason: str,
    context: FeedbackContext | None,
    today: date | None,
    max_cost_band: int | None,
    for_manager: bool = False,
) -> SuggestionList:
    rewards = popularity.ranked
    if max_cost_band is not None:
        rewards = [r for r in rewards if r.cost_band <= max_cost_band]
    rejected: set[tuple[str, str]] = set()
    if person is not None:
        context = context or load_context(session, [person.id])
        excluded, _grants = _exclusions(
            session, person, context, today=today, max_cost_band=max_cost_band
        )
        rewards = [r for r in rewards if r.slug not in excluded]
        rejected = _kinds(_dismissed_rewards(person.id, context))
    items = [
        SuggestionView(
            reward=reward,
            score=None,
            reasons=popularity.reasons(reward, for_manager=for_manager),
        )
        for reward in _varied(rewards, k, rejected)
    ]
    return SuggestionList(personal=False, items=items, why_not_personal=reason)


def _varied(ranked: Sequence, k: int, rejected: set[tuple[str, str]] | None = None) -> list:
    """The non-personal pick: the best ``k`` of ``ranked``, one per category first, so the
    list is varied, then the best of the rest. Rewards of a ``rejected`` kind (category and
    visibility of a "not for me") come only when nothing else is left."""
    if rejected:
        fresh = [r for r in ranked if (r.category, r.visibility) not in rejected]
        picked = _varied(fresh, k)
        if len(picked) < k:
            stale = [r for r in ranked if (r.category, r.visibility) in rejected]
            picked += _varied(stale, k - len(picked))
        return picked
    picked: list = []
    seen_categories: set[str] = set()
    for reward in ranked:
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
    return picked


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
    return _popular_list(
        session,
        person,
        _popularity(session, context),
        k=k,
        reason=reason,
        context=context,
        today=today,
        max_cost_band=max_cost_band,
    )


def _active_reps():
    return select(Person).where(Person.active.is_(True), Person.access == "rep")


def count_reps(*, session: Session) -> int:
    """How many active reps ``recommend_for_all`` covers (counted in the database)."""
    return session.exec(select(func.count()).select_from(_active_reps().subquery())).one()


def recommend_for_all(
    *,
    session: Session,
    viewer: Actor,
    k: int = 5,
    locale: str = "en",
    limit: int | None = None,
    offset: int = 0,
) -> list[dict]:
    """Suggestions with reasons for every active rep, one row per suggestion, by external id.

    Each rep gets what ``recommendation_rows`` gives them one at a time, computed for all
    of them together: those who may have personal suggestions are ranked and explained
    from their current answers and ratings in one batch, everyone else gets the
    non-personal list.
    With ``limit``, only that page of reps (by external id, from ``offset``) is read and
    computed; ``count_reps`` gives the total.
    """
    require(viewer, "view_suggestions")
    served = current_model(session)
    stmt = (
        select(Person.id, Person.external_id, Person.sales_role, Person.personalise)
        .where(Person.active.is_(True), Person.access == "rep")
        .order_by(Person.external_id)
    )
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    people = session.exec(stmt).all()
    if limit is not None and not people:
        return []
    context = _bulk_context(session, [p.id for p in people] if limit is not None else None)
    today = utc_today()
    # The same rules as one by one (role, retired, rated, dismissed, received, cooldown).
    left_out = {p.id: _exclusions(session, p, context, today=today) for p in people}
    lang = locale if locale in ("en", "nb") else "en"
    rows_of: dict[int, list[dict]] = {}
    if served is not None:
        flagged = flagged_people(session)
        personal = [p for p in people if p.personalise and p.id not in flagged]
        if personal:
            ranked = _rank(session, served, context, personal, left_out, k, None, today)
            known = {r.slug for r in context.rewards.values()}
            for person in personal:
                if person.id in ranked.row:
                    rows_of[person.id] = _ranked_rows(ranked, person, known, lang)
    # No model, no consent, no response or a flagged one: the non-personal list.
    rest = [p for p in people if p.id not in rows_of]
    rows_of.update(_popular_rows(session, context, left_out, rest, k, lang))
    # Everyone's suggestions leave Motivo in one file or page: audited like every export.
    record_event(
        session,
        actor=viewer,
        action="export.recommendations",
        details={"reps": len(people), "k": k, "offset": offset, "limit": limit},
    )
    session.commit()
    return [row for p in people for row in rows_of[p.id]]


def _ranked_rows(ranked: _Ranked, person, known: set[str], lang: str) -> list[dict]:
    """One person's personal suggestions in the CLI/API row shape."""
    r = ranked.row[person.id]
    rows: list[dict] = []
    for j, slug, score in ranked.picks(person.id):
        if slug in known:
            rows.append(
                {
                    "person": person.external_id,
                    "rank": len(rows) + 1,
                    "reward_id": slug,
                    "score": round(score, 4),
                    "reasons": ranked.reasons.texts(r, j, lang),
                }
            )
    return rows


@dataclass(frozen=True, slots=True)
class _RewardFacts:
    id: int
    slug: str
    active: bool
    roles: list[str]
    cost_band: int
    cooldown_days: int
    category: str
    visibility: str


def _bulk_context(session: Session, person_ids: list[int] | None = None) -> FeedbackContext:
    """The catalogue and everyone's grants and ratings, read as plain column rows.

    Plain rows with the fields ``_exclusions`` reads stand in for the ORM objects: building
    tens of thousands of those, and reading a reward's attributes once per reward for
    every person, would cost seconds. ``rating`` and ``dismissed`` ride along for the
    person's own taste and "not for me", ``category`` and ``visibility`` for the
    non-personal list and "not for me".
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
                RewardRow.visibility,
            )
        )
    ]
    grants: dict[int, list] = defaultdict(list)
    ratings: dict[int, list] = defaultdict(list)
    grants_stmt = select(Grant.person_id, Grant.reward_id, Grant.given_on)
    ratings_stmt = select(Rating.person_id, Rating.reward_id, Rating.rating, Rating.dismissed)
    # None reads everyone's; an empty page reads nobody's.
    for ids in [None] if person_ids is None else chunks(person_ids):
        where_g = grants_stmt if ids is None else grants_stmt.where(Grant.person_id.in_(ids))
        where_r = ratings_stmt if ids is None else ratings_stmt.where(Rating.person_id.in_(ids))
        for row in session.exec(where_g):
            grants[row.person_id].append(row)
        for row in session.exec(where_r):
            ratings[row.person_id].append(row)
    return FeedbackContext({r.id: r for r in rewards}, grants, ratings)


def _popular_rows(
    session: Session,
    context: FeedbackContext,
    left_out: dict[int, tuple[set[str], list[tuple[str, date]]]],
    people: list,
    k: int,
    lang: str,
) -> dict[int, list[dict]]:
    """``popular_rewards`` for many people: one ranking of the catalogue, filtered per person.

    The same ranking (``_popularity``), exclusions and pick (``_varied``) as
    ``popular_rewards``, so a thousand reps without a response cost one pass over the
    ratings, not a thousand.
    """
    if not people:
        return {}
    # Everyone's ratings count, also when ``context`` holds only one page of people.
    popularity = _popularity(session, context)
    ranked = popularity.ranked
    texts = {reward.id: popularity.reasons(reward)[lang] for reward in ranked}
    out: dict[int, list[dict]] = {}
    for person in people:
        excluded, _grants = left_out[person.id]
        rejected = _kinds(_dismissed_rewards(person.id, context))
        picked = _varied([r for r in ranked if r.slug not in excluded], k, rejected)
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
    *, session: Session, viewer: Actor, person: Person, k: int = 5, locale: str = "en"
) -> list[dict]:
    """One person's suggestions in the CLI/API row shape, with reasons; audited, as every
    export is (``recommend_for_all`` for everyone)."""
    rows = _rows(
        person, suggest_rewards(session=session, viewer=viewer, person=person, k=k), locale
    )
    record_event(
        session,
        actor=viewer,
        action="export.recommendations",
        target=person.external_id,
        details={"reps": 1, "k": k},
    )
    session.commit()
    return rows


# --- profiles ---------------------------------------------------------------------------


def _current_members(
    session: Session, served: ServedModel, answers: CurrentAnswers | None = None
) -> tuple[dict[int, int], np.ndarray]:
    """Profile of each consenting, active person from their latest submitted response, and
    the profile sizes.

    Worked out now from the stored mixture, not at training time: someone who answers
    again moves with their answers, and someone who withdraws consent, leaves or whose
    latest response is flagged no longer counts, so a profile that falls under the minimum
    is hidden at once.
    """
    model = served.model
    n_profiles = len(model.profile_labels_)
    members: dict[int, int] = {}
    scored = (answers or current_answers(session)).scored if model.profiles_ is not None else None
    if scored is not None and scored.person_ids:
        _features, labels = model.person_terms(scored.scores, scored.flagged)
        members = {
            pid: int(label)
            for pid, label in zip(scored.person_ids, labels.tolist(), strict=True)
            if label >= 0
        }
    counts = (
        np.bincount(list(members.values()), minlength=n_profiles)
        if members
        else np.zeros(n_profiles, dtype=int)
    )
    return members, counts


def profiles_now(
    *, session: Session, answers: CurrentAnswers | None = None
) -> tuple[dict[int, int], dict[int, dict]]:
    """``profile_assignments`` and ``profile_catalogue`` together, worked out once (from
    ``answers`` when the page has them already)."""
    served = current_model(session)
    if served is None or served.model.profiles_ is None:
        return {}, {}
    from recommender.profiles import visible_profiles

    members, counts = _current_members(session, served, answers)
    visible = visible_profiles(counts, min_group_size(session))
    assignments = {pid: label for pid, label in members.items() if visible[label]}
    catalogue = {
        k: {
            "name": dict(label.name),
            "description": dict(label.description),
            "size": int(counts[k]),
        }
        for k, label in enumerate(served.model.profile_labels_)
        if visible[k]
    }
    return assignments, catalogue


def profile_assignments(*, session: Session) -> dict[int, int]:
    """Person id -> profile, for consenting people in profiles big enough to be shown."""
    return profiles_now(session=session)[0]


def profile_catalogue(*, session: Session) -> dict[int, dict]:
    """Name, description and current size of every profile that may be shown."""
    return profiles_now(session=session)[1]


@dataclass(frozen=True)
class PersonProfile:
    profile: int
    name: dict[str, str]
    description: dict[str, str]


def person_profile(*, session: Session, viewer: Actor, person: Person) -> PersonProfile | None:
    """The person's profile, if they consent and it is shown; a manager sees only this."""
    if not can_view_person(viewer, person):
        raise NotFound("No such person.", code="person.not_found")
    if not person.personalise:
        return None
    assignments, catalogue = profiles_now(session=session)
    label = assignments.get(person.id)
    if label is None:
        return None
    info = catalogue[label]
    return PersonProfile(label, info["name"], info["description"])
