"""The metrics of SCHEMA.md "Metrics" as pure functions over two sets of records (gold, predicted).

The same functions measure a model (gold vs its predictions) and two annotators (one file
vs the other). Span equality ignores one leading attached clitic (و/ف/ب/ل/ك): two spans
are equal when they end at the same offset and start at the same offset or one character
apart where that character is a clitic letter.

    >>> g = {"id": "a", "text": "وبوتين", "spans": [{"id": "s1", "start": 1, "end": 6, "label": "PER"}], "relations": []}
    >>> p = {"id": "a", "text": "وبوتين", "spans": [{"id": "x", "start": 0, "end": 6, "label": "PER"}], "relations": []}
    >>> score([g], [p])["entities"]["micro"]["f1"]
    1.0
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from arabic_events.model.schema import CLITICS, ENTITY_LABELS, EVENT_LAYER_LABELS, EVENT_TYPES, ROLES

Span = tuple[int, int]


def spans_equal(text: str, a: Span, b: Span) -> bool:
    """Equal offsets, or equal end and starts one apart over a clitic letter."""
    if a[1] != b[1]:
        return False
    if a[0] == b[0]:
        return True
    lo = min(a[0], b[0])
    return abs(a[0] - b[0]) == 1 and text[lo] in CLITICS


def prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    """Precision, recall, F1 (0 where undefined) and support.

    >>> prf(1, 2, 4)
    {'precision': 0.5, 'recall': 0.25, 'f1': 0.3333333333333333, 'support': 4}
    """
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "support": n_gold}


def _match_count(text: str, gold: list[tuple[Any, ...]], pred: list[tuple[Any, ...]], span_slots: tuple[int, ...]) -> int:
    """One-to-one greedy matching of tuples equal except for clitic-tolerant span slots."""
    used = [False] * len(gold)
    tp = 0
    for p in pred:
        for k, g in enumerate(gold):
            if used[k]:
                continue
            if all(spans_equal(text, p[i], g[i]) if i in span_slots else p[i] == g[i] for i in range(len(p))):
                used[k] = True
                tp += 1
                break
    return tp


# ---------------- mentions (seqeval strict) ----------------
def _layer_spans(record: dict[str, Any], labels: Iterable[str]) -> list[tuple[int, int, str]]:
    labels = set(labels)
    return sorted((s["start"], s["end"], s["label"]) for s in record["spans"] if s["label"] in labels)


def mention_scores(golds: list[dict[str, Any]], preds: list[dict[str, Any]], labels: tuple[str, ...]) -> dict[str, Any]:
    """seqeval strict (IOB2) P/R/F1, micro and per label, over segments cut at every span edge."""
    from seqeval.metrics import classification_report
    from seqeval.scheme import IOB2

    y_true, y_pred = [], []
    for g, p in zip(golds, preds):
        text = g["text"]
        gs = _layer_spans(g, labels)
        ps = []
        for s, e, lab in _layer_spans(p, labels):  # snap clitic-equal predictions onto the gold span
            hit = next(((gs_, ge_) for gs_, ge_, gl in gs if spans_equal(text, (s, e), (gs_, ge_))), None)
            ps.append((hit[0], hit[1], lab) if hit else (s, e, lab))
        cuts = {0, len(text)} | {x for s, e, _ in gs + ps for x in (s, e)}
        cuts |= {i for i, ch in enumerate(text) if ch.isspace()} | {i + 1 for i, ch in enumerate(text) if ch.isspace()}
        bounds = sorted(cuts)
        segs = [(a, b) for a, b in zip(bounds, bounds[1:]) if text[a:b].strip()]
        for spans, out in ((gs, y_true), (ps, y_pred)):
            tags = ["O"] * len(segs)
            for s, e, lab in spans:
                idx = [k for k, (a, b) in enumerate(segs) if a >= s and b <= e]
                for n, k in enumerate(idx):
                    tags[k] = ("B-" if n == 0 else "I-") + lab
            out.append(tags)
    if not any(t != "O" for seq in y_true + y_pred for t in seq):
        return {"micro": prf(0, 0, 0), "per_label": {}}
    rep = classification_report(y_true, y_pred, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)
    def conv(v: dict[str, Any]) -> dict[str, Any]:
        return {"precision": float(v["precision"]), "recall": float(v["recall"]), "f1": float(v["f1-score"]),
                "support": int(v["support"])}

    return {"micro": conv(rep["micro avg"]), "per_label": {k: conv(v) for k, v in rep.items() if k in labels}}


# ---------------- triggers and arguments ----------------
def _triggers(record: dict[str, Any]) -> list[tuple[Span, str]]:
    return [((s["start"], s["end"]), s["label"]) for s in record["spans"] if s["label"] in EVENT_TYPES]


def _arguments(record: dict[str, Any]) -> list[tuple[Span, str, Span, str]]:
    by_id = {s["id"]: s for s in record["spans"]}
    out = []
    for r in record["relations"]:
        h, t = by_id.get(r["head"]), by_id.get(r["tail"])
        if h and t and h["label"] in EVENT_TYPES:
            out.append(((h["start"], h["end"]), h["label"], (t["start"], t["end"]), r["label"]))
    return out


def trigger_scores(golds: list[dict[str, Any]], preds: list[dict[str, Any]]) -> dict[str, Any]:
    tp = npred = ngold = 0
    for g, p in zip(golds, preds):
        gt, pt = _triggers(g), _triggers(p)
        tp += _match_count(g["text"], gt, pt, (0,))
        npred += len(pt)
        ngold += len(gt)
    return prf(tp, npred, ngold)


def argument_scores(golds: list[dict[str, Any]], preds: list[dict[str, Any]]) -> dict[str, Any]:
    per: dict[str, list[int]] = {r: [0, 0, 0] for r in ROLES}
    for g, p in zip(golds, preds):
        ga, pa = _arguments(g), _arguments(p)
        for role in ROLES:
            gr = [a for a in ga if a[3] == role]
            pr = [a for a in pa if a[3] == role]
            per[role][0] += _match_count(g["text"], gr, pr, (0, 2))
            per[role][1] += len(pr)
            per[role][2] += len(gr)
    tot = [sum(v[i] for v in per.values()) for i in range(3)]
    return {"micro": prf(*tot), "per_role": {r: prf(*v) for r, v in per.items()}}


# ---------------- events ----------------
def events_of(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Events derived from a record: triggers grouped by event id, arguments unioned.

    Each event: type, mode (most common among its triggers), actors (list of (ref, spans)),
    topics and times (spans), confidence (from ``event_confidence`` on triggers, if any).
    """
    by_id = {s["id"]: s for s in record["spans"]}
    ref_spans: dict[str, list[Span]] = defaultdict(list)
    for s in record["spans"]:
        ref = s.get("ref")
        for r in ([ref] if isinstance(ref, str) else (ref or [])):
            ref_spans[r].append((s["start"], s["end"]))
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in record["spans"]:
        if s["label"] in EVENT_TYPES:
            groups[s.get("event") or s["id"]].append(s)
    events = []
    for eid, trigs in groups.items():
        tids = {t["id"] for t in trigs}
        actors: dict[str, set[Span]] = defaultdict(set)
        topics, times = set(), set()
        for r in record["relations"]:
            if r["head"] not in tids or r["tail"] not in by_id:
                continue
            t = by_id[r["tail"]]
            span = (t["start"], t["end"])
            if r["label"] == "ACTOR":
                ref = t.get("ref")
                keys = [ref] if isinstance(ref, str) else (ref or ["@" + record["text"][span[0]:span[1]]])
                for k in keys:
                    actors[k].add(span)
                    actors[k].update(ref_spans.get(k, []))
            elif r["label"] == "TOPIC":
                topics.add(span)
            elif r["label"] == "TIME":
                times.add(span)
        modes = Counter(t.get("mode") for t in trigs)
        confs = [t.get("event_confidence", t.get("confidence")) for t in trigs]
        confs = [c for c in confs if c is not None]
        conf = max(confs) if confs else None
        events.append({"id": eid, "type": trigs[0]["label"], "mode": modes.most_common(1)[0][0],
                       "triggers": sorted((t["start"], t["end"]) for t in trigs),
                       "actors": [(k, sorted(v)) for k, v in sorted(actors.items())], "topics": sorted(topics),
                       "times": sorted(times), "confidence": conf})
    return events


