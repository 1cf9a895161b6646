"""The Label Studio correction loop: records -> tasks -> (an annotator) -> export -> records.

Gold records survive the round trip exactly; predictions become pre-annotations with exact
offsets and scores; every defect of an export is named by task and region; lenient mode lists
what it leaves out."""

import copy
import json
import xml.etree.ElementTree as ET

import pytest
from conftest import CORPUS_FILE, make_tiny_model

from arabic_events.analysis.__main__ import main as corpus_main
from arabic_events.model.extractor import Document, EventExtractor
from arabic_events.model.linking import AliasTable
from arabic_events.model.schema import ALL_SPAN_LABELS, Event, Mention
from arabic_events.training.data.labelstudio_export import grouped_relations, record_to_task
from arabic_events.training.data.labelstudio_format import BLOCKS, CHOICES, TEXTAREAS, JsOffsets, labeling_config
from arabic_events.training.data.labelstudio_import import LabelStudioError, import_tasks
from arabic_events.training.data.records import load_records


def as_exported(records, kind="annotations"):
    """Tasks as a Label Studio JSON export gives them back (ids assigned, through JSON)."""
    tasks = [record_to_task(r, kind) for r in records]
    for k, t in enumerate(tasks, 1):
        t["id"] = k
        if kind == "predictions":  # the annotator submitted the pre-annotations unchanged
            t["annotations"] = [{"id": 100 + k, "result": t["predictions"][0]["result"], "was_cancelled": False}]
    return json.loads(json.dumps(tasks, ensure_ascii=False))


def expected(record):
    return {**record, "relations": grouped_relations(record["relations"])}


def test_seed_records_survive_the_round_trip(seed_records):
    result = import_tasks(as_exported(seed_records))
    assert result.records == [expected(r) for r in seed_records]
    assert result.skipped == [] and result.notes == []


def test_every_annotated_article_survives_the_round_trip(all_records):
    assert len(all_records) > 300
    assert import_tasks(as_exported(all_records)).records == [expected(r) for r in all_records]
    # Label Studio draws one arrow per (trigger, argument) pair: a pair's roles come back together
    moved = [r["id"] for r in all_records if grouped_relations(r["relations"]) != r["relations"]]
    assert "ant-706" in moved and len(moved) < 10  # a few records, and only reordered, never changed:
    key = lambda rel: json.dumps(rel, sort_keys=True)  # noqa: E731
    assert all(sorted(map(key, grouped_relations(r["relations"]))) == sorted(map(key, r["relations"]))
               for r in all_records)


def test_the_commands_round_trip_standoff_records(all_records, shared_corpus, tmp_path, capsys):
    gold = [r for r in all_records if r["id"] in ("ant-006", "ant-706", "seed-001")]
    tasks = tmp_path / "tasks.json"
    source = tmp_path / "gold.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in gold), encoding="utf-8")
    assert corpus_main(["labelstudio", "export", "--records", str(source), "--as-annotations", "--output", str(tasks),
                        "--config", str(tmp_path / "labeling.xml")]) == 0
    export = tmp_path / "export.json"
    export.write_text(json.dumps(as_exported_file(tasks)), encoding="utf-8")
    out = tmp_path / "corrected.jsonl"
    assert corpus_main(["labelstudio", "import", str(export), "--output", str(out)]) == 0
    assert "3 records ->" in capsys.readouterr().out
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {r["id"]: "text" in r for r in lines} == {"seed-001": True, "ant-006": False, "ant-706": False}
    assert load_records(out, corpus=shared_corpus) == [expected(r) for r in gold]
    assert corpus_main(["labelstudio", "import", str(export), "--output", str(out)]) == 2  # never overwritten
    assert "exists; pass --overwrite" in capsys.readouterr().err


def as_exported_file(tasks_path):
    tasks = json.loads(tasks_path.read_text(encoding="utf-8"))
    for k, t in enumerate(tasks, 1):
        t["id"] = k
    return tasks


