"""A Label Studio JSON export back into validated SCHEMA.md records.

Every defect is named by task and region: an unknown label or control, a region labelled twice,
offsets outside the text or not matching the text Label Studio saw, an extra (ref, event id,
mode ...) for a region that does not exist, a trigger without an event id, a relation to a
missing region, without a role or between two non-triggers; then every SCHEMA check of
:func:`~arabic_events.training.data.validation.validate_record` (a CONSULT without a mode, an
ACTOR without a ref, overlaps ...), span ids being region ids.

By default any defect raises :class:`LabelStudioError` listing all of them. With
``lenient=True`` a defective region or relation is left out (a relation touching a left-out
region too) and a task that still breaks a SCHEMA check is left out whole; everything left out
is listed in :attr:`ImportResult.skipped`. Tasks with no submitted annotation are listed in
``ImportResult.notes`` (nothing to import). The most recently updated of several submitted
annotations is used (noted).

    >>> task = {"id": 7, "data": {"text": "بحث بوتين", "record_id": "a", "record": {}}, "annotations": [{"result": [
    ...     {"id": "s1", "from_name": "event", "to_name": "text", "type": "labels",
    ...      "value": {"start": 0, "end": 3, "text": "بحث", "labels": ["CONSULT"]}}]}]}
    >>> import_tasks([task])
    Traceback (most recent call last):
    ...
    arabic_events.training.data.labelstudio_import.LabelStudioError: 1 annotation problem(s):
    task 7: record a: region s1: trigger CONSULT without an event id (fill event_id, e.g. e1)
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arabic_events.model.schema import EVENT_TYPES, ROLES
from arabic_events.training.data.labelstudio_format import (
    BLOCKS,
    CHOICES,
    DATE_VALUE,
    EVENT_ID,
    REF,
    TEXTAREAS,
    JsOffsets,
)
from arabic_events.training.data.records import CORPUS_NAME
from arabic_events.training.data.validation import AnnotationError, validate_record

logger = logging.getLogger(__name__)


class LabelStudioError(AnnotationError):
    """A Label Studio export that does not give valid records; the message lists every defect."""


@dataclass
class ImportResult:
    """The records, what lenient mode left out (task, region, why) and notes (unannotated tasks)."""

    records: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _annotation(task: dict[str, Any], where: str, notes: list[str]) -> dict[str, Any] | None:
    subs = [a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]
    if not subs:
        notes.append(f"{where}: no submitted annotation (not imported)")
        return None
    if len(subs) > 1:
        best = max(range(len(subs)), key=lambda k: (str(subs[k].get("updated_at") or subs[k].get("created_at") or ""), k))
        notes.append(f"{where}: {len(subs)} submitted annotations; the most recent (id {subs[best].get('id')}) is used")
        return subs[best]
    return subs[0]


def _one_text(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [str(x).strip() for x in items if isinstance(x, str) and str(x).strip()]


class _Task:
    """Parses one task's result list; ``defects`` holds (region or relation, message)."""

    def __init__(self, text: str, result: list[Any]):
        self.text = text
        self.js = JsOffsets(text)
        self.regions: dict[str, dict[str, Any]] = {}
        self.bad_regions: set[str] = set()
        self.extras: list[tuple[str, str, Any]] = []
        self.relations: list[tuple[int, dict[str, Any]]] = []
        self.defects: list[tuple[str, str]] = []
        for k, item in enumerate(result):
            if not isinstance(item, dict):
                self.defects.append((f"result #{k}", "not a JSON object"))
            elif item.get("type") == "relation":
                self.relations.append((len(self.relations), item))
            else:
                self._region_item(k, item)

    def _bad(self, rid: str, why: str) -> None:
        self.bad_regions.add(rid)
        self.defects.append((f"region {rid}", why))

    def _region_item(self, k: int, item: dict[str, Any]) -> None:
        rid, name, kind, value = item.get("id"), item.get("from_name"), item.get("type"), item.get("value") or {}
        if not isinstance(rid, str) or not rid:
            self.defects.append((f"result #{k}", f"{kind} result without a region id"))
            return
        if kind == "labels" and name in BLOCKS:
            self._labels(rid, name, value)
        elif (kind == "textarea" and name in TEXTAREAS) or (kind == "choices" and name in CHOICES):
            self.extras.append((rid, name, value))
        else:
            self._bad(rid, f"unknown control {name!r} of type {kind!r} (not in the labelling config)")

    def _labels(self, rid: str, block: str, value: dict[str, Any]) -> None:
        labels = value.get("labels") or []
        if len(labels) != 1:
            return self._bad(rid, f"{len(labels)} labels {labels} (one per region)")
        label = labels[0]
        if label not in BLOCKS[block]:
            other = next((b for b, labs in BLOCKS.items() if label in labs), None)
            why = f"label {label!r} belongs to the {other} block, not {block}" if other else \
                f"unknown label {label!r} in the {block} block"
            return self._bad(rid, why)
        if rid in self.regions:
            return self._bad(rid, f"labelled twice ({self.regions[rid]['label']} and {label})")
        a, b = value.get("start"), value.get("end")
        start = self.js.from_js(a) if isinstance(a, int) else None
        end = self.js.from_js(b) if isinstance(b, int) else None
        if start is None or end is None or not start < end:
            return self._bad(rid, f"{label}: offsets {a}-{b} do not delimit characters of a text of "
                                  f"{len(self.text)} characters")
        surface = self.text[start:end]
        if "text" in value and value["text"] != surface:
            return self._bad(rid, f"{label}: offsets {a}-{b} do not match the text: the region says "
                                  f"{value['text']!r}, the text there is {surface!r}")
        self.regions[rid] = {"id": rid, "start": start, "end": end, "label": label}

    def spans(self) -> dict[str, dict[str, Any]]:
        """The regions with their extras; extras for unknown regions and triggers without an
        event id are defects."""
        for rid, name, value in self.extras:
            span = self.regions.get(rid)
            if span is None:
                if rid not in self.bad_regions:
                    self._bad(rid, f"a {name} result for a region that has no label")
                continue
            if name in CHOICES:
                got = value.get("choices") or []
                if len(got) != 1 or got[0] not in CHOICES[name]:
                    self._bad(rid, f"{name} {got} is not one of {', '.join(CHOICES[name])}")
                else:
                    span[name] = got[0]
                continue
            texts = _one_text(value.get("text"))
            if name == REF and texts:
                span["ref"] = texts[0] if len(texts) == 1 else texts
            elif name in (DATE_VALUE, EVENT_ID) and texts:
                if len(texts) > 1:
                    self._bad(rid, f"{len(texts)} {name} entries {texts} (one)")
                else:
                    span["value" if name == DATE_VALUE else "event"] = texts[0]
        for rid, span in self.regions.items():
            if span["label"] in EVENT_TYPES and "event" not in span:
                self._bad(rid, f"trigger {span['label']} without an event id (fill {EVENT_ID}, e.g. e1)")
        return {rid: s for rid, s in self.regions.items() if rid not in self.bad_regions}

    def relation_list(self, spans: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for j, rel in self.relations:
            a, b, roles = rel.get("from_id"), rel.get("to_id"), rel.get("labels") or []
            where = f"relation #{j} ({a} -> {b})"
            missing = [x for x in (a, b) if x not in self.regions and x not in self.bad_regions]
            if missing:
                self.defects.append((where, f"relation to a missing region {missing[0]!r}"))
                continue
            dropped = [x for x in (a, b) if x not in spans]
            if dropped:
                self.defects.append((where, f"its region {dropped[0]} is defective (see above)"))
                continue
            heads = [x for x in (a, b) if spans[x]["label"] in EVENT_TYPES]
            if len(heads) != 1:
                self.defects.append((where, "both ends are triggers" if heads else "neither end is a trigger"))
                continue
            if not roles:
                self.defects.append((where, "no role (label the relation ACTOR, RECIPIENT, TOPIC, TIME, PLACE or SOURCE)"))
                continue
            unknown = [r for r in roles if r not in ROLES]
            if unknown:
                self.defects.append((where, f"unknown role {unknown[0]!r}"))
                continue
            head = heads[0]
            tail = b if head == a else a
            out += [{"head": head, "tail": tail, "label": r} for r in roles]
        return out


def task_to_record(task: dict[str, Any], where: str) -> tuple[dict[str, Any] | None, list[str], list[str]]:
    """(record or None, defects, notes) of one exported task; the record is built from what is
    sound, so ``defects`` empty means it is complete."""
    notes: list[str] = []
    data = task.get("data") if isinstance(task.get("data"), dict) else {}
    rid = data.get("record_id") or f"ls-{task.get('id')}"
    where = f"{where}: record {rid}"
    text = data.get("text")
    if not isinstance(text, str):
        return None, [f"{where}: no data.text string"], notes
    ann = _annotation(task, where, notes)
    if ann is None:
        return None, [], notes
    result = ann.get("result")
    if not isinstance(result, list):
        return None, [f"{where}: annotation {ann.get('id')}: 'result' is not a list"], notes
    parsed = _Task(text, result)
    spans = parsed.spans()
    relations = parsed.relation_list(spans)
    defects = [f"{where}: {place}: {why}" for place, why in parsed.defects]
    kept = data.get("record") if isinstance(data.get("record"), dict) else {}
    record: dict[str, Any] = {"id": rid, **kept, "text": text,
                              "spans": [s for s in parsed.regions.values() if s["id"] in spans], "relations": relations}
    doc = record.get("doc")
    if isinstance(doc, dict) and doc.get("sha256") and doc["sha256"] != hashlib.sha256(text.encode("utf-8")).hexdigest():
        defects.append(f"{where}: data.text is not the text of doc {doc.get('id')!r} (sha256 differs)")
    return record, defects, notes


def import_tasks(tasks: Sequence[Any], lenient: bool = False, source: str = "") -> ImportResult:
    """Records of exported tasks; see the module docstring for strict and lenient mode."""
    out = ImportResult()
    problems: list[str] = []
    seen: dict[str, str] = {}
    pre = f"{source}: " if source else ""
    for k, task in enumerate(tasks):
        if not isinstance(task, dict):
            problems.append(f"{pre}task #{k}: not a JSON object")
            continue
        where = f"{pre}task {task.get('id', f'#{k}')}"
        record, defects, notes = task_to_record(task, where)
        out.notes += notes
        if record is None:
            problems += defects
            continue
        checks = validate_record(record, where)
        if record["id"] in seen:
            checks.append(f"{where}: record {record['id']}: the same record id as {seen[record['id']]}")
        seen.setdefault(record["id"], where)
        if not lenient:
            problems += defects + checks
            out.records.append(record)
        elif checks:
            out.skipped += [f"{d} (left out)" for d in defects] + [f"{c} (task left out)" for c in checks]
        else:
            out.skipped += [f"{d} (left out)" for d in defects]
            out.records.append(record)
    if problems and not lenient:
        raise LabelStudioError(problems)
    if lenient:
        out.skipped += [f"{p} (task left out)" for p in problems]
    return out


def read_export(path: str | Path) -> list[Any]:
    """The task list of a Label Studio JSON export (``[task, ...]``; JSON Lines also read)."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"Label Studio export {p} not found")
    raw = p.read_text(encoding="utf-8")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as e:
        try:
            data = [json.loads(line) for line in raw.splitlines() if line.strip()]
        except json.JSONDecodeError:
            raise ValueError(f"{p}: not JSON ({e.msg} at line {e.lineno}, column {e.colno}); export the project "
                             "as JSON from Label Studio") from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ValueError(f"{p}: expected a JSON list of tasks")
    return data


def to_file_record(record: dict[str, Any]) -> dict[str, Any]:
    """The form a record is written in: standoff (no text) for ANT corpus articles, inline
    otherwise.

    >>> to_file_record({"id": "a", "text": "t", "doc": {"corpus": "ant-multisource", "id": "x", "sha256": "0"}})
    {'id': 'a', 'doc': {'corpus': 'ant-multisource', 'id': 'x', 'sha256': '0'}}
    """
    doc = record.get("doc")
    if isinstance(doc, dict) and doc.get("corpus") == CORPUS_NAME:
        return {k: v for k, v in record.items() if k != "text"}
    return record


def write_records(records: Sequence[dict[str, Any]], path: str | Path, overwrite: bool = False) -> Path:
    """Write records as SCHEMA JSONL (see :func:`to_file_record`); never over a file unless
    ``overwrite``."""
    p = Path(path)
    if p.exists() and not overwrite:
        raise FileExistsError(f"{p} exists; pass --overwrite to replace it")
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text("".join(json.dumps(to_file_record(r), ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    tmp.replace(p)
    return p


def write_splits_with(records: Sequence[dict[str, Any]], splits: str | Path, output: str | Path,
                      overwrite: bool = False) -> dict[str, list[str]]:
    """Copy the split file ``splits`` to ``output`` with every record id it does not hold yet
    added to ``train`` (ids already in a split stay there: a corrected article keeps its split)."""
    from arabic_events.training.data.dataset import load_splits
    from arabic_events.training.data.splits import assign

    out = Path(output)
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} exists; pass --overwrite to replace it")
    new = assign(load_splits(splits), list(records), n_test=0, n_dev=0)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(new, indent=1) + "\n", encoding="utf-8")
    return new
