"""Speed and memory benchmark of the extraction pipeline (prints ratios from one run).

    python benchmarks/benchmark.py --model runs/offline/final   # both encoder sizes, all checks
    python benchmarks/benchmark.py --sizes offline --stream 200 --long ""

A development script, not part of the installed package: it uses the package's public pieces
and the project's shared data (found by the package's one resolver, or ``--corpus FILE``).

1. Throughput: ``EventExtractor.extract`` over N corpus articles vs the bare encoder's
   forward pass over the same token windows in the same batches. Ratio = encoder time /
   pipeline time (1.0 = the pipeline adds nothing); the median of paired repeats.
2. Memory over a stream of articles (``iter_extract``): resident memory every 100 articles.
3. Long input: one article of 25k, 50k and 100k characters; time per character, and that the
   last mention is found near the end (nothing truncated).

Encoder weights are random (timing only); the tokenizer is a WordPiece trained on a corpus
sample. What the pipeline does after the encoder grows with the number of spans the heads emit,
and random heads emit a span on nearly every token, which no trained model does. So each random
model is measured with its O logits raised until it emits as many spans per token as a trained
model (the ``--model`` checkpoint, or ``--density``), and the offline size also with untouched
random heads, as a stress case. ``--model`` also measures the trained checkpoint itself.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import time

import numpy as np
import torch

from arabic_events.model.configuration import EventConfig
from arabic_events.model.decoding import decode_layers
from arabic_events.model.extractor import CHUNK_TEXTS as CHUNK
from arabic_events.model.extractor import EventExtractor
from arabic_events.model.modeling import EventModel
from arabic_events.model.text import make_windows, normalize
from arabic_events.model.window_inference import window_tensors, word_tensors
from arabic_events.training.data.locations import resolve_corpus_path
from arabic_events.training.learning.scratch import train_wordpiece

SIZES = {
    "bert-base": {"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072,
                  "vocab_size": 64000},
    "offline": {"hidden_size": 256, "num_hidden_layers": 4, "num_attention_heads": 4, "intermediate_size": 1024,
                "vocab_size": 8000},
}


def trimmed_rss_mb() -> float:
    """Resident memory after ``malloc_trim``: freed heap pages go back to the OS first, so this is
    the memory still in use rather than the allocator's high-water mark (glibc only)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    return rss_mb()


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


def span_density(ex: EventExtractor, texts: list[str]) -> tuple[float, float]:
    """Predicted mentions per sub-word token: (entity layer, event/TOPIC layer)."""
    docs = ex.extract(texts, return_documents=True)
    n_tok = sum(len(w.input_ids) for t in texts for w in make_windows(normalize(t).text, ex.tokenizer,
                                                                      ex.model.config.max_tokens))
    entity = {t[2:] for t in ex.model.config.entity_tags if t != "O"}
    n_ent = sum(m.label in entity for d in docs for m in d.mentions)
    n_all = sum(len(d.mentions) for d in docs)
    return n_ent / max(n_tok, 1), (n_all - n_ent) / max(n_tok, 1)


@torch.inference_mode()
def calibrate_density(ex: EventExtractor, texts: list[str], target: tuple[float, float], steps: int = 14
                      ) -> tuple[float, float]:
    """Raise the O bias of each token head until it emits about as many spans per token on
    ``texts`` as ``target`` (entity layer, event layer); bisection on the decoded spans, the
    encoder runs once. Returns the two biases."""
    wins = [w for t in texts for w in make_windows(normalize(t).text, ex.tokenizer, ex.model.config.max_tokens)]
    hidden = [(ex.model.encode(*window_tensors([w], ex.tokenizer)), len(w.input_ids)) for w in wins]
    n_tok = sum(length for _, length in hidden)
    out = []
    for head, tags, goal in zip((ex.model.entity_head, ex.model.event_head),
                                (list(ex.model.config.entity_tags), list(ex.model.config.event_tags)), target):
        def density(bias: float, head: torch.nn.Linear = head, tags: list[str] = tags) -> float:
            n = 0
            for h, length in hidden:
                lp = torch.log_softmax(head(h)[:, 1:length + 1].float() + _o_shift(head, bias), -1).numpy()
                n += len(decode_layers([(lp, tags)], [length])[0][0])
            return n / n_tok

        lo, hi = -5.0, 20.0
        for _ in range(steps):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if density(mid) > goal else (lo, mid)
        head.bias.data[0] += hi
        out.append(hi)
    return out[0], out[1]


def _o_shift(head: torch.nn.Linear, bias: float) -> torch.Tensor:
    shift = torch.zeros(head.out_features)
    shift[0] = bias
    return shift


@torch.inference_mode()
def bare_encoder_seconds(ex: EventExtractor, texts: list[str], batch_size: int) -> tuple[float, int]:
    """Time of the encoder alone over the pipeline's windows, batched as the pipeline batches
    them (sorted by length within each chunk of texts)."""
    cfg = ex.model.config
    batches, n_tok = [], 0
    for c in range(0, len(texts), CHUNK):
        pairs = []
        for t in texts[c:c + CHUNK]:
            norm = normalize(t, cfg.normalization)
            pairs += [(w, norm) for w in make_windows(norm.text, ex.tokenizer, cfg.max_tokens)]
        pairs.sort(key=lambda p: len(p[0].input_ids))
        for b in range(0, len(pairs), batch_size):
            wins, norms = [w for w, _ in pairs[b:b + batch_size]], [n for _, n in pairs[b:b + batch_size]]
            ids, mask = window_tensors(wins, ex.tokenizer)
            # a model with word inputs: computed here, outside the timed encoder (the pipeline pays for them)
            words = word_tensors(ex.model.word_featurizer, wins, norms, ids.shape[1]) if cfg.uses_word_features \
                else (None, None)
            batches.append((ids, mask, *words))
        n_tok += sum(len(w.input_ids) + 2 for w, _ in pairs)
    t0 = time.perf_counter()
    for ids, mask, word_ids, word_flags in batches:
        ex.model.encode(ids, mask, word_ids=word_ids, word_flags=word_flags)
    return time.perf_counter() - t0, n_tok


