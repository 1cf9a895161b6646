"""SCHEMA.md records (gold, or a model's predictions) as Label Studio tasks.

``record_to_task(record, "predictions")`` gives a task whose ``predictions`` pre-annotate the
text (each region with its confidence as ``score``); ``"annotations"`` gives the form a Label
Studio JSON export has after an annotator submitted (used to review existing records and by the
round-trip test). See :mod:`labelstudio_format` for the mapping.

    >>> rec = {"id": "a", "text": "بحث بوتين", "spans": [
    ...     {"id": "s1", "start": 0, "end": 3, "label": "CONSULT", "event": "e1", "mode": "phone"},
    ...     {"id": "s2", "start": 4, "end": 9, "label": "PER", "ref": "Vladimir Putin"}],
    ...     "relations": [{"head": "s1", "tail": "s2", "label": "ACTOR"}]}
    >>> task = record_to_task(rec, "annotations")
    >>> [(r["from_name"], r["type"]) for r in task["annotations"][0]["result"][:4]]
    [('event', 'labels'), ('event_id', 'textarea'), ('mode', 'choices'), ('entity', 'labels')]
    >>> task["annotations"][0]["result"][-1]
    {'from_id': 's1', 'to_id': 's2', 'type': 'relation', 'direction': 'right', 'labels': ['ACTOR']}
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from arabic_events.model.jsonl import iter_jsonl
from arabic_events.model.schema import ENTITY_LABELS
from arabic_events.training.data.labelstudio_format import (
    DATE_VALUE,
    ENTITY,
    EVENT,
    EVENT_ID,
    MODALITY,
    MODE,
    REF,
    TEXT,
    JsOffsets,
    labeling_config,
)
from arabic_events.training.data.records import CORPUS_NAME

logger = logging.getLogger(__name__)

#: span keys Label Studio shows; ``text`` is the surface (recomputed) and confidences become scores
SPAN_KEYS = {"id", "start", "end", "label", "ref", "value", "event", "mode", "modality"}
DERIVED_KEYS = {"text", "confidence", "event_confidence"}


def grouped_relations(relations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The relations in the order Label Studio keeps them: one arrow per (head, tail) pair,
    its roles together at the pair's first place (Label Studio draws one arrow per pair).

    >>> rels = [{"head": "t", "tail": "a", "label": "ACTOR"}, {"head": "t", "tail": "b", "label": "TOPIC"},
    ...         {"head": "t", "tail": "a", "label": "PLACE"}]
    >>> [r["label"] for r in grouped_relations(rels)]
    ['ACTOR', 'PLACE', 'TOPIC']
    """
    order: dict[tuple[Any, Any], list[dict[str, Any]]] = {}
    for r in relations:
        order.setdefault((r["head"], r["tail"]), []).append(r)
    return [r for group in order.values() for r in group]


def _result(span_id: str, name: str, kind: str, start: int, end: int, **value: Any) -> dict[str, Any]:
    return {"id": span_id, "from_name": name, "to_name": TEXT, "type": kind,
            "value": {"start": start, "end": end, **value}}


def task_results(record: dict[str, Any], scores: bool = False) -> list[dict[str, Any]]:
    """The Label Studio result list of a record: per span its labels region and per-region
    extras, then one relation per (head, tail) pair. ``scores`` adds span confidences."""
    text = record["text"]
    js = JsOffsets(text)
    out: list[dict[str, Any]] = []
    for s in record.get("spans", []):
        extra = set(s) - SPAN_KEYS - DERIVED_KEYS
        if extra:
            raise ValueError(f"record {record.get('id')}: span {s.get('id')}: keys {sorted(extra)} have no place in "
                             "Label Studio")
        sid, a, b = s["id"], js.to_js(s["start"]), js.to_js(s["end"])
        block = ENTITY if s["label"] in ENTITY_LABELS else EVENT
        lab = _result(sid, block, "labels", a, b, text=text[s["start"]:s["end"]], labels=[s["label"]])
        if scores and isinstance(s.get("confidence"), (int, float)):
            lab["score"] = round(float(s["confidence"]), 4)
        out.append(lab)
        if s.get("ref") is not None:
            out.append(_result(sid, REF, "textarea", a, b, text=s["ref"] if isinstance(s["ref"], list) else [s["ref"]]))
        if s.get("value") is not None:
            out.append(_result(sid, DATE_VALUE, "textarea", a, b, text=[s["value"]]))
        if s.get("event") is not None:
            out.append(_result(sid, EVENT_ID, "textarea", a, b, text=[s["event"]]))
        for name in (MODE, MODALITY):
            if s.get(name) is not None:
                out.append(_result(sid, name, "choices", a, b, choices=[s[name]]))
    pairs: dict[tuple[str, str], list[str]] = {}
    for r in record.get("relations", []):
        pairs.setdefault((r["head"], r["tail"]), []).append(r["label"])
    out += [{"from_id": h, "to_id": t, "type": "relation", "direction": "right", "labels": roles}
            for (h, t), roles in pairs.items()]
    return out


