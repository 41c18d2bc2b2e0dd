"""Reliability over stored responses: the right responses, the pure figures, clear refusals."""

import tomllib
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import select

from models.tables import Answer, SurveyResponse
from recommender.instrument import parse_instrument
from recommender.quality import quality_flags
from recommender.reliability import reliability_report, report_to_dict
from services.access import SYSTEM
from services.errors import InvalidInput, NotAllowed, NotFound
from services.instruments import ensure_default_instrument, import_instrument
from services.reliability import reliability
from services.responses_import import import_responses
from services.tabular import read_table_bytes
from services.waves import open_wave

DATA = Path(__file__).resolve().parent.parent / "data"
NAME = "motivation_test"
N_GOOD = 150
N_CARELESS = 12


@pytest.fixture
def definition():
    return tomllib.loads((DATA / "small_instrument.toml").read_text(encoding="utf-8"))


@pytest.fixture
def instrument(session, definition):
    import_instrument(session=session, actor=SYSTEM, data=definition)
    return parse_instrument(definition)


def simulate(instrument, n_good: int, n_careless: int, seed: int = 7) -> list[dict]:
    """Autonomy and mastery answers share one factor per scale; purpose answers are noise.

    Purpose noise stays within 2..4 so that it never looks self-contradictory (which would
    flag the response); careless responses answer 1..5 at random and fail the attention
    check.
    """
    rng = np.random.default_rng(seed)
    answers = []
    for row in range(n_good + n_careless):
        careless = row >= n_good
        factors = {"autonomy": rng.normal(), "mastery": rng.normal()}
        response: dict[str, object] = {}
        for item in instrument.likert_items():
            if careless:
                value = int(rng.integers(1, 6))
            elif item.construct not in factors:
                value = int(rng.integers(2, 5))
            else:
                latent = 3 + 1.2 * factors[item.construct] + rng.normal(scale=0.7)
                value = int(np.clip(np.rint(latent), 1, 5))
                if item.reverse:
                    value = 6 - value
            response[item.code] = value
        response["att1"] = 1 if careless else 4
        answers.append(response)
    return answers


def to_csv(answers: list[dict], codes: list[str]) -> str:
    lines = [",".join(["person", *codes])]
    for index, response in enumerate(answers):
        cells = ["" if response.get(c) is None else str(response[c]) for c in codes]
        lines.append(",".join([f"S{index:04d}", *cells]))
    return "\n".join(lines) + "\n"


def load(session, answers: list[dict], name: str = "survey.csv", **kwargs):
    codes = sorted({code for response in answers for code in response})
    table = read_table_bytes(to_csv(answers, codes).encode(), name=name)
    kwargs.setdefault("actor", SYSTEM)
    return import_responses(
        session=session, table=table, instrument_name=NAME, create_people=True, **kwargs
    )


@pytest.fixture
def answers(session, instrument):
    answers = simulate(instrument, N_GOOD, N_CARELESS)
    load(session, answers)
    return answers


def test_figures_are_on_all_responses_with_the_unflagged_ones_beside(session, instrument, answers):
    flags = quality_flags(instrument, answers)
    assert [bool(f) for f in flags] == [False] * N_GOOD + [True] * N_CARELESS
    result = reliability(session=session, viewer=SYSTEM, instrument_name=NAME)
    everything = report_to_dict(
        instrument,
        reliability_report(instrument, answers, random_state=0),
        n_responses=N_GOOD + N_CARELESS,
    )
    unflagged = report_to_dict(
        instrument,
        reliability_report(instrument, answers[:N_GOOD], random_state=0),
        n_responses=N_GOOD,
    )
    beside = {
        s["construct"]: {key: s[key] for key in ("n", "alpha", "alpha_ci", "omega")}
        for s in unflagged["scales"]
    }
    labels = {c.key: dict(c.label) for c in instrument.constructs}
    for scale in everything["scales"]:
        scale["label"] = labels[scale["construct"]]
        scale["unflagged"] = beside[scale["construct"]]
    extra = {
        "wave": None,
        "n_flagged": N_CARELESS,
        "flagged_pending": False,
        "flagged_fewer_than": None,
        "n_flagged_excluded": 0,
        "basis": "all responses",
        "missing_data_policy": "listwise",
        "n_imported_left_out": 0,
        "n_incomplete": 0,
        "n_in_every_scale": N_GOOD + N_CARELESS,
    }
    assert result == {**everything, **extra}


def test_figures_are_sensible(session, instrument, answers):
    result = reliability(
        session=session, viewer=SYSTEM, instrument_name=NAME, include_flagged=False
    )
    scales = {s["construct"]: s for s in result["scales"]}
    assert list(scales) == ["autonomy", "mastery", "purpose"]
    for key in ("autonomy", "mastery"):
        scale = scales[key]
        assert scale["n"] == N_GOOD
        assert 0.75 < scale["alpha"] < 0.97
        low, high = scale["alpha_ci"]
        assert low < scale["alpha"] < high
        assert scale["warnings"] == []
    # Purpose was answered at random: no internal consistency, and the report says so.
    assert scales["purpose"]["alpha"] < 0.3
    assert any("below the usual minimum" in w for w in scales["purpose"]["warnings"])