def _perfect_matching(n_left: int, n_right: int, ok, prefer=None) -> list[int]:
    """Maximum bipartite matching by augmenting paths; returns the right->left assignment
    (-1 where unmatched). ``prefer(u, v)`` orders the candidates of each left node."""
    match = [-1] * n_right
    order = [sorted(range(n_right), key=lambda v: -prefer(u, v)) if prefer else list(range(n_right))
             for u in range(n_left)]

    def try_(u: int, seen: set[int]) -> bool:
        for v in order[u]:
            if v not in seen and ok(u, v):
                seen.add(v)
                if match[v] == -1 or try_(match[v], seen):
                    match[v] = u
                    return True
        return False

    for u in range(n_left):
        try_(u, set())
    return match


def _same_actor(text: str, a: tuple[str, list[Span]], b: tuple[str, list[Span]]) -> bool:
    """Equal refs, or a mention of one is exactly (clitic-tolerant) a mention of the other."""
    return a[0] == b[0] or any(spans_equal(text, x, y) for x in a[1] for y in b[1])


def merge_predicted_actors(text: str, gold: list[tuple[str, list[Span]]], pred: list[tuple[str, list[Span]]]
                           ) -> list[tuple[str, list[Span]]]:
    """Predicted actors as the gold side sees them: a predicted mention without a ref (key
    ``@surface``) whose span is a gold mention of some gold actor counts as that actor, so it
    joins the predicted actor that already is that gold actor instead of adding a second one
    (SCHEMA.md, Metrics 3). Two predicted actors with different refs are never merged.

    >>> text = "العاهل السعودي الملك سلمان"
    >>> gold = [("King Salman", [(0, 14), (15, 26)])]
    >>> pred = [("@العاهل السعودي", [(0, 14)]), ("King Salman", [(15, 26)])]
    >>> merge_predicted_actors(text, gold, pred)
    [('King Salman', [(0, 14), (15, 26)])]
    """
    merged: list[tuple[str, list[Span], set[int]]] = []
    for ref, spans in pred:
        cands = {v for v, g in enumerate(gold) if _same_actor(text, (ref, spans), g)}
        for k, (mref, mspans, mcands) in enumerate(merged):
            if cands & mcands and (ref.startswith("@") or mref.startswith("@")):
                keep = mref if ref.startswith("@") else ref
                merged[k] = (keep, sorted(set(mspans) | set(spans)), cands & mcands)
                break
        else:
            merged.append((ref, list(spans), cands))
    return [(ref, spans) for ref, spans, _ in merged]