def record_to_task(record: dict[str, Any], kind: str = "predictions", model_version: str = "arabic-events"
                   ) -> dict[str, Any]:
    """A Label Studio task of a record (text inline: restore standoff records first).
    ``kind``: ``"predictions"`` (pre-annotations to correct) or ``"annotations"``."""
    if kind not in ("predictions", "annotations"):
        raise ValueError(f"kind must be 'predictions' or 'annotations', not {kind!r}")
    if not isinstance(record.get("text"), str):
        raise ValueError(f"record {record.get('id')}: no text (restore standoff records with load_records first)")
    keep = {k: v for k, v in record.items() if k not in ("id", "text", "spans", "relations")}
    task: dict[str, Any] = {"data": {"text": record["text"], "record_id": record["id"], "record": keep}}
    results = task_results(record, scores=kind == "predictions")
    if kind == "predictions":
        conf = [s["confidence"] for s in record.get("spans", []) if isinstance(s.get("confidence"), (int, float))]
        pred: dict[str, Any] = {"model_version": model_version, "result": results}
        if conf:
            pred["score"] = round(sum(conf) / len(conf), 4)
        task["predictions"] = [pred]
    else:
        task["annotations"] = [{"result": results, "was_cancelled": False}]
    return task


def predicted_records(extractor: Any, articles: Iterable[dict[str, Any]], corpus: str | None = None,
                      batch_size: int | None = None, show_progress_bar: bool = False) -> Iterator[dict[str, Any]]:
    """The model's record of each article (``{"id", "text", "published", "outlet", "url"}``):
    every mention, the triggers of its events with event ids and modes, the roles, confidences.
    Articles of the ANT corpus (``corpus == "ant-multisource"``) get a standoff ``doc``, so
    the corrected records can be written without their text."""
    arts = list(articles)  # a batch to correct (tens of articles), not a corpus
    docs = extractor.iter_extract([a["text"] for a in arts], [a.get("published") for a in arts], batch_size=batch_size,
                                  show_progress_bar=show_progress_bar, return_documents=True)
    for art, doc in zip(arts, docs):
        rec = doc.to_record(art["id"])
        rec["meta"] = {"published": art.get("published"), "source": art.get("outlet"), "url": art.get("url")}
        if corpus == CORPUS_NAME:
            rec["doc"] = {"corpus": CORPUS_NAME, "id": art["id"],
                          "sha256": hashlib.sha256(art["text"].encode("utf-8")).hexdigest()}
        yield rec


def annotated_ids(paths: Iterable[str | Path]) -> set[str]:
    """Article ids already annotated in SCHEMA files: record ids and standoff ``doc`` ids."""
    out: set[str] = set()
    for p in paths:
        for _, obj, _problem in iter_jsonl(p):
            if obj:
                out.add(str(obj.get("id")))
                if isinstance(obj.get("doc"), dict):
                    out.add(str(obj["doc"].get("id")))
    return out


def select_articles(articles: Iterable[dict[str, Any]], ids: Sequence[str] | None = None,
                    exclude: set[str] | None = None, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """Articles to correct: those named by ``ids`` (all when None) and not in ``exclude``, at
    most ``limit``, in input order.

    >>> arts = [{"id": i} for i in "abcd"]
    >>> [a["id"] for a in select_articles(arts, exclude={"a"}, limit=2)], [a["id"] for a in select_articles(arts, ids=["d"])]
    (['b', 'c'], ['d'])
    """
    wanted = set(ids) if ids is not None else None
    n = 0
    for art in articles:
        if limit is not None and n >= limit:
            return
        if (wanted is None or art["id"] in wanted) and art["id"] not in (exclude or set()):
            n += 1
            yield art


def write_tasks(tasks: Sequence[dict[str, Any]], output: str | Path, config: str | Path | None = None,
                overwrite: bool = False) -> None:
    """Write the task list (JSON, Label Studio's import format) and the labelling config XML;
    neither over an existing file unless ``overwrite``."""
    targets = [Path(output)] + ([Path(config)] if config else [])
    for t in targets:
        if t.exists() and not overwrite:
            raise FileExistsError(f"{t} exists; pass --overwrite to replace it")
    for t in targets:
        t.parent.mkdir(parents=True, exist_ok=True)
    Path(output).write_text(json.dumps(list(tasks), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if config:
        Path(config).write_text(labeling_config(), encoding="utf-8")
