"""Throughput of the corpus extraction: the single process against Ray Data with 1 and 2 actors.

    python benchmarks/ray_extraction.py --model runs/offline/final --source ../shared/corpus/ant-multisource.jsonl.gz

The first ``--articles`` lines of the corpus are copied to a temporary ``.jsonl`` file, then
extracted end to end (model loading included) by :func:`extract_corpus` in this process with one
torch thread, and by :func:`extract_corpus_ray` on a local Ray (started once and warmed up on 8
articles, not timed) with each number of actors of ``--workers``, every actor with 1 CPU and 1
thread (each run starts its actors, which load the model). The Ray rows are
checked to be the single process's rows. Prints a Markdown table; a development script (not
installed). Timings on a machine shared with other jobs vary from run to run: the load average
is printed beside them.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import torch

from arabic_events.analysis.extract_corpus import extract_corpus
from arabic_events.analysis.ray_extraction import extract_corpus_ray, read_shards
from arabic_events.model.extractor import EventExtractor


def first_articles(source: str | Path, n: int, path: Path) -> Path:
    """The first ``n`` lines of a ``.jsonl(.gz)`` corpus, copied to ``path``."""
    opener = gzip.open if str(source).endswith(".gz") else open
    with opener(source, "rb") as fh:
        path.write_bytes(b"".join(itertools.islice(fh, n)))
    return path


def measure_ray(model_dir: str | Path, source: str | Path, n_articles: int, workers: list[int]) -> list[dict[str, Any]]:
    """Seconds and articles/s of the single process (``workers`` 0) and of Ray with each number
    of ``workers``, over the first ``n_articles`` of ``source``; one dict per run."""
    import ray

    with tempfile.TemporaryDirectory() as tmp:
        src = first_articles(source, n_articles, Path(tmp) / "articles.jsonl")
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            t = time.perf_counter()
            ex = EventExtractor.from_pretrained(model_dir, device="cpu")
            single = extract_corpus(ex, src, Path(tmp) / "single.parquet", show_progress_bar=False)
            runs = [{**single, "path": "single process", "workers": 0, "seconds": time.perf_counter() - t}]
        finally:
            torch.set_num_threads(threads)
        expected = pq.read_table(Path(tmp) / "single.parquet")
        ray.init(num_cpus=max(workers), include_dashboard=False, logging_level="ERROR")
        try:  # a warm-up run, not timed: Ray's own actors and the first worker processes start here
            warm = first_articles(src, 8, Path(tmp) / "warm-up.jsonl")
            extract_corpus_ray(model_dir, warm, Path(tmp) / "warm-up", num_workers=1, show_progress_bar=False)
            for w in workers:
                out = Path(tmp) / f"ray-{w}"
                t = time.perf_counter()
                summary = extract_corpus_ray(model_dir, src, out, num_workers=w, cpus_per_worker=1,
                                             show_progress_bar=False)
                runs.append({**summary, "path": "Ray Data", "workers": w, "seconds": time.perf_counter() - t})
                if not read_shards(out).equals(expected):
                    raise AssertionError(f"Ray with {w} workers wrote other rows than the single process")
        finally:
            ray.shutdown()
    for r in runs:
        r["articles_per_s"] = r["articles"] / r["seconds"]
    return runs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="runs/offline/final")
    ap.add_argument("--source", default="../shared/corpus/ant-multisource.jsonl.gz")
    ap.add_argument("--articles", type=int, default=200)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    a = ap.parse_args(argv)
    load = os.getloadavg()[0]
    runs = measure_ray(a.model, a.source, a.articles, a.workers)
    rate = {r["workers"]: r["articles_per_s"] for r in runs}
    secs = {r["workers"]: r["seconds"] for r in runs}
    print(f"{runs[0]['articles']} articles, {runs[0]['events']} events; {os.cpu_count()} CPUs; "
          f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after; torch {torch.__version__}\n")
    cols = ["single process"] + [f"Ray, {w} worker{'s' * (w > 1)}" for w in a.workers]
    print("| " + " | ".join(f"{c} articles/s (s)" for c in cols) + " | Ray 2 vs 1 worker | Ray-1 overhead |")
    print("|" + "---|" * (len(cols) + 2))
    cells = [f"{rate[w]:.2f} ({secs[w]:.1f})" for w in [0, *a.workers]]
    ratio = f"{rate[2] / rate[1]:.2f}x" if {1, 2} <= set(rate) else "–"
    overhead = f"{secs[1] / secs[0]:.2f}x the time" if 1 in secs else "–"
    print("| " + " | ".join(cells) + f" | {ratio} | {overhead} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
