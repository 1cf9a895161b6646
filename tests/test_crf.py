"""The CRF output layer (model/crf.py): likelihood and Viterbi against brute force over every
path, the BIO constraints, decoding through decode_layers, and a model with it trained, saved
and loaded."""

import itertools

import numpy as np
import pytest
import torch
from conftest import SEED_FILE, make_tiny_model
from helpers import tiny_config

from arabic_events.model.crf import FORBIDDEN, BioCrf, crf_paths, crf_viterbi
from arabic_events.model.decoding import decode_layers
from arabic_events.model.viterbi import viterbi_paths

TAGS = ["O", "B-PER", "I-PER", "B-GPE", "I-GPE"]


def _random_crf(seed: int) -> BioCrf:
    crf = BioCrf(TAGS)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in (crf.start, crf.transitions, crf.end):
            p.copy_(torch.randn(p.shape, generator=g))
    return crf


def _path_score(em, path, start, trans, end):
    s = start[path[0]] + em[0, path[0]] + end[path[-1]]
    for a, b, t in zip(path, path[1:], range(1, len(path))):
        s += trans[a, b] + em[t, b]
    return s


def test_likelihood_is_that_of_brute_force_over_every_path():
    crf = _random_crf(0)
    start, trans, end = (x.detach().double().numpy() for x in crf.constrained())
    logits = torch.randn(2, 6, len(TAGS), generator=torch.Generator().manual_seed(1))
    # row 0: [CLS] 4 labelled tokens [SEP]; row 1: an unlabelled token inside, then padding
    labels = torch.tensor([[-100, 1, 2, 0, 3, -100], [-100, 3, -100, 4, -100, -100]])
    want = []
    for row in range(2):
        keep = [t for t in range(6) if labels[row, t] >= 0]
        em = logits[row, keep].double().numpy()
        scores = [_path_score(em, p, start, trans, end) for p in itertools.product(range(len(TAGS)), repeat=len(keep))]
        log_z = np.logaddexp.reduce(scores)
        want.append(log_z - _path_score(em, labels[row, keep].tolist(), start, trans, end))
    got = crf.neg_log_likelihood(logits, labels)
    # row 1's gold path «B-GPE I-GPE» skips the unlabelled token between them: allowed
    assert float(got.detach()) == pytest.approx(sum(want) / 6, rel=1e-5)
    got.backward()
    assert crf.transitions.grad is not None and float(crf.transitions.grad.abs().sum()) > 0


def test_no_labelled_position_costs_nothing():
    crf = _random_crf(0)
    logits = torch.randn(1, 4, len(TAGS), requires_grad=True)
    loss = crf.neg_log_likelihood(logits, torch.full((1, 4), -100))
    assert float(loss.detach()) == 0.0
    loss.backward()  # still part of the graph


def test_viterbi_is_the_best_path_by_brute_force_and_keeps_bio():
    crf = _random_crf(2)
    start, trans, end = crf.scores()
    em = np.random.default_rng(3).standard_normal((3, 5, len(TAGS))).astype(np.float32)
    lengths = [5, 3, 1]
    paths = crf_viterbi(em, lengths, start, trans, end)
    for row, n in enumerate(lengths):
        best = max(itertools.product(range(len(TAGS)), repeat=n),
                   key=lambda p: _path_score(em[row, :n], p, start, trans, end))
        assert paths[row] == list(best)
        tags = [TAGS[k] for k in paths[row]]
        assert not tags[0].startswith("I-")
        assert all(not b.startswith("I-") or a[2:] == b[2:] for a, b in zip(tags, tags[1:]))
    assert crf_paths(em, lengths, start, trans, end)[2, 1:].tolist() == [0, 0, 0, 0]  # past the length: 0


def test_untrained_crf_decodes_as_the_constrained_viterbi():
    start, trans, end = BioCrf(TAGS).scores()
    assert trans.min() == FORBIDDEN and trans.max() == 0.0
    lp = np.log(np.random.default_rng(4).dirichlet(np.ones(len(TAGS)), size=(8, 12)))
    lengths = [12, 11, 7, 12, 3, 9, 12, 1]
    a = crf_paths(lp, lengths, start, trans, end)
    b = viterbi_paths(lp, lengths, TAGS)
    inside = np.arange(12)[None, :] < np.array(lengths)[:, None]
    assert np.array_equal(np.where(inside, a, 0), np.where(inside, b, 0))


def test_learned_transitions_change_the_decoded_spans():
    # token 2 leans to B-PER; a transition score that favours I-PER after B-PER joins it to token 1
    lp = np.log(np.array([[[.1, .8, .05, .05, 0.], [.1, .3, .5, .1, 0.], [.1, .45, .4, .05, 0.]]]) + 1e-9)
    plain = decode_layers([(lp, TAGS)], [3])[0][0]
    start, trans, end = BioCrf(TAGS).scores()
    trans = trans.copy()
    trans[2, 2] = 1.0
    joined = decode_layers([(lp, TAGS)], [3], [(start, trans, end)])[0][0]
    assert [(label, a, b) for label, a, b, _ in plain] == [("PER", 0, 1), ("PER", 2, 2)]
    assert [(label, a, b) for label, a, b, _ in joined] == [("PER", 0, 2)]


def test_a_model_with_crf_output_saves_and_loads_the_same(tokenizer, tmp_path):
    from arabic_events.model.extractor import EventExtractor

    model = make_tiny_model(tokenizer, crf_output="both")
    with torch.no_grad():
        model.entity_crf.transitions.normal_()
    text = "قال الرئيس الروسي فلاديمير بوتين إنه بحث مع نظيره التركي. " * 3
    ex = EventExtractor(model, tokenizer, device="cpu")
    before = ex.extract(text, return_documents=True)
    ex.save_pretrained(tmp_path / "m")
    again = EventExtractor.from_pretrained(tmp_path / "m", device="cpu")
    assert again.model.config.crf_output == "both"
    assert torch.equal(again.model.entity_crf.transitions, model.entity_crf.transitions)
    after = again.extract(text, return_documents=True)
    assert [(m.label, m.start, m.end) for m in after.mentions] == [(m.label, m.start, m.end) for m in before.mentions]


def test_training_with_crf_output(tmp_path):
    from arabic_events.model.extractor import EventExtractor
    from arabic_events.training.learning.recipe import train

    cfg = tiny_config(tmp_path, SEED_FILE, tmp_path / "run", max_steps=3, per_device_train_batch_size=8,
                      learning_rate="1.0e-2", eval_strategy='"no"', save_strategy='"no"', disable_tqdm="true",
                      crf_output="entity", class_weighting="0.3", class_weighting_layers="event", seed=3)
    train(cfg)
    ex = EventExtractor.from_pretrained(tmp_path / "run" / "final", device="cpu")
    assert ex.model.config.crf_output == "entity" and ex.model.event_crf is None
    assert list(ex.model.config.tag_weights) == ["event"]  # class weights on the event layer only
    moved = ex.model.entity_crf.transitions.detach()
    assert float(moved.abs().max()) > 0  # the transitions learned something
    assert isinstance(ex.extract("بحث الرئيس الروسي فلاديمير بوتين مع نظيره"), list)
