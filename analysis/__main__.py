"""Command line: ``arabic-events-corpus extract INPUT --model DIR --output events.parquet``,
``arabic-events-corpus dedup events.parquet --output merged.parquet`` (one row per real-world event),
``arabic-events-corpus report events.parquet --articles INPUT --output report.html`` and
``arabic-events-corpus labelstudio export|import`` (the correction loop; the one subcommand that
reaches into ``training/data``, imported only when it runs).

INPUT is a ``.jsonl``/``.jsonl.gz`` file (``{"id", "text", "published", "outlet", "url"}`` per line,
as the ANT corpus), a folder of ``.txt`` files, or a ``datasets`` folder (``save_to_disk``).
"""

from __future__ import annotations

import argparse
import logging
import sys

from arabic_events.analysis.ray_cli import add_ray_arguments, main_ray


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
    ex.add_argument("--records", action="store_true",
                    help="also write each article's predicted spans as SCHEMA records (OUTPUT .records.jsonl; the report needs them)")
    add_ray_arguments(ex)
    dd = sub.add_parser("dedup", help="merge an event file's rows into one row per real-world event")
    dd.add_argument("input", help="Parquet file written by extract")
    dd.add_argument("--output", required=True, help="Parquet file to write (one row per event)")
    dd.add_argument("--csv", action="store_true", help="also write the rows as CSV beside it")
    dd.add_argument("--overwrite", action="store_true", help="replace an existing output")
    _add_report_and_labelstudio(sub)
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
    if a.cmd not in ("extract", "dedup"):
        return _report(a) if a.cmd == "report" else _labelstudio(a)
    if a.ray:
        return main_ray(a)
    from arabic_events.analysis.actors import ActorCoder
    from arabic_events.analysis.extract_corpus import dedup_file, extract_corpus
    from arabic_events.model.extractor import EventExtractor

    merged = None
    try:
        coder = ActorCoder.from_tsv(a.gazetteer)
        extractor = EventExtractor.from_pretrained(a.model, device=a.device, verbose=a.verbose)
        summary = extract_corpus(extractor, a.input, a.output, chunk_articles=a.chunk, batch_size=a.batch_size,
                                 write_csv=a.csv, overwrite=a.overwrite, show_progress_bar=not a.no_progress,
                                 coder=coder, write_records=a.records)
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



def _add_report_and_labelstudio(sub: argparse._SubParsersAction) -> None:
    rp = sub.add_parser("report", help="a self-contained HTML report of an extraction")
    rp.add_argument("events", help="the Parquet file written by extract (run with --records)")
    rp.add_argument("--articles", required=True, help="the input extract read (.jsonl(.gz), .txt folder, datasets)")
    rp.add_argument("--output", required=True, help="HTML file to write")
    rp.add_argument("--records", help="predicted records (default: EVENTS with .records.jsonl)")
    rp.add_argument("--max-articles", type=int, help="show only the first N articles' texts (figures count all)")
    rp.add_argument("--title")
    rp.add_argument("--overwrite", action="store_true")
    rp.add_argument("-v", "--verbose", action="store_true")
    ls = sub.add_parser("labelstudio", help="correct predictions in Label Studio: export tasks, import the export")
    lsub = ls.add_subparsers(dest="ls_cmd", required=True)
    le = lsub.add_parser("export", help="articles with the model's predictions as Label Studio tasks")
    le.add_argument("input", nargs="?", help="articles: .jsonl(.gz), .txt folder or datasets folder")
    le.add_argument("--model", help="checkpoint directory: pre-annotate with its predictions")
    le.add_argument("--records", help="a SCHEMA file instead of a model (e.g. to review annotations)")
    le.add_argument("--as-annotations", action="store_true", help="with --records: as annotations, not predictions")
    le.add_argument("--corpus", help="corpus file that restores standoff --records")
    le.add_argument("--output", required=True, help="task list to import into Label Studio (JSON)")
    le.add_argument("--config", help="also write the labelling config (XML) here")
    le.add_argument("--ids", help="only these article ids (comma-separated)")
    le.add_argument("--exclude", nargs="*", default=[], help="skip articles already in these SCHEMA files")
    le.add_argument("--limit", type=int, help="at most N articles")
    le.add_argument("--batch-size", type=int, default=8)
    le.add_argument("--device")
    le.add_argument("--overwrite", action="store_true")
    le.add_argument("--no-progress", action="store_true")
    le.add_argument("-v", "--verbose", action="store_true")
    li = lsub.add_parser("import", help="a Label Studio JSON export -> validated SCHEMA records")
    li.add_argument("export", help="the JSON file Label Studio exported")
    li.add_argument("--output", required=True, help="SCHEMA JSONL to write (ANT corpus articles as standoff)")
    li.add_argument("--lenient", action="store_true", help="leave out defective regions and tasks, and list them")
    li.add_argument("--splits", help="a split file (annotations/splits.json) to copy with the new records in train")
    li.add_argument("--splits-output", help="where that copy goes (required with --splits)")
    li.add_argument("--overwrite", action="store_true")
    li.add_argument("-v", "--verbose", action="store_true")


