"""Splits, the article-level DatasetDict, CoNLL export, the dataset card, the corpus records."""

import json

import pytest
from conftest import CORPUS_FILE, ROOT

from arabic_events.training.data.conll import read_conll, to_conll
from arabic_events.training.data.dataset import build_dataset_dict, check_splits, load_splits


def test_splits_are_disjoint_and_cover_the_annotations(all_records):
    splits = load_splits(ROOT / "annotations" / "splits.json")
    ids = [r["id"] for r in all_records]
    check_splits(splits, ids)  # no article in two splits, no unknown article
    assert sorted(i for v in splits.values() for i in v) == sorted(ids)  # every article in one split
    assert len(splits["test"]) >= 15


def test_article_in_two_splits_is_an_error():
    with pytest.raises(ValueError, match="'a' is in two splits: train and test"):
        check_splits({"train": ["a"], "test": ["a"]}, ["a"])
    with pytest.raises(ValueError, match="names article 'zz'"):
        check_splits({"train": ["zz"]}, ["a"])


def test_dataset_dict_by_article(seed_records):
    dd = build_dataset_dict(seed_records, {"train": ["seed-000", "seed-001"], "dev": ["seed-002"], "test": ["seed-003"]})
    assert dd["train"].num_rows == 2 and dd["dev"]["id"] == ["seed-002"]
    row = dd["train"][0]
    span = row["spans"][0]
    assert row["text"][span["start"]:span["end"]] and isinstance(span["ref"], list)


def test_conll_round_trip_on_word_aligned_spans(seed_records):
    text = to_conll(seed_records)
    back = read_conll(text)
    for rec in seed_records:
        got = set(back[rec["id"]])
        t = rec["text"]
        for s in rec["spans"]:
            word_aligned = (s["start"] == 0 or not t[s["start"] - 1].isalnum()) and (
                s["end"] == len(t) or not t[s["end"]].isalnum())
            if word_aligned:
                assert (s["label"], s["start"], s["end"]) in got, (rec["id"], s)


def test_dataset_card_is_up_to_date(shared_corpus):
    from arabic_events.training.data.card import main

    assert main(["--check", "--annotations", str(ROOT / "annotations"), "--corpus", str(shared_corpus)]) == 0


def test_corpus_records_are_standoff_and_restore(shared_corpus):
    from arabic_events.training.data.records import load_records

    raw = [json.loads(line) for line in CORPUS_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert raw and all("text" not in r and r["doc"]["corpus"] == "ant-multisource" for r in raw)
    recs = load_records(CORPUS_FILE, corpus=shared_corpus)
    assert len(recs) == len(raw) >= 60
    outlets = {r["meta"]["source"] for r in recs}
    assert outlets == {"BBC", "CNN", "alarabia", "france24", "skynews"}


def _rec(rid, *labels):
    return {"id": rid, "relations": [],
            "spans": [{"id": f"t{k}", "label": lab, "event": f"e{k}", "start": 0, "end": 1} for k, lab in enumerate(labels)]}


def test_new_articles_fill_the_rarest_types_of_test_first_and_old_ones_stay():
    from arabic_events.training.data.splits import assign

    old = {"train": ["t1"], "dev": ["d1"], "test": ["x1"]}
    recs = [_rec("t1", "CONSULT"), _rec("d1", "CONSULT"), _rec("x1", "CONSULT", "CONSULT"),
            _rec("n1", "CONSULT"), _rec("n2", "AID"), _rec("n3", "CONSULT"), _rec("n4"), _rec("n5", "MOBILIZE"),
            _rec("n6", "AID"), _rec("n7", "MOBILIZE")]
    new = assign(old, recs, n_test=2, n_dev=1, target=2)
    for k in old:
        assert new[k][: len(old[k])] == old[k]  # nothing moves
    # test has CONSULT already: one article of each rare type goes there, the other stays in training
    assert sorted(r["spans"][0]["label"] for r in recs if r["id"] in new["test"][1:]) == ["AID", "MOBILIZE"]
    assert {"n2", "n6"} & set(new["train"]) and {"n5", "n7"} & set(new["train"])
    assert sorted(sum(new.values(), [])) == sorted(r["id"] for r in recs)  # every article once
    assert new == assign(old, recs, n_test=2, n_dev=1, target=2)  # deterministic