def test_the_labelling_config_names_every_control_the_tasks_use(seed_records):
    root = ET.fromstring(labeling_config())
    names = {e.get("name"): e for e in root.iter() if e.get("name")}
    assert {lab.get("value") for b in BLOCKS for lab in names[b].iter("Label")} == set(ALL_SPAN_LABELS)
    assert [r.get("value") for r in root.iter("Relation")] == ["ACTOR", "RECIPIENT", "TOPIC", "TIME", "PLACE", "SOURCE"]
    assert all(names[n].get("perRegion") == "true" for n in (*TEXTAREAS, *CHOICES))
    assert {c.get("value") for c in names["mode"].iter("Choice")} >= {"phone", "visit", "yield", "allege"}
    used = {r.get("from_name") for t in as_exported(seed_records) for r in t["annotations"][0]["result"]} - {None}
    assert used <= set(names) and names["text"].get("value") == "$text"


def test_predictions_are_pre_annotations_with_exact_offsets_and_scores():
    text = "😀 بحث بوتين مع أردوغان"
    call = Mention("بحث", "CONSULT", 2, 5, 0.9)
    putin = Mention("بوتين", "PER", 6, 11, 0.8, ref="Vladimir Putin")
    erdogan = Mention("أردوغان", "PER", 15, 22, 0.7, ref="Recep Tayyip Erdoğan")
    ev = Event("CONSULT", "phone", "asserted", 0.6, [call], [])
    doc = Document(text, [call, putin, erdogan], [(call, "ACTOR", putin, 0.95), (call, "ACTOR", erdogan, 0.5)], [ev])
    task = record_to_task(doc.to_record("a1"), "predictions", model_version="m1")
    pred = task["predictions"][0]
    assert (pred["model_version"], pred["score"]) == ("m1", 0.8)
    by = {(r.get("id"), r.get("from_name")): r for r in pred["result"] if r["type"] != "relation"}
    # Label Studio counts UTF-16 units: the emoji takes two, so every offset moves by one
    assert by[("s1", "event")]["value"] == {"start": 3, "end": 6, "text": "بحث", "labels": ["CONSULT"]}
    assert by[("s1", "event")]["score"] == 0.9
    assert by[("s1", "event_id")]["value"]["text"] == ["e1"] and by[("s1", "mode")]["value"]["choices"] == ["phone"]
    assert by[("s3", "ref")]["value"] == {"start": 16, "end": 23, "text": ["Recep Tayyip Erdoğan"]}
    assert [r for r in pred["result"] if r["type"] == "relation"] == [
        {"from_id": "s1", "to_id": "s2", "type": "relation", "direction": "right", "labels": ["ACTOR"]},
        {"from_id": "s1", "to_id": "s3", "type": "relation", "direction": "right", "labels": ["ACTOR"]}]
    assert task["data"] == {"text": text, "record_id": "a1", "record": {}}
    # accepted as is, the prediction comes back as a record with Python offsets and no confidences
    rec = import_tasks(as_exported([doc.to_record("a1")], "predictions")).records[0]
    assert [(s["id"], s["start"], s["end"], s["label"]) for s in rec["spans"]] == [
        ("s1", 2, 5, "CONSULT"), ("s2", 6, 11, "PER"), ("s3", 15, 22, "PER")]
    assert rec["spans"][0] == {"id": "s1", "start": 2, "end": 5, "label": "CONSULT", "event": "e1", "mode": "phone"}
    assert JsOffsets(text).from_js(1) is None  # inside the emoji's surrogate pair


