"""The scorer on hand-built gold/predicted pairs; every expected number is derived by hand."""

import copy

import pytest

from arabic_events.training.evaluation.scoring import expected_calibration_error, score

TEXT = "بحث بوتين مع أردوغان اليوم. وتناول الاتصال الأزمة. واتفق الرئيسان على لقاء"


def at(surface, nth=0):
    i = -1
    for _ in range(nth + 1):
        i = TEXT.index(surface, i + 1)
    return i, i + len(surface)


def span(sid, surface, label, **kw):
    s, e = at(surface)
    return {"id": sid, "start": s, "end": e, "label": label, **kw}


GOLD = {"id": "a", "text": TEXT, "spans": [
    span("t1", "بحث", "CONSULT", event="e1", mode="phone"),
    span("p1", "بوتين", "PER", ref="Vladimir Putin"),
    span("p2", "أردوغان", "PER", ref="Recep Tayyip Erdoğan"),
    span("d1", "اليوم", "DATE"),
    span("t3", "الاتصال", "CONSULT", event="e1", mode="phone"),
    span("o1", "الأزمة", "TOPIC"),
    span("t2", "اتفق", "AGREE", event="e2"),
    span("r1", "الرئيسان", "ROLE", ref=["Vladimir Putin", "Recep Tayyip Erdoğan"]),
    span("o2", "لقاء", "TOPIC")],
    "relations": [{"head": "t1", "tail": "p1", "label": "ACTOR"}, {"head": "t1", "tail": "p2", "label": "ACTOR"},
                  {"head": "t1", "tail": "d1", "label": "TIME"}, {"head": "t3", "tail": "o1", "label": "TOPIC"},
                  {"head": "t2", "tail": "r1", "label": "ACTOR"}, {"head": "t2", "tail": "o2", "label": "TOPIC"}]}
# gold counts: 4 entities (p1 p2 d1 r1); layer 2: 5 (t1 t3 o1 t2 o2); 3 triggers; 6 arguments
# (ACTOR 3, TIME 1, TOPIC 2); 2 events: e1 CONSULT {Putin, Erdoğan}, e2 AGREE {Putin, Erdoğan}


def pred(fn=None):
    p = copy.deepcopy(GOLD)
    if fn:
        fn(p)
    return p


def by_id(p, sid):
    return next(s for s in p["spans"] if s["id"] == sid)


def test_perfect():
    r = score([GOLD], [pred()])
    for key in ("entities", "event_layer"):
        assert r[key]["micro"]["f1"] == 1.0
    assert r["triggers"]["f1"] == r["arguments"]["micro"]["f1"] == r["events"]["f1"] == 1.0
    assert r["events"]["mode_accuracy"] == 1.0
    assert r["entities"]["micro"]["support"] == 4 and r["event_layer"]["micro"]["support"] == 5
    assert r["arguments"]["micro"]["support"] == 6 and r["events"]["gold"] == 2


def test_empty_prediction():
    r = score([GOLD], [{"id": "a", "text": TEXT, "spans": [], "relations": []}])
    assert r["entities"]["micro"]["f1"] == 0.0 and r["entities"]["micro"]["recall"] == 0.0
    assert r["triggers"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 3}
    assert r["events"]["matched"] == 0 and r["events"]["predicted"] == 0 and r["events"]["f1"] == 0.0


def test_missing_prediction_counts_as_empty():
    assert score([GOLD], [])["events"]["recall"] == 0.0


def test_partial_overlap():
    def f(p):
        p["spans"] = [s for s in p["spans"] if s["id"] != "d1"]       # a miss
        s, _ = at("أردوغان")
        _, e = at("اليوم")
        by_id(p, "p2").update(start=s, end=e)                          # a wrong boundary
        p["relations"] = [r for r in p["relations"] if r["tail"] != "d1"]
    r = score([GOLD], [pred(f)])["entities"]["micro"]
    # tp = 2 (p1, r1) of 3 predicted, 4 gold: P = 2/3, R = 1/2, F1 = 2PR/(P+R) = (2/3)/(7/6) = 4/7
    assert r["precision"] == pytest.approx(2 / 3) and r["recall"] == pytest.approx(1 / 2)
    assert r["f1"] == pytest.approx(4 / 7)


