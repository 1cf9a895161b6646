"""CoNLL-style BIO export of SCHEMA.md records (and reading it back).

One token per line: ``token<TAB>entity tag<TAB>event tag<TAB>start<TAB>end`` (raw-text
offsets), a blank line between sentences, ``# id = <record id>`` before each article. Tokens
are words and punctuation marks; a token is tagged when it overlaps a span, as in
:mod:`training.bio`, so a span whose edge falls inside a word (a clitic left out) covers the
whole word here.

    python -m arabic_events.training.data.conll annotations/seed.jsonl --output seed.conll

    >>> rec = {"id": "a", "text": "بحث بوتين.", "relations": [],
    ...        "spans": [{"id": "s1", "start": 4, "end": 9, "label": "PER"}]}
    >>> to_conll([rec]).splitlines()[2].split()
    ['بوتين', 'B-PER', 'O', '4', '9']
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from arabic_events.model.decoding import bio_to_spans
from arabic_events.model.schema import ENTITY_LABELS
from arabic_events.model.text import split_sentences
from arabic_events.training.data.records import load_records

_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def _tags(tokens: list[tuple[int, int]], spans: list[dict[str, Any]]) -> list[str]:
    tags = ["O"] * len(tokens)
    for s in sorted(spans, key=lambda x: x["start"]):
        idx = [k for k, (a, b) in enumerate(tokens) if a < s["end"] and b > s["start"] and tags[k] == "O"]
        for n, k in enumerate(idx):
            tags[k] = ("B-" if n == 0 else "I-") + s["label"]
    return tags


def to_conll(records: Iterable[dict[str, Any]]) -> str:
    """The CoNLL text of ``records``."""
    out: list[str] = []
    for rec in records:
        text = rec["text"]
        out.append(f"# id = {rec['id']}")
        layer1 = [s for s in rec["spans"] if s["label"] in ENTITY_LABELS]
        layer2 = [s for s in rec["spans"] if s["label"] not in ENTITY_LABELS]
        for a, b in split_sentences(text):
            toks = [(m.start() + a, m.end() + a) for m in _TOKEN.finditer(text[a:b])]
            for (s, e), t1, t2 in zip(toks, _tags(toks, layer1), _tags(toks, layer2)):
                out.append(f"{text[s:e]}\t{t1}\t{t2}\t{s}\t{e}")
            out.append("")
    return "\n".join(out) + "\n"


def read_conll(text: str) -> dict[str, list[tuple[str, int, int]]]:
    """Spans (label, start, end) per record id, both layers, from CoNLL text."""
    out: dict[str, list[tuple[str, int, int]]] = {}
    rid = None
    rows: list[list[str]] = []

    def flush() -> None:
        if rid is None or not rows:
            return
        for col in (1, 2):
            for label, a, b in bio_to_spans([r[col] for r in rows]):
                out[rid].append((label, int(rows[a][3]), int(rows[b][4])))
        rows.clear()

    for line in text.splitlines():
        if line.startswith("# id = "):
            flush()
            rid = line[len("# id = "):]
            out[rid] = []
        elif not line.strip():
            flush()
        else:
            rows.append(line.split("\t"))
    flush()
    return out


def main(argv: list[str] | None = None) -> int:

    ap = argparse.ArgumentParser(prog="python -m arabic_events.training.data.conll", description="Export records as CoNLL BIO.")
    ap.add_argument("data")
    ap.add_argument("--output", required=True)
    ap.add_argument("--corpus")
    a = ap.parse_args(argv)
    out = Path(a.output)
    if out.exists():
        raise SystemExit(f"error: {out} exists; remove it first")
    out.write_text(to_conll(load_records(a.data, corpus=a.corpus)), encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
