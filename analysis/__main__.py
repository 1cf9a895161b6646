"""Command line: ``arabic-events-corpus extract INPUT --model DIR --output events.parquet``, and
``arabic-events-corpus dedup events.parquet --output merged.parquet`` (one row per real-world event).

INPUT is a ``.jsonl``/``.jsonl.gz`` file (``{"id", "text", "published", "outlet", "url"}`` per line,
as the ANT corpus), a folder of ``.txt`` files, or a ``datasets`` folder (``save_to_disk``).
"""

from __future__ import annotations

import argparse
import logging
import sys


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="arabic-events-corpus", description="Corpus-scale event extraction.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    ex = sub.add_parser("extract", help="extract a corpus into a Parquet event dataset (resumable)")
    ex.add_argument("input", help=".jsonl(.gz) file, folder of .txt files, or datasets folder")
    ex.add_argument("--model", required=True, help="checkpoint directory (from training)")
    ex.add_argument("--output", required=True, help="Parquet file to write (one row per event)")
    ex.add_argument("--csv", action="store_true", help="also write the rows as CSV beside it")
    ex.add_argument("--overwrite", action="store_true", help="replace a finished output")
    ex.add_argument("--chunk", type=int, default=200, help="articles per Parquet part (the resume unit)")
    ex.add_argument("--batch-size", type=int, default=8)
    ex.add_argument("--device")
    ex.add_argument("--no-progress", action="store_true")
    ex.add_argument("-v", "--verbose", action="store_true")
    ex.add_argument("--gazetteer", help="actor gazetteer TSV (default: the shipped one)")
    ex.add_argument("--merged", help="also write one row per real-world event (cross-article merge) here")
    dd = sub.add_parser("dedup", help="merge an event file's rows into one row per real-world event")
    dd.add_argument("input", help="Parquet file written by extract")
    dd.add_argument("--output", required=True, help="Parquet file to write (one row per event)")
    dd.add_argument("--csv", action="store_true", help="also write the rows as CSV beside it")
    dd.add_argument("--overwrite", action="store_true", help="replace an existing output")
    a = ap.parse_args(argv)
    if a.cmd == "dedup":
        from arabic_events.analysis.extract_corpus import dedup_file

        try:
            s = dedup_file(a.input, a.output, overwrite=a.overwrite, write_csv=a.csv)
        except (ValueError, OSError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        print(f"{s['rows']} event rows -> {s['events']} events -> {s['output']}")
        return 0
    logging.basicConfig(level=logging.INFO if a.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    from arabic_events.analysis.actors import ActorCoder
    from arabic_events.analysis.extract_corpus import dedup_file, extract_corpus
    from arabic_events.model.extractor import EventExtractor

    merged = None
    try:
        coder = ActorCoder.from_tsv(a.gazetteer)
        extractor = EventExtractor.from_pretrained(a.model, device=a.device, verbose=a.verbose)
        summary = extract_corpus(extractor, a.input, a.output, chunk_articles=a.chunk, batch_size=a.batch_size,
                                 write_csv=a.csv, overwrite=a.overwrite, show_progress_bar=not a.no_progress,
                                 coder=coder)
        if a.merged:
            merged = dedup_file(a.output, a.merged, overwrite=a.overwrite, write_csv=a.csv)
    except (ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    resumed = f" (resumed after {summary['resumed_from']})" if summary["resumed_from"] else ""
    print(f"{summary['events']} events from {summary['articles']} articles{resumed} -> {summary['output']}; "
          f"{len(summary['skipped'])} entries skipped")
    if merged is not None:
        print(f"{merged['events']} real-world events -> {merged['output']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