def actors_equal(text: str, gold: list[tuple[str, list[Span]]], pred: list[tuple[str, list[Span]]]) -> bool:
    """Equal actor sets: a one-to-one pairing where refs are equal or a predicted mention is
    exactly (clitic-tolerant) a gold mention of that actor; a ref-less predicted mention of an
    actor already predicted counts as that actor (:func:`merge_predicted_actors`)."""
    pred = merge_predicted_actors(text, gold, pred)
    if len(gold) != len(pred):
        return False
    match = _perfect_matching(len(pred), len(gold), lambda u, v: _same_actor(text, pred[u], gold[v]))
    return all(m >= 0 for m in match)


def match_events(text: str, gold: list[dict[str, Any]], pred: list[dict[str, Any]]) -> list[int]:
    """One-to-one matching of predicted to gold events (of :func:`events_of`) of one article:
    same type and equal actor sets; pairs sharing triggers are preferred. Returns, per gold
    event, the index of its predicted event or -1."""

    def ok(u: int, v: int) -> bool:
        return pred[u]["type"] == gold[v]["type"] and actors_equal(text, gold[v]["actors"], pred[u]["actors"])

    def shared(u: int, v: int) -> int:
        return sum(any(spans_equal(text, a, b) for b in gold[v]["triggers"]) for a in pred[u]["triggers"])

    return _perfect_matching(len(pred), len(gold), ok, shared)


