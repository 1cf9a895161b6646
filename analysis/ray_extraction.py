"""Corpus extraction on a Ray cluster with Ray Data: the same rows as :func:`extract_corpus`,
written as Parquet shards.

    arabic-events-corpus extract corpus.jsonl.gz --model runs/offline/final --output runs/events --ray \\
        --address ray://head:10001 --workers 8 --cpus-per-worker 4

The pipeline (Ray Data operators only, no scheduler of our own):

1. **read**: the JSON Lines file (``.jsonl`` or ``.jsonl.gz``, at a path every node can read) is
   streamed on the cluster, never loaded in the driver, by a small datasource that numbers its
   lines; Ray Data cuts its output into blocks (split further when there are few);
2. **parse and count** (tasks): each line is validated exactly as the single-machine reader does
   (``analysis.sources.article_from_line``; a bad line is not extracted) and its text's tokens
   are counted with the checkpoint's tokenizer (the raw text, without special tokens);
3. **pack** (tasks): the consecutive articles of a block are cut into packs of at most
   ``max_batch_tokens`` tokens and ``batch_articles`` articles
   (:func:`~analysis.distributed.token_packs`; an article longer than ``max_batch_tokens`` makes
   a pack of its own), one row per pack;
4. **extract** (actors): ``map_batches`` with a callable class on a fixed pool of ``num_workers``
   actors (``ActorPoolStrategy(size=num_workers)``, the successor of ``concurrency=``) with
   ``num_cpus``/``num_gpus`` each. An actor loads the model once (on cuda when it has a GPU),
   sets ``torch.set_num_threads(cpus_per_worker)`` and extracts one pack per call; a block of
   packs goes to one actor, so the blocks spread the work;
5. **write**: ``write_parquet`` into ``output_dir``: shards of ``SHARD_SCHEMA``, the single
   path's ``SCHEMA`` followed by ``position``, the article's line in the file.

Steps 1-3 and the writes ask for no CPU slot (``num_cpus=0``), steps 2-3 run in at most ``num_workers``
tasks at a time: the actors may hold every CPU (2 actors on 2 CPUs), and the cheap steps must
still run. Ray Data's ``preserve_order`` is on, so a run is deterministic; :func:`read_shards`
sorts the union of the shards by position and gives the single path's table. Bad lines are
counted and named by a second, model-free pass over the file (steps 1-2 only); they are logged
and listed in the summary, as by :func:`extract_corpus`.
"""

from __future__ import annotations

import functools
import json
import logging
import socket
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from arabic_events.analysis.distributed import (
    LINE_SCHEMA,
    POSITION,
    SHARD_SCHEMA,
    address_endpoint,
    iter_lines,
    parse_lines,
    read_shards,
    shard_files,
    token_packs,
)

logger = logging.getLogger(__name__)

__all__ = ["extract_corpus_ray", "read_shards"]

#: lines per block the reader yields
READ_BLOCK_LINES = 1024
PACK_SCHEMA = pa.schema([(POSITION, pa.list_(pa.int64())), ("article", pa.list_(pa.string())), ("tokens", pa.int64())])


def _import_ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise ImportError("Ray is not installed: pip install 'arabic-events[distributed]'") from None
    return ray


@functools.lru_cache(maxsize=1)
def _lines_datasource() -> type:
    """The datasource class (built on first use: Ray is an optional extra)."""
    from ray.data.datasource import FileBasedDatasource

    class JsonLinesDatasource(FileBasedDatasource):
        """Numbered raw lines of JSON Lines files, streamed (gzip decompressed by Arrow)."""

        def _read_stream(self, f: Any, path: str) -> Any:
            def chunks() -> Any:
                while chunk := f.read(1 << 20):
                    yield chunk

            name = Path(path).name
            positions: list[int] = []
            raws: list[bytes] = []
            for n, raw in iter_lines(chunks()):
                positions.append(n)
                raws.append(raw)
                if len(positions) == READ_BLOCK_LINES:
                    yield pa.table({POSITION: positions, "raw": raws, "file": [name] * len(raws)})
                    positions, raws = [], []
            if positions:
                yield pa.table({POSITION: positions, "raw": raws, "file": [name] * len(raws)})

    return JsonLinesDatasource


@functools.lru_cache(maxsize=2)
def _token_counter(model_dir: str) -> Any:
    """The checkpoint's fast tokenizer (Rust backend), truncation off; loaded once per worker process."""
    from arabic_events.model.text import disable_truncation

    f = Path(model_dir) / "tokenizer.json"
    if f.exists():
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(f))
        tok.no_truncation()
        tok.no_padding()
        return tok
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    disable_truncation(tok)
    return tok.backend_tokenizer


