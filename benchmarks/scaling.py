"""The README's benchmark table, every figure from this one run: the extraction of the same corpus
articles in one process (float32, int8, ONNX, ONNX + int8) and on a local Ray with 1 and 2 workers.

    python benchmarks/scaling.py --model runs/offline/final [--articles 200]

In-process rows: ``EventExtractor.extract`` over the articles with the machine's torch threads,
model loaded beforehand, median of ``--repeats`` (:func:`quantization.measure_backends`). Ray rows:
the whole corpus command end to end, model loading and Parquet writing included, one thread per
worker, against the single process doing the same with one thread
(:func:`ray_extraction.measure_ray`, which also checks that Ray wrote the single process's rows).
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import platform
from pathlib import Path

import torch
from quantization import measure_backends
from ray_extraction import measure_ray


def machine() -> str:
    """CPU model, cores, memory, torch: the line the table names its machine with."""
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem = int(Path("/proc/meminfo").read_text().split()[1]) / 2**20
    except OSError:
        mem = float("nan")
    return f"{model}, {os.cpu_count()} cores, {mem:.0f} GiB, torch {torch.__version__} ({torch.get_num_threads()} threads)"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="runs/offline/final")
    ap.add_argument("--source", default="../shared/corpus/ant-multisource.jsonl.gz")
    ap.add_argument("--articles", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    opener = gzip.open if a.source.endswith(".gz") else open
    with opener(a.source, "rt", encoding="utf-8") as fh:
        articles = [json.loads(line) for line in itertools.islice(fh, a.articles)]
    load = os.getloadavg()[0]
    rows = measure_backends(a.model, articles, ("fp32", "int8", "onnx", "onnx-int8"), repeats=a.repeats,
                            evaluate=False)
    runs = measure_ray(a.model, a.source, a.articles, [1, 2])
    print(f"Machine: {machine()}; load average {load:.1f} before, {os.getloadavg()[0]:.1f} after.")
    print(f"Model {a.model}; the first {len(articles)} articles of {a.source}.\n")
    print("| path | what is timed | articles/s | articles/min | against |")
    print("| --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| single process, {r['label']} | extract(), model loaded, median of {a.repeats} | "
              f"{r['articles_per_s']:.1f} | {r['articles_per_min']:.0f} | {r['speedup']:.2f}x fp32 |")
    single = runs[0]
    for r in runs:
        name = "single process, fp32, 1 thread" if r["workers"] == 0 else \
            f"Ray Data, {r['workers']} worker{'s' * (r['workers'] > 1)} (1 thread each)"
        vs = "–" if r["workers"] == 0 else f"{single['seconds'] / r['seconds']:.2f}x the single process"
        if r["workers"] == 2:
            one = next(x for x in runs if x["workers"] == 1)
            vs += f"; {one['seconds'] / r['seconds']:.2f}x 1 worker"
        print(f"| {name} | corpus command end to end (loading, Parquet) | {r['articles_per_s']:.1f} | "
              f"{60 * r['articles_per_s']:.0f} | {vs} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
