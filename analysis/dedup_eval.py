"""Precision and recall of the cross-article merging on a hand-checked set of real corpus events.

    python -m arabic_events.analysis.dedup_eval            # P/R of the shipped rule, and the window study
    python -m arabic_events.analysis.dedup_eval --build    # refresh the set's rows from annotations/ and the gazetteer

``analysis/dedup_set.json`` holds rows (the fields of ``analysis/rows.py`` that merging reads, no
corpus text) of ANT articles, and the real-world events they report, checked by reading the
articles: rows ``"from": "gold"`` are the annotated events of annotations/corpus.jsonl (rebuilt
by ``--build``), rows ``"from": "hand"`` were written for articles that are not annotated, with
the date as extraction gives it (the day the text names for the event, else the publication
day). Scores are over pairs of rows: a pair is positive when both rows are one event.

    >>> pair_scores([["a", "b", "c"]], [["a", "b"], ["c"]])["recall"]
    0.3333
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path
from typing import Any

from arabic_events.analysis.actors import ActorCoder
from arabic_events.analysis.dedup import REPORT_LAG_DAYS, clusters, compatible
from arabic_events.analysis.rows import event_rows
from arabic_events.model.schema import EVENT_TYPES, Argument, Event, Mention

SET_FILE = Path(__file__).resolve().parent / "dedup_set.json"
ROW_FIELDS = ("event_id", "article_id", "outlet", "published", "type", "mode", "modality", "date", "actor",
              "recipient", "actor_country", "actor_sector", "recipient_country", "recipient_sector")


def load_set(path: str | Path = SET_FILE) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows and the events (``{"name", "rows": [event ids]}``) of a set file, checked:
    every row in exactly one event."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    rows, events = data["rows"], data["events"]
    ids = [r["event_id"] for r in rows]
    listed = [e for ev in events for e in ev["rows"]]
    if sorted(ids) != sorted(listed) or len(set(ids)) != len(ids):
        raise ValueError(f"{path}: every row must be in exactly one event (rows {len(ids)}, listed {len(listed)})")
    return rows, events


def _pairs(groups: list[list[str]]) -> set[frozenset[str]]:
    return {frozenset(p) for g in groups for p in combinations(g, 2)}


def pair_scores(gold: list[list[str]], predicted: list[list[str]]) -> dict[str, Any]:
    """Pairwise precision/recall of ``predicted`` groups of event ids against ``gold``."""
    g, p = _pairs(gold), _pairs(predicted)
    tp = len(g & p)
    return {"precision": round(tp / len(p), 4) if p else 1.0, "recall": round(tp / len(g), 4) if g else 1.0,
            "true_pairs": tp, "predicted_pairs": len(p), "gold_pairs": len(g)}


def evaluate(rows: list[dict[str, Any]], events: list[dict[str, Any]],
             report_lag_days: int = REPORT_LAG_DAYS) -> dict[str, Any]:
    """Scores of the merging rule on the set, the hard negatives (pairs of different events with
    the same type, mode and parties, in reach of the rule), and the events split or joined."""
    predicted = [[rows[k]["event_id"] for k in ks] for ks in clusters(rows, report_lag_days)]
    gold = [e["rows"] for e in events]
    res = pair_scores(gold, predicted)
    by_id = {r["event_id"]: r for r in rows}
    event_of = {rid: k for k, e in enumerate(events) for rid in e["rows"]}
    res["hard_negative_pairs"] = sum(1 for a, b in combinations(rows, 2) if event_of[a["event_id"]] !=
                                     event_of[b["event_id"]] and compatible(a, b))
    pred_of = {rid: k for k, g in enumerate(predicted) for rid in g}
    res["events"] = [(e["name"], len(e["rows"]), len({pred_of[r] for r in e["rows"]})) for e in events]
    res["wrongly_joined"] = sorted({tuple(sorted({events[event_of[r]]["name"] for r in g}))
                                    for g in predicted if len({event_of[r] for r in g}) > 1})
    res["n_rows"], res["n_events"] = len(by_id), len(events)
    return res


def gap_study(rows: list[dict[str, Any]], events: list[dict[str, Any]]) -> dict[str, Counter]:
    """For pairs of rows of one event from different articles: days between their publication
    and between their row dates."""
    by_id = {r["event_id"]: r for r in rows}
    pub, date = Counter(), Counter()
    for e in events:
        for a, b in combinations([by_id[r] for r in e["rows"]], 2):
            pub[abs((dt.date.fromisoformat(a["published"]) - dt.date.fromisoformat(b["published"])).days)] += 1
            date[abs((dt.date.fromisoformat(a["date"]) - dt.date.fromisoformat(b["date"])).days)] += 1
    return {"published": pub, "date": date}


def record_events(record: dict[str, Any]) -> list[tuple[str, Event]]:
    """The annotated events of a SCHEMA.md record as ``(event id, Event)``, in the order their
    first trigger appears in the record."""
    spans = {s["id"]: s for s in record["spans"]}
    text = record["text"]

    def mention(s: dict[str, Any]) -> Mention:
        return Mention(text[s["start"]:s["end"]], s["label"], s["start"], s["end"], 1.0, s.get("ref"), s.get("value"))

    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in record["spans"]:
        if s["label"] in EVENT_TYPES:
            groups[s.get("event") or s["id"]].append(s)
    out = []
    for eid, trigs in groups.items():
        tids = {t["id"] for t in trigs}
        args = [Argument(r["label"], mention(spans[r["tail"]])) for r in record["relations"] if r["head"] in tids]
        modes = [t["mode"] for t in trigs if t.get("mode")]
        mods = [t["modality"] for t in trigs if t.get("modality")]
        out.append((eid, Event(trigs[0]["label"], modes[0] if modes else None, mods[0] if mods else "asserted",
                               1.0, [mention(t) for t in trigs], args)))
    return out


def gold_rows(record: dict[str, Any], coder: ActorCoder) -> list[dict[str, Any]]:
    """The rows of a record's annotated events, as extraction would write them, each with
    ``annotation_event`` (its event id in the record)."""
    meta = record.get("meta") or {}
    art = {"id": (record.get("doc") or {}).get("id", record["id"]), "published": meta.get("published"),
           "outlet": meta.get("source"), "url": meta.get("url")}
    evs = record_events(record)
    rows = event_rows(art, [e for _, e in evs], coder)
    return [{**{k: r[k] for k in ROW_FIELDS}, "from": "gold", "annotation_event": eid} for r, (eid, _) in zip(rows, evs)]


def build(path: str | Path, annotations: list[str], corpus: str | None = None) -> int:
    """Rewrite the set's gold rows from the annotations and every row's codes from the
    gazetteer (hand rows: by their canonical names). Returns the number of rows."""
    from arabic_events.training.data.records import load_records

    data = json.loads(Path(path).read_text(encoding="utf-8"))
    coder = ActorCoder.from_tsv()
    records = {(r.get("doc") or {}).get("id", r["id"]): r for f in annotations for r in load_records(f, corpus=corpus)}
    out = []
    for row in data["rows"]:
        if row.get("from") == "gold":
            fresh = {g["annotation_event"]: g for g in gold_rows(records[row["article_id"]], coder)}
            new = fresh[row["annotation_event"]]
            new["event_id"] = row["event_id"]
            out.append(new)
            continue
        for side in ("actor", "recipient"):
            codes = [coder.code_name(n) for n in row[side]]
            row[f"{side}_country"] = [c.country if c else None for c in codes]
            row[f"{side}_sector"] = [c.sector if c else None for c in codes]
        out.append(row)
    data["rows"], data["gazetteer_version"] = out, coder.version
    Path(path).write_text(dump_set(data), encoding="utf-8")
    return len(out)


def dump_set(data: dict[str, Any]) -> str:
    """A set as JSON with one row and one event per line (readable diffs).

        >>> json.loads(dump_set({"rows": [{"event_id": "a"}], "events": [{"name": "x", "rows": ["a"]}]}))["rows"]
        [{'event_id': 'a'}]
    """
    parts = []
    for k, v in data.items():
        if isinstance(v, list):
            items = ",\n  ".join(json.dumps(x, ensure_ascii=False) for x in v)
            parts.append(f" {json.dumps(k)}: [\n  {items}\n ]")
        else:
            parts.append(f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def report(res: dict[str, Any], study: dict[str, Counter], lags: dict[int, dict[str, Any]]) -> str:
    lines = [f"{res['n_rows']} rows, {res['n_events']} events; {res['gold_pairs']} same-event pairs, "
             f"{res['hard_negative_pairs']} hard negative pairs (different events, same type/mode/parties)",
             f"merging (report lag {REPORT_LAG_DAYS} day): precision {res['precision']:.3f} "
             f"({res['true_pairs']}/{res['predicted_pairs']} merged pairs right), recall {res['recall']:.3f} "
             f"({res['true_pairs']}/{res['gold_pairs']} same-event pairs merged)"]
    for name, n, parts in res["events"]:
        lines.append(f"  {n:2} rows -> {parts} group(s)  {name}")
    for names in res["wrongly_joined"]:
        lines.append(f"  wrongly joined: {' + '.join(names)}")
    fmt = lambda c: ", ".join(f"{k}d: {v}" for k, v in sorted(c.items()))  # noqa: E731
    lines.append(f"same-event pairs, days between publications: {fmt(study['published'])}")
    lines.append(f"same-event pairs, days between row dates: {fmt(study['date'])}")
    lines.append("report lag: " + "; ".join(f"{k} d: P {v['precision']:.3f} R {v['recall']:.3f}" for k, v in lags.items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m arabic_events.analysis.dedup_eval",
                                 description="Precision/recall of cross-article merging on the hand-checked set.")
    ap.add_argument("--set", default=str(SET_FILE), help="the set file (default: the shipped one)")
    ap.add_argument("--build", action="store_true", help="refresh its rows from the annotations and the gazetteer")
    ap.add_argument("--annotations", nargs="+", default=["annotations/seed.jsonl", "annotations/corpus.jsonl"])
    ap.add_argument("--corpus", help="the ANT corpus file (default: the shared folder)")
    a = ap.parse_args(argv)
    try:
        if a.build:
            print(f"{build(a.set, a.annotations, a.corpus)} rows -> {a.set}")
        rows, events = load_set(a.set)
    except (OSError, ValueError, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    lags = {k: evaluate(rows, events, k) for k in (0, 1, 2, 3, 7)}
    print(report(evaluate(rows, events), gap_study(rows, events), lags))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
