"""Assigning newly annotated articles to splits: existing assignments never move, and the new
articles are drawn so that the rarest event types reach the held-out splits first.

    python -m arabic_events.training.data.splits --test 30 --dev 15     # assign every unassigned record

Articles that nearly duplicate a held-out article (the same story from two outlets: at
least 30 % of the word 5-grams of the shorter text shared) follow it into test or dev, so no
held-out text is trained on. The draw is deterministic: new articles are ranked by how much they add to the event types that
``test`` (then ``dev``) has fewest of (each type counted up to a target of events per split, and
never past half of a type's events held out, so that training keeps the other half), ties broken
by a seeded hash of the id, so rerunning with the same files gives the same split.
Articles without events are spread in proportion.

    >>> recs = [{"id": i, "spans": [{"id": "t", "label": lab, "event": "e1", "start": 0, "end": 1}],
    ...          "relations": []} for i, lab in (("a", "AID"), ("b", "CONSULT"), ("c", "CONSULT"), ("d", "AID"))]
    >>> new = assign({"train": [], "dev": [], "test": ["c"]}, recs, n_test=1, n_dev=1, target=5)
    >>> new["test"][0], new["test"][1] in ("a", "d"), sorted(new["train"] + new["dev"] + new["test"])
    ('c', True, ['a', 'b', 'c', 'd'])
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from arabic_events.model.schema import EVENT_TYPES


def event_types(record: dict[str, Any]) -> Counter:
    """Events per type of one record (triggers grouped by event id)."""
    seen = {(s["label"], s.get("event") or s["id"]) for s in record["spans"] if s["label"] in EVENT_TYPES}
    return Counter(t for t, _ in seen)


def _tiebreak(rid: str, seed: int) -> str:
    return hashlib.sha256(f"{seed}:{rid}".encode()).hexdigest()


def assign(splits: dict[str, list[str]], records: list[dict[str, Any]], n_test: int, n_dev: int,
           target: int = 5, seed: int = 0) -> dict[str, list[str]]:
    """New splits: the old ones plus every record in none of them, ``n_test`` of those to test,
    ``n_dev`` to dev, the rest to train."""
    out = {k: list(splits.get(k, [])) for k in ("train", "dev", "test")}
    placed = {i for ids in out.values() for i in ids}
    by_id = {r["id"]: r for r in records}
    counts = {k: sum((event_types(by_id[i]) for i in ids if i in by_id), Counter()) for k, ids in out.items()}
    pool = sorted((r["id"] for r in records if r["id"] not in placed), key=lambda i: _tiebreak(i, seed))
    negatives = [i for i in pool if not event_types(by_id[i])]
    share = len(negatives) / len(pool) if pool else 0.0
    total = sum((event_types(r) for r in records), Counter())
    for split, n in (("test", n_test), ("dev", n_dev)):
        n = min(n, len(pool))
        for i in [x for x in pool if x in negatives][: round(n * share)]:  # articles without events, in proportion
            pool.remove(i)
            out[split].append(i)
            n -= 1
        for _ in range(n):  # then the article that adds most to the types this split has fewest of
            need = counts[split]

            held = counts["test"] + counts["dev"]

            def gain(i: str, need: Counter = need, held: Counter = held) -> tuple[float, str]:
                # a type's events fill the split up to ``target``; past half of all its events
                # held out, an article costs training data instead
                c = event_types(by_id[i])
                value = sum(min(v, max(target - need[t], 0)) / (1 + need[t]) if held[t] + v <= total[t] / 2 else -v
                            for t, v in c.items())
                return (-value, _tiebreak(i, seed))

            choice = min(pool, key=gain)
            pool.remove(choice)
            out[split].append(choice)
            counts[split] += event_types(by_id[choice])
    out["train"] += pool
    return out


def shingles(text: str, n: int = 5) -> set[str]:
    """The word ``n``-grams of a text (its fingerprint for near-duplicate detection)."""
    w = text.split()
    return {" ".join(w[i:i + n]) for i in range(len(w) - n + 1)}


def near_duplicates(records: list[dict[str, Any]], threshold: float = 0.3) -> list[tuple[str, str, float]]:
    """``(id, id, overlap)`` of record pairs whose texts share at least ``threshold`` of the
    smaller one's word 5-grams: the same story from two outlets, or the same article twice.

        >>> a = {"id": "a", "text": "قال الرئيس إن المحادثات مع الجانب الروسي كانت بناءة جدا"}
        >>> b = {"id": "b", "text": "وقال الرئيس إن المحادثات مع الجانب الروسي كانت بناءة جدا أمس"}
        >>> [(x, y) for x, y, _ in near_duplicates([a, b, {"id": "c", "text": "نص آخر تماما عن الرياضة اليوم"}])]
        [('a', 'b')]
    """
    fp = [(r["id"], shingles(r["text"])) for r in records]
    out = []
    for k, (i, a) in enumerate(fp):
        for j, b in fp[k + 1:]:
            if a and b:
                overlap = len(a & b) / min(len(a), len(b))
                if overlap >= threshold:
                    out.append((i, j, overlap))
    return out


def keep_duplicates_together(splits: dict[str, list[str]], pairs: list[tuple[str, str, float]]
                             ) -> list[tuple[str, str, str]]:
    """Move a training article that nearly duplicates a held-out one into that held-out split
    (test before dev), so no held-out text is also trained on; returns ``(id, from, to)``."""
    where = {i: k for k, ids in splits.items() for i in ids}
    moves = []
    for a, b, _ in pairs:
        for x, y in ((a, b), (b, a)):
            if where.get(x) == "train" and where.get(y) in ("test", "dev"):
                splits["train"].remove(x)
                splits[where[y]].append(x)
                moves.append((x, "train", where[y]))
                where[x] = where[y]
    return moves


def main(argv: list[str] | None = None) -> int:
    from arabic_events.training.data.records import load_records

    ap = argparse.ArgumentParser(prog="python -m arabic_events.training.data.splits", description=__doc__.split("\n")[0])
    ap.add_argument("--annotations", default="annotations", help="folder with seed.jsonl, corpus.jsonl, splits.json")
    ap.add_argument("--test", type=int, required=True, help="new articles to put in test")
    ap.add_argument("--dev", type=int, required=True, help="new articles to put in dev")
    ap.add_argument("--target", type=int, default=5, help="events per type each held-out split should reach")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--corpus")
    a = ap.parse_args(argv)
    ann = Path(a.annotations)
    records = [r for f in ("seed.jsonl", "corpus.jsonl") for r in load_records(ann / f, corpus=a.corpus)]
    splits_path = ann / "splits.json"
    old = json.loads(splits_path.read_text(encoding="utf-8"))
    pairs = near_duplicates(records)
    new = assign(old, records, a.test, a.dev, a.target, a.seed)
    for k in ("dev", "test"):
        if new[k][: len(old[k])] != old[k]:
            print(f"error: split {k} would change its existing articles", file=sys.stderr)
            return 2
    for i, src, dst in keep_duplicates_together(new, pairs):
        print(f"{i}: {src} -> {dst} (near-duplicate of a {dst} article)")
    splits_path.write_text(json.dumps(new, indent=1) + "\n", encoding="utf-8")
    print({k: len(v) for k, v in new.items()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