def test_leaving_flagged_responses_out_is_a_choice_not_the_default(session, instrument, answers):
    flagged = [r for r in session.exec(select(SurveyResponse)) if r.flags]
    assert len(flagged) == N_CARELESS and all("attention" in r.flags for r in flagged)

    default = reliability(session=session, viewer=SYSTEM, instrument_name=NAME)
    unflagged = reliability(
        session=session, viewer=SYSTEM, instrument_name=NAME, include_flagged=False
    )
    assert (default["n_responses"], default["n_flagged_excluded"]) == (N_GOOD + N_CARELESS, 0)
    assert default["basis"] == "all responses"
    assert (unflagged["n_responses"], unflagged["n_flagged_excluded"]) == (N_GOOD, N_CARELESS)
    assert unflagged["basis"] == "unflagged responses"
    assert all(scale["unflagged"] is None for scale in unflagged["scales"])
    first, beside = default["scales"][0], default["scales"][0]["unflagged"]
    # Random answers dilute a consistent scale: the default does not hide that.
    assert first["alpha"] < beside["alpha"] == unflagged["scales"][0]["alpha"]
    assert beside["n"] == N_GOOD and first["n"] == N_GOOD + N_CARELESS


def test_missing_answers_listwise_or_median(session, instrument):
    answers = simulate(instrument, 60, 0)
    for response in answers[:10]:
        response["aut2"] = None
    load(session, answers)
    listwise = reliability(session=session, viewer=SYSTEM, instrument_name=NAME)
    median = reliability(session=session, viewer=SYSTEM, instrument_name=NAME, missing="median")
    assert listwise["scales"][0]["n"] == 50 and listwise["scales"][1]["n"] == 60
    assert median["scales"][0]["n"] == 60
    assert median["missing_data_policy"] == "median"


def test_a_wave_limits_the_responses(session, instrument, answers):
    open_wave(session=session, actor=SYSTEM, name="Autumn", instrument_name=NAME)
    load(session, simulate(instrument, 20, 0, seed=3), wave="Autumn")

    everyone = reliability(session=session, viewer=SYSTEM, instrument_name=NAME)
    autumn = reliability(session=session, viewer=SYSTEM, wave="Autumn")
    assert everyone["n_responses"] == N_GOOD + N_CARELESS + 20
    assert (autumn["n_responses"], autumn["wave"]) == (20, "Autumn")


def test_a_response_in_progress_is_ignored(session, instrument, answers, factory):
    wave = open_wave(session=session, actor=SYSTEM, name="Autumn", instrument_name=NAME)
    instrument_id = wave.instrument_id
    for _ in range(5):
        person = factory.person("rep")
        draft = SurveyResponse(wave_id=wave.id, person_id=person.id, instrument_id=instrument_id)
        session.add(draft)
        session.flush()
        session.add(Answer(response_id=draft.id, item_code="aut1", value=1.0))
    session.commit()
    assert (
        reliability(session=session, viewer=SYSTEM, instrument_name=NAME)["n_responses"]
        == N_GOOD + N_CARELESS
    )
    with pytest.raises(NotFound, match="No submitted responses to motivation_test version 1 in"):
        reliability(session=session, viewer=SYSTEM, wave="Autumn")


def test_the_newest_version_is_used_unless_a_wave_says_otherwise(
    session, instrument, answers, definition
):
    definition["items"][0]["text"] = {"en": "I decide how I approach a customer."}
    import_instrument(session=session, actor=SYSTEM, data=definition)
    with pytest.raises(NotFound, match="motivation_test version 2"):
        reliability(session=session, viewer=SYSTEM, instrument_name=NAME)
    result = reliability(session=session, viewer=SYSTEM, wave="Imported from survey.csv")
    assert (result["version"], result["n_responses"]) == (1, N_GOOD + N_CARELESS)


def test_no_responses_is_a_clear_message(session, instrument):
    with pytest.raises(NotFound, match="No submitted responses to motivation_test version 1"):
        reliability(session=session, viewer=SYSTEM, instrument_name=NAME)


def test_all_flagged_is_a_clear_message(session, instrument):
    load(session, simulate(instrument, 0, 5))
    with pytest.raises(InvalidInput, match="All 5 submitted responses"):
        reliability(session=session, viewer=SYSTEM, instrument_name=NAME, include_flagged=False)
    report = reliability(session=session, viewer=SYSTEM, instrument_name=NAME)
    assert report["n_responses"] == 5 and report["scales"][0]["unflagged"] is None


def test_a_wave_of_another_instrument_is_refused(session, instrument, answers):
    ensure_default_instrument(session=session)
    with pytest.raises(InvalidInput) as caught:
        reliability(
            session=session,
            viewer=SYSTEM,
            instrument_name="motivation",
            wave="Imported from survey.csv",
        )
    assert "uses instrument motivation_test, not motivation" in caught.value.problems[0]


def test_unknown_missing_policy_is_refused(session, instrument, answers):
    with pytest.raises(InvalidInput):
        reliability(session=session, viewer=SYSTEM, instrument_name=NAME, missing="mean")


def test_only_hr_may_see_reliability(session, instrument, answers, factory):
    with pytest.raises(NotAllowed):
        reliability(session=session, viewer=factory.person("manager"), instrument_name=NAME)
    result = reliability(session=session, viewer=factory.person("hr"), instrument_name=NAME)
    assert result["n_responses"] == N_GOOD + N_CARELESS
