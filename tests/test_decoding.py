"""Pure decoding: constrained Viterbi, BIO <-> spans, trigger grouping, roles, events."""

import numpy as np
from helpers import is_valid_bio, spans_to_bio
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from arabic_events.model.decoding import (
    bio_to_spans,
    decode_roles,
    group_triggers,
    viterbi_bio,
)
from arabic_events.model.events import WindowResult, assemble_events
from arabic_events.model.schema import ENTITY_LABELS, ROLE_TAILS, ROLES, Mention, bio_labels

TAGS = bio_labels(ENTITY_LABELS)


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 30), st.just(len(TAGS))), elements=st.floats(-20, 0)))
def test_viterbi_never_emits_an_invalid_sequence(logp):
    path = viterbi_bio(logp, TAGS)
    assert len(path) == logp.shape[0]
    assert is_valid_bio([TAGS[i] for i in path])


def test_viterbi_repairs_i_after_o():
    # greedy would give O, I-PER: invalid. Best valid: O O (0.6*0.5=.30) vs B-PER I-PER (0.3*0.5=.15)
    lp = np.full((2, len(TAGS)), np.log(1e-6))
    lp[0, TAGS.index("O")], lp[0, TAGS.index("B-PER")] = np.log(0.6), np.log(0.3)
    lp[1, TAGS.index("I-PER")], lp[1, TAGS.index("O")] = np.log(0.5), np.log(0.4)
    assert [TAGS[i] for i in viterbi_bio(lp, TAGS)] == ["O", "O"]


@given(st.lists(st.sampled_from(TAGS), max_size=30))
def test_spans_to_bio_inverts_bio_to_spans_on_valid_sequences(tags):
    spans = bio_to_spans(tags)
    if is_valid_bio(tags):
        assert spans_to_bio(spans, len(tags)) == list(tags)
    assert bio_to_spans(spans_to_bio(spans, len(tags))) == spans


def test_group_triggers_needs_same_type():
    same = np.array([[1, .9], [.9, 1]])
    assert group_triggers(["CONSULT", "AGREE"], same) == [[0], [1]]
    assert group_triggers(["CONSULT", "CONSULT"], same) == [[0, 1]]


def test_decode_roles_respects_tail_types():
    # columns: none + ROLES; TIME is most likely but the tail is a PER, so ACTOR wins
    probs = np.zeros((1, len(ROLES) + 1))
    probs[0, 0], probs[0, 1 + ROLES.index("TIME")], probs[0, 1 + ROLES.index("ACTOR")] = .2, .5, .3
    assert decode_roles(probs, ["PER"], ROLES, ROLE_TAILS) == [(0, "ACTOR", .3)]


def test_assemble_events_groups_and_merges_across_windows():
    put = Mention("بوتين", "PER", 10, 15, .9, ref="Vladimir Putin")
    erd = Mention("أردوغان", "PER", 20, 27, .9, ref="Recep Tayyip Erdoğan")
    t1, t2 = Mention("بحث", "CONSULT", 0, 3, .8), Mention("اتصال", "CONSULT", 30, 35, .6)
    w1 = WindowResult([t1, put, erd, t2], relations=[(0, 1, "ACTOR", .9), (0, 2, "ACTOR", .7), (3, 1, "ACTOR", .8)],
                      coref={(0, 3): .9}, modes={0: ("phone", .9), 3: ("phone", .8)})
    put2 = Mention("بوتين", "PER", 110, 115, .9, ref="Vladimir Putin")
    erd2 = Mention("أردوغان", "PER", 120, 127, .9, ref="Recep Tayyip Erdoğan")
    t3 = Mention("المكالمة", "CONSULT", 100, 108, .7)
    w2 = WindowResult([t3, put2, erd2], relations=[(0, 1, "ACTOR", .9), (0, 2, "ACTOR", .9)], modes={0: ("phone", .5)})
    (ev,) = assemble_events([w1, w2])
    assert [t.start for t in ev.triggers] == [0, 30, 100]
    assert sorted(ev.refs("ACTOR")) == ["Recep Tayyip Erdoğan", "Vladimir Putin"]
    assert ev.mode == "phone"
    # confidence: best trigger .8 x mean of the distinct actor links: window 1 gives .9 and .7
    # (t2's link to the same Putin mention is not added twice), window 2 gives .9 and .9:
    # .8 * (.9 + .7 + .9 + .9) / 4 = .8 * .85 = .68
    assert abs(ev.confidence - 0.68) < 1e-9
