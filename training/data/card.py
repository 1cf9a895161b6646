"""Count tables of the dataset card (annotations/README.md), regenerated from the files.

    python -m arabic_events.training.data.card            # rewrite the generated part of annotations/README.md
    python -m arabic_events.training.data.card --check    # exit 1 if the card is out of date

Run from the checkout, or name the folder with ``--annotations DIR``.

The generated part sits between ``<!-- generated:start -->`` and ``<!-- generated:end -->``.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from arabic_events.model.schema import ENTITY_LABELS, EVENT_LAYER_LABELS, EVENT_TYPES, ROLES
from arabic_events.training.data.dataset import load_splits
from arabic_events.training.data.records import load_records
from arabic_events.training.evaluation.scoring import events_of, score

START, END = "<!-- generated:start -->", "<!-- generated:end -->"
FILES = ("seed.jsonl", "corpus.jsonl")


def _table(header: list[str], rows: list[list[Any]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def generate(annotations: str | Path = "annotations", corpus: str | None = None) -> str:
    """The generated Markdown: counts per split, label, role, event type and mode, outlet; agreement."""
    ann = Path(annotations)
    records = []
    for name in FILES:
        records += [(name, r) for r in load_records(ann / name, corpus=corpus)]
    splits = load_splits(ann / "splits.json")
    split_of = {i: s for s, ids in splits.items() for i in ids}
    names = list(splits)
    parts: list[str] = []

    def per_split(fn) -> list[Any]:
        c = Counter()
        for _, r in records:
            c[split_of.get(r["id"], "none")] += fn(r)
        return [c[s] for s in names] + [sum(c.values())]

    parts.append("### Articles and annotations per split\n")
    rows = [["articles"] + per_split(lambda r: 1),
            ["characters"] + per_split(lambda r: len(r["text"])),
            ["layer-1 spans"] + per_split(lambda r: sum(s["label"] in ENTITY_LABELS for s in r["spans"])),
            ["layer-2 spans"] + per_split(lambda r: sum(s["label"] in EVENT_LAYER_LABELS for s in r["spans"])),
            ["relations"] + per_split(lambda r: len(r["relations"])),
            ["events"] + per_split(lambda r: len(events_of(r))),
            ["articles without events"] + per_split(lambda r: int(not events_of(r)))]
    parts.append(_table(["", *names, "all"], rows))

    parts.append("\n### Articles per source\n")
    src = Counter((r.get("meta") or {}).get("source") or ("seed" if f == "seed.jsonl" else "?") for f, r in records)
    parts.append(_table(["source", "articles"], [[k, v] for k, v in sorted(src.items())]))

    def label_rows(labels: tuple[str, ...]) -> list[list[Any]]:
        rows = []
        for lab in labels:
            counts = per_split(lambda r, lab=lab: sum(s["label"] == lab for s in r["spans"]))
            if counts[-1]:
                rows.append([lab] + counts)
        return rows

    parts.append("\n### Layer 1 (entities) per label\n")
    parts.append(_table(["label", *names, "all"], label_rows(ENTITY_LABELS)))
    parts.append("\n### Layer 2 (triggers and TOPIC) per label\n")
    parts.append(_table(["label", *names, "all"], label_rows(EVENT_LAYER_LABELS)))
    parts.append("\n### Relations per role\n")
    parts.append(_table(["role", *names, "all"], [
        [role] + per_split(lambda r, role=role: sum(x["label"] == role for x in r["relations"])) for role in ROLES]))
    parts.append("\n### Events per type and mode\n")
    ev = Counter()
    for _, r in records:
        for e in events_of(r):
            ev[(e["type"], e["mode"] or "-")] += 1
    parts.append(_table(["type", "mode", "events"], [[t, m, n] for (t, m), n in sorted(ev.items())]))
    modality = Counter(s.get("modality", "asserted") for _, r in records for s in r["spans"] if s["label"] in EVENT_TYPES)
    parts.append("\n### Trigger modality\n")
    parts.append(_table(["modality", "triggers"], [[k, v] for k, v in sorted(modality.items())]))

    rounds = agreement_rounds(ann / "agreement", corpus)
    if rounds:
        parts.append(agreement_table(rounds))
    return "\n".join(parts) + "\n"


def agreement_rounds(folder: Path, corpus: str | None) -> list[tuple[str, list[dict[str, Any]], list[dict[str, Any]]]]:
    """(name, first pass, second pass) of each double-annotated round in ``folder``: the files
    ``pass1.jsonl``/``pass2.jsonl`` (the first round) and ``NAME-pass1.jsonl``/``NAME-pass2.jsonl``."""
    out = []
    for p1 in sorted(folder.glob("*pass1.jsonl")):
        p2 = p1.with_name(p1.name.replace("pass1", "pass2"))
        if p2.exists():
            name = p1.name[: -len("pass1.jsonl")].rstrip("-") or "first round"
            out.append((name, load_records(p1, corpus=corpus), load_records(p2, corpus=corpus)))
    return out


def agreement_table(rounds: list[tuple[str, list[dict[str, Any]], list[dict[str, Any]]]]) -> str:
    """F1 of each round's second pass against its first, per layer, label, role and event type,
    and of all rounds pooled."""
    reports = [(name, score(p1, p2)) for name, p1, p2 in rounds]
    if len(rounds) > 1:
        reports.append(("all", score([r for _, p1, _ in rounds for r in p1], [r for _, _, p2 in rounds for r in p2])))
    n = sum(len(p1) for _, p1, _ in rounds)
    lines = [f"\n### Inter-annotator agreement ({n} articles annotated twice, independently)\n",
             "F1 of the second pass scored against the first with the project's scorer (`arabic-events-evaluate "
             "--data annotations/agreement/NAME-pass1.jsonl --predicted annotations/agreement/NAME-pass2.jsonl`); "
             "P and R swap if the passes swap. Support is the first pass's count, pooled over the rounds.\n"]

    def cell(rep: dict[str, Any], path: tuple[str, ...]) -> str:
        x: Any = rep
        for k in path:
            x = x.get(k) if isinstance(x, dict) else None
            if x is None:
                return "n/a"
        return _fmt(x)

    pooled = reports[-1][1]
    rows: list[tuple[str, tuple[str, ...], Any]] = []
    for lab in sorted(pooled["entities"]["per_label"]):
        rows.append((f"layer 1 {lab}", ("entities", "per_label", lab, "f1"), pooled["entities"]["per_label"][lab]["support"]))
    rows.append(("layer 1 micro", ("entities", "micro", "f1"), pooled["entities"]["micro"]["support"]))
    rows.append(("layer 2 micro (triggers + TOPIC)", ("event_layer", "micro", "f1"), pooled["event_layer"]["micro"]["support"]))
    rows.append(("TOPIC spans", ("event_layer", "per_label", "TOPIC", "f1"),
                 pooled["event_layer"]["per_label"].get("TOPIC", {}).get("support", 0)))
    rows.append(("triggers (span, type)", ("triggers", "f1"), pooled["triggers"]["support"]))
    for role, m in pooled["arguments"]["per_role"].items():
        rows.append((f"argument {role}", ("arguments", "per_role", role, "f1"), m["support"]))
    rows.append(("arguments micro", ("arguments", "micro", "f1"), pooled["arguments"]["micro"]["support"]))
    for etype, m in pooled["events"]["per_type"].items():
        rows.append((f"events {etype}", ("events", "per_type", etype, "f1"), m["support"]))
    rows.append(("events (type + actors)", ("events", "f1"), pooled["events"]["gold"]))
    rows.append(("mode accuracy on matched events", ("events", "mode_accuracy"), pooled["events"]["matched"]))
    header = ["layer / role / type"] + [f"F1 {name} ({rep['articles']})" for name, rep in reports] + ["support"]
    lines.append(_table(header, [[label] + [cell(rep, path) for _, rep in reports] + [sup] for label, path, sup in rows]))
    return "\n".join(lines)


def render(card: str, generated: str) -> str:
    if START not in card or END not in card:
        raise ValueError(f"the dataset card lacks the markers {START} ... {END}")
    head, rest = card.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{generated}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m arabic_events.training.data.card", description=__doc__.split("\n")[0])
    ap.add_argument("--annotations", default="annotations", help="the annotations folder (default: ./annotations)")
    ap.add_argument("--check", action="store_true", help="exit 1 if annotations/README.md is out of date")
    ap.add_argument("--corpus")
    a = ap.parse_args(argv)
    card_path = Path(a.annotations) / "README.md"
    if not card_path.is_file():
        print(f"error: {card_path} not found (run from the checkout or pass --annotations DIR)", file=sys.stderr)
        return 2
    card = card_path.read_text(encoding="utf-8")
    new = render(card, generate(a.annotations, a.corpus))
    if a.check:
        if new != card:
            print(f"{card_path} is out of date: run python -m arabic_events.training.data.card", file=sys.stderr)
            return 1
        return 0
    card_path.write_text(new, encoding="utf-8")
    print(f"updated {card_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

