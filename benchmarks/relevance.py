"""Held-out accuracy of the relevance gate (model/relevance.py) on unannotated corpus articles.

    python benchmarks/relevance.py [--corpus ../shared/corpus/ant-multisource.jsonl.gz] [--held-out 3000]

Fits the gate on the corpus's unannotated articles but ``--held-out`` of them (shuffled, seed 0)
and prints how it classifies those, and how it classifies the annotated articles by section.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

from arabic_events.model.relevance import ON_TOPIC_SECTIONS, RelevanceFilter
from arabic_events.training.data.locations import resolve_corpus_path
from arabic_events.training.data.records import read_corpus

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=None)
    ap.add_argument("--held-out", type=int, default=3000)
    a = ap.parse_args()
    corpus = read_corpus(resolve_corpus_path(a.corpus))
    annotated = {json.loads(line)["doc"]["id"] for line in open(ROOT / "annotations" / "corpus.jsonl", encoding="utf-8")}
    rest = [x for i, x in corpus.items() if i not in annotated]
    random.Random(0).shuffle(rest)
    held, train = rest[: a.held_out], rest[a.held_out:]
    f = RelevanceFilter.fit([(x["text"], x["category"]) for x in train])
    off = [x for x in held if x["category"] not in ON_TOPIC_SECTIONS]
    on = [x for x in held if x["category"] in ON_TOPIC_SECTIONS]
    gated_off = sum(f.is_off_topic(x["text"]) for x in off)
    kept_on = sum(not f.is_off_topic(x["text"]) for x in on)
    print(f"fitted on {len(train)} unannotated articles ({len(f.weights)} words); {len(held)} held out:")
    print(f"  accuracy {(gated_off + kept_on) / len(held):.3f}; off topic gated {gated_off}/{len(off)} "
          f"({gated_off / len(off):.3f}); political kept {kept_on}/{len(on)} ({kept_on / len(on):.3f})")
    gated: Counter = Counter()
    total: Counter = Counter()
    for i in annotated:
        x = corpus[i]
        total[x["category"]] += 1
        gated[x["category"]] += f.is_off_topic(x["text"])
    print("  annotated articles gated, by section: " + ", ".join(f"{c} {gated[c]}/{total[c]}" for c in sorted(total)))


if __name__ == "__main__":
    main()
