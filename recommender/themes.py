"""Themes in free-text answers: TF-IDF weighted words factored by NMF into keyword lists.

Free text is the most identifying thing a person writes, so two rules hold here:

* no themes at all from fewer than ``MIN_TEXT_RESPONDENTS`` (10) answers;
* a word becomes a keyword only if at least ``min_df`` (3) different answers use it, so
  one person's unusual phrase never shows;
* a theme shows only when at least ``min_theme_answers`` answers lean to it (the minimum
  group size, 5, or more), so no theme stands for one or two people's words.

Only keywords are returned, never an answer or a sentence.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.decomposition import non_negative_factorization
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from recommender.anonymity import MIN_GROUP_SIZE, MIN_TEXT_RESPONDENTS

# Common Norwegian (bokmål) function words; scikit-learn ships only English ones.
NORWEGIAN_STOP_WORDS = frozenset(
    [
        "alle",
        "andre",
        "at",
        "av",
        "bare",
        "begge",
        "ble",
        "bli",
        "blir",
        "bort",
        "da",
        "de",
        "dem",
        "den",
        "denne",
        "der",
        "deres",
        "det",
        "dette",
        "di",
        "din",
        "disse",
        "dit",
        "du",
        "eller",
        "en",
        "ene",
        "enn",
        "er",
        "et",
        "ett",
        "etter",
        "for",
        "fordi",
        "fra",
        "få",
        "før",
        "gjennom",
        "god",
        "gjerne",
        "ha",
        "hadde",
        "han",
        "hans",
        "har",
        "hele",
        "hennes",
        "her",
        "hva",
        "hvem",
        "hver",
        "hvilke",
        "hvis",
        "hvor",
        "hvordan",
        "hvorfor",
        "i",
        "ikke",
        "inn",
        "inni",
        "jeg",
        "kan",
        "kanskje",
        "kom",
        "kunne",
        "man",
        "mange",
        "med",
        "meg",
        "mellom",
        "men",
        "mer",
        "mest",
        "min",
        "mine",
        "mitt",
        "mot",
        "mye",
        "må",
        "måtte",
        "ned",
        "noe",
        "noen",
        "nok",
        "nå",
        "når",
        "og",
        "også",
        "om",
        "opp",
        "oss",
        "over",
        "på",
        "samme",
        "seg",
        "selv",
        "si",
        "sin",
        "sine",
        "sitt",
        "skal",
        "skulle",
        "slik",
        "som",
        "så",
        "sånn",
        "til",
        "ut",
        "uten",
        "var",
        "vi",
        "vil",
        "ville",
        "vår",
        "være",
        "vært",
        "å",
    ]
)
# Words people use to frame an answer rather than to say what it is about.
FILLER_WORDS = frozenset(
    [
        # English
        "also",
        "bit",
        "get",
        "getting",
        "just",
        "like",
        "lot",
        "lots",
        "maybe",
        "means",
        "please",
        "really",
        "thing",
        "things",
        "think",
        "want",
        "way",
        # Norwegian ("foran" is a preposition, "betyr" the "means" of "betyr mye")
        "betyr",
        "blitt",
        "dere",
        "deg",
        "ditt",
        "flere",
        "fler",
        "foran",
        "får",
        "gi",
        "gir",
        "gjør",
        "gjøre",
        "hos",
        "ja",
        "jo",
        "liker",
        "litt",
        "nei",
        "synes",
        "takk",
        "tror",
        "ved",
        "veldig",
        "våre",
        "vårt",
    ]
)
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | NORWEGIAN_STOP_WORDS | FILLER_WORDS
# Letters of both languages; numbers are left out (they tend to be amounts or dates).
TOKEN_PATTERN = r"(?u)\b[^\W\d_]{3,}\b"
_TOKEN = re.compile(TOKEN_PATTERN)
# Norwegian definite and plural endings, longest first ("kursene", "kunder", "teamet").
_NORWEGIAN_ENDINGS = ("ene", "ane", "er", "en", "et")


def light_stem(word: str) -> str:
    """Fold the commonest inflections of English and Norwegian nouns onto one stem.

    Deliberately light (a plural "s", "ies", "es"; the Norwegian definite and plural
    endings and a final "e"), so "courses" and "course", "kunder" and "kundene" meet
    without turning unrelated words into one. The stem is never shown: a theme lists the
    form people wrote most often.
    """
    w = word.lower()
    if len(w) > 4 and w.endswith("ies") and not w.endswith(("eies", "aies")):
        w = w[:-3] + "y"
    elif len(w) > 3 and w.endswith("s") and not w.endswith(("us", "ss", "is", "aes", "ees", "oes")):
        # "courses" -> "course" and "teams" -> "team" alike: only the "s" goes.
        w = w[:-1]
    for ending in _NORWEGIAN_ENDINGS:
        if w.endswith(ending) and len(w) - len(ending) >= 3:
            return w[: -len(ending)]
    if w.endswith("e") and len(w) > 4:
        return w[:-1]
    return w


@dataclass(frozen=True)
class Theme:
    """One theme: its keywords, most typical first, and how many answers lean to it."""

    keywords: tuple[str, ...]
    n_answers: int


class FreeTextThemes(BaseEstimator):
    """Keyword themes from short free-text answers.

    Parameters
    ----------
    n_themes : int, default=3
        Most themes found (fewer when there are too few distinct keywords).
    n_keywords : int, default=5
        Keywords listed per theme.
    min_df : int, default=3
        Answers that must use a word before it can be a keyword.
    min_answers : int, default=10
        Fewer non-empty answers than this give no themes at all.
    min_theme_answers : int, default=5
        A theme fewer answers lean to is left out (never below the minimum group size).
    random_state : int, RandomState instance or None, default=None
        Seeds NMF.

    Attributes
    ----------
    n_answers_ : int
        Non-empty answers seen in ``fit``.
    vocabulary_ : ndarray of str
        Candidate keywords (empty when no themes could be found).
    components_ : ndarray of shape (n_themes_found, n_words)
        NMF word weights per theme.
    themes_ : list of Theme
    """

    def __init__(
        self,
        n_themes: int = 3,
        n_keywords: int = 5,
        min_df: int = 3,
        min_answers: int = MIN_TEXT_RESPONDENTS,
        min_theme_answers: int = MIN_GROUP_SIZE,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.n_themes = n_themes
        self.n_keywords = n_keywords
        self.min_df = min_df
        self.min_answers = min_answers
        self.min_theme_answers = min_theme_answers
        self.random_state = random_state

    def fit(self, texts: Sequence[str | None], y=None) -> FreeTextThemes:
        """Find themes in ``texts``.

        Parameters
        ----------
        texts : sequence of str or None
            One answer per respondent; empty answers are ignored.
        y : None
            Ignored.

        Returns
        -------
        self
        """
        answers = [t.strip() for t in texts if isinstance(t, str) and t.strip()]
        self.n_answers_ = len(answers)
        self.vocabulary_ = np.empty(0, dtype=object)
        self.components_ = np.empty((0, 0))
        self.themes_: list[Theme] = []
        if self.n_answers_ < max(self.min_answers, MIN_TEXT_RESPONDENTS):
            return self
        # Each stem remembers the forms it was written in, to show the commonest one.
        forms: dict[str, Counter] = {}

        def analyse(text: str) -> list[str]:
            stems = []
            for token in _TOKEN.findall(text.lower()):
                if token in STOP_WORDS:
                    continue
                stem = light_stem(token)
                if stem in STOP_WORDS:
                    continue
                forms.setdefault(stem, Counter())[token] += 1
                stems.append(stem)
            return stems

        vectoriser = TfidfVectorizer(analyzer=analyse, min_df=self.min_df, sublinear_tf=True)
        try:
            X = vectoriser.fit_transform(answers)
        except ValueError:  # no word is used by min_df answers
            return self
        words = np.asarray(
            [
                # The commonest form; on a tie the shorter, then the first alphabetically.
                min(forms[stem].items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0]
                for stem in vectoriser.get_feature_names_out()
            ],
            dtype=object,
        )
        # Identical word patterns are one row weighted by sqrt(count): the same least-squares
        # fit, and the matrix's rank is then cheap to find.
        patterns, inverse, counts = np.unique(
            np.round(X.toarray(), 12), axis=0, return_inverse=True, return_counts=True
        )
        inverse = inverse.ravel()
        # Components beyond the rank would be seeded from arbitrary singular vectors.
        rank = int(np.linalg.matrix_rank(patterns)) if patterns.any() else 0
        k = min(self.n_themes, rank)
        if k < 1:
            return self
        weighted = patterns * np.sqrt(counts)[:, None]
        with warnings.catch_warnings():
            # A short corpus can stop before the tolerance; the keywords are still usable.
            warnings.simplefilter("ignore", ConvergenceWarning)
            # Not NMF.fit_transform: it also computes the reconstruction error as
            # ||X||² - 2<X, WH> + ||WH||², which cancels to a tiny negative number (and a
            # RuntimeWarning from sqrt) whenever repeated answers let WH equal X exactly.
            # Only W and H are used here.
            weights, components, _ = non_negative_factorization(
                weighted,
                n_components=k,
                init="nndsvda",
                max_iter=1000,
                random_state=self.random_state,
            )
        self.vocabulary_ = words
        self.components_ = components
        leaning = weights.argmax(axis=1)[inverse]
        has_weight = weights.max(axis=1)[inverse] > 0
        # Themes with the same keywords (in another order) are one theme to a reader.
        merged: dict[frozenset, tuple[tuple[str, ...], int]] = {}
        for j, row in enumerate(components):
            order = np.argsort(-row, kind="stable")
            keywords = tuple(str(words[i]) for i in order[: self.n_keywords] if row[i] > 0)
            n = int(((leaning == j) & has_weight).sum())
            if not keywords or not n:
                continue
            key = frozenset(keywords)
            first, before = merged.get(key, (keywords, 0))
            merged[key] = (first, before + n)
        # A theme drawn from a handful of answers repeats those few people's own words: it
        # is shown only when at least ``min_theme_answers`` answers lean to it (never fewer
        # than the minimum group size), like any other aggregate.
        floor = max(self.min_theme_answers, MIN_GROUP_SIZE)
        themes = [Theme(keywords=k, n_answers=n) for k, n in merged.values() if n >= floor]
        self.themes_ = sorted(themes, key=lambda t: -t.n_answers)
        return self

    def keywords(self) -> list[list[str]]:
        """Keywords of each theme, largest theme first."""
        check_is_fitted(self, "themes_")
        return [list(t.keywords) for t in self.themes_]


def find_themes(
    texts: Sequence[str | None], *, random_state: int | None = 0, **params
) -> list[Theme]:
    """Themes of ``texts`` with ``FreeTextThemes``; empty below the minimum answer count."""
    return FreeTextThemes(random_state=random_state, **params).fit(texts).themes_
