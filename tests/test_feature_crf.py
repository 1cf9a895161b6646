"""The feature-CRF expert of the entity layer (model/feature_crf.py): its marginals against
python-crfsuite's own, padding independence, the word-to-token mapping by hand, the product with
the neural distribution in run_windows, save/load, and a model trained with it."""

import json
from collections import Counter

import numpy as np
import pycrfsuite
import pytest
from conftest import SEED_FILE
from helpers import tiny_config

from arabic_events.model.feature_crf import FeatureCrf, word_features, word_tags
from arabic_events.model.schema import ENTITY_LABELS
from arabic_events.model.text import Window, normalize
from arabic_events.model.window_inference import with_feature_crf
from arabic_events.model.word_features import gazetteer_counts, gazetteer_of, words_of


@pytest.fixture(scope="module")
def trained(seed_records, tmp_path_factory):
    """The expert trained on four seed articles, and python-crfsuite's own tagger of the same data."""
    train = seed_records[:4]
    crf = FeatureCrf.fit(train, ENTITY_LABELS, max_iterations=40)
    per = [gazetteer_counts(r) for r in train]
    total = sum(per, Counter())
    trainer = pycrfsuite.Trainer(verbose=False)
    for rec, own in zip(train, per):
        words = words_of(rec["text"])
        trainer.append(word_features(words, gazetteer_of(total - own)), word_tags(rec, words, ENTITY_LABELS))
    trainer.set_params({"c1": 0.1, "c2": 0.01, "max_iterations": 40, "feature.possible_transitions": True})
    path = str(tmp_path_factory.mktemp("crfsuite") / "ref.crfsuite")
    trainer.train(path)
    tagger = pycrfsuite.Tagger()
    tagger.open(path)
    return crf, tagger


def test_marginals_are_crfsuites(trained, seed_records):
    crf, tagger = trained
    text = seed_records[4]["text"]  # an article it was not trained on
    words = words_of(text)
    got = crf.marginals([text])[0]
    tagger.set(word_features(words, crf.gazetteer))
    want = np.array([[tagger.marginal(lab, i) for lab in crf.labels] for i in range(len(words))])
    assert got.shape == (len(words), len(crf.labels)) and len(words) > 100
    assert np.abs(got - want).max() < 1e-4  # the model dump keeps 6 decimals of each weight
    assert np.allclose(got.sum(1), 1.0)
    # the most probable tag of each word is mostly crfsuite's Viterbi tag
    assert np.mean([crf.labels[k] == t for k, t in zip(got.argmax(1), tagger.tag())]) > 0.97


def test_marginals_do_not_depend_on_the_other_texts_of_a_batch(trained, seed_records):
    crf, _ = trained
    texts = ["قال بوتين", seed_records[4]["text"][:300], "", seed_records[0]["text"][:900]]
    together = crf.marginals(texts)
    for text, m in zip(texts, together):
        alone = crf.marginals([text])[0]
        assert m.shape == alone.shape and np.allclose(m, alone)


def test_save_and_load_keep_the_marginals(trained, seed_records, tmp_path):
    crf, _ = trained
    crf.save(tmp_path)
    again = FeatureCrf.load(tmp_path)
    text = seed_records[4]["text"][:600]
    assert again.labels == crf.labels
    assert np.allclose(again.marginals([text])[0], crf.marginals([text])[0])
    (tmp_path / "feature_crf.json").write_text(json.dumps({"format": 99}))
    with pytest.raises(ValueError, match="feature_crf.json: format 99"):
        FeatureCrf.load(tmp_path)
    with pytest.raises(FileNotFoundError, match="no feature_crf.json"):
        FeatureCrf.load(tmp_path / "nowhere")


def _hand_crf() -> FeatureCrf:
    """Labels O, B-PER, I-PER; «بوتين» scores B-PER +2, every word O +0, no transitions."""
    w = {"w:بوتين": (np.array([1]), np.array([2.0]))}
    return FeatureCrf(["O", "B-PER", "I-PER"], np.zeros((3, 3)), w, {})


