"""Word inputs of the encoder (static word vectors, gazetteer flags, context LSTM): exact
features, leave-one-out gazetteers, exported vectors, save/load round trips, a tiny training run."""

import numpy as np
import pytest
import torch
from conftest import SEED_FILE, make_tiny_model
from helpers import tiny_config

from arabic_events.model.word_features import (
    FLAG_NAMES,
    WordFeaturizer,
    gazetteer_counts,
    leave_one_out_gazetteers,
    stem,
    vocabulary,
)
from arabic_events.training.learning.vectors import StaticVectors, export_vectors


def _flags(row):
    return [FLAG_NAMES[k] for k, v in enumerate(row) if v]


def test_token_inputs_follow_the_whole_word():
    # gazetteer keys are stems: «بوتين» loses its «ب» as if it were a clitic, consistently
    f = WordFeaturizer(["روسيا", "قال"], {"روسيا": ["GPE"], stem("بوتين"): ["PER"]})
    text = "قال بوتين: لروسيا 12"
    # tokens: قال | بو ##تين | : | ل ##روسيا | 12
    offsets = [(0, 3), (4, 6), (6, 9), (9, 10), (11, 12), (12, 17), (18, 20)]
    ids, flags = f.token_inputs(text, offsets)
    assert ids == [2, 0, 0, 0, 1, 1, 0]  # «لروسيا» falls back to its stem «روسيا»
    assert _flags(flags[0]) == ["shape=arabic", "word_start"]
    assert _flags(flags[1]) == ["gaz=PER", "shape=arabic", "word_start"]
    assert _flags(flags[2]) == ["gaz=PER", "shape=arabic"]  # a continuation piece: no word start
    assert _flags(flags[3]) == ["shape=punct", "word_start"]
    assert _flags(flags[5]) == ["gaz=GPE", "shape=arabic"]
    assert _flags(flags[6]) == ["shape=digits", "word_start"]
    # another gazetteer replaces the featurizer's (a training article's leave-one-out one)
    assert _flags(f.token_inputs(text, offsets, {})[1][1]) == ["shape=arabic", "word_start"]


def test_leave_one_out_gazetteer_drops_an_articles_own_names():
    a = {"text": "بوتين", "spans": [{"start": 0, "end": 5, "label": "PER"}]}
    b = {"text": "أردوغان وبوتين", "spans": [{"start": 0, "end": 7, "label": "PER"},
                                          {"start": 9, "end": 14, "label": "PER"}]}
    c = {"text": "قال", "spans": []}
    putin = stem("بوتين")
    assert gazetteer_counts(b)[(putin, "PER")] == 1
    full, loo = leave_one_out_gazetteers([a, b, c])
    assert full == {putin: ["PER"], "اردوغان": ["PER"]}
    assert loo[0] == {putin: ["PER"], "اردوغان": ["PER"]}  # b still names Putin
    assert loo[1] == {putin: ["PER"]}  # Erdogan is only b's
    assert loo[2] == full


def test_vocabulary_keeps_frequency_order_then_adds_training_words():
    assert vocabulary(["قال بوتين"], ["في", "قال", "من"], top=2) == ["في", "قال", "بوتين"]


def test_exported_vectors_round_trip(tmp_path):
    m = np.arange(6, dtype=np.float32).reshape(3, 2)
    export_vectors(["في", "بوتين", "قال"], m, tmp_path)
    v = StaticVectors.load(tmp_path)
    assert v.index_to_key == ["في", "بوتين", "قال"] and len(v) == 3
    assert v["بوتين"].tolist() == [2.0, 3.0] and v["وبوتين"].tolist() == [2.0, 3.0]
    with pytest.raises(FileNotFoundError, match="no vectors.safetensors"):
        StaticVectors.load(tmp_path / "nothing")


