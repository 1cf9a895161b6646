"""The AraBERT path normalises as AraBERT v2's vocabulary expects (alef forms kept, "/" as "-",
digits split from letters, URL/e-mail/mention placeholders), and offsets stay exact."""

import re

import pytest

from arabic_events.model.text import normalize, scheme_for

RAW = ("أعلن الرئيس إيمانويل ماكرون في 11/05/2018 عن زيارة إلى أبوظبي عام 2020م، "
       "وقال عبر @Elysee_fr إن التفاصيل على https://www.elysee.fr/a/b، أو press@elysee.fr.")


def test_arabert_scheme_keeps_alefs_and_rewrites_as_its_vocabulary_expects():
    project, arabert = normalize(RAW).text, normalize(RAW, "arabert").text
    assert "أعلن" in arabert and "إيمانويل" in arabert and "أبوظبي" in arabert
    assert "اعلن" in project and "ابوظبي" in project  # the project's own scheme folds them
    assert "11-05-2018" in arabert and "/" not in arabert
    assert "2020 م" in arabert and "2020م" in project
    assert "[رابط]" in arabert and "[بريد]" in arabert and "[مستخدم]" in arabert
    assert "https" not in arabert and "@" not in arabert


def test_arabert_scheme_maps_every_token_back_to_its_raw_text():
    n = normalize(RAW, "arabert")
    raw_of = {m.group(): n.raw[slice(*n.to_original(*m.span()))] for m in re.finditer(r"\S+", n.text)}
    assert raw_of["[رابط]،"] == "https://www.elysee.fr/a/b،"  # the comma is not part of the URL
    assert raw_of["[بريد]."] == "press@elysee.fr."
    assert raw_of["11-05-2018"] == "11/05/2018"
    assert raw_of["م،"] == "م،" and raw_of["2020"] == "2020"
    assert n.from_original(RAW.index("أبوظبي"), RAW.index("أبوظبي") + 6) == (n.text.index("أبوظبي"),
                                                                         n.text.index("أبوظبي") + 6)
    for k, c in enumerate(n.text):  # the map never goes backwards
        assert k == 0 or n.source[k] >= n.source[k - 1], (k, c)


def test_scheme_follows_the_encoder_name():
    assert scheme_for("aubmindlab/bert-base-arabertv02") == "arabert"
    assert scheme_for("aubmindlab/bert-large-arabertv2") == "arabert"
    assert scheme_for("aubmindlab/bert-base-arabert") == "project"  # v1 expects Farasa segmentation
    assert scheme_for("scratch") == "project"


@pytest.fixture()
def arabert_like(tmp_path):
    """A 1-layer BERT saved under an AraBERT v2 name, with a WordPiece tokenizer configured like
    AraBERT's (cased, hamza forms and "-" in the vocabulary, placeholders as tokens)."""
    from tokenizers import BertWordPieceTokenizer
    from transformers import BertConfig, BertModel, BertTokenizerFast

    wp = BertWordPieceTokenizer(clean_text=True, handle_chinese_chars=False, strip_accents=False, lowercase=False)
    wp.train_from_iterator([normalize(RAW, "arabert").text] * 3, vocab_size=400, min_frequency=1,
                           special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[رابط]", "[بريد]", "[مستخدم]"],
                           show_progress=False)
    tok = BertTokenizerFast(tokenizer_object=wp._tokenizer, do_lower_case=False, tokenize_chinese_chars=False,
                            strip_accents=False)
    path = tmp_path / "bert-base-arabertv02"
    BertModel(BertConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=64)).save_pretrained(path)
    tok.save_pretrained(path)
    return path


def test_an_arabert_encoder_trains_and_extracts_with_its_scheme(arabert_like):
    from arabic_events.model.extractor import EventExtractor
    from arabic_events.training.data.bio import encode_record
    from arabic_events.training.learning.arguments import DataArguments, ModelArguments
    from arabic_events.training.learning.build import build_model

    model, tok = build_model(ModelArguments(model_name_or_path=str(arabert_like), max_tokens=62, span_hidden=16,
                                            pair_hidden=16), DataArguments(), [])
    assert model.config.normalization == "arabert"
    start = RAW.index("أبوظبي")
    record = {"id": "r", "text": RAW, "relations": [],
              "spans": [{"id": "s1", "start": start, "end": start + 6, "label": "GPE"}]}
    feats, report = encode_record(record, tok, 62, model.config.normalization)
    ids = [i for f in feats for i in f["input_ids"]]
    assert tok.unk_token_id not in ids and report.aligned == 1
    assert tok.convert_tokens_to_ids("أبوظبي") in ids

    doc = EventExtractor(model, tok, device="cpu").extract(RAW, return_documents=True)
    for m in doc.mentions:
        assert RAW[m.start:m.end] == m.text
