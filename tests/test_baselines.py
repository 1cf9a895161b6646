"""The baselines: the keyword rule on hand-made cases, the CRF on the seed articles, the command."""

import json
import os

import pytest
from conftest import SEED_FILE
from helpers import tiny_config

from arabic_events.model.linking import AliasTable, alias_key
from arabic_events.training.baselines.keyword import KeywordConsult
from arabic_events.training.evaluation.scoring import score

TEXT = "أجرى الرئيس الروسي فلاديمير بوتين اتصالا هاتفيا مع نظيره التركي رجب طيب أردوغان. وقال الكرملين إن الجانبين بحثا الوضع."
TABLE = AliasTable({"PER": {alias_key("فلاديمير بوتين"): "Vladimir Putin", alias_key("رجب طيب أردوغان"): "Recep Tayyip Erdoğan"},
                    "ORG": {alias_key("الكرملين"): "Kremlin"}})


def test_keyword_rule_finds_the_call_and_both_parties():
    (ev,) = KeywordConsult(TABLE).extract(TEXT)
    assert (ev.type, ev.mode) == ("CONSULT", "phone")
    assert ev.refs("ACTOR") == ["Vladimir Putin", "Recep Tayyip Erdoğan"]
    assert [t.text for t in ev.triggers] == ["اتصالا"]
    # the titles before the names take their refs, so one party is one actor
    assert {a.mention.text for a in ev.arguments} == {"الرئيس الروسي", "فلاديمير بوتين", "نظيره التركي", "رجب طيب أردوغان"}
    for a in ev.arguments:
        assert TEXT[a.mention.start:a.mention.end] == a.mention.text


def test_keyword_rule_needs_two_parties_and_a_keyword():
    rule = KeywordConsult(TABLE)
    assert rule.extract("أجرى فلاديمير بوتين اتصالا هاتفيا مع مسؤولين.") == []       # one party
    assert rule.extract("فلاديمير بوتين ورجب طيب أردوغان في صورة واحدة.") == []       # no keyword


def test_keyword_rule_record_scores_as_its_events():
    rule = KeywordConsult(TABLE)
    pred = rule.predict({"id": "x", "text": TEXT})
    gold = json.loads(json.dumps(pred))  # the same record as gold: every metric it carries is perfect
    report = score([gold], [pred])
    assert report["events"]["f1"] == 1.0 and report["events"]["per_type"]["CONSULT"]["f1"] == 1.0


@pytest.fixture(scope="module")
def crf_module():
    if os.environ.get("CI"):
        import pycrfsuite  # noqa: F401  (CI installs the baselines extra: a missing one is a failure)
    return pytest.importorskip("pycrfsuite")


def test_crf_learns_the_seed_articles(crf_module, seed_records):
    from arabic_events.training.baselines.crf import CrfTagger

    tagger = CrfTagger(max_iterations=60).fit(seed_records)
    preds = [tagger.predict(r) for r in seed_records]
    for p, r in zip(preds, seed_records):
        assert p["id"] == r["id"]
        for s in p["spans"]:
            assert 0 <= s["start"] < s["end"] <= len(r["text"])
    report = score(seed_records, preds)
    # scored on its own training articles a CRF nearly memorises them (this checks the wiring:
    # word tags built from the records, trained, and mapped back to character offsets)
    assert report["entities"]["micro"]["f1"] > 0.8
    assert report["triggers"]["f1"] > 0.5


def test_baseline_command_split_and_cv(tmp_path, crf_module):
    from arabic_events.training.baselines.__main__ import main

    cfg = tiny_config(tmp_path, SEED_FILE, tmp_path / "run")
    out = tmp_path / "kw.json"
    assert main(["keyword", "--config", str(cfg), "--split", "dev", "--output", str(out)]) == 0
    assert json.loads(out.read_text())["articles"] == 1
    # a learning-curve point: fit on half of the 4 training articles, same dev article
    assert main(["keyword", "--config", str(cfg), "--split", "dev", "--fraction", "0.5", "--output", str(out)]) == 0
    assert json.loads(out.read_text())["articles"] == 1
    out = tmp_path / "cv.json"
    assert main(["crf", "--config", str(cfg), "--cv", "2", "--output", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["k"] == 2 and report["articles"] == 5 and set(report["summary"]) >= {"entity_f1", "trigger_f1"}
    assert main(["crf", "--config", str(tmp_path / "nope.yaml"), "--split", "test"]) == 2