def test_the_export_command_pre_annotates_articles(tmp_path, seed_records, tokenizer, capsys):
    model = tmp_path / "model"
    EventExtractor(make_tiny_model(tokenizer), tokenizer, AliasTable.from_records(seed_records)).save_pretrained(model)
    src = tmp_path / "ant-multisource.jsonl"
    src.write_text("".join(json.dumps({"id": r["id"], "text": r["text"], "published": "2020-10-01"},
                                      ensure_ascii=False) + "\n" for r in seed_records), encoding="utf-8")
    done = tmp_path / "done.jsonl"  # an annotation file that already holds seed-002 (standoff)
    done.write_text(json.dumps({"id": "ant-1", "doc": {"corpus": "ant-multisource", "id": "seed-002"}}) + "\n")
    out = tmp_path / "tasks.json"
    assert corpus_main(["labelstudio", "export", str(src), "--model", str(model), "--output", str(out),
                        "--config", str(tmp_path / "c.xml"), "--exclude", str(CORPUS_FILE), str(done), "--limit", "2",
                        "--ids", "seed-000,seed-002,seed-003,seed-004", "--no-progress"]) == 0
    tasks = json.loads(out.read_text(encoding="utf-8"))
    assert [t["data"]["record_id"] for t in tasks] == ["seed-000", "seed-003"]
    assert "2 tasks ->" in capsys.readouterr().out
    for t in tasks:
        text = t["data"]["text"]
        assert t["data"]["record"]["doc"]["id"] == t["data"]["record_id"]  # an ANT-named corpus: standoff ids
        results = t["predictions"][0]["result"]
        regions = {r["id"] for r in results if r["type"] == "labels"}
        assert regions and all(text[r["value"]["start"]:r["value"]["end"]] == r["value"]["text"]
                               for r in results if r["type"] == "labels")
        assert all({r["from_id"], r["to_id"]} <= regions for r in results if r["type"] == "relation")
    assert corpus_main(["labelstudio", "export", str(src), "--model", str(model), "--output", str(out)]) == 2


# ---- defects: one hand-made task per kind, each message exact ----

TEXT = "بحث بوتين مع أردوغان اليوم"


def gold():
    return {"id": "r1", "text": TEXT, "meta": {"published": "2020-10-01"}, "spans": [
        {"id": "s1", "start": 0, "end": 3, "label": "CONSULT", "event": "e1", "mode": "phone"},
        {"id": "s2", "start": 4, "end": 9, "label": "PER", "ref": "Vladimir Putin"},
        {"id": "s3", "start": 13, "end": 20, "label": "PER", "ref": "Recep Tayyip Erdoğan"},
        {"id": "s4", "start": 21, "end": 26, "label": "DATE", "value": "2020-10-01"}],
        "relations": [{"head": "s1", "tail": "s2", "label": "ACTOR"}, {"head": "s1", "tail": "s3", "label": "ACTOR"},
                      {"head": "s1", "tail": "s4", "label": "TIME"}]}


def broken(edit):
    """One exported task of :func:`gold` with ``edit(result)`` applied."""
    task = as_exported([gold()])[0]
    edit(task["annotations"][0]["result"])
    return task


def item(result, rid, name):
    return next(r for r in result if r.get("id") == rid and r.get("from_name") == name)


def rel(result, a, b):
    return next(r for r in result if r.get("type") == "relation" and (r["from_id"], r["to_id"]) == (a, b))


