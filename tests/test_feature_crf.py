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

from arabic_events.model.feature_crf import FeatureCrf, word_clusters, word_features, word_tags
from arabic_events.model.loading import CheckpointError
from arabic_events.model.schema import ENTITY_LABELS
from arabic_events.model.text import Window, normalize
from arabic_events.model.window_inference import with_feature_crf
from arabic_events.model.word_features import gazetteer_counts, gazetteer_of, word_form, words_of
from arabic_events.training.learning.vectors import export_vectors


def _seed_clusters(records) -> dict:
    """Clusters of the seed articles' word forms, from random vectors (4 and 16 clusters)."""
    forms = sorted({word_form(w.text) for r in records for w in words_of(r["text"])})
    vecs = np.random.default_rng(0).normal(size=(len(forms), 8)).astype(np.float32)
    return word_clusters(forms, vecs, sizes=(4, 16))


@pytest.fixture(scope="module", params=["plain", "clusters"])
def trained(request, seed_records, tmp_path_factory):
    """The expert trained on four seed articles (without and with word clusters), and
    python-crfsuite's own tagger of the same data."""
    train = seed_records[:4]
    clusters = _seed_clusters(seed_records) if request.param == "clusters" else None
    crf = FeatureCrf.fit(train, ENTITY_LABELS, clusters, max_iterations=40)
    per = [gazetteer_counts(r) for r in train]
    total = sum(per, Counter())
    trainer = pycrfsuite.Trainer(verbose=False)
    for rec, own in zip(train, per):
        words = words_of(rec["text"])
        trainer.append(word_features(words, gazetteer_of(total - own), clusters),
                       word_tags(rec, words, ENTITY_LABELS))
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
    tagger.set(word_features(words, crf.gazetteer, crf.clusters))
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
    assert again.labels == crf.labels and again.clusters == crf.clusters
    assert np.allclose(again.marginals([text])[0], crf.marginals([text])[0])
    (tmp_path / "feature_crf.json").write_text(json.dumps({"format": 99}))
    with pytest.raises(ValueError, match="feature_crf.json: format 99"):
        FeatureCrf.load(tmp_path)
    with pytest.raises(FileNotFoundError, match="no feature_crf.json"):
        FeatureCrf.load(tmp_path / "nowhere")


def test_cluster_features_reach_the_weights(trained):
    crf, _ = trained
    has = any(a.startswith("c0:") for a in crf.weights) and any(a.startswith("-1:c1:") for a in crf.weights)
    # with clusters, the words' clusters are attributes with weights, for the word and its
    # neighbours; without, there is no cluster attribute at all
    assert has == bool(crf.clusters)
    f = word_features(words_of("قال بوتين"), {}, {"قال": (1, 7)})
    assert f[0]["c0"] == "1" and f[0]["c1"] == "7" and f[1]["-1:c1"] == "7" and f[0]["1:c0"] == "none"


def test_word_clusters_are_seeded_and_skip_words_without_a_vector():
    vecs = np.random.default_rng(1).normal(size=(50, 6)).astype(np.float32)
    vecs[7] = 0.0
    words = [f"w{i}" for i in range(50)]
    a, b = word_clusters(words, vecs, sizes=(3, 8)), word_clusters(words, vecs, sizes=(3, 8))
    assert a == b and "w7" not in a and len(a) == 49
    assert all(0 <= x < 3 and 0 <= y < 8 for x, y in a.values())
    assert len({c[1] for c in a.values()}) == 8


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

    words = ["في", "بوتين", "الرئيس", "قال", "روسيا"]
    export_vectors(words, np.random.default_rng(0).standard_normal((5, 8)).astype(np.float32), tmp_path / "vec")
    cfg = tiny_config(tmp_path, SEED_FILE, tmp_path / "run", max_steps=2, per_device_train_batch_size=8,
                      eval_strategy='"no"', save_strategy='"no"', disable_tqdm="true", feature_crf_weight="1.0",
                      feature_crf_clusters="[2, 3]", word_vectors=str(tmp_path / "vec"), crf_output="entity", seed=3)
    train(cfg)
    final = tmp_path / "run" / "final"
    assert (final / "feature_crf.json").is_file()
    ex = EventExtractor.from_pretrained(final, device="cpu")
    assert ex.model.config.feature_crf_weight == 1.0 and ex.model.feature_crf is not None
    # the five words with a vector have clusters at both granularities, a training word whose stem has
    # one shares its clusters, and the words without either have none
    clusters = ex.model.feature_crf.clusters
    assert set(words) < set(clusters) and clusters["وقال"] == clusters["قال"] and "الكرملين" not in clusters
    assert all(a < 2 and b < 3 for a, b in clusters.values())
    text = "قال الرئيس الروسي فلاديمير بوتين إنه بحث مع نظيره التركي رجب طيب أردوغان في أنقرة. " * 2
    doc = ex.extract(text, return_documents=True)
    ex.save_pretrained(tmp_path / "again")
    again = EventExtractor.from_pretrained(tmp_path / "again", device="cpu").extract(text, return_documents=True)
    assert [(m.label, m.start, m.end) for m in again.mentions] == [(m.label, m.start, m.end) for m in doc.mentions]
    (tmp_path / "again" / "feature_crf.json").unlink()
    with pytest.raises(CheckpointError, match="feature_crf_weight > 0 but no feature_crf.json"):
        EventExtractor.from_pretrained(tmp_path / "again", device="cpu")
    # the expert moves the entity layer: without it the same network finds other mentions or scores
    ex.model.config.feature_crf_weight = 0.0
    plain = ex.extract(text, return_documents=True)
    assert [(m.label, m.start, m.end, round(m.confidence, 4)) for m in plain.mentions] != \
        [(m.label, m.start, m.end, round(m.confidence, 4)) for m in doc.mentions]


@pytest.mark.parametrize("keys, message", [
    ({"feature_crf_weight": "-1.0"}, "feature_crf_weight: -1.0 is not in"),
    ({"feature_crf_weight": "1.0", "feature_crf_clusters": "[64]"}, "feature_crf_clusters needs word_vectors"),
])
def test_bad_feature_crf_keys_are_config_errors(tmp_path, keys, message):
    from arabic_events.training.config import ConfigError
    from arabic_events.training.learning.recipe import train

    cfg = tiny_config(tmp_path, SEED_FILE, tmp_path / "run", **keys)
    with pytest.raises(ConfigError, match=message):
        train(cfg)
