"""A rep reads back answers to instrument version 2."""

from seed.loaders import load_seed_instrument
from services.own_data import readable_answer


def test_a_rep_reads_back_best_worst_and_bipolar_answers_as_they_saw_them():
    v2 = load_seed_instrument(2)
    bw1 = v2.item("bw1")
    assert readable_answer(v2, bw1, ["wellness", "development"], "en") == (
        "▲ Something for your health and well-being · ▼ Learning: training, a mentor or a "
        "new challenge"
    )
    pub5 = v2.item("pub5")
    assert readable_answer(v2, pub5, 5, "nb") == "5 – Foran teamet"
    # A point between the ends was a bare "3": the rep could not tell which end was which.
    low, high = pub5.poles["en"]
    assert readable_answer(v2, pub5, 2, "en") == f"2 (1 = {low}, 5 = {high})"
    assert readable_answer(v2, v2.item("aut6"), 4, "en") == "4 – Agree"
