"""Annotation authoring: turn drafts that name spans by their surface into SCHEMA.md records.

Annotators never type offsets. A draft (JSON) names each span by its text and, where the
text occurs more than once, by ``nth`` (0-based occurrence in the article, substrings of
longer words included) or by an ``anchor`` (a longer snippet that occurs once and contains
the span). This module computes the offsets, validates, and writes inline records (seed
articles, text included) or standoff records (corpus articles, no text).

Draft format::

    {"id": "ant-001",
     "source": {"corpus": "AL-internationalNews-1112-20180511"},   # or {"seed": "000_....txt"}
     "meta": {"published": "2018-05-11"},                          # optional; corpus gives it
     "spans": [{"id": "s1", "text": "بحث", "label": "CONSULT", "event": "e1", "mode": "phone"},
               {"id": "s2", "text": "بوتين", "nth": 1, "label": "PER", "ref": "Vladimir Putin"},
               {"id": "s3", "text": "روسيا", "anchor": "بين روسيا وبيلاروس", "label": "GPE", "ref": "Russia"}],
     "relations": [["s1", "s2", "ACTOR"]]}

Command line::

    python -m arabic_events.training.data.authoring text --corpus-id ID | --seed FILE       # print the article
    python -m arabic_events.training.data.authoring find (--corpus-id ID | --seed FILE) "نص"  # occurrences, nth, context
    python -m arabic_events.training.data.authoring build DRAFT.json... --output OUT.jsonl [--overwrite]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from arabic_events.training.data.locations import resolve_corpus_path, seed_dir
from arabic_events.training.data.records import CORPUS_NAME, read_corpus, sha256_text
from arabic_events.training.data.validation import AnnotationError, validate_record

_SPAN_META = {"text", "nth", "anchor", "id", "label"}


def occurrences(text: str, needle: str) -> list[int]:
    """Start offsets of every (possibly overlapping) occurrence of ``needle``."""
    out, i = [], text.find(needle)
    while i >= 0:
        out.append(i)
        i = text.find(needle, i + 1)
    return out


def locate(text: str, span: dict[str, Any]) -> tuple[int, int]:
    """Offsets of a draft span; ValueError naming the span when it cannot be placed unambiguously."""
    needle = span.get("text")
    sid = span.get("id", "?")
    if not needle:
        raise ValueError(f"span {sid}: no 'text'")
    base = 0
    hay = text
    if "anchor" in span:
        anchor = span["anchor"]
        hits = occurrences(text, anchor)
        if len(hits) != 1:
            raise ValueError(f"span {sid}: anchor {anchor!r} occurs {len(hits)} times (must be once)")
        base = hits[0]
        hay = anchor
    hits = occurrences(hay, needle)
    if not hits:
        raise ValueError(f"span {sid}: text {needle!r} not found" + (" in its anchor" if base or "anchor" in span else ""))
    if "nth" in span:
        nth = span["nth"]
        if not isinstance(nth, int) or not 0 <= nth < len(hits):
            raise ValueError(f"span {sid}: nth={nth} but {needle!r} occurs {len(hits)} times")
        start = hits[nth]
    elif len(hits) == 1 or "anchor" in span:
        start = hits[0]
    else:
        ctx = "; ".join(f"nth={k}: …{hay[max(0, h - 15):h + len(needle) + 15]}…" for k, h in enumerate(hits[:6]))
        raise ValueError(f"span {sid}: text {needle!r} occurs {len(hits)} times; give nth or anchor ({ctx})")
    return base + start, base + start + len(needle)


def article_text(source: dict[str, str], corpus: str | None = None) -> tuple[str, dict[str, Any]]:
    """(text, meta) of a draft's source: a seed file or a corpus article."""
    if "seed" in source:
        path = Path(source["seed"])
        if not path.is_absolute():
            path = seed_dir() / path
        return path.read_text(encoding="utf-8"), {}
    cid = source["corpus"]
    arts = read_corpus(resolve_corpus_path(corpus), [cid])
    if cid not in arts:
        raise ValueError(f"corpus article {cid!r} not found")
    art = arts[cid]
    return art["text"], {"source": art.get("outlet"), "published": art.get("published"), "url": art.get("url")}


def build_record(draft: dict[str, Any], corpus: str | None = None, where: str = "") -> dict[str, Any]:
    """A validated SCHEMA.md record from a draft (standoff when the source is a corpus article)."""
    text, meta = article_text(draft["source"], corpus)
    meta.update(draft.get("meta") or {})
    problems: list[str] = []
    spans = []
    for span in draft.get("spans", []):
        try:
            start, end = locate(text, span)
        except ValueError as e:
            problems.append(f"{where}: {e}")
            continue
        out = {"id": span["id"], "start": start, "end": end, "label": span.get("label")}
        out.update({k: v for k, v in span.items() if k not in _SPAN_META})
        spans.append(out)
    relations = []
    for rel in draft.get("relations", []):
        if isinstance(rel, dict):
            relations.append({"head": rel["head"], "tail": rel["tail"], "label": rel["label"]})
        else:
            head, tail, label = rel
            relations.append({"head": head, "tail": tail, "label": label})
    record = {"id": draft["id"], "text": text, "meta": meta, "spans": spans, "relations": relations}
    problems += validate_record(record, where)
    if problems:
        raise AnnotationError(problems)
    if "corpus" in draft["source"]:
        return {"id": draft["id"], "doc": {"corpus": CORPUS_NAME, "id": draft["source"]["corpus"],
                                           "sha256": sha256_text(text)},
                "meta": {k: v for k, v in meta.items() if k in ("published",)} | (draft.get("meta") or {}),
                "spans": spans, "relations": relations}
    return record


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m arabic_events.training.data.authoring", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("text", "find"):
        p = sub.add_parser(name)
        g = p.add_mutually_exclusive_group(required=True)
        g.add_argument("--corpus-id")
        g.add_argument("--seed")
        p.add_argument("--corpus")
        if name == "find":
            p.add_argument("needle")
    b = sub.add_parser("build")
    b.add_argument("drafts", nargs="+")
    b.add_argument("--output", required=True)
    b.add_argument("--corpus")
    b.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")
    args = ap.parse_args(argv)
    if args.cmd in ("text", "find"):
        src = {"corpus": args.corpus_id} if args.corpus_id else {"seed": args.seed}
        text, _ = article_text(src, args.corpus)
        if args.cmd == "text":
            print(text)
        else:
            for k, h in enumerate(occurrences(text, args.needle)):
                print(f"nth={k}\t{h}-{h + len(args.needle)}\t…{text[max(0, h - 25):h]}[{args.needle}]"
                      f"{text[h + len(args.needle):h + len(args.needle) + 25]}…".replace("\n", "⏎"))
        return 0
    out = Path(args.output)
    if out.exists() and not args.overwrite:
        print(f"error: {out} exists; pass --overwrite to replace it", file=sys.stderr)
        return 2
    records, problems = [], []
    for path in args.drafts:
        try:
            draft = json.loads(Path(path).read_text(encoding="utf-8"))
            records.append(build_record(draft, args.corpus, where=path))
        except AnnotationError as e:
            problems += e.problems
        except (ValueError, KeyError) as e:
            problems.append(f"{path}: {e}")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    ids = [r["id"] for r in records]
    if len(set(ids)) != len(ids):
        print(f"error: duplicate record ids in drafts: {sorted({i for i in ids if ids.count(i) > 1})}", file=sys.stderr)
        return 1
    tmp = out.with_suffix(out.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    tmp.replace(out)
    print(f"wrote {len(records)} records to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
