"""K-fold cross-validation by article over the train+dev articles of a training config (the
test split is never used): one model per fold, trained by the fine-tuning recipe, scored on its
held-out articles; per-fold headline metrics with their mean and standard deviation.

Fold ``f`` holds out every K-th article starting at ``f``, in split-file order (train, then dev),
so a fold set is fixed by the split file and K alone: every model is scored on the same folds.

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
    """Mean and standard deviation of each headline metric over the folds."""
    return {key: {"mean": statistics.mean(f[key] for f in folds), "std": statistics.stdev(f[key] for f in folds)}
            for key in folds[0]}


def format_summary(report: dict[str, Any]) -> str:
    """One line per headline metric: ``name  mean ± std``."""
    return "\n".join(f"{key:16} {v['mean']:.3f} ± {v['std']:.3f}" for key, v in report["summary"].items())


def write_report(path: str | Path, report: dict[str, Any]) -> None:
    """A report as JSON (UTF-8, Arabic kept readable), creating the folder."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")


def cross_validate(config: str | Path, k: int, work_dir: str | Path | None = None) -> dict[str, Any]:
    """Train and score one model per fold; returns ``{"k", "articles", "folds", "summary"}``."""
    ids, _ = cv_articles(config, k)
    _, data_args, _ = load_training_config(config)
    base = Path(work_dir or tempfile.mkdtemp(prefix="cv-"))
    raw = yaml.safe_load(Path(config).read_text(encoding="utf-8"))
    folds = []
    for f, held in enumerate(fold_ids(ids, k)):
        fold_dir = base / f"fold-{f}"
        fold_dir.mkdir(parents=True, exist_ok=True)
        (fold_dir / "splits.json").write_text(json.dumps({"train": [i for i in ids if i not in held], "dev": held}))
        cfg = dict(raw)
        cfg.update({"splits_file": str(fold_dir / "splits.json"), "output_dir": str(fold_dir / "run")})
        cfg["annotation_files"] = [str(Path(resolve_path(p, config)).resolve())
                                   for p in cfg.get("annotation_files", data_args.annotation_files)]
        (fold_dir / "config.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True))
        logger.info("fold %d/%d: %d train, %d held-out articles", f + 1, k, len(ids) - len(held), len(held))
        folds.append(headline(train(fold_dir / "config.yaml")))
    return {"k": k, "articles": len(ids), "folds": folds, "summary": summarize(folds)}