def test_wrong_role():
    def f(p):
        p["relations"][1]["label"] = "RECIPIENT"                       # t1 -> p2 ACTOR becomes RECIPIENT
    r = score([GOLD], [pred(f)])
    # arguments: 5 of 6 predicted are right, 6 gold: P = R = F1 = 5/6
    assert r["arguments"]["micro"]["f1"] == pytest.approx(5 / 6)
    # ACTOR: 2 predicted, both right, 3 gold: P = 1, R = 2/3; RECIPIENT: 1 predicted, 0 right
    assert r["arguments"]["per_role"]["ACTOR"]["recall"] == pytest.approx(2 / 3)
    assert r["arguments"]["per_role"]["RECIPIENT"]["precision"] == 0.0
    # events: e1 now has actors {Putin} only -> unmatched; e2 matches: P = R = 1/2
    assert r["events"]["precision"] == pytest.approx(0.5) and r["events"]["recall"] == pytest.approx(0.5)


def test_clitic_only_difference_is_equal():
    def f(p):
        by_id(p, "t2")["start"] -= 1                                   # "واتفق" instead of "اتفق"
    r = score([GOLD], [pred(f)])
    assert TEXT[by_id(pred(f), "t2")["start"]] == "و"
    assert r["triggers"]["f1"] == 1.0 and r["event_layer"]["micro"]["f1"] == 1.0
    assert r["arguments"]["micro"]["f1"] == 1.0 and r["events"]["f1"] == 1.0


def test_longer_span_is_not_equal():
    def f(p):
        by_id(p, "o2")["start"] = at("على لقاء")[0]                    # TOPIC "على لقاء" instead of "لقاء"
    r = score([GOLD], [pred(f)])
    # layer 2: 4 of 5 right: P = R = F1 = 4/5
    assert r["event_layer"]["micro"]["f1"] == pytest.approx(0.8)


def test_split_event():
    def f(p):
        by_id(p, "t3")["event"] = "e9"                                 # the call's second mention on its own
    r = score([GOLD], [pred(f)])
    # predicted events: e1 (t1, actors Putin+Erdoğan) matches, e9 (t3, no actor) does not, e2 matches
    # P = 2/3, R = 2/2 = 1, F1 = 2*(2/3)/(5/3) = 0.8; triggers are untouched
    assert r["events"]["precision"] == pytest.approx(2 / 3) and r["events"]["recall"] == 1.0
    assert r["events"]["f1"] == pytest.approx(0.8)
    assert r["triggers"]["f1"] == 1.0


def test_merged_events():
    def f(p):
        by_id(p, "t2")["event"] = "e1"                                 # AGREE folded into the call
    r = score([GOLD], [pred(f)])
    # one predicted event: CONSULT (its first trigger) with actors {Putin, Erdoğan} -> matches e1;
    # gold e2 is missed. P = 1/1, R = 1/2, F1 = 2/3
    assert r["events"]["predicted"] == 1 and r["events"]["matched"] == 1
    assert r["events"]["f1"] == pytest.approx(2 / 3)


def test_actor_equal_by_mention_span_without_ref():
    def f(p):
        for sid in ("p1", "p2"):
            by_id(p, sid).pop("ref")
    # e1's actors have no ref: they are compared by their mention spans, which are exactly the
    # gold mentions of Putin and Erdoğan, so both events still match
    assert score([GOLD], [pred(f)])["events"]["f1"] == 1.0


def test_plural_mention_without_ref_is_one_actor():
    def f(p):
        by_id(p, "r1").pop("ref")
    # "الرئيسان" without its list ref is one actor; gold e2 has two -> e2 unmatched: P = R = 1/2
    assert score([GOLD], [pred(f)])["events"]["f1"] == pytest.approx(0.5)


