"""Validation of SCHEMA.md records: every defect is reported with file, line and span id.

Example:
    >>> rec = {"id": "x", "text": "بحث بوتين", "spans": [
    ...     {"id": "s1", "start": 0, "end": 3, "label": "CONSULT", "event": "e1", "mode": "phone"}],
    ...     "relations": []}
    >>> validate_record(rec)
    []
"""

from __future__ import annotations

import re
from typing import Any

from arabic_events.model.schema import (
    ALL_SPAN_LABELS,
    EDGE_CHARS,
    ENTITY_LABELS,
    EVENT_TYPES,
    MODALITIES,
    MODES,
    REF_LABELS,
    ROLE_TAILS,
    ROLES,
)

_DATE_VALUE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?|-W\d{2})?$")


class AnnotationError(ValueError):
    """Raised for invalid annotation files; the message lists every defect with its place."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = problems[:50]
        more = f"\n... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} annotation problem(s):\n" + "\n".join(shown) + more)


def layer_of(label: str) -> int:
    """1 for entity labels, 2 for triggers and TOPIC."""
    return 1 if label in ENTITY_LABELS else 2


def validate_record(record: dict[str, Any], where: str = "") -> list[str]:
    """Return the list of defects of one record (empty when it is valid).

    ``where`` prefixes every message, e.g. ``"annotations/seed.jsonl:3"``.
    """
    pre = f"{where}: " if where else ""
    rid = record.get("id", "?")
    problems: list[str] = []

    def err(msg: str) -> None:
        problems.append(f"{pre}record {rid}: {msg}")

    text = record.get("text")
    if not isinstance(text, str):
        err("missing 'text' (or a standoff 'doc' that could not be restored)")
        return problems
    spans = record.get("spans", [])
    relations = record.get("relations", [])
    if not isinstance(spans, list) or not isinstance(relations, list):
        err("'spans' and 'relations' must be lists")
        return problems
    published = (record.get("meta") or {}).get("published")
    if published is not None and not re.match(r"^\d{4}-\d{2}-\d{2}$", str(published)):
        err(f"meta.published {published!r} is not an ISO date YYYY-MM-DD")

    by_id: dict[str, dict[str, Any]] = {}
    for i, span in enumerate(spans):
        sid = span.get("id", f"#{i}")
        where_span = f"span {sid}"
        if sid in by_id:
            err(f"{where_span}: duplicate span id")
            continue
        by_id[sid] = span
        label = span.get("label")
        if label not in ALL_SPAN_LABELS:
            err(f"{where_span}: unknown label {label!r}")
        start, end = span.get("start"), span.get("end")
        if not (isinstance(start, int) and isinstance(end, int)) or not 0 <= start < end <= len(text):
            err(f"{where_span}: offsets {start}-{end} out of range for a text of {len(text)} characters")
            continue
        surface = text[start:end]
        if "text" in span and span["text"] != surface:
            err(f"{where_span}: surface mismatch: the span says {span['text']!r}, the text at {start}-{end} is {surface!r}")
        if surface[0] in EDGE_CHARS or surface[-1] in EDGE_CHARS:
            err(f"{where_span}: whitespace or punctuation at the span's edge: {surface!r}")
        if label in EVENT_TYPES:
            if not span.get("event"):
                err(f"{where_span}: trigger {label} without an 'event' id")
            mode = span.get("mode")
            if label == "CONSULT" and not mode:
                err(f"{where_span}: CONSULT trigger without 'mode' (one of {', '.join(MODES['CONSULT'])})")
            elif mode is not None and mode not in MODES[label]:
                allowed = ", ".join(MODES[label]) or "none"
                err(f"{where_span}: mode {mode!r} is not a mode of {label} (allowed: {allowed})")
            modality = span.get("modality")
            if modality is not None and modality not in MODALITIES:
                err(f"{where_span}: unknown modality {modality!r}")
        elif label in ALL_SPAN_LABELS:
            for key in ("event", "mode", "modality"):
                if key in span:
                    err(f"{where_span}: {key!r} is only for triggers, not {label}")
        if "ref" in span and label not in REF_LABELS:
            err(f"{where_span}: 'ref' is only for {'/'.join(sorted(REF_LABELS))}, not {label}")
        ref = span.get("ref")
        if ref is not None and not (
            (isinstance(ref, str) and ref.strip()) or (isinstance(ref, list) and ref and all(isinstance(r, str) and r for r in ref))
        ):
            err(f"{where_span}: 'ref' must be a non-empty string or list of strings")
        if "value" in span:
            if label != "DATE":
                err(f"{where_span}: 'value' is only for DATE, not {label}")
            elif not _DATE_VALUE.match(str(span["value"])):
                err(f"{where_span}: DATE value {span['value']!r} is not ISO (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-Www)")

    # overlaps inside a layer
    for layer in (1, 2):
        layer_spans = sorted(
            (s for s in by_id.values() if s.get("label") in ALL_SPAN_LABELS and layer_of(s["label"]) == layer
             and isinstance(s.get("start"), int) and isinstance(s.get("end"), int)),
            key=lambda s: (s["start"], s["end"]),
        )
        for a, b in zip(layer_spans, layer_spans[1:]):
            if b["start"] < a["end"]:
                err(f"span {b.get('id')}: overlaps span {a.get('id')} in layer {layer} "
                    f"({a['start']}-{a['end']} and {b['start']}-{b['end']})")

    seen_rel: set[tuple[str, str, str]] = set()
    for j, rel in enumerate(relations):
        head, tail, role = rel.get("head"), rel.get("tail"), rel.get("label")
        where_rel = f"relation #{j} ({head} -{role}-> {tail})"
        if role not in ROLES:
            err(f"{where_rel}: unknown role {role!r}")
            continue
        if head not in by_id or tail not in by_id:
            missing = head if head not in by_id else tail
            err(f"{where_rel}: relation to a missing span {missing!r}")
            continue
        if (head, tail, role) in seen_rel:
            err(f"{where_rel}: duplicate relation")
        seen_rel.add((head, tail, role))
        if by_id[head].get("label") not in EVENT_TYPES:
            err(f"{where_rel}: head {head} is a {by_id[head].get('label')}, not a trigger")
        tail_label = by_id[tail].get("label")
        if tail_label not in ROLE_TAILS[role]:
            err(f"{where_rel}: role/tail type mismatch: {role} takes "
                f"{'/'.join(sorted(ROLE_TAILS[role]))}, span {tail} is {tail_label}")
        if role in ("ACTOR", "RECIPIENT") and by_id[tail].get("ref") is None:
            err(f"{where_rel}: {role} tail span {tail} has no 'ref'")
    return problems