def test_word_marginals_and_token_probabilities_by_hand():
    crf = _hand_crf()
    m = crf.word_marginals([["قال", "بوتين"]])[0]
    e2 = np.exp(2.0)
    # no transitions: each word alone; «قال» is uniform, «بوتين» is B-PER with e^2 / (e^2 + 2)
    assert np.allclose(m, [[1 / 3] * 3, [1 / (e2 + 2), e2 / (e2 + 2), 1 / (e2 + 2)]])
    first, rest = crf.token_probabilities(m, ["O", "B-PER", "I-PER", "B-GPE", "I-GPE"])
    assert np.allclose(first[1], [1 / (e2 + 2), e2 / (e2 + 2), 1 / (e2 + 2), 0, 0])
    # a word's later tokens: its B-PER and I-PER mass is I-PER
    assert np.allclose(rest[1], [1 / (e2 + 2), 0, (e2 + 1) / (e2 + 2), 0, 0])


def test_the_expert_multiplies_the_token_distribution():
    crf = _hand_crf()
    tags = ["O", "B-PER", "I-PER"]
    norm = normalize("قال بوتين")
    # tokens: «قال», «بو», «##تين» (one word in two tokens)
    win = Window(input_ids=[5, 6, 7], offsets=[(0, 3), (4, 6), (6, 9)], char_start=0, char_end=9)
    lp = np.log(np.full((1, 4, 3), 1 / 3))
    with_feature_crf(crf, 1.0, lp, tags, [win], [norm], {})
    m = crf.word_marginals([["قال", "بوتين"]])[0]
    first, rest = crf.token_probabilities(m, tags)
    want = [first[0] + 1e-4, first[1] + 1e-4, rest[1] + 1e-4]
    for t in range(3):
        assert np.allclose(np.exp(lp[0, t]), want[t] / want[t].sum())
    assert np.allclose(lp[0, 3], np.log(1 / 3))  # past the window's tokens: untouched
    lp0 = np.log(np.full((1, 4, 3), 1 / 3))
    with_feature_crf(crf, 0.5, lp0, tags, [win], [norm], {})
    half = np.sqrt(want[1]) / np.sqrt(want[1]).sum()  # weight 0.5: the square root of the expert
    assert np.allclose(np.exp(lp0[0, 1]), half)


def test_training_with_the_feature_crf(tmp_path):
    from arabic_events.model.extractor import EventExtractor
    from arabic_events.training.learning.recipe import train

    cfg = tiny_config(tmp_path, SEED_FILE, tmp_path / "run", max_steps=2, per_device_train_batch_size=8,
                      eval_strategy='"no"', save_strategy='"no"', disable_tqdm="true", feature_crf_weight="1.0",
                      crf_output="entity", seed=3)
    train(cfg)
    final = tmp_path / "run" / "final"
    assert (final / "feature_crf.json").is_file()
    ex = EventExtractor.from_pretrained(final, device="cpu")
    assert ex.model.config.feature_crf_weight == 1.0 and ex.model.feature_crf is not None
    text = "قال الرئيس الروسي فلاديمير بوتين إنه بحث مع نظيره التركي رجب طيب أردوغان في أنقرة. " * 2
    doc = ex.extract(text, return_documents=True)
    ex.save_pretrained(tmp_path / "again")
    again = EventExtractor.from_pretrained(tmp_path / "again", device="cpu").extract(text, return_documents=True)
    assert [(m.label, m.start, m.end) for m in again.mentions] == [(m.label, m.start, m.end) for m in doc.mentions]
    # the expert moves the entity layer: without it the same network finds other mentions or scores
    ex.model.config.feature_crf_weight = 0.0
    plain = ex.extract(text, return_documents=True)
    assert [(m.label, m.start, m.end, round(m.confidence, 4)) for m in plain.mentions] != \
        [(m.label, m.start, m.end, round(m.confidence, 4)) for m in doc.mentions]


def test_a_bad_weight_is_a_config_error(tmp_path):
    from arabic_events.training.config import ConfigError
    from arabic_events.training.learning.recipe import train

    cfg = tiny_config(tmp_path, SEED_FILE, tmp_path / "run", feature_crf_weight="-1.0")
    with pytest.raises(ConfigError, match="feature_crf_weight: -1.0 is not in"):
        train(cfg)