def parse_and_count(batch: pa.Table, model_dir: str | None = None) -> pa.Table:
    """Map step 2: numbered lines -> :data:`LINE_SCHEMA` plus ``tokens`` (the text's tokens by
    the checkpoint's tokenizer, without special tokens; 0 for a bad line and without ``model_dir``)."""
    cols = parse_lines(batch.column(POSITION).to_pylist(), batch.column("raw").to_pylist(),
                       batch.column("file")[0].as_py() if batch.num_rows else "")
    tokens = [0] * len(cols[POSITION])
    if model_dir is not None:
        idx = [i for i, a in enumerate(cols["article"]) if a is not None]
        encodings = _token_counter(model_dir).encode_batch([json.loads(cols["article"][i])["text"] for i in idx],
                                                           add_special_tokens=False)
        for i, enc in zip(idx, encodings):
            tokens[i] = len(enc.ids)
    return pa.table({**cols, "tokens": tokens}, schema=LINE_SCHEMA.append(pa.field("tokens", pa.int64())))


def pack(batch: pa.Table, max_batch_tokens: int, batch_articles: int) -> pa.Table:
    """Map step 3: the good articles of a window of lines, cut into token-sized packs (one row each)."""
    ok = batch.filter(batch.column("article").is_valid())
    tokens = ok.column("tokens").to_pylist()
    positions, articles = ok.column(POSITION).to_pylist(), ok.column("article").to_pylist()
    packs = token_packs(tokens, max_batch_tokens, batch_articles)
    return pa.table({POSITION: [positions[s:e] for s, e in packs], "article": [articles[s:e] for s, e in packs],
                     "tokens": [sum(tokens[s:e]) for s, e in packs]}, schema=PACK_SCHEMA)


def summarise(batch: pa.Table) -> pa.Table:
    """The model-free pass: per batch of parsed lines, the good articles and the bad lines."""
    bad = batch.filter(batch.column("article").is_null())
    return pa.table({"articles": [batch.num_rows - bad.num_rows], "bad_positions": [bad.column(POSITION).to_pylist()],
                     "problems": [bad.column("problem").to_pylist()]})


class PackExtractor:
    """Map step 4, one per actor: the model loaded once; each call extracts the packs of a batch
    and returns their event rows (``SHARD_SCHEMA``), rows in article order."""

    def __init__(self, model_dir: str, cpus: int, gpus: float, batch_size: int, gazetteer: str | None) -> None:
        import torch

        from arabic_events.analysis.actors import ActorCoder
        from arabic_events.model.extractor import EventExtractor

        torch.set_num_threads(max(1, cpus))
        device = "cuda" if gpus > 0 else "cpu"
        self.extractor = EventExtractor.from_pretrained(model_dir, device=device, batch_size=batch_size)
        self.coder = ActorCoder.from_tsv(gazetteer)

    def __call__(self, batch: pa.Table) -> pa.Table:
        from arabic_events.analysis.rows import event_rows

        rows: list[dict[str, Any]] = []
        for positions, articles in zip(batch.column(POSITION).to_pylist(), batch.column("article").to_pylist()):
            arts = [json.loads(a) for a in articles]
            docs = self.extractor.iter_extract([a["text"] for a in arts], [a["published"] for a in arts],
                                               return_documents=True)
            for pos, art, doc in zip(positions, arts, docs):
                rows += [{**r, POSITION: pos} for r in event_rows(art, doc.events, self.coder)]
        return pa.Table.from_pylist(rows, schema=SHARD_SCHEMA)


def connect(address: str | None, ray: Any) -> bool:
    """Join the cluster at ``address`` (None: ``$RAY_ADDRESS``, else start a local Ray); True when
    this call started Ray (and so should stop it). An unreachable or malformed address raises a
    :class:`ConnectionError` of one line, fast: ``host:port`` is tried before Ray is asked."""
    if ray.is_initialized():
        return False
    endpoint = address_endpoint(address)
    if endpoint is not None:
        try:
            socket.create_connection(endpoint, timeout=5).close()
        except OSError as e:
            raise ConnectionError(f"cannot reach the Ray cluster at {address}: {e.strerror or e}") from None
    kwargs: dict[str, Any] = {"logging_level": logging.WARNING}
    if address in (None, "local"):
        kwargs["include_dashboard"] = False
    try:
        ray.init(address=address, **kwargs)
    except (ConnectionError, ValueError, RuntimeError, TimeoutError) as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise ConnectionError(f"cannot connect to the Ray cluster at {address or 'a local Ray'}: {first}") from None
    return True


def _check_output(out: Path, overwrite: bool) -> list[Path]:
    """The old shards of ``out`` (to replace); raises before anything starts if they may not be."""
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} is a file; --ray writes a folder of Parquet shards")
    old = shard_files(out) if out.exists() else []
    if old and not overwrite:
        raise FileExistsError(f"{out} holds {len(old)} Parquet shards; pass overwrite=True (--overwrite) to replace them")
    return old


