"""Entry point of evaluation: F1 on held-out articles as SCHEMA.md "Metrics" defines it.

    arabic-events-evaluate --model runs/offline/final --data annotations/corpus.jsonl --split test
    arabic-events-evaluate --data gold.jsonl --predicted other_annotator.jsonl      # agreement
    arabic-events-evaluate --cv 5 --config configs/offline.yaml                      # K-fold by article

(``python -m arabic_events.training.evaluation`` is the same command.) The model path runs the
same :class:`~arabic_events.model.extractor.EventExtractor` users call. ``--data`` takes any
SCHEMA-format file, inline or standoff (``--corpus`` or ``$ARABIC_EVENTS_CORPUS`` restores
the text). The whole report is written as JSON with ``--output``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

from arabic_events.model.extractor import EventExtractor
from arabic_events.training.data.dataset import load_splits
from arabic_events.training.data.records import load_records
from arabic_events.training.evaluation.cross_validation import cross_validate, format_summary, write_report
from arabic_events.training.evaluation.predict import predict_records
from arabic_events.training.evaluation.scoring import format_report, score

logger = logging.getLogger(__name__)


def select_split(records: list[dict[str, Any]], splits_file: str | None, split: str | None) -> list[dict[str, Any]]:
    """The records of one split (all of them without ``split``)."""
    if not split:
        return records
    if not splits_file:
        raise ValueError("--split needs --splits")
    ids = load_splits(splits_file).get(split)
    if ids is None:
        raise ValueError(f"{splits_file} has no split {split!r}")
    wanted = set(ids)
    missing = wanted - {r["id"] for r in records}
    if missing:
        raise ValueError(f"split {split} names articles not in the data file: {sorted(missing)[:5]}")
    return [r for r in records if r["id"] in wanted]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="arabic-events-evaluate", description=__doc__.split("\n")[0])
    ap.add_argument("--model", help="checkpoint directory (or hub id) of a trained extractor")
    ap.add_argument("--data", help="gold SCHEMA-format JSONL (inline or standoff)")
    ap.add_argument("--predicted", help="score this annotation file against --data instead of a model")
    ap.add_argument("--corpus", help="corpus file for standoff records")
    ap.add_argument("--splits", help="split file, with --split")
    ap.add_argument("--split", help="evaluate only the articles of this split")
    ap.add_argument("--output", help="write the whole report as JSON here")
    ap.add_argument("--save-predictions", help="write the predicted records (JSONL) here")
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--device")
    ap.add_argument("--no-progress", action="store_true")
    ap.add_argument("--cv", type=int, help="K-fold cross-validation by article with --config")
    ap.add_argument("--config", help="training config for --cv")
    ap.add_argument("--cv-dev-every", type=int, default=8,
                    help="--cv: every N-th training article of a fold is its dev split (checkpoint choice, "
                         "calibration); 0 = the held-out articles themselves, as in earlier releases")
    ap.add_argument("--cv-work-dir", help="--cv: folder of the fold models and held-out reports (default: a new "
                                          "temporary folder)")
    ap.add_argument("-v", "--verbose", action="store_true", help="log details, loading bars and framework warnings")
    ap.add_argument("--log-level", default=None, help="logging level (default WARNING, INFO with --verbose)")
    a = ap.parse_args(argv)
    level = a.log_level or ("INFO" if a.verbose else "WARNING")
    logging.basicConfig(level=level.upper(), format="%(levelname)s %(name)s: %(message)s")
    try:
        if a.cv:
            if not a.config:
                ap.error("--cv needs --config")
            report = cross_validate(a.config, a.cv, work_dir=a.cv_work_dir, dev_every=a.cv_dev_every)
            print(format_summary(report))
        else:
            if not a.data or not (a.model or a.predicted):
                ap.error("give --data and one of --model / --predicted (or --cv with --config)")
            gold = select_split(load_records(a.data, corpus=a.corpus), a.splits, a.split)
            if a.predicted:
                pred = load_records(a.predicted, corpus=a.corpus, validate=False)
            else:
                extractor = EventExtractor.from_pretrained(a.model, device=a.device, verbose=a.verbose)
                pred = predict_records(extractor, gold, a.batch_size, not a.no_progress)
            if a.save_predictions:
                with open(a.save_predictions, "w", encoding="utf-8") as fh:
                    for r in pred:
                        fh.write(json.dumps(r, ensure_ascii=False) + "\n")
            report = score(gold, pred)
            print(format_report(report))
        if a.output:
            write_report(a.output, report)
    except (ValueError, OSError) as e:  # bad input, missing or corrupt files (CheckpointError)
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

