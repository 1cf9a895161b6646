"""The comparison table of the README: keyword rule, CRF and model configs, each scored by the
project's evaluator on the same test split and the same K folds.

    python benchmarks/compare.py --config configs/offline.yaml --models configs/offline.yaml --cv 3 --out runs/compare

A development script (not installed). ``--config`` names the annotation and split files that
every system uses; each ``--models`` config is trained once on the training split (scored on
test) and once per fold. Results go to ``OUT/results.json`` and a Markdown table to stdout.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from arabic_events.model.extractor import EventExtractor
from arabic_events.training.baselines.__main__ import run_cv, run_split
from arabic_events.training.data.dataset import split_records
from arabic_events.training.evaluation.cross_validation import cross_validate
from arabic_events.training.evaluation.predict import evaluate_records
from arabic_events.training.evaluation.scoring import headline
from arabic_events.training.learning.arguments import load_training_config
from arabic_events.training.learning.build import load_annotations, load_splits_of
from arabic_events.training.learning.recipe import train

KEYS = ("entity_f1", "event_layer_f1", "trigger_f1", "argument_f1", "event_f1", "consult_event_f1")


def model_test(config: str) -> dict:
    """Train ``config`` (its own output_dir) and score its final model on the test split."""
    train(config)
    _, data_args, args = load_training_config(config)
    parts = split_records(load_annotations(data_args, config), load_splits_of(data_args, config))
    ex = EventExtractor.from_pretrained(Path(args.output_dir) / "final", device="cpu")
    return evaluate_records(ex, parts["test"])


def row(name: str, test: dict | None, cv: dict | None) -> str:
    cells = []
    for k in KEYS:
        t = f"{headline(test)[k]:.3f}" if test else "–"
        c = f"{cv['summary'][k]['mean']:.3f} ± {cv['summary'][k]['std']:.3f}" if cv else "–"
        cells.append(f"{c} / {t}")
    return f"| {name} | " + " | ".join(cells) + " |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", required=True, help="the data (annotation files, splits) every system uses")
    ap.add_argument("--models", nargs="*", default=[], help="model configs to train and score")
    ap.add_argument("--baselines", nargs="*", default=["keyword", "crf"])
    ap.add_argument("--cv", type=int, default=3)
    ap.add_argument("--no-test", action="store_true")
    ap.add_argument("--out", default="runs/compare")
    a = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    results_path = out / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    jobs = [(b, "baseline") for b in a.baselines] + [(m, "model") for m in a.models]
    for name, kind in jobs:
        res = results.setdefault(name, {})
        if not a.no_test and "test" not in res:
            res["test"] = run_split(name, a.config, "test") if kind == "baseline" else model_test(name)
        if a.cv and f"cv{a.cv}" not in res:
            res[f"cv{a.cv}"] = (run_cv(name, a.config, a.cv) if kind == "baseline"
                                else cross_validate(name, a.cv, work_dir=out / f"cv-{Path(name).stem}"))
        results_path.write_text(json.dumps(results, indent=1, ensure_ascii=False))  # resumable
    print("| system | " + " | ".join(f"{k} (CV mean ± std / test)" for k in KEYS) + " |")
    print("|---" * (len(KEYS) + 1) + "|")
    for name, res in results.items():
        print(row(name, res.get("test"), res.get(f"cv{a.cv}")))


if __name__ == "__main__":
    main()
