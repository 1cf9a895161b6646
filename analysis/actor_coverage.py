"""How much of the annotated actors the gazetteer codes, and how often its country is right.

Run ``python -m arabic_events.analysis.actors --coverage`` (it restores the corpus articles' text
from the shared corpus). Every span that is the tail of an ACTOR or RECIPIENT relation counts once.
Each is coded from its text alone (``ref=None``: what the gazetteer knows, not what the annotators
wrote) and also with its annotated ``ref`` (as extraction codes a linked mention). The check:
for spans whose ``ref`` the gazetteer knows and codes with a country (a state, a person, a named
body), the country coded from the text must be that country.

    >>> from arabic_events.analysis.actors import ActorCoder
    >>> rec = {"id": "r", "text": "بحث الرئيس الروسي مع السعودية", "spans": [
    ...     {"id": "t", "start": 0, "end": 3, "label": "CONSULT"},
    ...     {"id": "a", "start": 4, "end": 17, "label": "ROLE", "ref": "Vladimir Putin"},
    ...     {"id": "b", "start": 21, "end": 29, "label": "GPE", "ref": "Saudi Arabia"}],
    ...     "relations": [{"head": "t", "tail": "a", "label": "ACTOR"}, {"head": "t", "tail": "b", "label": "ACTOR"}]}
    >>> r = coverage([rec], ActorCoder.from_tsv())
    >>> r["text"]["ALL"], r["check"]["right"], r["check"]["wrong"]
    ([2, 2, 2], 2, 0)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from arabic_events.analysis.actors import ActorCoder

LABELS = ("PER", "ROLE", "GPE", "ORG")


def actor_spans(records: Iterable[dict[str, Any]]) -> list[tuple[str, dict[str, Any], str]]:
    """``(record id, span, surface)`` of every span that is an ACTOR or RECIPIENT, once each."""
    out = []
    for rec in records:
        spans = {s["id"]: s for s in rec["spans"]}
        tails = dict.fromkeys(r["tail"] for r in rec["relations"] if r["label"] in ("ACTOR", "RECIPIENT"))
        for t in tails:
            s = spans[t]
            out.append((rec["id"], s, rec["text"][s["start"]:s["end"]]))
    return out


def coverage(records: Iterable[dict[str, Any]], coder: ActorCoder) -> dict[str, Any]:
    """Counts ``[mentions, with a country, with any code]`` per label and ``ALL``, coded from the
    text (``"text"``) and with the ref (``"ref"``); ``"check"``: right/wrong/uncoded countries of
    the spans whose ref the gazetteer codes with a country, and the wrong ones listed."""
    res: dict[str, Any] = {k: {lab: [0, 0, 0] for lab in (*LABELS, "ALL")} for k in ("text", "ref")}
    check: dict[str, Any] = {"right": 0, "wrong": 0, "uncoded": 0, "wrong_cases": [], "states": [0, 0]}
    for rid, span, surface in actor_spans(records):
        ref = span.get("ref")
        for kind, code in (("text", coder.code(surface, span["label"])),
                           ("ref", coder.code(surface, span["label"], ref))):
            for lab in (span["label"], "ALL"):
                c = res[kind].setdefault(lab, [0, 0, 0])
                c[0] += 1
                c[1] += bool(code and code.country)
                c[2] += code is not None
        gold = coder.by_name.get(ref) if isinstance(ref, str) else None
        if gold is None or gold.country is None:
            continue
        got = coder.code(surface, span["label"])
        is_state = any(e.kind == "state" and e.name == ref for e in coder.index.values()) if span["label"] == "GPE" else False
        if got is None or got.country is None:
            check["uncoded"] += 1
        elif got.country == gold.country:
            check["right"] += 1
            check["states"][0] += is_state
        else:
            check["wrong"] += 1
            check["wrong_cases"].append((rid, surface, span["label"], ref, gold.country, got.country))
        check["states"][1] += is_state
    res["check"] = check
    return res


def report(res: dict[str, Any]) -> str:
    """The numbers of :func:`coverage` as a text table."""
    lines = ["label  mentions  country(text)  any code(text)  country(with ref)"]
    for lab in (*LABELS, "ALL"):
        n, c, a = res["text"].get(lab, [0, 0, 0])
        _, rc, _ = res["ref"].get(lab, [0, 0, 0])
        def pct(x: int, n: int = n) -> str:
            return f"{100 * x / n:5.1f}%" if n else "   -  "

        lines.append(f"{lab:5}  {n:8}  {c:5} {pct(c)}  {a:5} {pct(a)}  {rc:5} {pct(rc)}")
    ch = res["check"]
    total = ch["right"] + ch["wrong"] + ch["uncoded"]
    coded = ch["right"] + ch["wrong"]
    lines.append(f"check: {total} spans whose ref has a country in the gazetteer; coded from text {coded}, "
                 f"country right {ch['right']}, wrong {ch['wrong']}"
                 + (f" (precision {100 * ch['right'] / coded:.1f}%)" if coded else "")
                 + f"; GPE spans whose ref is a state: {ch['states'][1]}, right {ch['states'][0]}")
    for rid, surface, label, ref, want, got in ch["wrong_cases"]:
        lines.append(f"  wrong: {rid} {label} {surface!r} ref {ref!r} ({want}) coded {got}")
    return "\n".join(lines)


def run(files: list[str], corpus: str | None = None, gazetteer: str | None = None) -> str:
    """Load the annotation ``files`` (standoff text restored from ``corpus``) and report."""
    from arabic_events.training.data.records import load_records

    records = [r for f in files for r in load_records(f, corpus=corpus)]
    coder = ActorCoder.from_tsv(gazetteer)
    return f"{len(records)} articles, gazetteer version {coder.version}\n" + report(coverage(records, coder))