PRE = "task 1: record r1: "
DEFECTS = {
    "unknown label": (lambda res: item(res, "s2", "entity")["value"].update(labels=["PERSON"]),
                      ["region s2: unknown label 'PERSON' in the entity block",
                       "relation #0 (s1 -> s2): its region s2 is defective (see above)"]),
    "label of the other block": (lambda res: item(res, "s4", "entity")["value"].update(labels=["TOPIC"]),
                                 ["region s4: label 'TOPIC' belongs to the event block, not entity",
                                  "relation #2 (s1 -> s4): its region s4 is defective (see above)"]),
    "offsets that do not match the text": (
        lambda res: item(res, "s3", "entity")["value"].update(start=12, end=19),
        ["region s3: PER: offsets 12-19 do not match the text: the region says 'أردوغان', the text there is ' أردوغا'",
         "relation #1 (s1 -> s3): its region s3 is defective (see above)"]),
    "offsets out of the text": (lambda res: item(res, "s4", "entity")["value"].update(start=21, end=99),
                                ["region s4: DATE: offsets 21-99 do not delimit characters of a text of 26 characters",
                                 "relation #2 (s1 -> s4): its region s4 is defective (see above)"]),
    "relation to a missing region": (lambda res: rel(res, "s1", "s4").update(to_id="zz9"),
                                     ["relation #2 (s1 -> zz9): relation to a missing region 'zz9'"]),
    "trigger without event id": (lambda res: res.remove(item(res, "s1", "event_id")),
                                 ["region s1: trigger CONSULT without an event id (fill event_id, e.g. e1)",
                                  "relation #0 (s1 -> s2): its region s1 is defective (see above)",
                                  "relation #1 (s1 -> s3): its region s1 is defective (see above)",
                                  "relation #2 (s1 -> s4): its region s1 is defective (see above)"]),
    "relation without a role": (lambda res: rel(res, "s1", "s2").update(labels=[]),
                                ["relation #0 (s1 -> s2): no role (label the relation ACTOR, RECIPIENT, TOPIC, "
                                 "TIME, PLACE or SOURCE)"]),
    "relation between two arguments": (lambda res: rel(res, "s1", "s2").update(from_id="s3"),
                                       ["relation #0 (s3 -> s2): neither end is a trigger"]),
    "an extra for a region with no label": (
        lambda res: res.append({"id": "q7", "from_name": "ref", "to_name": "text", "type": "textarea",
                                "value": {"start": 0, "end": 3, "text": ["X"]}}),
        ["region q7: a ref result for a region that has no label"]),
    "a mode that is no mode": (lambda res: item(res, "s1", "mode")["value"].update(choices=["by pigeon"]),
                               ["region s1: mode ['by pigeon'] is not one of " + ", ".join(CHOICES["mode"])] +
                               [f"relation #{j} (s1 -> s{j + 2}): its region s1 is defective (see above)"
                                for j in range(3)]),
    "a control the config does not have": (
        lambda res: res.append({"id": "s2", "from_name": "sentiment", "to_name": "text", "type": "choices",
                                "value": {"choices": ["x"]}}),
        ["region s2: unknown control 'sentiment' of type 'choices' (not in the labelling config)",
         "relation #0 (s1 -> s2): its region s2 is defective (see above)"]),
    # SCHEMA checks of the validator, on the record Label Studio gave back
    "CONSULT without mode": (lambda res: res.remove(item(res, "s1", "mode")),
                             ["span s1: CONSULT trigger without 'mode' (one of phone, visit, third-party, "
                              "multilateral, unspecified)"]),
    "ACTOR without ref": (lambda res: res.remove(item(res, "s2", "ref")),
                          ["relation #0 (s1 -ACTOR-> s2): ACTOR tail span s2 has no 'ref'"]),
}


@pytest.mark.parametrize("kind", list(DEFECTS))
def test_each_defect_is_named_by_task_and_region(kind):
    edit, messages = DEFECTS[kind]
    with pytest.raises(LabelStudioError) as err:
        import_tasks([broken(edit)])
    assert err.value.problems == [PRE + m for m in messages]


def test_all_defects_of_all_tasks_are_listed_together():
    tasks = [broken(DEFECTS["unknown label"][0]), broken(DEFECTS["CONSULT without mode"][0])]
    tasks[1]["id"] = 2
    tasks[1]["data"]["record_id"] = "r2"
    with pytest.raises(LabelStudioError, match=r"(?s)^3 annotation problem\(s\):\ntask 1: record r1: region s2: unknown "
                                               r"label 'PERSON'.*\ntask 2: record r2: span s1: CONSULT trigger") as err:
        import_tasks(tasks)
    assert len(err.value.problems) == 3


