"""The non-personal list speaks to whoever reads it.

A manager opening a rep's card read "A popular choice while Motivo learns what suits you":
a sentence to the rep, about the manager.
"""

from services.catalogue import ensure_seed_catalogue
from services.recommendations import suggest_rewards

TO_REP = {
    "A popular choice while Motivo learns what suits you",
    "Et populært valg mens Motivo lærer hva som passer deg",
}


def test_the_manager_reads_the_fallback_reason_about_the_rep(session, factory):
    ensure_seed_catalogue(session=session)
    team = factory.team()
    manager = factory.person("manager", team=team)
    rep = factory.person("rep", team=team, manager=manager)

    own = suggest_rewards(session=session, viewer=rep, person=rep)
    seen = suggest_rewards(session=session, viewer=manager, person=rep)
    assert not own.personal and not seen.personal
    assert own.items and seen.items
    for item in own.items:
        assert set(item.reasons["en"] + item.reasons["nb"]) <= TO_REP
    for item in seen.items:
        texts = item.reasons["en"] + item.reasons["nb"]
        assert not set(texts) & TO_REP
        assert "A popular choice while Motivo learns what suits them" in texts
        assert "Et populært valg mens Motivo lærer hva som passer hen" in texts