def extract_corpus_ray(model_dir: str | Path, source: str | Path, output_dir: str | Path, *,
                       address: str | None = None, num_workers: int = 2, cpus_per_worker: int = 1,
                       gpus_per_worker: float = 0, batch_articles: int = 256, max_batch_tokens: int = 16384,
                       batch_size: int = 8, gazetteer: str | Path | None = None, overwrite: bool = False,
                       show_progress_bar: bool = True) -> dict[str, Any]:
    """Extract every article of the JSON Lines file ``source`` on a Ray cluster into Parquet
    shards in ``output_dir``; returns a summary (articles, events, shards, skipped lines, seconds).

    ``model_dir`` and ``source`` must be readable at the same path on every node (shared storage);
    ``output_dir`` is a local or shared folder (its old shards are replaced only with
    ``overwrite``). Each of ``num_workers`` actors holds ``cpus_per_worker`` CPUs (its torch
    threads) and ``gpus_per_worker`` GPUs; ``batch_size`` is the windows per forward pass as in
    :class:`EventExtractor`. :func:`read_shards` gives the rows as :func:`extract_corpus` writes
    them. Without a running Ray, it joins ``address`` (None: ``$RAY_ADDRESS``, else a local Ray it
    stops at the end). Example, on a local Ray with 2 CPUs:

        >>> import ray                                                                # doctest: +SKIP
        >>> _ = ray.init(num_cpus=2, include_dashboard=False)                         # doctest: +SKIP
        >>> summary = extract_corpus_ray("runs/offline/final", "corpus.jsonl.gz", "runs/events")  # doctest: +SKIP
        >>> sorted(summary)                                                           # doctest: +SKIP
        ['articles', 'events', 'output', 'seconds', 'shards', 'skipped']
    """
    ray = _import_ray()
    from ray.data import DataContext

    from arabic_events.analysis.actors import ActorCoder
    from arabic_events.model.loading import check_checkpoint_files

    src, model = str(source), str(Path(model_dir).expanduser())
    if "://" not in src:
        if not Path(src).is_file():
            raise FileNotFoundError(f"corpus {src} not found (--ray reads one .jsonl or .jsonl.gz file)")
        if not src.endswith((".jsonl", ".jsonl.gz", ".json.gz")):
            raise ValueError(f"{src}: --ray reads one .jsonl or .jsonl.gz file")
    if not Path(model).is_dir():
        raise FileNotFoundError(f"model directory {model} not found (every node reads it at this path)")
    check_checkpoint_files(model)
    if num_workers < 1 or cpus_per_worker < 1 or gpus_per_worker < 0:
        raise ValueError(f"num_workers and cpus_per_worker must be >= 1 and gpus_per_worker >= 0, not "
                         f"{num_workers}, {cpus_per_worker}, {gpus_per_worker}")
    if max_batch_tokens < 1 or batch_articles < 1:
        raise ValueError(f"max_batch_tokens and batch_articles must be >= 1, not {max_batch_tokens}, {batch_articles}")
    ActorCoder.from_tsv(gazetteer)  # a bad gazetteer fails here, not in every actor
    out = Path(output_dir)
    old_shards = _check_output(out, overwrite)

    def lines() -> Any:
        return ray.data.read_datasource(_lines_datasource()(src), num_cpus=0)

    # the cheap steps take no CPU slot (the actors may hold them all) and run in few processes
    cheap = {"batch_size": None, "batch_format": "pyarrow", "num_cpus": 0,
             "compute": ray.data.TaskPoolStrategy(size=num_workers)}
    started = connect(address, ray)
    ctx = DataContext.get_current()
    saved = ctx.execution_options.preserve_order, ctx.enable_progress_bars
    ctx.execution_options.preserve_order, ctx.enable_progress_bars = True, show_progress_bar
    t0 = time.perf_counter()
    try:
        for f in old_shards:
            f.unlink()
        out.mkdir(parents=True, exist_ok=True)
        ds = (lines().map_batches(parse_and_count, fn_kwargs={"model_dir": model}, **cheap)
              .map_batches(pack, fn_kwargs={"max_batch_tokens": max_batch_tokens, "batch_articles": batch_articles},
                           **cheap)
              .map_batches(PackExtractor, fn_constructor_kwargs={
                  "model_dir": model, "cpus": cpus_per_worker, "gpus": gpus_per_worker, "batch_size": batch_size,
                  "gazetteer": str(gazetteer) if gazetteer else None}, batch_size=1, batch_format="pyarrow",
                           compute=ray.data.ActorPoolStrategy(size=num_workers), num_cpus=cpus_per_worker,
                           num_gpus=gpus_per_worker or None))
        ds.write_parquet(str(out), schema=SHARD_SCHEMA, ray_remote_args={"num_cpus": 0})
        counts = lines().map_batches(parse_and_count, **cheap).map_batches(summarise, **cheap).take_all()
    finally:
        ctx.execution_options.preserve_order, ctx.enable_progress_bars = saved
        if started:
            ray.shutdown()
    bad = sorted((p, why) for c in counts for p, why in zip(c["bad_positions"], c["problems"]))
    where = src if "://" in src else str(Path(src))  # as extract_corpus names it
    for p, why in bad:
        logger.warning("%s:%d: %s (skipped)", where, p, why)
    files = shard_files(out)
    events = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    return {"output": str(out), "articles": sum(c["articles"] for c in counts), "events": events,
            "shards": len(files), "skipped": [f"{where}:{p}: {why}" for p, why in bad[:1000]],
            "seconds": round(time.perf_counter() - t0, 2)}