def event_scores(golds: list[dict[str, Any]], preds: list[dict[str, Any]]) -> dict[str, Any]:
    matched = npred = ngold = 0
    mode_ok = 0
    topic = [0, 0, 0]
    time = [0, 0, 0]
    conf_pairs: list[tuple[float, bool]] = []
    per_type: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # matched, predicted, gold
    no_event = quiet = 0  # articles without a gold event; of them, those without a predicted one
    for g, p in zip(golds, preds):
        text = g["text"]
        ge, pe = events_of(g), events_of(p)
        npred += len(pe)
        ngold += len(ge)
        for e in pe:
            per_type[e["type"]][1] += 1
        for e in ge:
            per_type[e["type"]][2] += 1
        if not ge:
            no_event += 1
            quiet += not pe

        match = match_events(text, ge, pe)
        hit = set()
        for v, u in enumerate(match):
            if u < 0:
                continue
            hit.add(u)
            matched += 1
            per_type[ge[v]["type"]][0] += 1
            mode_ok += int(pe[u]["mode"] == ge[v]["mode"])
            for key, acc in (("topics", topic), ("times", time)):
                gs, ps = [(s,) for s in ge[v][key]], [(s,) for s in pe[u][key]]
                acc[0] += _match_count(text, gs, ps, (0,))
                acc[1] += len(ps)
                acc[2] += len(gs)
        conf_pairs += [(e["confidence"], k in hit) for k, e in enumerate(pe) if e["confidence"] is not None]
    out = prf(matched, npred, ngold)
    out.update({"matched": matched, "predicted": npred, "gold": ngold,
                "mode_accuracy": mode_ok / matched if matched else None,
                "topic_agreement": prf(*topic)["f1"] if topic[1] + topic[2] else None,
                "time_agreement": prf(*time)["f1"] if time[1] + time[2] else None,
                "per_type": {t: prf(*per_type[t]) for t in EVENT_TYPES if per_type[t][1] + per_type[t][2]},
                "no_event_articles": no_event, "quiet_on_no_event": quiet / no_event if no_event else None})
    return out, conf_pairs


# ---------------- calibration ----------------
def expected_calibration_error(pairs: list[tuple[float, bool]], bins: int = 10) -> float | None:
    """ECE with equal-width bins: sum over bins of |accuracy - mean confidence| * share.

    >>> expected_calibration_error([(0.9, True), (0.9, False)])
    0.4
    """
    if not pairs:
        return None
    total = len(pairs)
    ece = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inb = [(c, y) for c, y in pairs if (lo < c <= hi) or (b == 0 and c == 0)]
        if inb:
            acc = sum(y for _, y in inb) / len(inb)
            conf = sum(c for c, _ in inb) / len(inb)
            ece += abs(acc - conf) * len(inb) / total
    return round(ece, 10)


def trigger_confidence_pairs(golds: list[dict[str, Any]], preds: list[dict[str, Any]]) -> list[tuple[float, bool]]:
    out = []
    for g, p in zip(golds, preds):
        gt = _triggers(g)
        for s in p["spans"]:
            if s["label"] in EVENT_TYPES and "confidence" in s:
                ok = any(lab == s["label"] and spans_equal(g["text"], (s["start"], s["end"]), sp) for sp, lab in gt)
                out.append((float(s["confidence"]), ok))
    return out


