"""Corpus-scale extraction: every input kind, bad entries reported and skipped, one row per event,
and a run killed halfway resumes without losing or duplicating rows."""

import json
import os
import signal
import subprocess
import sys
import time

import pyarrow.parquet as pq
import pytest
from conftest import ROOT, make_tiny_model

from arabic_events.analysis.actors import ActorCoder
from arabic_events.analysis.extract_corpus import extract_corpus
from arabic_events.analysis.rows import COLUMNS, event_rows
from arabic_events.analysis.sources import iter_articles
from arabic_events.model.extractor import EventExtractor
from arabic_events.model.linking import AliasTable


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, seed_records, tokenizer):
    path = tmp_path_factory.mktemp("corpus") / "model"
    EventExtractor(make_tiny_model(tokenizer), tokenizer, AliasTable.from_records(seed_records)).save_pretrained(path)
    return path


def write_jsonl(path, seed_records, copies=1, long=False):
    lines = []
    for c in range(copies):
        for r in seed_records:
            text = "\n".join(x["text"] for x in seed_records) if long else r["text"]
            lines.append(json.dumps({"id": f"{r['id']}-{c}", "text": text, "published": "2020-10-02",
                                     "outlet": "seed", "url": f"http://x/{c}"}, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_bad_entries_are_named_and_skipped_the_rest_is_read(tmp_path, seed_records):
    good = json.dumps({"id": "ok", "text": seed_records[0]["text"]}, ensure_ascii=False).encode()
    src = tmp_path / "c.jsonl"
    src.write_bytes(b"\n".join([good, b"{corrupt", "نص".encode("cp1256"), b'{"id": "x"}',
                                b'{"id": "d", "text": "t", "published": "soon"}', good.replace(b'"ok"', b'"ok2"')]))
    errors = []
    ids = [a["id"] for a in iter_articles(src, lambda where, why: errors.append(f"{where}: {why}"))]
    assert ids == ["ok", "ok2"]
    assert errors == [f"{src}:2: not valid JSON (Expecting property name enclosed in double quotes at column 2)",
                      f"{src}:3: not UTF-8 text", f"{src}:4: no 'text' string",
                      f"{src}:5: published: published date 'soon' is not an ISO date (YYYY-MM-DD)"]


def test_a_folder_of_txt_and_a_datasets_folder(tmp_path, seed_records):
    from datasets import Dataset

    folder = tmp_path / "txt"
    folder.mkdir()
    (folder / "a.txt").write_text(seed_records[0]["text"], encoding="utf-8")
    (folder / "b.txt").write_text("", encoding="utf-8")  # an empty file is an article with no events
    (folder / "c.txt").write_bytes("نص".encode("cp1256"))
    errors = []
    assert [a["id"] for a in iter_articles(folder, lambda w, p: errors.append(w))] == ["a", "b"]
    assert errors == [str(folder / "c.txt")]
    Dataset.from_list([{"id": "d1", "text": "نص", "published": "2018-05-11"}]).save_to_disk(tmp_path / "ds")
    assert [(a["id"], a["published"]) for a in iter_articles(tmp_path / "ds")] == [("d1", "2018-05-11")]


def test_rows_are_the_events_of_each_article(tmp_path, model_dir, seed_records):
    ex = EventExtractor.from_pretrained(model_dir, device="cpu")
    src = write_jsonl(tmp_path / "c.jsonl", seed_records)
    summary = extract_corpus(ex, src, tmp_path / "events.parquet", chunk_articles=2, write_csv=True,
                             show_progress_bar=False)
    table = pq.read_table(tmp_path / "events.parquet")
    assert table.column_names == COLUMNS
    arts = list(iter_articles(src))
    coder = ActorCoder.from_tsv()
    expected = [row for a in arts for row in event_rows(a, ex.extract(a["text"], published=a["published"]), coder)]
    assert table.to_pylist() == expected and summary["events"] == len(expected) > 0
    assert (tmp_path / "events.csv").read_text(encoding="utf-8").startswith(",".join(COLUMNS))
    assert not (tmp_path / "events.parquet.parts").exists()
    with pytest.raises(FileExistsError, match="overwrite"):
        extract_corpus(ex, src, tmp_path / "events.parquet", show_progress_bar=False)


def test_killed_halfway_it_resumes_without_duplicates(tmp_path, model_dir, seed_records):
    src = write_jsonl(tmp_path / "c.jsonl", seed_records, copies=8, long=True)  # 40 long articles
    out = tmp_path / "killed.parquet"
    cmd = [sys.executable, "-m", "arabic_events.analysis", "extract", str(src), "--model", str(model_dir),
           "--output", str(out), "--chunk", "2", "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    state = out.with_name(out.name + ".parts") / "state.json"
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        if state.exists() and json.loads(state.read_text())["parts"] >= 3:
            os.kill(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.02)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    done = json.loads(state.read_text())["articles"]
    assert 0 < done < 40 and not out.exists()

    assert subprocess.run(cmd, cwd=ROOT, capture_output=True).returncode == 0
    resumed = pq.read_table(out).to_pylist()
    ex = EventExtractor.from_pretrained(model_dir, device="cpu")
    extract_corpus(ex, src, tmp_path / "whole.parquet", chunk_articles=2, show_progress_bar=False)
    whole = pq.read_table(tmp_path / "whole.parquet").to_pylist()
    assert resumed == whole
    ids = [r["event_id"] for r in resumed]
    assert len(ids) == len(set(ids)) and {r["article_id"] for r in resumed} >= {f"seed-000-{c}" for c in range(8)}


def test_a_run_coded_with_another_gazetteer_is_not_resumed(tmp_path, seed_records):
    src = write_jsonl(tmp_path / "c.jsonl", seed_records)
    parts = tmp_path / "events.parquet.parts"
    parts.mkdir()
    (parts / "state.json").write_text(json.dumps({"source": str(src), "gazetteer": "0", "articles": 2, "events": 3,
                                                  "parts": 1, "skipped": []}), encoding="utf-8")
    with pytest.raises(ValueError, match="coded with gazetteer version 0, not 1: delete .*events.parquet.parts"):
        extract_corpus(object(), src, tmp_path / "events.parquet", show_progress_bar=False)
