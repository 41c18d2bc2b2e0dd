import pytest

from recommender.themes import NORWEGIAN_STOP_WORDS, FreeTextThemes, find_themes

TIME = [
    "An afternoon off would mean a lot",
    "Flexible fridays and an afternoon off",
    "More flexible hours please",
    "Time off after the quarter, flexible hours",
    "An afternoon off counts most",
    "Flexible hours and time off",
]
MENTOR = [
    "A mentor outside sales would help me grow",
    "Courses and a mentor, please",
    "Mentor programme and courses",
    "I want courses to grow",
    "A mentor to grow with",
    "Courses with a good mentor",
]


def test_no_themes_from_fewer_than_ten_answers():
    assert find_themes(TIME + MENTOR[:3]) == []
    assert find_themes(["", None, "  "] * 5) == []


def test_two_topics_give_two_themes():
    themes = find_themes(TIME + MENTOR, n_themes=2)
    assert len(themes) == 2
    keywords = [set(t.keywords) for t in themes]
    assert any({"mentor", "courses"} <= k for k in keywords)
    assert any({"flexible", "afternoon"} & k for k in keywords)
    assert sum(t.n_answers for t in themes) == len(TIME + MENTOR)


def test_a_word_used_by_fewer_than_three_answers_is_never_a_keyword():
    answers = TIME + MENTOR + ["Zanzibar trip with mentor", "Zanzibar time off"]
    words = {w for t in find_themes(answers) for w in t.keywords}
    assert "zanzibar" not in words


def test_stop_words_of_both_languages_are_left_out():
    answers = [
        "Jeg vil gjerne ha mer fri og fleksible dager",
        "Fri på fredager og fleksible dager",
        "Mer fri etter kvartalet",
        "Fleksible dager og fri",
    ] * 3
    words = {w for t in find_themes(answers) for w in t.keywords}
    assert "fri" in words
    assert not words & NORWEGIAN_STOP_WORDS
    assert not words & {"the", "and", "with"}


def test_fit_returns_self_and_is_repeatable():
    model = FreeTextThemes(n_themes=2, random_state=0)
    assert model.fit(TIME + MENTOR) is model
    again = FreeTextThemes(n_themes=2, random_state=0).fit(TIME + MENTOR)
    assert model.keywords() == again.keywords()
    assert model.n_answers_ == 12


# Repeated answers (a template, a copied phrase) give a TF-IDF matrix of rank 2 here. An exact
# factorisation then exists, and the reconstruction error that NMF's fit_transform computes
# as ||X||² - 2<X, WH> + ||WH||² cancels to a tiny negative number: sqrt raised a
# RuntimeWarning (an error under this suite's filterwarnings) and HR's insights page a 500.
REPEATED = ["Being seen for the work behind a deal."] * 13 + [
    "Flexible Fridays would be perfect."
] * 17


@pytest.mark.parametrize("random_state", range(12))
def test_repeated_answers_give_one_theme_per_distinct_answer(random_state):
    themes = find_themes(REPEATED, n_themes=3, random_state=random_state)
    assert sorted((t.n_answers, set(t.keywords)) for t in themes) == [
        (13, {"seen", "work", "deal"}),
        (17, {"flexible", "fridays", "perfect"}),
    ]


def test_a_theme_few_answers_lean_to_is_not_shown():
    """Twelve answers on Fridays and three on a mentor: the mentor theme would repeat three
    people's words, so only the large theme is reported (at least 5 answers, or more when
    asked for)."""
    answers = ["Flexible Fridays would be perfect."] * 12 + ["A mentor would help me grow."] * 3
    themes = find_themes(answers, n_themes=2, random_state=0)
    assert [(t.n_answers, set(t.keywords)) for t in themes] == [
        (12, {"flexible", "fridays", "perfect"})
    ]
    assert find_themes(answers, n_themes=2, random_state=0, min_theme_answers=13) == []
    # Asking for fewer than the minimum group size still needs 5 answers per theme.
    assert find_themes(answers, n_themes=2, random_state=0, min_theme_answers=1) == themes


def test_themes_with_the_same_keywords_are_one_theme():
    # The same words in three phrasings: whatever NMF splits them into reads as one theme.
    answers = ["teamet betyr mye foran kunden"] * 6 + ["foran teamet betyr alt"] * 6
    themes = find_themes(answers, n_themes=3, random_state=0)
    sets = [frozenset(t.keywords) for t in themes]
    assert len(sets) == len(set(sets))
    assert sum(t.n_answers for t in themes) <= len(answers)


def test_never_more_themes_than_independent_word_patterns():
    # Three distinct answers, but the third is the first two together: rank 2, so two themes.
    answers = (
        ["mentor courses"] * 5 + ["flexible fridays"] * 5 + ["mentor courses flexible fridays"] * 3
    )
    themes = find_themes(answers, n_themes=3, random_state=0)
    # Both factors weigh all four words, so they read as one theme and are shown as one.
    assert len(themes) <= 2
    assert sum(t.n_answers for t in themes) == len(answers)


def test_singular_and_plural_are_one_keyword_shown_as_people_write_it():
    answers = [
        "A mentor would help",
        "Mentors from other teams",
        "Courses and a mentor",
        "More courses please",
        "A course in negotiation",
        "Mentors and courses",
        "Extra course budget",
        "Good mentors matter",
        "Course on pricing",
        "A mentor and a course",
        "Courses online",
        "Mentor sessions",
    ]
    # Twice over, so each theme has the minimum group size of answers to be shown at all.
    themes = find_themes(answers * 2, n_themes=2)
    assert all(len(t.keywords) == len(set(t.keywords)) for t in themes)
    lowered = {w for t in themes for w in t.keywords}
    assert not ({"mentor", "mentors"} <= lowered)
    assert not ({"course", "courses"} <= lowered)
    assert lowered & {"mentor", "mentors"} and lowered & {"course", "courses"}


def test_norwegian_definite_and_plural_forms_are_one_keyword_and_stop_words_never_show():
    answers = [
        "Jeg liker kurs veldig godt",
        "Kurset i forhandling var veldig bra",
        "Kursene hjalp meg",
        "En fridag etter kvartalet",
        "Fridager etter et godt kvartal, veldig fint",
        "Fridagen betyr mye for meg",
        "Kurs i salg",
        "Flere fridager, takk",
        "Jeg liker kurset",
        "Jeg liker en fridag",
        "Det er fint med fridagen",
        "Kursene var nyttige",
    ]
    words = [w for t in find_themes(answers * 2, n_themes=3) for w in t.keywords]
    assert not set(words) & {"og", "jeg", "det", "er", "en", "veldig", "liker", "the", "and"}
    families = {"kurs": {"kurs", "kurset", "kursene"}, "fridag": {"fridag", "fridager", "fridagen"}}
    for forms in families.values():
        assert len(set(words) & forms) <= 1
    assert set(words) & families["fridag"] and set(words) & families["kurs"]


def test_light_stem_folds_common_endings():
    from recommender.themes import light_stem

    assert light_stem("courses") == light_stem("course")
    assert light_stem("parties") == light_stem("party")
    assert light_stem("kundene") == light_stem("kunder") == light_stem("kunde")
    assert light_stem("teamet") == light_stem("team") == light_stem("teams")
    assert light_stem("care") != light_stem("car")
    assert light_stem("business") == "business"