def _report(a: argparse.Namespace) -> int:
    from arabic_events.analysis.report import write_report

    try:
        s = write_report(a.events, a.articles, a.output, records=a.records, max_articles=a.max_articles,
                         title=a.title, overwrite=a.overwrite)
    except (ValueError, OSError, ImportError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"{s['events']} events, {s['articles']} articles -> {s['output']} ({s['bytes'] // 1024} KiB)")
    return 0


def _labelstudio(a: argparse.Namespace) -> int:
    from arabic_events.training.data import labelstudio_export as lse
    from arabic_events.training.data import labelstudio_import as lsi

    try:
        if a.ls_cmd == "import":
            if bool(a.splits) != bool(a.splits_output):
                raise ValueError("--splits and --splits-output go together")
            result = lsi.import_tasks(lsi.read_export(a.export), lenient=a.lenient, source=a.export)
            lsi.write_records(result.records, a.output, overwrite=a.overwrite)
            if a.splits:
                lsi.write_splits_with(result.records, a.splits, a.splits_output, overwrite=a.overwrite)
            for line in result.notes + result.skipped:
                print(line, file=sys.stderr)
            print(f"{len(result.records)} records -> {a.output}; {len(result.skipped)} defects left out, "
                  f"{len(result.notes)} notes")
            return 0
        if bool(a.model) == bool(a.records):
            raise ValueError("give --model DIR (with INPUT articles) or --records FILE")
        ids = a.ids.split(",") if a.ids else None
        exclude = lse.annotated_ids(a.exclude)
        if a.records:
            from arabic_events.training.data.records import load_records

            recs = list(lse.select_articles(load_records(a.records, corpus=a.corpus), ids, exclude, a.limit))
            kind = "annotations" if a.as_annotations else "predictions"
        else:
            if not a.input:
                raise ValueError("--model needs INPUT articles")
            from arabic_events.analysis.extract_corpus import corpus_name
            from arabic_events.analysis.sources import iter_articles
            from arabic_events.model.extractor import EventExtractor

            extractor = EventExtractor.from_pretrained(a.model, device=a.device, verbose=a.verbose)
            arts = lse.select_articles(iter_articles(a.input), ids, exclude, a.limit)
            recs = list(lse.predicted_records(extractor, arts, corpus_name(a.input), a.batch_size,
                                              show_progress_bar=not a.no_progress))
            kind = "predictions"
        lse.write_tasks([lse.record_to_task(r, kind, model_version=str(a.model or a.records)) for r in recs],
                        a.output, a.config, overwrite=a.overwrite)
    except (ValueError, OSError) as e:  # AnnotationError (every defect listed) is a ValueError
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"{len(recs)} tasks -> {a.output}" + (f"; labelling config -> {a.config}" if a.config else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
