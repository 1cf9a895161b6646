"""Inference backends against float32: speed (paired repeats) and the F1 change on the test split.

    python benchmarks/quantization.py --model runs/offline/final --config configs/offline.yaml
    python benchmarks/quantization.py --model runs/offline/final --device cuda   # where a GPU is lent

Backends (options of ``EventExtractor.from_pretrained``):

- ``fp32``: torch, float32 (the reference of the speed-up and of the F1 change);
- ``int8``: ``quantize="int8"``, torch's dynamic quantisation (CPU only);
- ``onnx``: ``runtime="onnx"``, the encoder in ONNX Runtime (CUDAExecutionProvider on cuda where
  onnxruntime-gpu is installed);
- ``onnx-int8``: ``runtime="onnx", quantize="int8"``, ONNX Runtime's dynamic int8 (CPU only);
- ``bf16``: ``dtype="bfloat16"``, bfloat16 weights. Meant for GPUs; on the CPU its row says CPU-bf16.

1. The trained checkpoint: extraction time over the test articles and the evaluator's F1, per backend.
2. A BERT-base-sized encoder (12 x 768, random weights; timing only) with the checkpoint's tokenizer
   and head sizes, saved to a temporary folder: the same extraction timed per backend.

All backends of one model are loaded first, then timed in turn within each repeat (so that the
load of a shared machine falls on all of them alike); the median of the repeats is reported.
:func:`measure_backends` is importable. A development script (not installed); prints Markdown tables.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from arabic_events.model.configuration import EventConfig
from arabic_events.model.extractor import EventExtractor
from arabic_events.model.modeling import EventModel

KEYS = ("entity_f1", "event_layer_f1", "trigger_f1", "argument_f1", "event_f1")
BACKENDS: dict[str, dict[str, Any]] = {
    "fp32": {},
    "int8": {"quantize": "int8"},
    "onnx": {"runtime": "onnx"},
    "onnx-int8": {"runtime": "onnx", "quantize": "int8"},
    "bf16": {"dtype": "bfloat16"},
}
CPU_ONLY = frozenset({"int8", "onnx-int8"})
DEFAULT_BACKENDS = ("fp32", "int8", "onnx", "onnx-int8", "bf16")


def backend_label(name: str, device: str) -> str:
    """The name shown in a table: ``bf16`` on the CPU is ``CPU-bf16``."""
    return "CPU-bf16" if name == "bf16" and torch.device(device).type == "cpu" else name


def time_once(ex: EventExtractor, texts: list[str]) -> float:
    t = time.perf_counter()
    ex.extract(texts)
    return time.perf_counter() - t


def measure_backends(model_dir: str | Path, articles: list[dict[str, Any]], backends: tuple[str, ...] | list[str]
                     = DEFAULT_BACKENDS, *, device: str = "cpu", repeats: int = 3, evaluate: bool = True,
                     batch_size: int = 8) -> list[dict[str, Any]]:
    """One dict per backend: ``backend``, ``label``, ``device``, ``articles``, ``load_s``,
    ``seconds`` (median over ``repeats`` of extracting all ``articles``, after one warm-up),
    ``best_s`` (the fastest repeat: on a shared machine noise only adds time), ``articles_per_s``
    and ``articles_per_min`` (of the median), ``speedup`` and ``speedup_best`` (fp32 seconds /
    seconds, of the medians and of the best repeats; None without an fp32 row) and, with ``evaluate`` (articles are annotated records), ``f1`` and ``f1_change``
    (minus fp32's) for :data:`KEYS`. A CPU-only backend on another device gives a row with
    ``skipped`` only."""
    from arabic_events.training.evaluation.predict import evaluate_records
    from arabic_events.training.evaluation.scoring import headline

    unknown = [b for b in backends if b not in BACKENDS]
    if unknown:
        raise ValueError(f"unknown backends {unknown}: the choices are {list(BACKENDS)}")
    texts = [a["text"] for a in articles]
    rows: list[dict[str, Any]] = []
    loaded: dict[str, EventExtractor] = {}
    for name in backends:
        row: dict[str, Any] = {"backend": name, "label": backend_label(name, device), "device": device}
        rows.append(row)
        if name in CPU_ONLY and torch.device(device).type != "cpu":
            row["skipped"] = "CPU only"
            continue
        t = time.perf_counter()
        loaded[name] = EventExtractor.from_pretrained(model_dir, device=device, batch_size=batch_size,
                                                      **BACKENDS[name])
        row["load_s"] = time.perf_counter() - t
        loaded[name].extract(texts[:2])  # warm-up
    times: dict[str, list[float]] = {name: [] for name in loaded}
    for _ in range(repeats):
        for name, ex in loaded.items():
            times[name].append(time_once(ex, texts))
    for row in rows:
        if row["backend"] not in loaded:
            continue
        secs = statistics.median(times[row["backend"]])
        row.update(articles=len(texts), seconds=secs, best_s=min(times[row["backend"]]), articles_per_s=len(texts) / secs,
                   articles_per_min=60 * len(texts) / secs)
        if evaluate:
            report = headline(evaluate_records(loaded[row["backend"]], articles))
            row["f1"] = {k: float(report[k]) for k in KEYS}
    ref = next((r for r in rows if r["backend"] == "fp32" and "seconds" in r), None)
    for row in rows:
        if "seconds" not in row:
            continue
        row["speedup"] = ref["seconds"] / row["seconds"] if ref else None
        row["speedup_best"] = ref["best_s"] / row["best_s"] if ref else None
        if evaluate and ref:
            row["f1_change"] = {k: row["f1"][k] - ref["f1"][k] for k in KEYS}
    return rows


def bert_base_dir(trained_dir: str | Path, folder: str | Path) -> Path:
    """A BERT-base-sized random encoder with the trained model's tokenizer, aliases and head sizes,
    saved into ``folder``."""
    trained = EventExtractor.from_pretrained(trained_dir, device="cpu")
    torch.manual_seed(0)
    cfg = trained.model.config.to_dict()
    enc = {"model_type": "bert", "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
           "intermediate_size": 3072, "vocab_size": len(trained.tokenizer), "max_position_embeddings": 512}
    keep = {k: cfg[k] for k in ("max_tokens", "span_hidden", "pair_hidden", "normalization")}
    model = EventModel(EventConfig(encoder_config=enc, **keep)).eval()
    EventExtractor(model, trained.tokenizer, trained.aliases, device="cpu").save_pretrained(folder)
    return Path(folder)


def markdown(title: str, rows: list[dict[str, Any]], evaluate: bool) -> str:
    """The rows of :func:`measure_backends` as a Markdown table."""
    head = "| encoder | backend | device | s (median) | s (best) | articles/s | articles/min | speed-up (median, best) |"
    if evaluate:
        head += " " + " | ".join(f"{k} (change)" for k in KEYS) + " |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        if "skipped" in r:
            lines.append(f"| {title} | {r['label']} | {r['device']} | skipped: {r['skipped']} |")
            continue
        speed = f"{r['speedup']:.2f}x, {r['speedup_best']:.2f}x" if r.get("speedup") else "–"
        line = (f"| {title} | {r['label']} | {r['device']} | {r['seconds']:.2f} | {r['best_s']:.2f} | "
                f"{r['articles_per_s']:.1f} | {r['articles_per_min']:.0f} | {speed} |")
        if evaluate:
            line += " " + " | ".join(f"{r['f1'][k]:.3f} ({r.get('f1_change', {}).get(k, 0.0):+.3f})" for k in KEYS) + " |"
        lines.append(line)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from arabic_events.training.data.dataset import split_records
    from arabic_events.training.learning.arguments import load_training_config
    from arabic_events.training.learning.build import load_annotations, load_splits_of

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="runs/offline/final")
    ap.add_argument("--config", default="configs/offline.yaml")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--base-articles", type=int, default=16, help="test articles timed with the BERT-base encoder")
    ap.add_argument("--backends", default=None,
                    help=f"comma-separated, of {', '.join(BACKENDS)} (default: all on cpu; fp32, onnx, bf16 on cuda)")
    ap.add_argument("--device", default="cpu",
                    help="cpu (default) or cuda: on a GPU the table's articles/min is the figure to read, and the "
                         "int8 backends are skipped (CPU only). No GPU on the development machine: cuda is for "
                         "when one is lent")
    ap.add_argument("--no-base", action="store_true", help="skip the BERT-base-sized encoder")
    a = ap.parse_args(argv)
    cuda = torch.device(a.device).type == "cuda"
    if cuda and not torch.cuda.is_available():
        ap.error("--device cuda: torch sees no GPU here")
    backends = tuple(a.backends.split(",")) if a.backends else (("fp32", "onnx", "bf16") if cuda else DEFAULT_BACKENDS)
    _, data_args, _ = load_training_config(a.config)
    test = split_records(load_annotations(data_args, a.config), load_splits_of(data_args, a.config))["test"]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {a.device}"
          + (f" ({torch.cuda.get_device_name()})" if cuda else "") + f", {len(test)} test articles\n")
    rows = measure_backends(a.model, test, backends, device=a.device, repeats=a.repeats)
    print(markdown(a.model, rows, evaluate=True) + "\n", flush=True)
    if not a.no_base:
        with tempfile.TemporaryDirectory(prefix="bert-base-") as tmp:
            base = bert_base_dir(a.model, tmp)
            sub = test[: a.base_articles]
            rows = measure_backends(base, sub, backends, device=a.device, repeats=a.repeats, evaluate=False)
            print(markdown(f"BERT-base size (random, {len(sub)} articles)", rows, evaluate=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
