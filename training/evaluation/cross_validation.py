"""K-fold cross-validation by article over the train+dev articles of a training config (the
test split is never used): one model per fold, trained by the fine-tuning recipe, scored on its
held-out articles; per-fold headline metrics with their mean and standard deviation.

Fold ``f`` holds out every K-th article starting at ``f``, in split-file order (train, then dev),
so a fold set is fixed by the split file and K alone: every model is scored on the same folds.

The held-out articles of a fold are never seen before its model is scored: the dev split that
picks the checkpoint and fits the calibration is every ``dev_every``-th of the fold's training
articles (:func:`inner_split`), and the model is trained on the others. ``dev_every=0`` uses the
held-out articles as dev instead (the protocol of earlier releases: it flatters the model a
little against baselines that tune nothing).

    >>> fold_ids(["a", "b", "c", "d", "e"], 2)
    [['a', 'c', 'e'], ['b', 'd']]
"""

from __future__ import annotations

import json
import logging
import statistics
import tempfile
from pathlib import Path
from typing import Any

import yaml

from arabic_events.training.config import resolve_path
from arabic_events.training.evaluation.scoring import headline
from arabic_events.training.learning.arguments import load_training_config
from arabic_events.training.learning.build import load_annotations, load_splits_of
from arabic_events.training.learning.recipe import train

logger = logging.getLogger(__name__)


def fold_ids(ids: list[str], k: int) -> list[list[str]]:
    """The held-out article ids of each of the ``k`` folds."""
    return [ids[f::k] for f in range(k)]


def inner_split(train_ids: list[str], dev_every: int) -> tuple[list[str], list[str]]:
    """(training ids, dev ids) of a fold: every ``dev_every``-th training article is dev.

        >>> inner_split(["a", "b", "c", "d", "e"], 2)
        (['b', 'd'], ['a', 'c', 'e'])
    """
    dev = train_ids[::dev_every]
    return [i for i in train_ids if i not in set(dev)], dev


def cv_articles(config: str | Path, k: int) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """The article ids that K-fold CV of ``config`` folds (train then dev, in split-file order)
    and the records by id."""
    _, data_args, _ = load_training_config(config)
    splits = load_splits_of(data_args, config)
    records = {r["id"]: r for r in load_annotations(data_args, config)}
    ids = [i for s in ("train", "dev") for i in splits.get(s, []) if i in records]
    if k < 2 or k > len(ids):
        raise ValueError(f"--cv needs 2 <= K <= {len(ids)} articles")
    return ids, records


def summarize(folds: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """Mean and standard deviation of each headline metric over the folds that have it (a fold
    without a no-event article has no quiet rate).

        >>> summarize([{"f1": 0.5, "quiet": None}, {"f1": 0.7, "quiet": 1.0}])["quiet"]
        {'mean': 1.0, 'std': 0.0}
    """
    out = {}
    for key in dict.fromkeys(k for f in folds for k in f):
        vals = [f[key] for f in folds if f.get(key) is not None]
        if vals:
            out[key] = {"mean": statistics.mean(vals), "std": statistics.stdev(vals) if len(vals) > 1 else 0.0}
    return out


def format_summary(report: dict[str, Any]) -> str:
    """One line per headline metric: ``name  mean ± std``."""
    return "\n".join(f"{key:16} {v['mean']:.3f} ± {v['std']:.3f}" for key, v in report["summary"].items())


def write_report(path: str | Path, report: dict[str, Any]) -> None:
    """A report as JSON (UTF-8, Arabic kept readable), creating the folder."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")


def cross_validate(config: str | Path, k: int, work_dir: str | Path | None = None, dev_every: int = 8
                   ) -> dict[str, Any]:
    """Train and score one model per fold on its held-out articles; returns ``{"k", "articles",
    "dev_every", "folds", "summary"}``. Each fold's whole report on its held-out articles is
    written to ``fold-F/heldout.json``."""
    from arabic_events.model.extractor import EventExtractor
    from arabic_events.training.evaluation.predict import evaluate_records

    if dev_every == 1 or dev_every < 0:
        raise ValueError(f"dev_every {dev_every}: 0 (held-out articles as dev) or at least 2")
    ids, records = cv_articles(config, k)
    _, data_args, _ = load_training_config(config)
    base = Path(work_dir or tempfile.mkdtemp(prefix="cv-"))
    raw = yaml.safe_load(Path(config).read_text(encoding="utf-8"))
    folds = []
    for f, held in enumerate(fold_ids(ids, k)):
        fold_dir = base / f"fold-{f}"
        fold_dir.mkdir(parents=True, exist_ok=True)
        rest = [i for i in ids if i not in set(held)]
        train_ids, dev_ids = inner_split(rest, dev_every) if dev_every else (rest, held)
        (fold_dir / "splits.json").write_text(json.dumps({"train": train_ids, "dev": dev_ids, "test": held}))
        cfg = dict(raw)
        cfg.update({"splits_file": str(fold_dir / "splits.json"), "output_dir": str(fold_dir / "run")})
        cfg["annotation_files"] = [str(Path(resolve_path(p, config)).resolve())
                                   for p in cfg.get("annotation_files", data_args.annotation_files)]
        (fold_dir / "config.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True))
        logger.info("fold %d/%d: %d train, %d dev, %d held-out articles", f + 1, k, len(train_ids), len(dev_ids),
                    len(held))
        dev_report = train(fold_dir / "config.yaml")
        if dev_every:
            extractor = EventExtractor.from_pretrained(fold_dir / "run" / "final")
            report = evaluate_records(extractor, [records[i] for i in held])
        else:
            report = dev_report
        write_report(fold_dir / "heldout.json", report)
        folds.append({**headline(report), "quiet_on_no_event": report["events"].get("quiet_on_no_event")})
    return {"k": k, "articles": len(ids), "dev_every": dev_every, "folds": folds, "summary": summarize(folds)}
