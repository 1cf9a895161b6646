"""Batched constrained Viterbi: same optimum as the reference, segment cuts are sound."""

import itertools

import numpy as np
import pytest
from helpers import path_score
from hypothesis import given, settings
from hypothesis import strategies as st

from arabic_events.model.schema import ENTITY_LABELS, bio_labels
from arabic_events.model.viterbi import allowed_transitions, cut_positions, viterbi_bio, viterbi_bio_batch

TAGS = bio_labels(ENTITY_LABELS)
SMALL = ["O", "B-PER", "I-PER", "B-GPE", "I-GPE"]


def log_softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(-1, keepdims=True)
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


def fake_batch(seed: int, bsz: int, length: int, tags: list[str], peaked: bool) -> np.ndarray:
    """Random log-probabilities; ``peaked`` imitates a trained model (mostly sure of O, a few
    mentions, some I- right after O)."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 1, (bsz, length, len(tags)))
    if peaked:
        logits[..., 0] += 8
        for b in range(bsz):
            for _ in range(rng.integers(0, 4)):
                t, k = rng.integers(0, length), rng.integers(1, len(tags))
                logits[b, t, k] += 12
    return log_softmax(logits)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 6), st.integers(1, 40), st.booleans(), st.sampled_from([TAGS, SMALL]))
def test_batch_finds_the_reference_optimum(seed, bsz, length, peaked, tags):
    lp = fake_batch(seed, bsz, length, tags, peaked)
    lengths = np.random.default_rng(seed + 1).integers(0, length + 1, bsz)
    lengths[0] = length
    got = viterbi_bio_batch(lp, lengths, tags)
    for b in range(bsz):
        n = int(lengths[b])
        ref = viterbi_bio(lp[b, :n], tags)
        assert len(got[b]) == n
        assert path_score(lp[b, :n], got[b], tags) == pytest.approx(path_score(lp[b, :n], ref, tags), abs=1e-9)


def test_batch_repairs_an_i_after_o_and_keeps_valid_rows():
    # row 0: greedy O, I-PER (invalid); best valid O O (0.6*0.5) beats B-PER I-PER (0.3*0.5)
    lp = np.full((2, 2, len(SMALL)), np.log(1e-6))
    lp[0, 0, 0], lp[0, 0, 1] = np.log(0.6), np.log(0.3)
    lp[0, 1, 2], lp[0, 1, 0] = np.log(0.5), np.log(0.4)
    lp[1, 0, 3], lp[1, 1, 4] = np.log(0.9), np.log(0.9)  # row 1: B-GPE I-GPE, valid as it is
    assert viterbi_bio_batch(lp, [2, 2], SMALL) == [[0, 0], [3, 4]]


def brute_force(lp: np.ndarray, tags: list[str], non_i_at: int | None = None) -> float:
    best = float("-inf")
    for path in itertools.product(range(len(tags)), repeat=lp.shape[0]):
        if non_i_at is not None and tags[path[non_i_at]].startswith("I-"):
            continue
        best = max(best, path_score(lp, path, tags))
    return best


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 5), st.booleans())
def test_a_cut_never_loses_the_optimum(seed, length, peaked):
    # at a cut, forcing a tag that is not I- still reaches the unconstrained optimum
    lp = fake_batch(seed, 1, length, SMALL, peaked)[0]
    best = brute_force(lp, SMALL)
    for t in np.nonzero(cut_positions(lp[None], SMALL)[0])[0]:
        assert brute_force(lp, SMALL, non_i_at=int(t)) == pytest.approx(best, abs=1e-9)


def test_cuts_are_frequent_when_the_model_is_sure():
    lp = fake_batch(0, 4, 100, TAGS, peaked=True)
    assert cut_positions(lp, TAGS).mean() > 0.8
    assert cut_positions(lp, TAGS)[:, 0].all()


def test_path_score_rejects_invalid_paths():
    start, _ = allowed_transitions(SMALL)
    lp = np.zeros((2, len(SMALL)))
    assert path_score(lp, [0, 2], SMALL) == float("-inf")
    assert path_score(lp, [2, 2], SMALL) == float("-inf") and not start[2]
    assert path_score(lp, [1, 2], SMALL) == 0.0


EVENT_SMALL = ["O", "B-CONSULT", "I-CONSULT", "B-TOPIC", "I-TOPIC"]


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 5), st.integers(1, 30), st.booleans())
def test_decode_layers_matches_viterbi_and_bio_to_spans(seed, bsz, length, peaked):
    from arabic_events.model.decoding import bio_to_spans, decode_layers

    ent = fake_batch(seed, bsz, length, SMALL, peaked).astype(np.float32)
    evt = fake_batch(seed + 7, bsz, length, EVENT_SMALL, peaked).astype(np.float32)
    lengths = np.random.default_rng(seed).integers(0, length + 1, bsz)
    got = decode_layers([(ent, SMALL), (evt, EVENT_SMALL)], lengths)
    for layer, (lp, tags) in enumerate([(ent, SMALL), (evt, EVENT_SMALL)]):
        for b in range(bsz):
            n = int(lengths[b])
            path = viterbi_bio(lp[b, :n].astype(np.float64), tags)
            want = bio_to_spans([tags[k] for k in path])
            spans = got[layer][b]
            assert [(lab, f, la) for lab, f, la, _ in spans] == want
            for (_, f, la, conf), _ in zip(spans, want):
                assert conf == pytest.approx(float(np.mean(np.exp([lp[b, t, path[t]] for t in range(f, la + 1)]))),
                                             rel=1e-5)


def test_decode_layers_rejects_shared_labels():
    from arabic_events.model.decoding import decode_layers

    lp = np.zeros((1, 2, len(SMALL)), dtype=np.float32)
    with pytest.raises(ValueError, match="share labels"):
        decode_layers([(lp, SMALL), (lp, SMALL)], [2])
