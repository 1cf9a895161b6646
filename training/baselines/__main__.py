"""Entry point: ``arabic-events-baseline {keyword,crf} --config FILE (--split test | --cv K)``.

Scores a baseline with the project's evaluator on the same articles the model is scored on: a
split of the config's split file (trained on its training splits), or K-fold CV by article over
train+dev with exactly the folds of ``arabic-events-evaluate --cv K``.

    arabic-events-baseline keyword --config configs/offline.yaml --split test
    arabic-events-baseline crf --config configs/offline.yaml --cv 3 --output runs/crf-cv3.json
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
from typing import Any

from arabic_events.training.baselines.keyword import KeywordConsult
from arabic_events.training.config import ConfigError
from arabic_events.training.data.dataset import split_records
from arabic_events.training.evaluation.cross_validation import (
    cv_articles,
    fold_ids,
    format_summary,
    summarize,
    write_report,
)
from arabic_events.training.evaluation.scoring import format_report, headline, score
from arabic_events.training.learning.arguments import load_training_config
from arabic_events.training.learning.build import load_annotations, load_splits_of

logger = logging.getLogger(__name__)


def make_baseline(name: str, train_records: list[dict[str, Any]]):
    """A fitted baseline with a ``predict(record) -> record`` method."""
    if name == "keyword":
        return KeywordConsult.from_records(train_records)
    from arabic_events.training.baselines.crf import CrfTagger

    return CrfTagger().fit(train_records)


def run_split(name: str, config: str, split: str, fraction: float = 1.0, seed: int = 0) -> dict[str, Any]:
    """Fit on the config's training splits (the first ``fraction`` of them in a seeded shuffle:
    a learning curve), score on ``split``."""
    _, data_args, _ = load_training_config(config)
    parts = split_records(load_annotations(data_args, config), load_splits_of(data_args, config))
    if split not in parts:
        raise ValueError(f"the split file of {config} has no split {split!r}")
    train_recs = [r for s in data_args.train_splits for r in parts.get(s, [])]
    if fraction < 1.0:  # nested subsets: one seeded order, its first k articles
        random.Random(seed).shuffle(train_recs)
        train_recs = train_recs[: max(1, round(fraction * len(train_recs)))]
    baseline = make_baseline(name, train_recs)
    gold = parts[split]
    return score(gold, [baseline.predict(r) for r in gold])


def run_cv(name: str, config: str, k: int) -> dict[str, Any]:
    """K-fold CV by article over train+dev, the folds of the model's ``--cv``."""
    ids, records = cv_articles(config, k)
    folds = []
    for held in fold_ids(ids, k):
        baseline = make_baseline(name, [records[i] for i in ids if i not in held])
        gold = [records[i] for i in held]
        folds.append(headline(score(gold, [baseline.predict(r) for r in gold])))
    return {"k": k, "articles": len(ids), "folds": folds, "summary": summarize(folds)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="arabic-events-baseline", description=__doc__.split("\n")[0])
    ap.add_argument("baseline", choices=("keyword", "crf"))
    ap.add_argument("--config", required=True, help="training config: its annotation files and split file")
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--split", help="score on this split (fit on the config's training splits)")
    group.add_argument("--cv", type=int, help="K-fold cross-validation by article over train+dev")
    ap.add_argument("--fraction", type=float, default=1.0,
                    help="with --split: fit on this share of the training articles (a learning-curve point)")
    ap.add_argument("--output", help="write the report as JSON here")
    ap.add_argument("--log-level", default="WARNING")
    a = ap.parse_args(argv)
    logging.basicConfig(level=a.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    try:
        if a.cv:
            report = run_cv(a.baseline, a.config, a.cv)
            print(format_summary(report))
        else:
            report = run_split(a.baseline, a.config, a.split, a.fraction)
            print(format_report(report))
        if a.output:
            write_report(a.output, report)
    except (ConfigError, FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except ImportError as e:
        print(f"error: {e}: the CRF baseline needs the baselines extra (pip install '.[baselines]')", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
