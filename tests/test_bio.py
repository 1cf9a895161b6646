"""Record -> BIO -> spans round trips (seed annotations and generated ones), CoNLL export."""

from helpers import record_windows, tags_to_char_spans
from hypothesis import given, settings
from hypothesis import strategies as st

from arabic_events.model.schema import ENTITY_LABELS
from arabic_events.training.data.bio import ENTITY_TAGS, EVENT_TAGS, encode_record


def decoded_spans(record, tokenizer, max_tokens):
    feats, report = encode_record(record, tokenizer, max_tokens)
    norm, wins = record_windows(record, tokenizer, max_tokens)
    out = set()
    for f, w in zip(feats, wins):
        for key, tags in (("entity_labels", ENTITY_TAGS), ("event_labels", EVENT_TAGS)):
            out |= set(tags_to_char_spans([tags[i] for i in f[key][1:-1]], w, norm))
    return out, report


def is_aligned(record, span, tokenizer, max_tokens):
    norm, wins = record_windows(record, tokenizer, max_tokens)
    s, e = norm.from_original(span["start"], span["end"])
    starts = {a for w in wins for a, _ in w.offsets}
    ends = {b for w in wins for _, b in w.offsets}
    return s in starts and e in ends


def test_seed_round_trip_is_exact_for_aligned_spans(seed_records, tokenizer):
    for rec in seed_records:
        decoded, report = decoded_spans(rec, tokenizer, 62)
        assert report.total == len(rec["spans"])
        assert report.aligned + len(report.misaligned) + len(report.lost) == report.total
        lost = {x.split(":")[1].split()[0] for x in report.lost}
        aligned = [s for s in rec["spans"] if s["id"] not in lost and is_aligned(rec, s, tokenizer, 62)]
        assert len(aligned) == report.aligned
        assert report.aligned > 0.7 * report.total
        for s in aligned:
            assert (s["label"], s["start"], s["end"]) in decoded, (rec["id"], s)


def vocab_tokenizer(words):
    """A BERT WordPiece tokenizer over exactly ``words`` (plus the special tokens)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import BertTokenizerFast

    vocab = {w: i for i, w in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words])}
    tk = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tk.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tk.post_processor = processors.BertProcessing(("[SEP]", 3), ("[CLS]", 2))
    return BertTokenizerFast(tokenizer_object=tk, unk_token="[UNK]", sep_token="[SEP]", pad_token="[PAD]",
                             cls_token="[CLS]", mask_token="[MASK]")


CLITIC_RECORD = {"id": "x", "text": "قال وبوتين", "relations": [],
                 "spans": [{"id": "s1", "start": 5, "end": 10, "label": "PER"}]}  # بوتين without its و


def test_span_inside_a_token_is_misaligned_and_labelled_on_the_whole_token():
    tok = vocab_tokenizer(["قال", "وبوتين"])  # the clitic stays glued: وبوتين is one token
    decoded, report = decoded_spans(CLITIC_RECORD, tok, 30)
    assert report.aligned == 0 and len(report.misaligned) == 1 and "x:s1 PER" in report.misaligned[0]
    assert decoded == {("PER", 4, 10)}


def test_span_on_token_edges_is_aligned_and_exact():
    tok = vocab_tokenizer(["قال", "و", "##بوتين"])  # the clitic is its own sub-word
    decoded, report = decoded_spans(CLITIC_RECORD, tok, 30)
    assert report.aligned == 1 and not report.misaligned and not report.lost
    assert decoded == {("PER", 5, 10)}


def test_span_across_windows_is_reported_lost(tokenizer):
    text = "بوتين.\nأردوغان"
    rec = {"id": "x", "text": text, "spans": [{"id": "s1", "start": 0, "end": 14, "label": "TOPIC"}], "relations": []}
    _, report = encode_record(rec, tokenizer, 2)
    assert report.lost and "crosses a window boundary" in report.lost[0]


WORDS = ["بحث", "الرئيس", "بوتين", "اتصال", "هاتفي", "روسيا", "موسكو", "اليوم", "،", "."]


@st.composite
def records(draw):
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=40))
    text = " ".join(words)
    starts = [sum(len(w) + 1 for w in words[:i]) for i in range(len(words))]
    spans, i, k = [], 0, 0
    while i < len(words):
        n = draw(st.integers(min_value=0, max_value=3))
        if n and words[i] not in "،." and i + n <= len(words) and all(w not in "،." for w in words[i:i + n]):
            spans.append({"id": f"s{k}", "start": starts[i], "end": starts[i + n - 1] + len(words[i + n - 1]),
                          "label": draw(st.sampled_from(ENTITY_LABELS))})
            k += 1
            i += n
        else:
            i += 1
    return {"id": "gen", "text": text, "spans": spans, "relations": []}


@settings(max_examples=60, deadline=None)
@given(records(), st.integers(min_value=4, max_value=64))
def test_generated_round_trip(tokenizer, record, max_tokens):
    decoded, report = decoded_spans(record, tokenizer, max_tokens)
    lost = {x.split(":")[1].split()[0] for x in report.lost}
    for s in record["spans"]:
        if s["id"] not in lost:
            assert (s["label"], s["start"], s["end"]) in decoded
    assert report.total == len(record["spans"])
