"""Standoff records: restoring text from the corpus, missing corpus, wrong digest."""

import gzip
import json

import pytest

from arabic_events.training.data.locations import CORPUS_ENV, SharedDataError
from arabic_events.training.data.records import CorpusError, load_records, sha256_text, to_standoff

TEXT = "عنوان\n\nبحث بوتين مع أردوغان"


@pytest.fixture()
def corpus(tmp_path):
    p = tmp_path / "mini.jsonl.gz"
    with gzip.open(p, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "DOC-1", "outlet": "x", "published": "2018-05-11", "url": None, "text": TEXT},
                            ensure_ascii=False) + "\n")
    return p


def standoff(digest=None):
    return {"id": "c1", "doc": {"corpus": "ant-multisource", "id": "DOC-1", "sha256": digest or sha256_text(TEXT)},
            "spans": [{"id": "s1", "start": 11, "end": 16, "label": "PER", "ref": "Vladimir Putin"}], "relations": []}


def write(tmp_path, rec):
    p = tmp_path / "a.jsonl"
    p.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    return p


def test_restores_text_and_meta(tmp_path, corpus):
    (rec,) = load_records(write(tmp_path, standoff()), corpus=corpus)
    assert rec["text"] == TEXT
    assert rec["text"][11:16] == "بوتين"
    assert rec["meta"]["published"] == "2018-05-11"


def test_corpus_from_environment(tmp_path, corpus, monkeypatch):
    monkeypatch.setenv(CORPUS_ENV, str(corpus))
    (rec,) = load_records(write(tmp_path, standoff()))
    assert rec["text"] == TEXT


def test_missing_corpus_file(tmp_path):
    with pytest.raises(SharedDataError) as e:
        load_records(write(tmp_path, standoff()), corpus=tmp_path / "nope.jsonl.gz")
    msg = str(e.value)
    assert "nope.jsonl.gz (given as an argument) not found" in msg and CORPUS_ENV in msg and "ant-multisource" in msg


def test_wrong_digest(tmp_path, corpus):
    with pytest.raises(CorpusError, match=r"a.jsonl:1: record c1: digest mismatch for 'DOC-1'"):
        load_records(write(tmp_path, standoff("0" * 64)), corpus=corpus)


def test_article_not_in_corpus(tmp_path, corpus):
    rec = standoff()
    rec["doc"]["id"] = "DOC-2"
    with pytest.raises(CorpusError, match="'DOC-2' is not in the corpus file"):
        load_records(write(tmp_path, rec), corpus=corpus)


def test_to_standoff_round_trip(tmp_path, corpus):
    (rec,) = load_records(write(tmp_path, standoff()), corpus=corpus)
    back = to_standoff(rec, "DOC-1")
    assert "text" not in back and back["doc"]["sha256"] == sha256_text(TEXT)