def test_mode_accuracy_on_matched_events():
    def f(p):
        by_id(p, "t1")["mode"] = "visit"
        by_id(p, "t3")["mode"] = "visit"
    r = score([GOLD], [pred(f)])
    # both events still match (mode is not part of matching); modes right for e2 only: 1/2
    assert r["events"]["f1"] == 1.0 and r["events"]["mode_accuracy"] == 0.5


def test_expected_calibration_error_by_hand():
    # bin (0.9, 1]: two at 0.95, one right -> |0.5 - 0.95| * 2/3 = 0.3
    # bin (0.1, 0.2]: one at 0.15, wrong -> |0 - 0.15| * 1/3 = 0.05; ECE = 0.35
    assert expected_calibration_error([(0.95, True), (0.95, False), (0.15, False)]) == pytest.approx(0.35)


def test_agreement_is_symmetric_in_f1():
    def f(p):
        p["spans"] = [s for s in p["spans"] if s["id"] != "d1"]
        p["relations"] = [r for r in p["relations"] if r["tail"] != "d1"]
    a, b = score([GOLD], [pred(f)]), score([pred(f)], [GOLD])
    assert a["entities"]["micro"]["f1"] == pytest.approx(b["entities"]["micro"]["f1"])
    assert a["arguments"]["micro"]["f1"] == pytest.approx(b["arguments"]["micro"]["f1"])


def test_local_evaluate_metric_module():
    import json
    from importlib.resources import files

    import evaluate

    path = files("arabic_events.training.evaluation.metrics") / "event_f1.py"  # shipped with the package
    metric = evaluate.load(str(path))
    out = metric.compute(predictions=[json.dumps(pred(), ensure_ascii=False)], references=[json.dumps(GOLD, ensure_ascii=False)])
    assert out["event_f1"] == 1.0 and out["entity_f1"] == 1.0


def _one_event_record(actor_spans, with_ref):
    """'العاهل السعودي الملك سلمان يستقبل ...': CONSULT with the given actor mentions."""
    text = "استقبل العاهل السعودي الملك سلمان وزير الخارجية الأمريكي"
    spans = [{"id": "t", "start": 0, "end": 6, "label": "CONSULT", "event": "e1", "mode": "visit"}]
    rels = []
    for k, (start, end, label) in enumerate(actor_spans):
        s = {"id": f"a{k}", "start": start, "end": end, "label": label}
        if with_ref[k]:
            s["ref"] = "King Salman"
        spans.append(s)
        rels.append({"head": "t", "tail": f"a{k}", "label": "ACTOR"})
    return {"id": "x", "text": text, "spans": spans, "relations": rels}


def test_ref_less_mention_of_a_linked_actor_is_that_actor():
    # gold: ROLE «العاهل السعودي» (7-21) and PER «الملك سلمان» (22-33), both King Salman: one actor
    gold = _one_event_record([(7, 21, "ROLE"), (22, 33, "PER")], [True, True])
    # predicted: the PER linked, the ROLE without a ref (as the extractor leaves an unlinked title)
    pred = _one_event_record([(7, 21, "ROLE"), (22, 33, "PER")], [False, True])
    assert score([gold], [pred])["events"]["f1"] == 1.0
    # a ref-less mention that is no gold mention of the actor is a second actor: no match
    other = _one_event_record([(34, 48, "ROLE"), (22, 33, "PER")], [False, True])
    r = score([gold], [other])["events"]
    assert (r["matched"], r["predicted"], r["gold"], r["f1"]) == (0, 1, 1, 0.0)
    # before the merge the first case counted two predicted actors against one gold actor
    from arabic_events.training.evaluation.scoring import events_of

    assert len(events_of(pred)[0]["actors"]) == 2


def test_two_different_refs_are_never_merged():
    from arabic_events.training.evaluation.scoring import actors_equal

    text = "العاهل السعودي الملك سلمان"
    gold = [("King Salman", [(0, 14), (15, 26)])]
    pred = [("Mohammed bin Salman", [(0, 14)]), ("King Salman", [(15, 26)])]
    assert not actors_equal(text, gold, pred)
