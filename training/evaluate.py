"""Evaluation command: F1 on held-out articles as SCHEMA.md "Metrics" defines it.

    python -m training.evaluate --model runs/offline/final --data annotations/corpus.jsonl --split test
    python -m training.evaluate --data gold.jsonl --predicted other_annotator.jsonl      # agreement
    python -m training.evaluate --cv 5 --config configs/offline.yaml                      # K-fold by article

The model path runs the same :class:`model.EventExtractor` users call. ``--data`` takes any
SCHEMA-format file, inline or standoff (``--corpus`` or ``$ARABIC_EVENTS_CORPUS`` restores
the text). The whole report is written as JSON with ``--output``.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from .records import load_records
from .scoring import format_report, headline, score

logger = logging.getLogger(__name__)


def predict_records(model_dir: str, records: list[dict[str, Any]], batch_size: int = 8, device: str | None = None,
                    show_progress_bar: bool = True) -> list[dict[str, Any]]:
    """Predicted SCHEMA records of ``records`` by the extractor saved in ``model_dir``."""
    from model.extractor import EventExtractor

    ex = EventExtractor.from_pretrained(model_dir, device=device)
    docs = ex.analyze_many([r["text"] for r in records], [(r.get("meta") or {}).get("published") for r in records],
                           batch_size=batch_size, show_progress_bar=show_progress_bar)
    return [d.to_record(r["id"]) for d, r in zip(docs, records)]


def select_split(records: list[dict[str, Any]], splits_file: str | None, split: str | None) -> list[dict[str, Any]]:
    if not split:
        return records
    from .dataset import load_splits

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


def cross_validate(config: str, k: int, work_dir: str | None = None) -> dict[str, Any]:
    """K-fold cross-validation by article over the train+dev articles of ``config`` (the test
    split is never used); returns per-fold headline metrics and their mean and std."""
    from .arguments import load_config
    from .dataset import load_splits
    from .train import load_annotations, train

    model_args, data_args, _ = load_config(config)
    root = Path(__file__).resolve().parent.parent
    splits_path = Path(data_args.splits_file)
    if not splits_path.exists():
        splits_path = root / splits_path
    splits = load_splits(splits_path)
    ids = [i for s in ("train", "dev") for i in splits.get(s, [])]
    records = {r["id"]: r for r in load_annotations(data_args, root)}
    ids = [i for i in ids if i in records]
    if k < 2 or k > len(ids):
        raise ValueError(f"--cv needs 2 <= K <= {len(ids)} articles")
    base = Path(work_dir or tempfile.mkdtemp(prefix="cv-"))
    raw = yaml.safe_load(Path(config).read_text(encoding="utf-8"))
    folds = []
    for f in range(k):
        held = ids[f::k]
        fold_dir = base / f"fold-{f}"
        fold_dir.mkdir(parents=True, exist_ok=True)
        (fold_dir / "splits.json").write_text(json.dumps({"train": [i for i in ids if i not in held], "dev": held}))
        cfg = dict(raw)
        cfg.update({"splits_file": str(fold_dir / "splits.json"), "output_dir": str(fold_dir / "run")})
        cfg["annotation_files"] = [str(p if Path(p).is_absolute() or Path(p).exists() else root / p)
                                   for p in cfg.get("annotation_files", data_args.annotation_files)]
        (fold_dir / "config.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True))
        logger.info("fold %d/%d: %d train, %d held-out articles", f + 1, k, len(ids) - len(held), len(held))
        report = train(fold_dir / "config.yaml")
        folds.append(headline(report))
    keys = folds[0].keys()
    summary = {key: {"mean": statistics.mean(f[key] for f in folds),
                     "std": statistics.stdev(f[key] for f in folds) if k > 1 else 0.0} for key in keys}
    return {"k": k, "articles": len(ids), "folds": folds, "summary": summary}


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
    ap.add_argument("--log-level", default="WARNING")
    a = ap.parse_args(argv)
    logging.basicConfig(level=a.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    try:
        if a.cv:
            if not a.config:
                ap.error("--cv needs --config")
            report = cross_validate(a.config, a.cv)
            for key, v in report["summary"].items():
                print(f"{key:16} {v['mean']:.3f} ± {v['std']:.3f}")
        else:
            if not a.data or not (a.model or a.predicted):
                ap.error("give --data and one of --model / --predicted (or --cv with --config)")
            gold = select_split(load_records(a.data, corpus=a.corpus), a.splits, a.split)
            if a.predicted:
                pred = load_records(a.predicted, corpus=a.corpus, validate=False)
            else:
                pred = predict_records(a.model, gold, a.batch_size, a.device, not a.no_progress)
            if a.save_predictions:
                with open(a.save_predictions, "w", encoding="utf-8") as fh:
                    for r in pred:
                        fh.write(json.dumps(r, ensure_ascii=False) + "\n")
            report = score(gold, pred)
            print(format_report(report))
        if a.output:
            Path(a.output).write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    except (ValueError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["cross_validate", "headline", "main", "predict_records", "score"]
