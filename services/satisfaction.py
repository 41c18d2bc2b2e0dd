"""How rewards were received, per reward category, released in steps.

A category's figures (people who rated or dismissed something in it, ratings, the mean
rating, "not for me") are shown only as *releases*. Reading them again shows the last
release until at least the minimum group size of people have rated, re-rated, dismissed or
taken back anything in the category since; only then are the figures worked out afresh and
released. Without that, HR reading the page just before and just after one person rates a
reward learns that rating from the difference, although every reading on its own counts
enough people. Now any two readings differ by the ratings of at least that many people.

Only what people do themselves counts as a change: ratings HR imported from a file are
known to whoever imported them, so changing them moves nobody closer to a release (as with
imported survey answers in the disclosure ledger). A rating counts in the category its
reward had when it was rated (``Rating.category``): re-filing a reward in the catalogue,
which HR may do at will, neither moves the ratings it already has nor counts as a change.

The total is built from the categories shown, never from a hidden one, so a rating in a
hidden category cannot be read off the total's change either.

Like every minimum group size, this assumes the people counted do not tell HR their own
ratings: four raters who report what they changed leave a fifth one's change exposed.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from sqlmodel import Session, select

from models.tables import Rating, RatingRelease
from recommender.catalogue import CATEGORIES
from services.feedback import IMPORTED

DECIMALS = 2


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
            Rating.reward_id,
            Rating.grant_id,
            Rating.rating,
            Rating.dismissed,
            Rating.source,
        )
    ).all()
    tallies = {c: _Tally() for c in CATEGORIES}
    held: dict[tuple[str, int], list[tuple]] = defaultdict(list)
    for category, person, reward, grant, rating, dismissed, source in rows:
        tally = tallies.get(category)
        if tally is None:
            continue
        # Every rater is listed; only their own ratings make up what counts as a change.
        own = held[category, person]
        if source != IMPORTED:
            own.append((reward, grant or 0, rating or 0, bool(dismissed)))
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
    latest: dict[str, RatingRelease] = {}
    for release in session.exec(select(RatingRelease).order_by(RatingRelease.id)):
        latest[release.category] = release
    return latest


def _figures(people: int, ratings: int, rating_sum: float, dismissed: int, items: int) -> dict:
    return {
        "people": people,
        "ratings": ratings,
        "mean_rating": round(rating_sum / ratings, DECIMALS) if ratings else None,
        "dismissed": dismissed,
        "dismissal_rate": round(dismissed / items, DECIMALS) if items else None,
    }


HIDDEN = dict.fromkeys(("people", "ratings", "mean_rating", "dismissed", "dismissal_rate"))


def reward_satisfaction(*, session: Session, min_size: int) -> dict:
    """Ratings and "not for me" per reward category, as released (module docstring).

    Commits when it releases new figures. A category nobody rated shows zeros; one rated by
    fewer than ``min_size`` people is hidden.
    """
    tallies = _current(session)
    latest = _latest(session)
    shown: list[RatingRelease] = []
    categories = []
    for category in CATEGORIES:
        tally, last = tallies[category], latest.get(category)
        release = None
        if last is not None and _changed(last.raters, tally.raters) < min_size:
            # Fewer than min_size people changed anything since: the last release stands
            # (unless a larger minimum group size now hides it).
            release = last if _own_raters(last.raters) >= min_size else None
        elif _own_raters(tally.raters) >= min_size:
            release = RatingRelease(
                category=category,
                people=len(tally.raters),
                ratings=tally.ratings,
                rating_sum=tally.rating_sum,
                dismissed=tally.dismissed,
                items=tally.items,
                raters=tally.raters,
            )
            session.add(release)
        if release is not None:
            shown.append(release)
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
        elif not tally.raters:
            entry = {"category": category, "suppressed": False, **_figures(0, 0, 0.0, 0, 0)}
            entry["released_at"] = None
        else:
            entry = {"category": category, "suppressed": True, **HIDDEN, "released_at": None}
        categories.append(entry)
    if session.new:
        session.commit()
    people = set().union(*(r.raters for r in shown))
    total = {"suppressed": not shown and any(t.raters for t in tallies.values())}
    total.update(
        _figures(
            len(people),
            sum(r.ratings for r in shown),
            sum(r.rating_sum for r in shown),
            sum(r.dismissed for r in shown),
            sum(r.items for r in shown),
        )
        if not total["suppressed"]
        else HIDDEN
    )
    return {"categories": categories, "total": total, "step": min_size}
