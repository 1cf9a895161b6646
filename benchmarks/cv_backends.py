"""F1 change of the inference backends in cross-validation: each fold's model, on its held-out articles.

    python benchmarks/cv_backends.py CV_WORK_DIR [--config configs/offline.yaml] [--backends fp32,int8,onnx,onnx-int8]

``CV_WORK_DIR`` is the folder ``arabic-events-evaluate --cv K`` trained its folds in (it logs
``fold-k/run/final``; by default a ``cv-*`` folder of the system's temporary directory). Prints,
per backend, the mean and largest absolute change against float32 of each headline F1 over the folds.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from arabic_events.model.extractor import EventExtractor
from arabic_events.training.evaluation.predict import evaluate_records
from arabic_events.training.evaluation.scoring import headline
from arabic_events.training.learning.arguments import load_training_config
from arabic_events.training.learning.build import load_annotations

try:  # run as a script or imported by the tests
    from quantization import BACKENDS, KEYS
except ImportError:  # pragma: no cover
    from benchmarks.quantization import BACKENDS, KEYS


def fold_f1(work_dir: Path, config: str, backends: list[str]) -> list[dict[str, dict[str, float]]]:
    """Per fold: backend -> headline F1 on the fold's held-out articles."""
    _, data_args, _ = load_training_config(config)
    records = {r["id"]: r for r in load_annotations(data_args, config)}
    out = []
    for fold in sorted(work_dir.glob("fold-*")):
        splits = json.loads((fold / "splits.json").read_text())
        held = splits.get("test") or splits["dev"]  # held-out articles ("dev" under the old CV protocol)
        gold = [records[i] for i in held]
        row = {}
        for name in backends:
            ex = EventExtractor.from_pretrained(fold / "run" / "final", device="cpu", **BACKENDS[name])
            row[name] = {k: float(v) for k, v in headline(evaluate_records(ex, gold)).items() if k in KEYS}
        out.append(row)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("work_dir", type=Path)
    ap.add_argument("--config", default="configs/offline.yaml")
    ap.add_argument("--backends", default="fp32,int8,onnx,onnx-int8")
    a = ap.parse_args()
    backends = a.backends.split(",")
    folds = fold_f1(a.work_dir, a.config, backends)
    print(f"{len(folds)} folds of {a.work_dir}; F1 change against fp32 on each fold's held-out articles, "
          "mean / largest absolute")
    print("| backend | " + " | ".join(KEYS) + " |")
    print("| --- |" + " --- |" * len(KEYS))
    for name in backends[1:]:
        cells = []
        for k in KEYS:
            d = [f[name][k] - f[backends[0]][k] for f in folds]
            cells.append(f"{statistics.mean(d):+.4f} / {max(abs(x) for x in d):.4f}")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
