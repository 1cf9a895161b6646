"""The HTML report of an extraction: one self-contained file (figures inlined as PNG).

    arabic-events-corpus extract corpus.jsonl --model runs/offline/final --output runs/events.parquet --records
    arabic-events-corpus report runs/events.parquet --articles corpus.jsonl --output runs/report.html

It reads the event rows (``EVENTS.parquet``), the predicted records ``extract --records`` wrote
beside them (``EVENTS.records.jsonl``: one SCHEMA record per article, standoff: no text, the
text's sha256) and the articles themselves (``--articles``, the input of the extraction), and
checks that each record belongs to the article at its place (same id, same sha256), so every
highlight falls exactly where the model put it.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections import Counter
from pathlib import Path
from typing import Any

from arabic_events.analysis.extract_corpus import records_output
from arabic_events.analysis.report_data import dyad_counts, top_dyads, undated_count, weekly_counts
from arabic_events.analysis.report_html import render_report
from arabic_events.analysis.sources import iter_articles
from arabic_events.model.jsonl import iter_jsonl
from arabic_events.model.schema import EVENT_TYPES

logger = logging.getLogger(__name__)


def read_records(path: Path) -> list[dict[str, Any]]:
    """The predicted records, in article order; a line that is not a JSON object stops with its
    file and line."""
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: run `arabic-events-corpus extract ... --records` to write the "
                                "predicted spans the report highlights (or pass --records FILE)")
    out = []
    for n, obj, problem in iter_jsonl(path):
        if problem:
            raise ValueError(f"{path}:{n}: {problem}")
        out.append(obj)
    return out


def pair_articles(records: list[dict[str, Any]], articles: Any, where: Path,
                  limit: int | None = None) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(article, record) pairs: the k-th record must be the k-th article (same id and sha256).

    >>> art = {"id": "a", "text": "نص"}
    >>> rec = {"id": "a", "doc": {"sha256": hashlib.sha256("نص".encode()).hexdigest()}}
    >>> [a["id"] for a, _ in pair_articles([rec], [art], Path("e.records.jsonl"))]
    ['a']
    >>> pair_articles([rec], [{"id": "a", "text": "نص آخر"}], Path("e.records.jsonl"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: e.records.jsonl:1: record 'a' does not match article 1 of the input ('a', sha256 ...
    """
    pairs = []
    for n, art in enumerate(articles):
        if limit is not None and n >= limit:
            break
        if n >= len(records):
            raise ValueError(f"{where} has {len(records)} records but the articles go on ({art['id']}): "
                             "not the input this extraction ran on")
        rec = records[n]
        digest = hashlib.sha256(art["text"].encode("utf-8")).hexdigest()
        doc = rec.get("doc") or {}
        if rec.get("id") != art["id"] or doc.get("sha256") != digest:
            raise ValueError(f"{where}:{n + 1}: record {rec.get('id')!r} does not match article {n + 1} of the input "
                             f"({art['id']!r}, sha256 {digest[:12]}...): not the input this extraction ran on")
        pairs.append((art, rec))
    if limit is None and len(pairs) != len(records):
        raise ValueError(f"{where} has {len(records)} records but the input has {len(pairs)} articles")
    return pairs


def check_same_extraction(rows: list[dict[str, Any]], pairs: list[tuple[dict[str, Any], dict[str, Any]]],
                          where: Path) -> None:
    """The records must hold the events of the rows: per article the same event ids, types and
    first-trigger offsets (a records file left from another run or model is refused).

    >>> rec = {"spans": [{"start": 5, "end": 8, "label": "AID", "event": "e1"}, {"start": 0, "end": 3, "label": "AID", "event": "e1"}]}
    >>> check_same_extraction([{"event_id": "a-e1", "article_id": "a", "type": "AID", "trigger_start": 0, "trigger_end": 3}],
    ...                       [({"id": "a"}, rec)], Path("r.jsonl"))
    """
    once = Counter(art["id"] for art, _ in pairs)
    want: dict[str, set[tuple[Any, ...]]] = {}
    for art, rec in pairs:
        if once[art["id"]] != 1:
            continue
        firsts: dict[str, dict[str, Any]] = {}
        for s in rec.get("spans", []):
            if s["label"] in EVENT_TYPES and (s.get("event") not in firsts or s["start"] < firsts[s["event"]]["start"]):
                firsts[s.get("event")] = s
        want[art["id"]] = {(f"{art['id']}-{e}", s["label"], s["start"], s["end"]) for e, s in firsts.items()}
    got: dict[str, set[tuple[Any, ...]]] = {}
    for r in rows:
        got.setdefault(r["article_id"], set()).add((r["event_id"], r["type"], r["trigger_start"], r["trigger_end"]))
    for aid, events in want.items():
        if got.get(aid, set()) != events:
            raise ValueError(f"{where}: the predicted spans of article {aid!r} are not the events of the event file "
                             f"({len(events)} vs {len(got.get(aid, set()))} events): not the same extraction")


def build_report(rows: list[dict[str, Any]], pairs: list[tuple[dict[str, Any], dict[str, Any]]],
                 title: str = "Event extraction report", total_articles: int | None = None) -> str:
    """The report's HTML from event rows and (article, record) pairs."""
    from arabic_events.analysis.report_figures import data_uri, network_png, timeline_png

    weekly = weekly_counts(rows)
    dyads = dyad_counts(rows)
    total = total_articles if total_articles is not None else len(pairs)
    summary = (f"{len(rows)} events in {total} articles"
               + (f" ({len(pairs)} shown below)" if len(pairs) != total else "")
               + f"; {len(weekly)} weeks with dated events, {undated_count(rows)} undated events; "
               f"{sum(dyads.values())} CONSULT pair links between {len({p for d in dyads for p in d})} parties.")
    return render_report(title=title, summary=summary, rows=rows, articles=pairs,
                         timeline_uri=data_uri(timeline_png(weekly)), network_uri=data_uri(network_png(dyads)),
                         dyads=top_dyads(rows))


def write_report(events: str | Path, articles: str | Path, output: str | Path, *, records: str | Path | None = None,
                 max_articles: int | None = None, title: str | None = None, overwrite: bool = False) -> dict[str, Any]:
    """Write the report of ``events`` (Parquet from ``extract``) over the ``articles`` it was
    extracted from; returns a summary (events, articles shown, output, bytes)."""
    import pyarrow.parquet as pq

    out = Path(output)
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} exists; pass overwrite=True (--overwrite) to replace it")
    events = Path(events)
    if not events.exists():
        raise FileNotFoundError(f"event file {events} not found")
    rows = pq.read_table(events).to_pylist()
    rec_path = Path(records) if records else records_output(events)
    recs = read_records(rec_path)
    pairs = pair_articles(recs, iter_articles(articles), rec_path, max_articles)
    check_same_extraction(rows, pairs, rec_path)
    page = build_report(rows, pairs, title or f"Events of {events.name}", total_articles=len(recs))
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, out)
    logger.info("report of %d events, %d articles -> %s", len(rows), len(pairs), out)
    return {"output": str(out), "events": len(rows), "articles": len(pairs), "bytes": len(page.encode("utf-8"))}
