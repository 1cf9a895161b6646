"""Int8 dynamic quantisation against float32 on the CPU: speed (one run, paired repeats) and
the F1 change on the test split.

    python benchmarks/quantization.py --model runs/offline/final --config configs/offline.yaml

1. The trained checkpoint: extraction time over the test articles, float32 vs
   ``EventExtractor.from_pretrained(..., quantize="int8")``, and the evaluator's F1 of both.
2. A BERT-base-sized encoder (12 x 768, random weights; timing only) with the checkpoint's
   tokenizer and heads: the same extraction timed in float32 and int8.

A development script (not installed); prints a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from arabic_events.model.configuration import EventConfig
from arabic_events.model.extractor import EventExtractor
from arabic_events.model.modeling import EventModel
from arabic_events.model.quantization import quantize_int8
from arabic_events.training.data.dataset import split_records
from arabic_events.training.evaluation.predict import evaluate_records
from arabic_events.training.evaluation.scoring import headline
from arabic_events.training.learning.arguments import load_training_config
from arabic_events.training.learning.build import load_annotations, load_splits_of

KEYS = ("entity_f1", "event_layer_f1", "trigger_f1", "argument_f1", "event_f1")


def timed(ex: EventExtractor, texts: list[str], repeats: int) -> float:
    """Median seconds of ``ex.extract(texts)`` over ``repeats`` runs (after one warm-up)."""
    ex.extract(texts[:2])
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        ex.extract(texts)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bert_base(trained: EventExtractor) -> EventExtractor:
    """A BERT-base-sized random encoder with the trained model's tokenizer and head sizes."""
    torch.manual_seed(0)
    cfg = trained.model.config.to_dict()
    enc = {"model_type": "bert", "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
           "intermediate_size": 3072, "vocab_size": len(trained.tokenizer), "max_position_embeddings": 512}
    keep = {k: cfg[k] for k in ("max_tokens", "span_hidden", "pair_hidden", "normalization")}
    model = EventModel(EventConfig(encoder_config=enc, **keep)).eval()
    return EventExtractor(model, trained.tokenizer, trained.aliases, device="cpu")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="runs/offline/final")
    ap.add_argument("--config", default="configs/offline.yaml")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--base-articles", type=int, default=16, help="test articles timed with the BERT-base encoder")
    a = ap.parse_args(argv)
    _, data_args, _ = load_training_config(a.config)
    test = split_records(load_annotations(data_args, a.config), load_splits_of(data_args, a.config))["test"]
    texts = [r["text"] for r in test]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {len(test)} test articles\n")
    print("| encoder | float32 s | int8 s | speed-up | " + " | ".join(f"{k} fp32 → int8" for k in KEYS) + " |")
    print("|" + "---|" * (4 + len(KEYS)))
    fp32 = EventExtractor.from_pretrained(a.model, device="cpu")
    int8 = EventExtractor.from_pretrained(a.model, quantize="int8")
    t32, t8 = timed(fp32, texts, a.repeats), timed(int8, texts, a.repeats)
    h32, h8 = headline(evaluate_records(fp32, test)), headline(evaluate_records(int8, test))
    f1 = " | ".join(f"{h32[k]:.3f} → {h8[k]:.3f}" for k in KEYS)
    print(f"| {a.model} | {t32:.2f} | {t8:.2f} | {t32 / t8:.2f}x | {f1} |", flush=True)
    base = bert_base(fp32)
    sub = texts[: a.base_articles]
    b32 = timed(base, sub, a.repeats)
    base.model = quantize_int8(base.model)
    b8 = timed(base, sub, a.repeats)
    print(f"| BERT-base size (random, {len(sub)} articles) | {b32:.2f} | {b8:.2f} | {b32 / b8:.2f}x |"
          + " – |" * len(KEYS))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