def test_a_model_with_word_inputs_saves_and_loads_the_same(tokenizer, tmp_path):
    from arabic_events.model.extractor import EventExtractor

    model = make_tiny_model(tokenizer, word_vocab_size=3, word_vector_dim=4, word_flags=len(FLAG_NAMES),
                            context_lstm=1)
    model.word_featurizer = WordFeaturizer(["بوتين", "قال", "الرئيس"], {"بوتين": ["PER"]})
    text = "قال الرئيس الروسي فلاديمير بوتين إنه بحث مع نظيره التركي. " * 3
    ex = EventExtractor(model, tokenizer, device="cpu")
    before = ex.extract(text)
    ex.save_pretrained(tmp_path / "m")
    assert (tmp_path / "m" / "word_features.json").exists()
    again = EventExtractor.from_pretrained(tmp_path / "m", device="cpu")
    assert again.model.word_featurizer.vocab == ["بوتين", "قال", "الرئيس"]
    assert torch.equal(again.model.word_vectors.weight, model.word_vectors.weight)
    assert again.extract(text) == before
    # the word inputs are used: other flags change the logits
    ids = torch.tensor([[2, 5, 6, 3]])
    zeros = torch.zeros(1, 4, len(FLAG_NAMES))
    a = model(ids, word_ids=torch.tensor([[0, 1, 2, 0]]), word_flags=zeros).entity_logits
    b = model(ids, word_ids=torch.tensor([[0, 1, 2, 0]]), word_flags=zeros + 1).entity_logits
    assert not torch.allclose(a, b)
    with pytest.raises(ValueError, match="this model takes word inputs"):
        model(ids)
    (tmp_path / "m" / "word_features.json").unlink()
    with pytest.raises(OSError, match="word_features.json: cannot read the word features"):
        EventExtractor.from_pretrained(tmp_path / "m", device="cpu")


@pytest.mark.slow
def test_training_with_word_inputs(tmp_path):
    from arabic_events.model.extractor import EventExtractor
    from arabic_events.training.learning.recipe import train

    rng = np.random.default_rng(0)
    words = ["في", "بوتين", "الرئيس", "قال", "روسيا"]
    export_vectors(words, rng.standard_normal((5, 8)).astype(np.float32), tmp_path / "vec")
    cfg = tiny_config(tmp_path, SEED_FILE, tmp_path / "run", max_steps=2, per_device_train_batch_size=8,
                      learning_rate="1.0e-3", eval_strategy='"no"', save_strategy='"no"', disable_tqdm="true",
                      word_vectors=str(tmp_path / "vec"), word_flags="true", context_lstm=1, seed=3)
    train(cfg)
    ex = EventExtractor.from_pretrained(tmp_path / "run" / "final", device="cpu")
    cfg_ = ex.model.config
    wf = ex.model.word_featurizer
    assert cfg_.word_vector_dim == 8 and cfg_.word_flags == len(FLAG_NAMES) and cfg_.context_lstm
    assert wf.vocab[:5] == words and cfg_.word_vocab_size == len(wf.vocab) > 5  # + the training words
    assert "PER" in wf.gazetteer.get(stem("بوتين"), [])
    row = ex.model.word_vectors.weight[1 + words.index("بوتين")]
    assert abs(float(row.detach().norm()) - 1.0) < 1e-3  # unit vectors, frozen
    assert not ex.model.word_vectors.weight.requires_grad
    assert isinstance(ex.extract("بحث الرئيس الروسي فلاديمير بوتين مع نظيره"), list)


def test_text_words_are_the_same_whichever_texts_came_before():
    # the rows of words seen in earlier texts are kept; dropping them (past max_kept_words) or
    # featurising with a fresh featurizer gives the same arrays, token by token
    gaz = {"روسيا": ["GPE"], stem("بوتين"): ["PER"]}
    texts = ["قال بوتين: لروسيا 12", "زار بوتين موسكو، وقال", "روسيا وتركيا"]
    fresh = [WordFeaturizer(["روسيا", "قال"], gaz).text_words(t) for t in texts]
    kept = WordFeaturizer(["روسيا", "قال"], gaz)
    small = WordFeaturizer(["روسيا", "قال"], gaz)
    small.max_kept_words = 4
    for t, want in zip(texts * 2, fresh * 2):
        for got in (kept.text_words(t), small.text_words(t)):
            for a, b in zip(got, want):
                assert np.array_equal(a, b)
    assert list(small._rows.slot) == ["روسيا", "وتركيا"]  # the last text's words alone: the others were dropped
    # windows of one text look their tokens up in the text's words
    tw = kept.text_words(texts[0])
    ids, flags = tw.token_arrays([(4, 6), (6, 9), (11, 12), (12, 17)])
    assert ids.tolist() == [0, 0, 1, 1]
    assert [_flags(r) for r in flags] == [["gaz=PER", "shape=arabic", "word_start"], ["gaz=PER", "shape=arabic"],
                                         ["gaz=GPE", "shape=arabic", "word_start"], ["gaz=GPE", "shape=arabic"]]
