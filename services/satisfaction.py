"""How rewards were received, per reward category, released in steps.

A category's figures (people who rated or dismissed something in it, ratings, the mean
rating, "not for me") are shown only as *releases*. Reading them again shows the last
release until at least the minimum group size of people have rated, re-rated, dismissed or
taken back anything in the category since, and since every earlier release too; only then
are the figures worked out afresh and released. Without that, HR reading the page just
before and just after one person rates a reward learns that rating from the difference,
although every reading on its own counts enough people. Now any two releases differ by the
own changes of at least that many people (every earlier one is checked: four people taking
back what they did and one more change would otherwise bring the figures back to an old
release but for one person). Of two readings releasing at the same moment only one can
(``RatingRelease.previous_id``); the other shows that release.

Only what people do themselves counts as a change: ratings HR imported from a file are
known to whoever imported them, so changing them moves nobody closer to a release (as with
imported survey answers in the disclosure ledger). A rating counts in the category its
reward had when it was rated or its value last changed (``Rating.category``): re-filing a
reward in the catalogue, which HR may do at will, neither moves the ratings it already has
nor counts as a change. What a release keeps of each person is a digest of which of their
rating rows stood at which ``value_version``: no rating values.

The total is built from the categories shown, never from a hidden one, so a rating in a
hidden category cannot be read off the total's change either.

Like every minimum group size, this assumes the people counted do not tell HR their own
ratings: four raters who report what they changed leave a fifth one's change exposed.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models.tables import Rating, RatingRelease
from recommender.catalogue import CATEGORIES
from services.feedback import IMPORTED

DECIMALS = 2
ATTEMPTS = 3  # readings releasing at once: the loser reads the winner's release and decides again


@dataclass
class _Tally:
    """One category's ratings as they stand: a digest per person, and the sums."""

    raters: dict[str, str] = field(default_factory=dict)
    ratings: int = 0
    rating_sum: float = 0.0
    dismissed: int = 0
    items: int = 0


def _current(session: Session) -> dict[str, _Tally]:
    rows = session.exec(
        select(
            Rating.category,
            Rating.person_id,
            Rating.id,
            Rating.created_at,
            Rating.value_version,
            Rating.rating,
            Rating.dismissed,
            Rating.source,
        )
    ).all()
    tallies = {c: _Tally() for c in CATEGORIES}
    held: dict[tuple[str, int], list[tuple]] = defaultdict(list)
    for category, person, rating_id, created, version, rating, dismissed, source in rows:
        tally = tallies.get(category)
        if tally is None:
            continue
        # Every rater is listed; only their own ratings make up what counts as a change.
        own = held[category, person]
        if source != IMPORTED:
            # The row's creation time too: SQLite may give a new row the id of one deleted
            # (a "not for me" taken back), which would otherwise look unchanged.
            own.append((rating_id, created.isoformat(), version))
        tally.items += 1
        if dismissed:
            tally.dismissed += 1
        elif rating is not None:
            tally.ratings += 1
            tally.rating_sum += rating
    for (category, person), own in held.items():
        digest = hashlib.blake2b(repr(sorted(own)).encode(), digest_size=8).hexdigest()
        tallies[category].raters[str(person)] = digest if own else ""
    return tallies


def _own_raters(raters: dict[str, str]) -> int:
    """People with ratings of their own: only they count towards the minimum group size,
    as only their ratings are unknown to whoever imported the others."""
    return sum(1 for digest in raters.values() if digest)


def _changed(before: dict[str, str], now: dict[str, str]) -> int:
    """People whose own ratings in the category differ: added, removed or changed. Someone
    listed with imported ratings only ("") is as unchanged as someone not listed."""
    return sum(1 for p in before.keys() | now.keys() if (before.get(p) or "") != (now.get(p) or ""))


def _latest(session: Session) -> dict[str, RatingRelease]:
    newest = select(func.max(RatingRelease.id)).group_by(RatingRelease.category).scalar_subquery()
    rows = session.exec(select(RatingRelease).where(RatingRelease.id.in_(newest)))
    return {release.category: release for release in rows}