# ---------------- all together ----------------
def align_records(golds: list[dict[str, Any]], preds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Predictions in the order of ``golds`` (by id); a missing prediction counts as empty."""
    by_id = {p["id"]: p for p in preds}
    out = []
    for g in golds:
        p = by_id.get(g["id"], {"id": g["id"], "text": g["text"], "spans": [], "relations": []})
        if p.get("text", g["text"]) != g["text"]:
            raise ValueError(f"record {g['id']}: the predicted and gold texts differ")
        out.append(p)
    return out


def score(golds: list[dict[str, Any]], preds: list[dict[str, Any]]) -> dict[str, Any]:
    """The full report of SCHEMA.md "Metrics" for ``preds`` against ``golds`` (matched by id)."""
    preds = align_records(golds, preds)
    events, event_pairs = event_scores(golds, preds)
    trig_pairs = trigger_confidence_pairs(golds, preds)
    return {
        "articles": len(golds),
        "entities": mention_scores(golds, preds, ENTITY_LABELS),
        "event_layer": mention_scores(golds, preds, EVENT_LAYER_LABELS),
        "triggers": trigger_scores(golds, preds),
        "arguments": argument_scores(golds, preds),
        "events": events,
        "calibration": {"trigger_ece": expected_calibration_error(trig_pairs),
                        "event_ece": expected_calibration_error(event_pairs),
                        "triggers_scored": len(trig_pairs), "events_scored": len(event_pairs)},
    }


def headline(report: dict[str, Any]) -> dict[str, float]:
    """The flat numbers logged during training. ``combined_f1`` is the mean of entity, trigger,
    argument and event F1: a steadier criterion for choosing a checkpoint than event F1 alone,
    which moves by whole events on a small dev split."""
    out = {"entity_f1": report["entities"]["micro"]["f1"], "event_layer_f1": report["event_layer"]["micro"]["f1"],
           "trigger_f1": report["triggers"]["f1"], "argument_f1": report["arguments"]["micro"]["f1"],
           "event_f1": report["events"]["f1"],
           "consult_event_f1": report["events"]["per_type"].get("CONSULT", {"f1": 0.0})["f1"]}
    out["combined_f1"] = (out["entity_f1"] + out["trigger_f1"] + out["argument_f1"] + out["event_f1"]) / 4
    return out


def format_report(report: dict[str, Any]) -> str:
    """A plain-text table of the report."""
    lines = [f"articles: {report['articles']}", "", f"{'':28}{'P':>7}{'R':>7}{'F1':>7}{'support':>9}"]

    def row(name: str, m: dict[str, Any]) -> None:
        lines.append(f"{name:28}{m['precision']:7.3f}{m['recall']:7.3f}{m['f1']:7.3f}{m['support']:9d}")

    for layer, title in (("entities", "layer 1 (entities)"), ("event_layer", "layer 2 (triggers+TOPIC)")):
        lines.append(f"-- {title}, seqeval strict")
        for lab, m in sorted(report[layer]["per_label"].items()):
            row(f"  {lab}", m)
        row("  micro", report[layer]["micro"])
    lines.append("-- triggers (span, type)")
    row("  triggers", report["triggers"])
    lines.append("-- arguments (trigger span, type, argument span, role)")
    for role, m in report["arguments"]["per_role"].items():
        if m["support"] or m["precision"]:
            row(f"  {role}", m)
    row("  micro", report["arguments"]["micro"])
    ev = report["events"]
    lines.append("-- events (type + actor set, one-to-one)")
    row("  events", ev)
    for etype, m in ev.get("per_type", {}).items():
        row(f"    {etype}", m)

    def fmt(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.3f}"

    lines.append(f"  matched {ev['matched']} of {ev['predicted']} predicted, {ev['gold']} gold; mode accuracy "
                 f"{fmt(ev['mode_accuracy'])}; TOPIC agreement {fmt(ev['topic_agreement'])}; TIME agreement "
                 f"{fmt(ev['time_agreement'])}")
    lines.append(f"  articles without a gold event: {ev['no_event_articles']}, share with no predicted event "
                 f"{fmt(ev['quiet_on_no_event'])}")
    cal = report["calibration"]
    lines.append(f"-- calibration: trigger ECE {fmt(cal['trigger_ece'])} ({cal['triggers_scored']} triggers), "
                 f"event ECE {fmt(cal['event_ece'])} ({cal['events_scored']} events)")
    return "\n".join(lines)
