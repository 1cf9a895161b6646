"""Projection of SCHEMA.md records onto sub-word tokens (BIO per layer, span pairs), and back.

Sub-word labelling policy (tested in tests/test_bio.py):

- Text is normalised first (``model.text.normalize``); offsets are mapped both ways.
- A token belongs to a span when their character ranges overlap. The span's first token
  gets ``B-X``, every later token of it (word-initial or ``##`` continuation) ``I-X``.
  Every sub-word is labelled; special tokens get -100 (ignored by the loss).
- A span is *aligned* when its first token starts at its start and its last token ends at
  its end; decoding an aligned span gives back exactly its offsets. A span whose edge
  falls inside a token (a clitic kept out of the span but fused in one token: "وبوتين")
  is *misaligned*: it is still labelled (on the whole tokens it touches) and counted.
- A span that crosses a window boundary, or whose tokens are all taken by an earlier span
  of its layer, cannot be labelled: it is counted as *lost* and listed in the report.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from arabic_events.model.schema import (
    ALL_MODES,
    ALL_SPAN_LABELS,
    ENTITY_LABELS,
    EVENT_LAYER_LABELS,
    EVENT_TYPES,
    MODALITIES,
    ROLES,
    bio_labels,
)
from arabic_events.model.text import Window, make_windows, normalize

logger = logging.getLogger(__name__)

ENTITY_TAGS = bio_labels(ENTITY_LABELS)
EVENT_TAGS = bio_labels(EVENT_LAYER_LABELS)
IGNORE = -100


@dataclass
class AlignmentReport:
    """How the spans of some records mapped onto tokens."""

    total: int = 0
    aligned: int = 0
    misaligned: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)

    def update(self, other: AlignmentReport) -> None:
        self.total += other.total
        self.aligned += other.aligned
        self.misaligned += other.misaligned
        self.lost += other.lost

    def summary(self) -> str:
        return (f"{self.total} spans: {self.aligned} aligned, {len(self.misaligned)} misaligned "
                f"(edge inside a token, labelled on whole tokens), {len(self.lost)} lost")


def span_tokens(window: Window, start: int, end: int) -> list[int]:
    """Indices (within the window, no special tokens) of tokens overlapping ``[start, end)``."""
    return [i for i, (a, b) in enumerate(window.offsets) if a < end and b > start and b > a]


def project_window(
    window: Window, spans: list[dict[str, Any]], norm_offsets: dict[str, tuple[int, int]], record_id: str,
    report: AlignmentReport, handled: set[str] | None = None,
) -> tuple[list[str], list[str], list[tuple[str, int, int]]]:
    """BIO tags of both layers for one window and the token range of each span inside it.

    Returns (entity tags, event tags, [(span id, first token, last token)]). Spans in
    ``handled`` (already placed or reported) are skipped; the ones seen here are added.
    """
    handled = set() if handled is None else handled
    n = len(window.input_ids)
    tags = {1: ["O"] * n, 2: ["O"] * n}
    placed: list[tuple[str, int, int]] = []
    for span in sorted(spans, key=lambda s: norm_offsets.get(s["id"], (0, 0))):
        if span["id"] not in norm_offsets or span["id"] in handled:
            continue
        s, e = norm_offsets[span["id"]]
        if e <= window.char_start or s >= window.char_end:
            continue  # another window's span
        toks = span_tokens(window, s, e)
        where = f"{record_id}:{span['id']} {span['label']}"
        handled.add(span["id"])
        if s < window.char_start or e > window.char_end:
            report.lost.append(f"{where}: crosses a window boundary")
            continue
        layer = 1 if span["label"] in ENTITY_LABELS else 2
        free = [t for t in toks if tags[layer][t] == "O"]
        if not free or free != toks:
            report.lost.append(f"{where}: its tokens are taken by another span of layer {layer}")
            continue
        for k, t in enumerate(toks):
            tags[layer][t] = ("B-" if k == 0 else "I-") + span["label"]
        if window.offsets[toks[0]][0] == s and window.offsets[toks[-1]][1] == e:
            report.aligned += 1
        else:
            report.misaligned.append(f"{where}: edge inside a token")
        placed.append((span["id"], toks[0], toks[-1]))
    return tags[1], tags[2], placed


def ignored_tokens(offsets: Sequence[tuple[int, int]], ranges: Sequence[tuple[int, int]]) -> list[int]:
    """Indices of the tokens (character ``offsets``) that overlap one of ``ranges``.

        >>> ignored_tokens([(0, 3), (4, 6), (6, 9)], [(5, 7)])
        [1, 2]
    """
    return [t for t, (a, b) in enumerate(offsets) if any(x < b and a < y for x, y in ranges)]


def encode_record(record: dict[str, Any], tokenizer: Any, max_tokens: int, normalization: str = "project",
                  featurizer: Any = None, gazetteer: dict[str, list[str]] | None = None
                  ) -> tuple[list[dict[str, Any]], AlignmentReport]:
    """Training features of every window of a record, plus its alignment report.

    Each feature has ``input_ids``/``attention_mask`` (with special tokens), token labels of
    both layers, ``spans`` ([first, last, label id], token indices after [CLS]), relation
    ``pairs``/``pair_labels`` (0 = no relation, k = ROLES[k-1]), trigger ``trigger_pairs``/
    ``coref_labels``, ``mode_labels``/``modality_labels`` per span. ``normalization`` is the
    scheme of :func:`~arabic_events.model.text.normalize` that the model's encoder expects.
    With a ``featurizer`` (:class:`~arabic_events.model.word_features.WordFeaturizer`), each
    feature also has ``word_ids`` and ``word_flags`` (``gazetteer`` replaces the featurizer's: the
    leave-one-out gazetteer of a training article).
    """

    norm = normalize(record["text"], normalization)
    norm_offsets: dict[str, tuple[int, int]] = {}
    report = AlignmentReport()
    for span in record["spans"]:
        report.total += 1
        mapped = norm.from_original(span["start"], span["end"])
        if mapped is None:
            report.lost.append(f"{record['id']}:{span['id']} {span['label']}: nothing left after normalisation")
        else:
            norm_offsets[span["id"]] = mapped
    by_id = {s["id"]: s for s in record["spans"]}
    rel_of = {(r["head"], r["tail"]): ROLES.index(r["label"]) + 1 for r in record["relations"]}
    features = []
    handled: set[str] = set()
    # partially labelled records (extra entity data): ranges that teach nothing, and no event layer
    ignored = [m for m in (norm.from_original(a, b) for a, b in record.get("ignore", ())) if m is not None]
    entity_only = record.get("layers") == ["entity"]
    words = featurizer.text_words(norm.text, gazetteer) if featurizer is not None else None
    for w_index, window in enumerate(make_windows(norm.text, tokenizer, max_tokens)):
        ent, evt, placed = project_window(window, record["spans"], norm_offsets, record["id"], report, handled)
        spans = [[a + 1, b + 1, ALL_SPAN_LABELS.index(by_id[sid]["label"])] for sid, a, b in placed]
        ids = [sid for sid, _, _ in placed]
        triggers = [i for i, sid in enumerate(ids) if by_id[sid]["label"] in EVENT_TYPES]
        pairs, pair_labels, tpairs, coref = [], [], [], []
        for i in triggers:
            for j, sid in enumerate(ids):
                if j != i and by_id[sid]["label"] not in EVENT_TYPES:
                    pairs.append([i, j])
                    pair_labels.append(rel_of.get((ids[i], sid), 0))
            for j in triggers:
                if j > i:
                    tpairs.append([i, j])
                    coref.append(int(by_id[ids[i]].get("event") == by_id[ids[j]].get("event")))
        mode_labels = [IGNORE] * len(ids)
        modality_labels = [IGNORE] * len(ids)
        for i in triggers:
            sp = by_id[ids[i]]
            mode_labels[i] = ALL_MODES.index(sp["mode"]) + 1 if sp.get("mode") else 0
            modality_labels[i] = MODALITIES.index(sp.get("modality", "asserted"))
        cls_id = tokenizer.cls_token_id
        sep_id = tokenizer.sep_token_id
        ent_ids = [ENTITY_TAGS.index(t) for t in ent]
        for t in ignored_tokens(window.offsets, ignored):
            ent_ids[t] = IGNORE
        evt_ids = [IGNORE] * len(evt) if entity_only else [EVENT_TAGS.index(t) for t in evt]
        features.append({
            "record_id": record["id"], "window": w_index,
            "input_ids": [cls_id] + window.input_ids + [sep_id],
            "attention_mask": [1] * (len(window.input_ids) + 2),
            "entity_labels": [IGNORE] + ent_ids + [IGNORE],
            "event_labels": [IGNORE] + evt_ids + [IGNORE],
            "spans": spans, "pairs": pairs, "pair_labels": pair_labels,
            "trigger_pairs": tpairs, "coref_labels": coref,
            "mode_labels": mode_labels, "modality_labels": modality_labels,
        })
        if words is not None:
            wid, flags = words.token_arrays(window.offsets)
            blank = [0.0] * featurizer.n_flags
            features[-1]["word_ids"] = [0] + wid.tolist() + [0]
            features[-1]["word_flags"] = [blank] + flags.tolist() + [blank]
    for sid in norm_offsets:
        if sid not in handled:
            report.lost.append(f"{record['id']}:{sid} {by_id[sid]['label']}: not covered by any token")
    return features, report


