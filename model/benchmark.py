"""Speed and memory benchmark of the extraction pipeline (prints ratios from one run).

    python -m model.benchmark                      # both encoder sizes, all checks
    python -m model.benchmark --sizes offline --articles 16 --stream 200

1. Throughput: ``EventExtractor.extract`` over N corpus articles vs the bare encoder's
   forward pass over exactly the same token windows and batches. Ratio = encoder time /
   pipeline time (1.0 = the pipeline adds nothing).
2. Memory over a stream of articles (``iter_analyze``): resident memory every 100 articles.
3. Long input: one article of 25k, 50k and 100k characters; time per character, and that the
   last mention is found near the end (nothing truncated).

Weights are random (timing only). The tokenizer is a WordPiece trained on the corpus sample.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import time
from pathlib import Path

import numpy as np
import torch

from .configuration import EventConfig
from .extractor import CHUNK_TEXTS as CHUNK
from .extractor import EventExtractor
from .modeling import EventModel
from .text import make_windows, normalize

SIZES = {
    "bert-base": {"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072,
                  "vocab_size": 64000},
    "offline": {"hidden_size": 256, "num_hidden_layers": 4, "num_attention_heads": 4, "intermediate_size": 1024,
                "vocab_size": 8000},
}


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def corpus_articles(path: str, n: int, skip: int = 0) -> list[str]:
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for k, line in enumerate(fh):
            if k < skip:
                continue
            art = json.loads(line)
            if art.get("category") in ("internationalNews", "middleEast"):
                out.append(art["text"])
            if len(out) >= n:
                break
    return out


def build(size: str, tokenizer, max_tokens: int) -> EventExtractor:
    enc = {"model_type": "bert", "max_position_embeddings": 512, **SIZES[size]}
    enc["vocab_size"] = max(enc["vocab_size"], len(tokenizer))
    torch.manual_seed(0)
    model = EventModel(EventConfig(encoder_name="random", encoder_config=enc, max_tokens=max_tokens))
    return EventExtractor(model, tokenizer, device="cpu", batch_size=8)


@torch.inference_mode()
def bare_encoder_seconds(ex: EventExtractor, texts: list[str], batch_size: int) -> tuple[float, int]:
    """Time of the encoder alone over the pipeline's windows, batched as the pipeline batches
    them (sorted by length within each chunk of texts)."""
    batches, n_tok = [], 0
    for c in range(0, len(texts), CHUNK):
        wins = [w for t in texts[c:c + CHUNK] for w in make_windows(normalize(t).text, ex.tokenizer,
                                                                     ex.model.config.max_tokens)]
        wins.sort(key=lambda w: len(w.input_ids))
        batches += [ex.window_tensors(wins[b:b + batch_size]) for b in range(0, len(wins), batch_size)]
        n_tok += sum(len(w.input_ids) + 2 for w in wins)
    t0 = time.perf_counter()
    for ids, mask in batches:
        ex.model.encode(ids, mask)
    return time.perf_counter() - t0, n_tok


def throughput(ex: EventExtractor, texts: list[str], batch_size: int, repeats: int) -> dict[str, float]:
    """Bare encoder and full pipeline, back to back, ``repeats`` times. The ratio is the median
    of the per-repeat ratios (each pair runs under the same machine load); times are minima."""
    ex.extract(texts[:2], batch_size=batch_size)  # warm up
    enc_t, pipe_t = [], []
    for _ in range(repeats):
        t, n_tok = bare_encoder_seconds(ex, texts, batch_size)
        enc_t.append(t)
        t0 = time.perf_counter()
        ex.extract(texts, batch_size=batch_size)
        pipe_t.append(time.perf_counter() - t0)
    e, p = min(enc_t), min(pipe_t)
    ratios = sorted(a / b for a, b in zip(enc_t, pipe_t))
    return {"tokens": n_tok, "encoder_s": e, "pipeline_s": p, "encoder_tok_s": n_tok / e, "pipeline_tok_s": n_tok / p,
            "ratio": float(np.median(ratios)), "ratio_min": ratios[0], "ratio_max": ratios[-1]}


def report(name: str, r: dict[str, float]) -> None:
    print(f"[{name}] throughput: {r['tokens']} tokens; bare encoder {r['encoder_s']:.2f}s "
          f"({r['encoder_tok_s']:.0f} tok/s), pipeline {r['pipeline_s']:.2f}s ({r['pipeline_tok_s']:.0f} tok/s); "
          f"ratio encoder/pipeline = {r['ratio']:.3f} (median; range {r['ratio_min']:.3f}-{r['ratio_max']:.3f})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m model.benchmark", description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=str(Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
                                            / "ant-multisource.jsonl.gz"))
    ap.add_argument("--sizes", default="bert-base,offline")
    ap.add_argument("--articles", type=int, default=64)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--max-tokens", type=int, default=254)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--stream", type=int, default=1000, help="articles for the memory check (0 = skip)")
    ap.add_argument("--long", default="25000,50000,100000", help="character lengths for the long-input check (empty = skip)")
    ap.add_argument("--model", help="also measure the throughput of this trained checkpoint")
    a = ap.parse_args(argv)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", torch.get_num_threads())))
    from training.tokenizer import train_wordpiece

    texts = corpus_articles(a.corpus, a.articles)
    tokenizer = train_wordpiece(corpus_articles(a.corpus, 2000, skip=5000), vocab_size=8000)
    print(f"torch threads: {torch.get_num_threads()}; {len(texts)} articles, {sum(map(len, texts))} characters")
    for size in a.sizes.split(","):
        ex = build(size, tokenizer, a.max_tokens)
        report(size, throughput(ex, texts, a.batch_size, a.repeats))
    if a.model:
        trained = EventExtractor.from_pretrained(a.model, device="cpu")
        report(a.model, throughput(trained, texts, a.batch_size, a.repeats))
    ex = build("offline", tokenizer, a.max_tokens)
    if a.stream:
        stream = corpus_articles(a.corpus, a.stream, skip=1000)
        for name, extractor in [("offline, random weights", ex)] + ([(a.model, trained)] if a.model else []):
            marks = []
            for k, _ in enumerate(extractor.iter_analyze(stream, batch_size=a.batch_size), 1):
                if k % 100 == 0:
                    marks.append(rss_mb())
            print(f"[{name}] memory over {len(stream)} articles (RSS MB every 100): {[round(m) for m in marks]}; "
                  f"growth after the first 100: {marks[-1] - marks[0]:+.0f} MB "
                  f"(ratio last/first = {marks[-1] / marks[0]:.3f})")
    pool = "\n".join(corpus_articles(a.corpus, 400, skip=2000))
    times = []
    for n in [int(x) for x in a.long.split(",") if x.strip()]:
        text = pool[:n]
        t0 = time.perf_counter()
        doc = ex.analyze(text)
        dt = time.perf_counter() - t0
        times.append((n, dt))
        last = max((m.end for m in doc.mentions), default=0)
        print(f"[offline] {n} characters: {dt:.2f}s ({dt / n * 1e6:.1f} µs/char); last mention ends at {last} "
              f"({last / n:.3f} of the text)")
    if len(times) > 1:
        (n0, t0_), (n1, t1_) = times[0], times[-1]
        print(f"[offline] long input: time ratio {t1_ / t0_:.2f} for length ratio {n1 / n0:.2f} "
              f"(linear = equal ratios)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
