"""The learning curve of the dataset card: the feature CRF and a model config trained on nested
seeded shares of the training split (25 / 50 / 100 %), scored on the test split.

    python benchmarks/learning_curve.py --config configs/offline.yaml --out runs/lc
    python benchmarks/learning_curve.py --config configs/offline.yaml --out runs/lc --systems model

The shares are the ones of ``arabic-events-baseline crf --fraction F`` (one seeded shuffle of the
training articles, its first k): both systems see the same articles at each point. A development
script (not installed); a Markdown table goes to stdout, the reports to ``OUT``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import random
import sys
from pathlib import Path

import yaml

from arabic_events.model.extractor import EventExtractor
from arabic_events.training.baselines.__main__ import run_split
from arabic_events.training.data.dataset import split_records
from arabic_events.training.evaluation.predict import evaluate_records
from arabic_events.training.evaluation.scoring import headline
from arabic_events.training.learning.arguments import load_training_config
from arabic_events.training.learning.build import load_annotations, load_splits_of
from arabic_events.training.learning.recipe import train

KEYS = ("entity_f1", "event_layer_f1", "trigger_f1", "argument_f1", "event_f1", "consult_event_f1")


def subset_ids(config: str, fraction: float, seed: int = 0) -> list[str]:
    """The training article ids of a learning-curve point (as ``run_split`` draws them)."""
    _, data_args, _ = load_training_config(config)
    parts = split_records(load_annotations(data_args, config), load_splits_of(data_args, config))
    ids = [r["id"] for s in data_args.train_splits for r in parts.get(s, [])]
    random.Random(seed).shuffle(ids)
    return ids[: max(1, round(fraction * len(ids)))]


def model_point(config: str, fraction: float, out: Path) -> dict:
    """Train ``config`` on a share of its training split (a split file and config written to
    ``out``) and score the test split."""
    model_args, data_args, _ = load_training_config(config)
    splits = load_splits_of(data_args, config)
    splits["train"] = subset_ids(config, fraction)
    out.mkdir(parents=True, exist_ok=True)
    (out / "splits.json").write_text(json.dumps(splits, indent=1), encoding="utf-8")
    cfg = yaml.safe_load(Path(config).read_text(encoding="utf-8"))
    root = Path(config).resolve().parent.parent
    cfg.update(splits_file=str(out / "splits.json"), output_dir=str(out / "run"), overwrite_output_dir=True,
               annotation_files=[str(root / f) for f in cfg["annotation_files"]])
    if cfg.get("word_vectors"):
        cfg["word_vectors"] = str(root / cfg["word_vectors"])
    (out / "config.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with contextlib.redirect_stdout(sys.stderr):  # the run's dev report: stdout keeps the table alone
        train(out / "config.yaml")
    parts = split_records(load_annotations(data_args, config), splits)
    ex = EventExtractor.from_pretrained(out / "run" / "final", device="cpu")
    return evaluate_records(ex, parts["test"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", default="configs/offline.yaml")
    ap.add_argument("--out", default="runs/lc")
    ap.add_argument("--fractions", type=float, nargs="+", default=[0.25, 0.5, 1.0])
    ap.add_argument("--systems", nargs="+", default=["crf", "model"], choices=["crf", "model"])
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for f in a.fractions:
        n = len(subset_ids(a.config, f))
        for system in a.systems:
            rep = (run_split("crf", a.config, "test", fraction=f) if system == "crf"
                   else model_point(a.config, f, out / f"model-{f}"))
            (out / f"{system}-{f}.json").write_text(json.dumps(rep, indent=1), encoding="utf-8")
            h = headline(rep)
            rows.append([system, f"{n} ({f:.0%})"] + [f"{h.get(k, 0.0):.3f}" for k in KEYS])
    print("| system | training articles | " + " | ".join(KEYS) + " |")
    print("|" + "---|" * (len(KEYS) + 2))
    for r in rows:
        print("| " + " | ".join(r) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