def throughput(ex: EventExtractor, texts: list[str], batch_size: int, repeats: int) -> dict[str, float]:
    """Bare encoder and full pipeline, back to back, ``repeats`` times. Machine noise only ever
    adds time, so the ratio is that of the best times; the median and range of the per-repeat
    ratios (each pair run under the same load) show the spread."""
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
            "ratio": e / p, "ratio_median": float(np.median(ratios)), "ratio_min": ratios[0], "ratio_max": ratios[-1],
            "repeats": repeats}


def report(name: str, r: dict[str, float], density: tuple[float, float]) -> None:
    print(f"[{name}] spans/token {density[0]:.3f} entity + {density[1]:.3f} event; {r['tokens']} tokens; bare encoder {r['encoder_s']:.2f}s "
          f"({r['encoder_tok_s']:.0f} tok/s), pipeline {r['pipeline_s']:.2f}s ({r['pipeline_tok_s']:.0f} tok/s); "
          f"ratio encoder/pipeline = {r['ratio']:.3f} (best of {r['repeats']}; paired median "
          f"{r['ratio_median']:.3f}, range {r['ratio_min']:.3f}-{r['ratio_max']:.3f})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="benchmarks/benchmark.py", description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", help="the ANT corpus file (default: found in the shared data folder)")
    ap.add_argument("--sizes", default="bert-base,offline")
    ap.add_argument("--articles", type=int, default=64)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--max-tokens", type=int, default=254)
    ap.add_argument("--repeats", type=int, default=10, help="repeats per measurement (BERT-base: at most 3)")
    ap.add_argument("--stream", type=int, default=1000, help="articles for the memory check (0 = skip)")
    ap.add_argument("--long", default="25000,50000,100000", help="character lengths for the long-input check (empty = skip)")
    ap.add_argument("--model", help="a trained checkpoint: measured too, and its span density is the target")
    ap.add_argument("--density", default="0.09,0.02",
                    help="entity,event spans per token for random heads (without --model)")
    a = ap.parse_args(argv)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", torch.get_num_threads())))
    a.corpus = str(resolve_corpus_path(a.corpus))

    texts = corpus_articles(a.corpus, a.articles)
    sample = texts[:16]  # span densities are measured and matched on these
    tokenizer = train_wordpiece(corpus_articles(a.corpus, 2000, skip=5000), vocab_size=8000)
    print(f"torch threads: {torch.get_num_threads()}; {len(texts)} articles, {sum(map(len, texts))} characters")
    trained = EventExtractor.from_pretrained(a.model, device="cpu") if a.model else None
    target = tuple(float(x) for x in a.density.split(","))
    if trained is not None:
        target = span_density(trained, sample)
        report(a.model, throughput(trained, texts, a.batch_size, a.repeats), span_density(trained, texts))
    print(f"target span density for random heads: {target[0]:.3f} entity, {target[1]:.3f} event/TOPIC spans per token")
    stress = None
    for size in [x for x in a.sizes.split(",") if x]:
        if size == "offline":
            stress = build(size, tokenizer, a.max_tokens)
            report("offline, untouched random heads (stress)", throughput(stress, texts, a.batch_size, a.repeats),
                   span_density(stress, texts))
        ex = build(size, tokenizer, a.max_tokens)
        bias = calibrate_density(ex, sample, target)
        repeats = min(a.repeats, 3) if size == "bert-base" else a.repeats
        report(f"{size}, random, O bias {bias[0]:+.2f}/{bias[1]:+.2f}", throughput(ex, texts, a.batch_size, repeats),
               span_density(ex, texts))
    ex = build("offline", tokenizer, a.max_tokens)
    calibrate_density(ex, sample, target)
    if a.stream:
        stream = corpus_articles(a.corpus, a.stream, skip=1000)
        runs = [("offline, random, calibrated", ex)] + ([(a.model, trained)] if trained is not None else [])
        runs += [("offline, untouched random heads (stress)", stress)] if stress is not None else []
        runs.insert(1, ("offline, random, calibrated, second pass over the same stream", ex))
        for name, extractor in runs:
            marks, live = [], []
            for k, _ in enumerate(extractor.iter_extract(stream, batch_size=a.batch_size), 1):
                if k % 100 == 0:
                    marks.append(rss_mb())
                    live.append(trimmed_rss_mb())
            print(f"[{name}] memory over {len(stream)} articles, every 100: RSS MB {[round(m) for m in marks]}; "
                  f"after malloc_trim {[round(m) for m in live]}; growth from the 100th to the last: "
                  f"RSS {marks[-1] - marks[0]:+.0f} MB, after trim {live[-1] - live[0]:+.0f} MB "
                  f"(ratio {live[-1] / live[0]:.3f})")
    pool = "\n".join(corpus_articles(a.corpus, 400, skip=2000))
    times = []
    for n in [int(x) for x in a.long.split(",") if x.strip()]:
        text = pool[:n]
        t0 = time.perf_counter()
        doc = ex.extract(text, return_documents=True)
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
