"""Corpus in, event dataset out: one Parquet row per event, streamed, resumable.

    arabic-events-corpus extract corpus.jsonl.gz --model runs/offline/final --output runs/events.parquet

Articles are read and extracted ``chunk_articles`` at a time, so memory stays flat however large
the corpus. Each chunk's rows go to a Parquet part in ``OUTPUT.parts/``, written to a temporary
file and renamed, and only then does ``state.json`` record the chunk as done. A run that is
killed resumes from the last recorded chunk: a part written but not yet recorded is written
again under the same name, so no row is ever duplicated. At the end the parts are joined into
``OUTPUT`` (and ``OUTPUT`` with ``.csv`` when asked) and the parts folder is removed.

With ``write_records`` (``--records``) each article's prediction is also kept as a SCHEMA record
(every mention of both layers, the triggers of its events with event ids and modes, the roles,
confidences), standoff: no text, the text's ``sha256`` in ``doc``, offsets exact into the raw
text. They go to ``OUTPUT`` with ``.records.jsonl`` (``events.records.jsonl``), one line per
article in input order; the HTML report (``arabic-events-corpus report``) highlights them.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from arabic_events.analysis.actors import ActorCoder
from arabic_events.analysis.dedup import MERGED_COLUMNS, REPORT_LAG_DAYS, dedup_rows
from arabic_events.analysis.rows import COLUMNS, LIST_COLUMNS, event_rows
from arabic_events.analysis.sources import iter_articles
from arabic_events.model.progress import progress

logger = logging.getLogger(__name__)

_LIST = pa.list_(pa.string())
SCHEMA = pa.schema([(c, _LIST if c in LIST_COLUMNS else
                     pa.float64() if c == "confidence" else pa.int64() if c in ("trigger_start", "trigger_end")
                     else pa.string()) for c in COLUMNS])
_MERGED_LISTS = set(LIST_COLUMNS) | {"article_ids", "outlets", "urls", "published", "merged_from"}
MERGED_SCHEMA = pa.schema([(c, _LIST if c in _MERGED_LISTS else pa.float64() if c == "confidence" else
                            pa.int64() if c == "n_articles" else pa.string()) for c in MERGED_COLUMNS])


def _write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str], lists: set[str] | tuple[str, ...]) -> None:
    flat = [{c: "|".join(x or "" for x in row[c] or []) if c in lists else row[c] for c in columns} for row in rows]

    def write(p: Path) -> None:
        with open(p, "w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=columns)
            w.writeheader()
            w.writerows(flat)

    _write_atomic(path, write)


def dedup_file(source: str | Path, output: str | Path, *, overwrite: bool = False, write_csv: bool = False,
               report_lag_days: int = REPORT_LAG_DAYS) -> dict[str, Any]:
    """Merge the rows of an event Parquet file (from :func:`extract_corpus`) into one row per
    real-world event (``analysis/dedup.py``), written to ``output``; returns rows in and out."""
    src, out = Path(source), Path(output)
    if not src.exists():
        raise FileNotFoundError(f"event file {src} not found")
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} exists; pass overwrite=True (--overwrite) to replace it")
    table = pq.read_table(src)
    missing = [c for c in ("event_id", "article_id", "type", "date", "actor", "recipient", "actor_country")
               if c not in table.column_names]
    if missing:
        raise ValueError(f"{src}: not an event file of this version (no column {', '.join(missing)}); "
                         "extract it again with arabic-events-corpus extract")
    merged = dedup_rows(table.to_pylist(), report_lag_days)
    result = pa.Table.from_pylist(merged, schema=MERGED_SCHEMA)
    _write_atomic(out, lambda p: pq.write_table(result, p))
    if write_csv:
        _write_csv(out.with_suffix(".csv"), merged, MERGED_COLUMNS, _MERGED_LISTS)
    return {"output": str(out), "rows": table.num_rows, "events": len(merged)}


def _write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    _write_atomic(path, lambda p: p.write_text(json.dumps(data, indent=1), encoding="utf-8"))


def predicted_record(article: dict[str, Any], doc: Any, corpus: str) -> dict[str, Any]:
    """The standoff SCHEMA record of one article's prediction (a :class:`Document`): its spans
    and relations with confidences, ``doc`` = corpus name, article id and text sha256."""
    rec = doc.to_record(article["id"])
    rec.pop("text")
    return {"id": article["id"], "doc": {"corpus": corpus, "id": article["id"],
                                         "sha256": hashlib.sha256(article["text"].encode("utf-8")).hexdigest()},
            "meta": {"published": article.get("published"), "source": article.get("outlet"), "url": article.get("url")},
            "spans": rec["spans"], "relations": rec["relations"]}


def records_output(output: str | Path) -> Path:
    """Where the predicted records of ``output`` go (``events.parquet`` -> ``events.records.jsonl``)."""
    return Path(output).with_suffix(".records.jsonl")


def corpus_name(source: str | Path) -> str:
    """The name a corpus file or folder goes by in records: its name without ``.jsonl(.gz)``.

    >>> corpus_name("../shared/corpus/ant-multisource.jsonl.gz")
    'ant-multisource'
    """
    name = Path(source).name
    for ext in (".jsonl.gz", ".json.gz", ".jsonl"):
        if name.endswith(ext):
            return name[: -len(ext)]
    return name


def extract_corpus(extractor: Any, source: str | Path, output: str | Path, *, chunk_articles: int = 200,
                   batch_size: int | None = None, write_csv: bool = False, overwrite: bool = False,
                   show_progress_bar: bool = True, coder: ActorCoder | None = None,
                   write_records: bool = False) -> dict[str, Any]:
    """Extract every article of ``source`` into the Parquet file ``output``; returns a summary
    (articles, events, skipped entries, resumed-from). Actors are coded by ``coder`` (the shipped
    gazetteer, loaded once, by default). Reruns resume an interrupted run of the same source and
    gazetteer version; an existing finished ``output`` is replaced only with ``overwrite``.
    ``write_records`` also writes each article's predicted record (:func:`records_output`)."""
    coder = coder if coder is not None else ActorCoder.from_tsv()
    out = Path(output)
    parts = out.with_name(out.name + ".parts")
    state_path = parts / "state.json"
    state: dict[str, Any] = {"source": str(source), "gazetteer": coder.version, "articles": 0, "events": 0,
                             "parts": 0, "skipped": [], "records": write_records}
    if parts.exists() and state_path.exists():
        saved = json.loads(state_path.read_text(encoding="utf-8"))
        if saved.get("source") != str(source):
            raise ValueError(f"{parts} holds an unfinished run over {saved.get('source')}, not {source}: "
                             f"delete {parts} to start over")
        if saved.get("gazetteer") != coder.version:
            raise ValueError(f"{parts} holds an unfinished run coded with gazetteer version {saved.get('gazetteer')}, "
                             f"not {coder.version}: delete {parts} to start over")
        if bool(saved.get("records")) != write_records:
            raise ValueError(f"{parts} holds an unfinished run {'with' if saved.get('records') else 'without'} "
                             f"--records: rerun it the same way, or delete {parts} to start over")
        state = saved
        logger.info("resuming %s after %d articles", out, state["articles"])
    elif not overwrite and (out.exists() or (write_records and records_output(out).exists())):
        existing = out if out.exists() else records_output(out)
        raise FileExistsError(f"{existing} exists; pass overwrite=True (--overwrite) to replace it")
    parts.mkdir(parents=True, exist_ok=True)
    resumed_from = state["articles"]

    def on_error(where: str, problem: str) -> None:
        logger.warning("%s: %s (skipped)", where, problem)
        if len(state["skipped"]) < 1000:
            state["skipped"].append(f"{where}: {problem}")

    articles = iter_articles(source, on_error)
    corpus = corpus_name(source)
    for _ in itertools.islice(articles, state["articles"]):  # already done: read past them
        pass
    bar = progress(None, "extracting", "article") if show_progress_bar else None
    try:
        while True:
            chunk = list(itertools.islice(articles, chunk_articles))
            if not chunk:
                break
            rows: list[dict[str, Any]] = []
            records: list[dict[str, Any]] = []
            docs = extractor.iter_extract([a["text"] for a in chunk], [a["published"] for a in chunk],
                                          batch_size=batch_size, return_documents=True)
            for art, doc in zip(chunk, docs):
                rows += event_rows(art, doc.events, coder)
                if write_records:
                    records.append(predicted_record(art, doc, corpus))
            table = pa.Table.from_pylist(rows, schema=SCHEMA)
            if write_records:
                lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
                _write_atomic(parts / f"part-{state['parts']:05d}.jsonl",
                              lambda p, t=lines: p.write_text(t, encoding="utf-8"))
            _write_atomic(parts / f"part-{state['parts']:05d}.parquet", lambda p, t=table: pq.write_table(t, p))
            state.update(articles=state["articles"] + len(chunk), events=state["events"] + len(rows),
                         parts=state["parts"] + 1)
            _write_json(state_path, state)
            if bar is not None:
                bar.update(len(chunk))
    finally:
        if bar is not None:
            bar.close()
    files = [parts / f"part-{k:05d}.parquet" for k in range(state["parts"])]
    table = pa.concat_tables([pq.read_table(f, schema=SCHEMA) for f in files]) if files else SCHEMA.empty_table()
    _write_atomic(out, lambda p: pq.write_table(table, p))
    if write_csv:
        _write_csv(out.with_suffix(".csv"), table.to_pylist(), COLUMNS, LIST_COLUMNS)
    if write_records:
        def join(p: Path) -> None:
            with open(p, "w", encoding="utf-8") as fh:
                for k in range(state["parts"]):
                    with open(parts / f"part-{k:05d}.jsonl", encoding="utf-8") as part:
                        shutil.copyfileobj(part, fh)

        _write_atomic(records_output(out), join)
    summary = {"output": str(out), "articles": state["articles"], "events": state["events"],
               "skipped": state["skipped"], "resumed_from": resumed_from}
    shutil.rmtree(parts)
    return summary
