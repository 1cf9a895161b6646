"""Normalisation offset maps, sentence splitting and windows."""

from hypothesis import given, settings
from hypothesis import strategies as st

from arabic_events.model.text import make_windows, normalize, split_sentences


def test_normalisation_forms_and_map():
    raw = "أعلنَ الكرمـــلين\u00a0٢٠٢٠ إيران"
    n = normalize(raw)
    assert n.text == "اعلن الكرملين 2020 ايران"
    s = n.text.index("الكرملين")
    assert raw[slice(*n.to_original(s, s + len("الكرملين")))] == "الكرمـــلين"
    a, b = n.to_original(0, 4)
    assert raw[a:b] == "أعلنَ"  # the trailing diacritic belongs to the word


def test_from_original_inverts():
    raw = "بـوتين"
    n = normalize(raw)
    assert n.from_original(0, len(raw)) == (0, 5)


@given(st.text(alphabet="ابتثجـًٌٍَُِّْ٠١٢ أإآ\u00a0\u200f.\n", max_size=60))
def test_every_normalised_char_maps_to_its_source(raw):
    n = normalize(raw)
    assert len(n.source) == len(n.text)
    assert n.source == sorted(n.source)
    for i, ch in enumerate(n.text):
        src = raw[n.source[i]]
        assert ch == src or normalize(src).text == ch


def test_sentences():
    t = "قال بوتين. ثم أضاف؟ نعم\nعنوان"
    assert [t[a:b] for a, b in split_sentences(t)] == ["قال بوتين.", "ثم أضاف؟", "نعم", "عنوان"]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(["بحث", "الرئيس", "بوتين.", "\n", "اتصال", "هاتفي،"]), min_size=0, max_size=300),
       st.integers(min_value=3, max_value=40))
def test_windows_cover_every_token_once(tokenizer, words, max_tokens):
    text = " ".join(words)
    wins = make_windows(text, tokenizer, max_tokens)
    assert all(len(w.input_ids) <= max_tokens for w in wins)
    flat = [o for w in wins for o in w.offsets]
    full = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
    assert [tuple(o) for o in flat] == [tuple(o) for o in full]


def reference_normalize(raw):
    """The definition, one character at a time (the fast implementation must agree)."""
    import unicodedata

    from arabic_events.model.text import _DIACRITICS, _REPLACE, _ZERO_WIDTH, TATWEEL

    out, src = [], []
    for i, ch in enumerate(raw):
        if ch == TATWEEL or ch in _DIACRITICS or ch in _ZERO_WIDTH:
            continue
        rep = _REPLACE.get(ch)
        if rep is None:
            if ch not in "\n\t" and unicodedata.category(ch) in ("Cc", "Cs", "Co"):
                rep = "\n" if ch in "\r\x0b\x0c\x1c\x1d\x1e\x85" else " "
            else:
                rep = ch
        out.append(rep)
        src.append(i)
    return "".join(out), src


@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(list("ـًٌٍَُِّْ٠١٢أإآ\u00a0\u200f\r\x00\x85\ue000")),
               max_size=80))
def test_fast_normalisation_matches_the_definition(raw):
    n = normalize(raw)
    assert (n.text, n.source) == reference_normalize(raw)


class GlueSpaceTokenizer:
    """A tokenizer whose tokens carry the whitespace before them (as SentencePiece's do)."""

    def __call__(self, pieces, add_special_tokens=False, return_offsets_mapping=True):
        import re

        spans = [[m.span() for m in re.finditer(r"\s*\S+", p)] for p in pieces]
        return {"input_ids": [[len(p[a:b]) for a, b in s] for p, s in zip(pieces, spans)], "offset_mapping": spans}


def test_windows_fall_back_to_sentences_when_tokens_cross_them(tokenizer):
    from arabic_events.model.text import make_windows_batch

    text = "قال بوتين. ثم أضاف"
    glued = make_windows_batch([text, "بحث"], GlueSpaceTokenizer(), 10)
    # whole-text tokens would start " ثم" in the gap between the sentences; per sentence they do not
    assert [text[a:b] for a, b in glued[0][0].offsets] == ["قال", " بوتين.", "ثم", " أضاف"]
    assert glued[0][0].sentences == [(0, 10), (11, len(text))]
    assert [w.offsets for w in glued[1]] == [[(0, 3)]]
    # a WordPiece tokenizer takes the fast path and gives the same tokens as per sentence
    fast = make_windows(text, tokenizer, 10)[0]
    per_sentence = [(a + s, b + s) for s, e in split_sentences(text)
                    for a, b in tokenizer(text[s:e], add_special_tokens=False, return_offsets_mapping=True)[
                        "offset_mapping"]]
    assert [tuple(o) for o in fast.offsets] == per_sentence
