"""Command line: ``arabic-events extract FILE... --model DIR [--format jsonl|json|csv|plover]``.

FILE is a ``.txt`` article or a ``.jsonl`` of articles (``{"id", "text", "published"}`` per
line). Results stream to standard output (or ``--output``) as articles are processed.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from .dates import check_published
from .jsonl import iter_jsonl
from .schema import Event

logger = logging.getLogger(__name__)
FORMATS = ("jsonl", "json", "csv", "plover")
CSV_FIELDS = ["article", "event", "type", "mode", "modality", "confidence", "actors", "recipients", "topics", "time",
              "place", "sources", "trigger_text", "trigger_start", "trigger_end"]


def _not_utf8(p: Path, e: UnicodeDecodeError) -> ValueError:
    return ValueError(f"{p}: not UTF-8 text (byte 0x{e.object[e.start]:02x} at offset {e.start}); Arabic files in "
                      f"another encoding are often Windows-1256: convert with `iconv -f WINDOWS-1256 -t UTF-8 {p}`")


def read_articles(paths: list[str]) -> Iterator[dict[str, Any]]:
    """Articles of .txt and .jsonl files, each ``{"id", "text", "published"}``; ValueError naming
    the file (and line) for input that is not UTF-8, not JSON, or has a bad ``published`` date."""
    for p in map(Path, paths):
        if not p.exists():
            raise FileNotFoundError(f"input file {p} not found")
        try:
            if p.suffix == ".jsonl":
                for n, obj, problem in iter_jsonl(p):
                    if problem or not isinstance(obj.get("text"), str):
                        raise ValueError(f"{p}:{n}: {problem or 'no text'}: each line must be an object with a 'text' string")
                    pub = obj.get("published") or (obj.get("meta") or {}).get("published")
                    yield {"id": str(obj.get("id", f"{p.stem}:{n}")), "text": obj["text"],
                           "published": check_published(pub, f"{p}:{n}")}
            else:
                yield {"id": p.stem, "text": p.read_text(encoding="utf-8"), "published": None}
        except UnicodeDecodeError as e:
            raise _not_utf8(p, e) from None


def _names(ev: Event, role: str) -> list[str]:
    out = []
    for r in ev.refs(role):
        out += r if isinstance(r, list) else [r]
    return out


def plover_record(article_id: str, k: int, ev: Event, published: str | None) -> dict[str, Any]:
    """A POLECAT-style record of one event."""
    times = [a.mention.value or a.mention.text for a in ev.arguments if a.role == "TIME"]
    return {
        "event_id": f"{article_id}-e{k + 1}", "article_id": article_id, "event_type": ev.type, "mode": ev.mode,
        "modality": ev.modality, "actor": _names(ev, "ACTOR"), "recipient": _names(ev, "RECIPIENT"),
        "date": next((a.mention.value for a in ev.arguments if a.role == "TIME" and a.mention.value), published),
        "date_text": times, "location": _names(ev, "PLACE"), "source": _names(ev, "SOURCE"),
        "topic": [a.mention.text for a in ev.arguments if a.role == "TOPIC"], "confidence": round(ev.confidence, 4),
        "offsets": [[t.start, t.end] for t in ev.triggers], "trigger_text": [t.text for t in ev.triggers],
    }


def write_events(out: TextIO, fmt: str, article: dict[str, Any], events: list[Event], writer: Any = None) -> None:
    if fmt == "jsonl":
        out.write(json.dumps({"id": article["id"], "events": [e.to_dict() for e in events]}, ensure_ascii=False) + "\n")
    elif fmt == "plover":
        for k, ev in enumerate(events):
            out.write(json.dumps(plover_record(article["id"], k, ev, article["published"]), ensure_ascii=False) + "\n")
    elif fmt == "csv":
        for k, ev in enumerate(events):
            rec = plover_record(article["id"], k, ev, article["published"])
            writer.writerow({"article": article["id"], "event": rec["event_id"], "type": ev.type, "mode": ev.mode,
                             "modality": ev.modality, "confidence": rec["confidence"], "actors": "|".join(rec["actor"]),
                             "recipients": "|".join(rec["recipient"]), "topics": "|".join(rec["topic"]),
                             "time": rec["date"] or "", "place": "|".join(rec["location"]),
                             "sources": "|".join(rec["source"]), "trigger_text": ev.triggers[0].text,
                             "trigger_start": ev.triggers[0].start, "trigger_end": ev.triggers[0].end})
    out.flush()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="arabic-events", description="Extract political events from Arabic news.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    ex = sub.add_parser("extract", help="extract events from .txt or .jsonl files")
    ex.add_argument("files", nargs="+")
    ex.add_argument("--model", required=True, help="checkpoint directory (from training) or hub id")
    ex.add_argument("--format", choices=FORMATS, default="jsonl")
    ex.add_argument("--output", help="write here instead of standard output")
    ex.add_argument("--gazetteer", help="extra alias file for actor refs (JSON or TSV)")
    ex.add_argument("--batch-size", type=int, default=8)
    ex.add_argument("--device")
    ex.add_argument("--runtime", choices=("torch", "onnx"), default="torch",
                    help="run the encoder with torch or ONNX Runtime (exported once into MODEL/onnx; the onnx extra)")
    ex.add_argument("--quantize", choices=("int8",), help="int8 dynamic quantisation of the encoder (CPU)")
    ex.add_argument("--dtype", choices=("float32", "bfloat16"), help="bfloat16 weights (GPU; works on the CPU too)")
    ex.add_argument("--no-progress", action="store_true", help="no progress display")
    ex.add_argument("-v", "--verbose", action="store_true", help="log details, loading bars and framework warnings")
    ex.add_argument("--log-level", default=None, help="logging level (default WARNING, INFO with --verbose)")
    a = ap.parse_args(argv)
    level = a.log_level or ("INFO" if a.verbose else "WARNING")
    logging.basicConfig(level=level.upper(), format="%(levelname)s %(name)s: %(message)s")
    from .extractor import EventExtractor

    try:
        extractor = EventExtractor.from_pretrained(a.model, device=a.device, gazetteer=a.gazetteer, verbose=a.verbose,
                                                   runtime=a.runtime, quantize=a.quantize, dtype=a.dtype)
        articles = list(read_articles(a.files))
    except (FileNotFoundError, ValueError, OSError, ImportError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    out: TextIO = open(a.output, "w", encoding="utf-8", newline="") if a.output else sys.stdout
    try:
        writer = None
        if a.format == "csv":
            writer = csv.DictWriter(out, fieldnames=CSV_FIELDS)
            writer.writeheader()
        collected: list[dict[str, Any]] = []
        per_article = extractor.iter_extract([x["text"] for x in articles], [x["published"] for x in articles],
                                             batch_size=a.batch_size, show_progress_bar=not a.no_progress, chunk_texts=8)
        for art, events in zip(articles, per_article):
            if a.format == "json":
                collected.append({"id": art["id"], "events": [e.to_dict() for e in events]})
            else:
                write_events(out, a.format, art, events, writer)
        if a.format == "json":
            json.dump(collected, out, ensure_ascii=False, indent=1)
            out.write("\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

__all__ = ["main", "plover_record", "read_articles", "io"]