def test_lenient_mode_leaves_out_and_lists():
    bad_region = broken(DEFECTS["unknown label"][0])
    bad_schema = broken(DEFECTS["CONSULT without mode"][0])
    bad_schema.update(id=2, data={**bad_schema["data"], "record_id": "r2"})
    unannotated = {"id": 3, "data": {"text": TEXT, "record_id": "r3"}, "annotations": []}
    skipped_only = {"id": 4, "data": {"text": TEXT, "record_id": "r4"},
                    "annotations": [{"id": 9, "result": [], "was_cancelled": True}]}
    twice = as_exported([gold()])[0]
    twice.update(id=5, data={**twice["data"], "record_id": "r5"})
    older = copy.deepcopy(twice["annotations"][0])
    older.update(id=1, updated_at="2024-01-01T00:00:00Z", result=[])
    twice["annotations"][0].update(id=2, updated_at="2024-02-01T00:00:00Z")
    twice["annotations"].insert(0, older)
    result = import_tasks([bad_region, bad_schema, unannotated, skipped_only, twice], lenient=True)
    g = gold()
    assert [r["id"] for r in result.records] == ["r1", "r5"]
    assert result.records[0]["spans"] == [s for s in g["spans"] if s["id"] != "s2"]
    assert result.records[0]["relations"] == [r for r in g["relations"] if r["tail"] != "s2"]
    assert result.records[1] == {**g, "id": "r5"}  # the most recent annotation
    assert result.skipped == [
        "task 1: record r1: region s2: unknown label 'PERSON' in the entity block (left out)",
        "task 1: record r1: relation #0 (s1 -> s2): its region s2 is defective (see above) (left out)",
        "task 2: record r2: span s1: CONSULT trigger without 'mode' (one of phone, visit, third-party, multilateral, "
        "unspecified) (task left out)"]
    assert result.notes == ["task 3: record r3: no submitted annotation (not imported)",
                            "task 4: record r4: no submitted annotation (not imported)",
                            "task 5: record r5: 2 submitted annotations; the most recent (id 2) is used"]


def test_duplicate_record_ids_and_a_changed_text_are_defects():
    a, b = as_exported([gold(), gold()])
    with pytest.raises(LabelStudioError, match="task 2: record r1: the same record id as task 1"):
        import_tasks([a, b])
    standoff = {**gold(), "doc": {"corpus": "ant-multisource", "id": "X", "sha256": "0" * 64}}
    with pytest.raises(LabelStudioError, match=r"data.text is not the text of doc 'X' \(sha256 differs\)"):
        import_tasks(as_exported([standoff]))


def test_the_import_command_prints_every_defect(tmp_path, capsys):
    export = tmp_path / "export.json"
    export.write_text(json.dumps([broken(DEFECTS["relation to a missing region"][0])]), encoding="utf-8")
    assert corpus_main(["labelstudio", "import", str(export), "--output", str(tmp_path / "o.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: 1 annotation problem(s):\n") and f"{export}: task 1: record r1: relation #2" in err
    assert not (tmp_path / "o.jsonl").exists()
    assert corpus_main(["labelstudio", "import", str(export), "--output", str(tmp_path / "o.jsonl"), "--lenient"]) == 0
    assert "(left out)" in capsys.readouterr().err
    assert len(load_records(tmp_path / "o.jsonl")[0]["relations"]) == 2


def test_the_import_command_can_add_the_new_records_to_train(tmp_path):
    a, b = as_exported([gold(), {**gold(), "id": "r2"}])
    export = tmp_path / "export.json"
    export.write_text(json.dumps([a, b]), encoding="utf-8")
    splits = tmp_path / "splits.json"
    splits.write_text(json.dumps({"train": ["x"], "dev": ["y"], "test": ["r2"]}))
    out, new_splits = tmp_path / "o.jsonl", tmp_path / "new-splits.json"
    assert corpus_main(["labelstudio", "import", str(export), "--output", str(out), "--splits", str(splits),
                        "--splits-output", str(new_splits)]) == 0
    # r2 was already held out (a corrected test article stays in test); r1 is new: train
    assert json.loads(new_splits.read_text()) == {"train": ["x", "r1"], "dev": ["y"], "test": ["r2"]}
    assert corpus_main(["labelstudio", "import", str(export), "--output", str(tmp_path / "p.jsonl"),
                        "--splits", str(splits)]) == 2