def _far_from_every_release(session: Session, category: str, tally: _Tally, k: int) -> bool:
    """Whether the figures as they stand differ from every release of the category by the
    own changes of at least ``k`` people (read only when the latest release allows it)."""
    earlier = session.exec(select(RatingRelease.raters).where(RatingRelease.category == category))
    return all(_changed(raters, tally.raters) >= k for raters in earlier)


def _decide(
    session: Session, category: str, tally: _Tally, last: RatingRelease | None, k: int
) -> RatingRelease | None:
    """The release to show for ``category`` (a new one added to the session), or None."""
    if last is not None and _changed(last.raters, tally.raters) < k:
        # Fewer than k people changed anything since: the last release stands (unless a
        # larger minimum group size now hides it).
        return last if _own_raters(last.raters) >= k else None
    if _own_raters(tally.raters) < k:
        return None
    if last is not None and not _far_from_every_release(session, category, tally, k):
        return last if _own_raters(last.raters) >= k else None
    release = RatingRelease(
        category=category,
        previous_id=last.id if last is not None else 0,
        people=len(tally.raters),
        ratings=tally.ratings,
        rating_sum=tally.rating_sum,
        dismissed=tally.dismissed,
        items=tally.items,
        raters=tally.raters,
    )
    session.add(release)
    return release


def _figures(people: int, ratings: int, rating_sum: float, dismissed: int, items: int) -> dict:
    return {
        "people": people,
        "ratings": ratings,
        "mean_rating": round(rating_sum / ratings, DECIMALS) if ratings else None,
        "dismissed": dismissed,
        "dismissal_rate": round(dismissed / items, DECIMALS) if items else None,
    }


HIDDEN = dict.fromkeys(("people", "ratings", "mean_rating", "dismissed", "dismissal_rate"))


def _releases(session: Session, k: int) -> tuple[dict[str, _Tally], dict[str, RatingRelease]]:
    """The ratings as they stand and the release each category shows, new ones committed."""
    for attempt in range(ATTEMPTS):
        tallies = _current(session)
        latest = _latest(session)
        shown = {}
        for category in CATEGORIES:
            release = _decide(session, category, tallies[category], latest.get(category), k)
            if release is not None:
                shown[category] = release
        if not session.new:
            return tallies, shown
        try:
            session.commit()
            return tallies, shown
        except IntegrityError:
            # Another reading released the same category first: read again and decide
            # against its release.
            session.rollback()
            if attempt + 1 == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def reward_satisfaction(*, session: Session, min_size: int) -> dict:
    """Ratings and "not for me" per reward category, as released (module docstring).

    Commits when it releases new figures. A category nobody rated shows zeros; one rated by
    fewer than ``min_size`` people is hidden.
    """
    tallies, shown = _releases(session, min_size)
    categories = []
    for category in CATEGORIES:
        release = shown.get(category)
        if release is not None:
            entry = {"category": category, "suppressed": False}
            entry.update(
                _figures(
                    release.people,
                    release.ratings,
                    release.rating_sum,
                    release.dismissed,
                    release.items,
                )
            )
            entry["released_at"] = release.released_at.isoformat()
        elif not tallies[category].raters:
            entry = {"category": category, "suppressed": False, **_figures(0, 0, 0.0, 0, 0)}
            entry["released_at"] = None
        else:
            entry = {"category": category, "suppressed": True, **HIDDEN, "released_at": None}
        categories.append(entry)
    people = set().union(*(r.raters for r in shown.values()))
    total = {"suppressed": not shown and any(t.raters for t in tallies.values())}
    total.update(
        _figures(
            len(people),
            sum(r.ratings for r in shown.values()),
            sum(r.rating_sum for r in shown.values()),
            sum(r.dismissed for r in shown.values()),
            sum(r.items for r in shown.values()),
        )
        if not total["suppressed"]
        else HIDDEN
    )
    return {"categories": categories, "total": total, "step": min_size}
