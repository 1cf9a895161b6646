"""One test per validator defect, each asserting where and what the message says."""

import copy
import json

import pytest

from arabic_events.training.data.records import load_records
from arabic_events.training.data.validation import AnnotationError, validate_record

TEXT = "بحث الرئيس الروسي فلاديمير بوتين هاتفيا مع أردوغان اليوم"
#       0   4              18             33     40 43      51


def base():
    return {"id": "r1", "text": TEXT, "spans": [
        {"id": "s1", "start": 0, "end": 3, "label": "CONSULT", "event": "e1", "mode": "phone"},
        {"id": "s2", "start": 4, "end": 17, "label": "ROLE", "ref": "Vladimir Putin"},
        {"id": "s3", "start": 18, "end": 32, "label": "PER", "ref": "Vladimir Putin"},
        {"id": "s4", "start": 43, "end": 50, "label": "PER", "ref": "Recep Tayyip Erdoğan"},
        {"id": "s5", "start": 51, "end": 56, "label": "DATE"}],
        "relations": [{"head": "s1", "tail": "s3", "label": "ACTOR"}, {"head": "s1", "tail": "s5", "label": "TIME"}]}


def errors(rec):
    return validate_record(rec, "f.jsonl:7")


def test_base_is_valid():
    rec = base()
    assert [rec["text"][s["start"]:s["end"]] for s in rec["spans"]] == [
        "بحث", "الرئيس الروسي", "فلاديمير بوتين", "أردوغان", "اليوم"]
    assert errors(rec) == []


def mutate(fn):
    rec = copy.deepcopy(base())
    fn(rec)
    return errors(rec)


def test_offsets_out_of_range():
    (msg,) = mutate(lambda r: r["spans"][4].update(end=500))
    assert msg == "f.jsonl:7: record r1: span s5: offsets 51-500 out of range for a text of 56 characters"


def test_surface_mismatch():
    (msg,) = mutate(lambda r: r["spans"][2].update(text="بوتين"))
    assert "span s3: surface mismatch" in msg and "'بوتين'" in msg and "'فلاديمير بوتين'" in msg


def test_edge_whitespace():
    (msg,) = mutate(lambda r: r["spans"][2].update(start=17))
    assert msg.startswith("f.jsonl:7: record r1: span s3: whitespace or punctuation at the span's edge")


def test_overlap_inside_layer():
    (msg,) = mutate(lambda r: r["spans"].append({"id": "s9", "start": 27, "end": 32, "label": "PER", "ref": "x"}))
    assert "span s9: overlaps span s3 in layer 1 (18-32 and 27-32)" in msg


def test_overlap_across_layers_is_allowed():
    assert mutate(lambda r: r["spans"].append({"id": "s9", "start": 4, "end": 32, "label": "TOPIC"})) == []


def test_unknown_label():
    msgs = mutate(lambda r: r["spans"][3].update(label="PERSON"))
    assert msgs[0] == "f.jsonl:7: record r1: span s4: unknown label 'PERSON'"


def test_unknown_role():
    (msg,) = mutate(lambda r: r["relations"][0].update(label="AGENT"))
    assert "relation #0 (s1 -AGENT-> s3): unknown role 'AGENT'" in msg


def test_role_tail_type_mismatch():
    (msg,) = mutate(lambda r: r["relations"][1].update(tail="s4"))
    assert "role/tail type mismatch: TIME takes DATE, span s4 is PER" in msg


def test_relation_to_missing_span():
    (msg,) = mutate(lambda r: r["relations"].append({"head": "s1", "tail": "s42", "label": "ACTOR"}))
    assert "relation #2 (s1 -ACTOR-> s42): relation to a missing span 's42'" in msg


def test_trigger_without_event_id():
    (msg,) = mutate(lambda r: r["spans"][0].pop("event"))
    assert "span s1: trigger CONSULT without an 'event' id" in msg


def test_consult_without_mode():
    (msg,) = mutate(lambda r: r["spans"][0].pop("mode"))
    assert "span s1: CONSULT trigger without 'mode'" in msg


def test_actor_tail_without_ref():
    (msg,) = mutate(lambda r: r["spans"][2].pop("ref"))
    assert "relation #0 (s1 -ACTOR-> s3): ACTOR tail span s3 has no 'ref'" in msg


def test_mode_of_wrong_type():
    (msg,) = mutate(lambda r: r["spans"][0].update(mode="yield"))
    assert "mode 'yield' is not a mode of CONSULT" in msg


def test_load_records_names_file_and_line(tmp_path):
    good, bad = base(), base()
    bad["id"] = "r2"
    bad["spans"][0].pop("event")
    p = tmp_path / "a.jsonl"
    p.write_text(json.dumps(good, ensure_ascii=False) + "\n" + json.dumps(bad, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(AnnotationError) as e:
        load_records(p)
    assert f"{p}:2: record r2: span s1: trigger CONSULT without an 'event' id" in str(e.value)


def test_bad_json_line(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_text(json.dumps(base(), ensure_ascii=False) + "\n{oops\n", encoding="utf-8")
    with pytest.raises(AnnotationError, match=r"a.jsonl:2: not valid JSON"):
        load_records(p)


def test_every_shipped_annotation_file_validates(all_records):
    from conftest import ANNOTATION_FILES

    # all_records loaded (and so validated) every line of every shipped file: none was skipped
    lines = sum(1 for f in ANNOTATION_FILES for line in f.read_text(encoding="utf-8").splitlines() if line.strip())
    assert len(all_records) == lines >= 84
    assert len({r["id"] for r in all_records}) == lines  # ids are unique across files
