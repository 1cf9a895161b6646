"""``EventExtractor``: raw Arabic text in, events with confidences and raw-text offsets out.

    >>> from arabic_events.model import EventExtractor                                      # doctest: +SKIP
    >>> ex = EventExtractor.from_pretrained("runs/offline/final", device="cpu")  # doctest: +SKIP
    >>> for ev in ex.extract("بحث الرئيس الروسي فلاديمير بوتين في اتصال هاتفي مع نظيره التركي"):  # doctest: +SKIP
    ...     print(ev.type, ev.mode, ev.refs("ACTOR"), round(ev.confidence, 2))
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import warnings
from collections.abc import Iterable, Iterator, Sequence, Sized
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from transformers import AutoTokenizer

from .backends import check_backend, prepare_model
from .dates import check_published, resolve_date
from .events import WindowResult, assemble_events
from .linking import AliasTable
from .loading import (
    CheckpointError,
    check_checkpoint_files,
    load_json_file,
    quiet_transformers,
    resolve_source,
    set_normal_permissions,
)
from .modeling import EventModel
from .name_repeats import add_name_repeats
from .progress import progress
from .relevance import RelevanceFilter
from .schema import EVENT_TYPES, Event, Mention
from .text import disable_truncation, make_windows_batch, normalize
from .window_inference import run_windows

__all__ = ["Document", "EventExtractor"]

logger = logging.getLogger(__name__)

ALIASES_FILE = "aliases.json"
CHUNK_TEXTS = 64  #: texts whose windows are sorted and batched together


def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"EventExtractor.{old} is deprecated and will be removed in the next release; use {new}",
                  DeprecationWarning, stacklevel=3)


_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")


@dataclass
class Document:
    """Everything predicted for one text: all mentions (both layers), roles, events."""

    text: str
    mentions: list[Mention] = field(default_factory=list)
    relations: list[tuple[Mention, str, Mention, float]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    #: probability that the text is not political news (None without a relevance filter); above
    #: the filter's threshold the text gets no events, its mentions are kept
    p_off_topic: float | None = None

    def to_record(self, record_id: str = "pred") -> dict[str, Any]:
        """The prediction as a SCHEMA.md record: every entity and TOPIC mention, the triggers of
        the returned events (with event ids and modes) and their relations."""
        event_of: dict[int, tuple[str, Event]] = {}
        for k, ev in enumerate(self.events):
            for t in ev.triggers:
                event_of[id(t)] = (f"e{k + 1}", ev)
        kept = [m for m in self.mentions if m.label not in EVENT_TYPES or id(m) in event_of]
        ids = {id(m): f"s{k + 1}" for k, m in enumerate(kept)}
        spans = []
        for m in kept:
            s: dict[str, Any] = {"id": ids[id(m)], "start": m.start, "end": m.end, "label": m.label,
                                 "confidence": m.confidence}
            if m.ref is not None:
                s["ref"] = m.ref
            if m.value is not None:
                s["value"] = m.value
            if m.label in EVENT_TYPES:
                eid, ev = event_of.get(id(m), (f"x{ids[id(m)]}", None))
                s["event"] = eid
                if ev is not None:
                    s["event_confidence"] = ev.confidence
                    if ev.mode:
                        s["mode"] = ev.mode
                    if ev.modality != "asserted":
                        s["modality"] = ev.modality
            spans.append(s)
        rels = [{"head": ids[id(h)], "tail": ids[id(t)], "label": role, "confidence": p}
                for h, role, t, p in self.relations if id(h) in ids and id(t) in ids]
        return {"id": record_id, "text": self.text, "spans": spans, "relations": rels}


class EventExtractor:
    """Inference pipeline around an :class:`EventModel` and its tokenizer.

    Args:
        model: the trained model.
        tokenizer: its fast tokenizer.
        aliases: alias table for actor refs (saved as ``aliases.json`` with the model).
        device: ``"cpu"``, ``"cuda"``, ... (default: cuda when available).
        batch_size: windows per forward pass.
        relevance: article-level gate (saved as ``relevance.json`` with the model): texts it finds
            off topic get no events. ``None``: every text is read for events.
        onnx_encoder: an :class:`~model.onnx_runtime.OnnxEncoder` that replaces the model's
            encoder (the heads stay in torch); ``from_pretrained(..., runtime="onnx")`` makes it.
    """

    def __init__(self, model: EventModel, tokenizer: Any, aliases: AliasTable | None = None,
                 device: str | torch.device | None = None, batch_size: int = 8,
                 relevance: RelevanceFilter | None = None, onnx_encoder: Any = None):
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.model = model.to(self.device).eval()
        self.onnx_encoder = onnx_encoder
        self.tokenizer = tokenizer
        disable_truncation(tokenizer)
        self.aliases = aliases or AliasTable()
        self.batch_size = batch_size
        self.relevance = relevance
        #: batches whose decoding and span heads run together (fewer, larger calls)
        self.group_batches = 8
        #: events with no ACTOR are not returned (SCHEMA.md: events with no explicit actor are not annotated)
        self.require_actor = True
        cfg = model.config
        self.entity_tags = list(cfg.entity_tags)
        self.event_tags = list(cfg.event_tags)

    @property
    def runtime(self) -> str:
        """``"onnx"`` when the encoder runs in ONNX Runtime, else ``"torch"``."""
        return "torch" if self.onnx_encoder is None else "onnx"

    # ---- persistence ----
    @classmethod
    def from_pretrained(cls, path: str | Path, device: str | None = None, gazetteer: str | Path | None = None,
                        batch_size: int = 8, verbose: bool = False, quantize: str | None = None,
                        runtime: str = "torch", dtype: str | torch.dtype | None = None) -> EventExtractor:
        """Load a directory written by :meth:`save_pretrained` (or a Hub id, where the Hub is
        reachable). Problems raise :class:`~arabic_events.model.loading.CheckpointError` naming
        the directory or file; ``verbose=True`` shows the framework's loading bars and warnings.

        - ``quantize="int8"`` quantises the encoder dynamically for CPU inference
          (:func:`~model.quantization.quantize_int8`; with ``runtime="onnx"``, ONNX Runtime's).
        - ``runtime="onnx"`` runs the encoder with ONNX Runtime (exported once into
          ``path/onnx/``; :mod:`~model.onnx_runtime`); needs the ``onnx`` extra.
        - ``dtype="bfloat16"`` casts the weights to bfloat16 (GPU inference; works on the CPU too).

        Conflicting options raise ValueError (:func:`~model.backends.check_backend`)."""
        check_backend(runtime, quantize, dtype, device)
        source = resolve_source(path, "model")
        local = Path(source).is_dir()
        if local:
            check_checkpoint_files(source)
        with quiet_transformers(verbose):
            try:
                model = EventModel.from_pretrained(source)
                tokenizer = AutoTokenizer.from_pretrained(source)
            except (OSError, ValueError, KeyError, RuntimeError) as e:
                raise CheckpointError(f"{source}: cannot be loaded as an event model ({e})") from None
        aliases = AliasTable()
        if local:
            f = Path(source) / ALIASES_FILE
            if f.exists():
                table = load_json_file(f)
                if not isinstance(table, dict):
                    raise CheckpointError(f"{f}: expected a JSON object of label -> alias -> ref")
                aliases = AliasTable(table)
            else:
                logger.warning("%s has no %s: actors keep their surface text, without canonical names", source,
                               ALIASES_FILE)
        if gazetteer:
            aliases.add_gazetteer(gazetteer)
        relevance = None
        if local:
            try:
                relevance = RelevanceFilter.load(source)
            except ValueError as e:
                raise CheckpointError(str(e)) from None
        model, encoder, device = prepare_model(model, source if local else None, runtime, quantize, dtype, device)
        return cls(model, tokenizer, aliases, device=device, batch_size=batch_size, relevance=relevance,
                   onnx_encoder=encoder)

    def save_pretrained(self, path: str | Path) -> None:
        """Write model (safetensors), config, tokenizer and alias table to ``path``."""
        p = Path(path)
        p.mkdir(parents=True, exist_ok=True)
        with quiet_transformers():
            self.model.save_pretrained(p)
            self.tokenizer.save_pretrained(p)
        (p / ALIASES_FILE).write_text(json.dumps(self.aliases.to_json(), ensure_ascii=False, indent=0),
                                      encoding="utf-8")
        if self.relevance is not None:
            self.relevance.save(p)
        set_normal_permissions(p)

    # ---- public API ----
    def extract(self, texts: str | Sequence[str], published: str | Sequence[str | None] | None = None, *,
                batch_size: int | None = None, show_progress_bar: bool = False, return_documents: bool = False
                ) -> list[Event] | list[list[Event]] | Document | list[Document]:
        """Events of one text (a list of :class:`Event`) or of each text of a list (a list of lists).

        ``published`` (ISO date, one for all texts or one per text) anchors relative dates.
        With ``return_documents=True`` each text gives a :class:`Document` instead: every
        mention of both layers, every role and the events.

            >>> ex.extract("")                           # doctest: +SKIP
            []
        """
        if isinstance(texts, str):
            if not (published is None or isinstance(published, str)):
                raise ValueError("one text takes one published date (a str or None)")
            doc = next(self.iter_extract([texts], published, return_documents=True))
            return doc if return_documents else doc.events
        if not isinstance(texts, Sequence):
            raise ValueError(f"expected a str or a list of str, got {type(texts).__name__}")
        return list(self.iter_extract(texts, published, batch_size=batch_size, show_progress_bar=show_progress_bar,
                                      return_documents=return_documents))

    def iter_extract(self, texts: Iterable[str], published: str | Iterable[str | None] | None = None, *,
                     batch_size: int | None = None, show_progress_bar: bool = False, return_documents: bool = False,
                     chunk_texts: int = CHUNK_TEXTS) -> Iterator[list[Event]] | Iterator[Document]:
        """Stream over ``texts`` (any iterable, consumed lazily): yields, in input order, the events
        of each text (or its :class:`Document` with ``return_documents=True``). Texts are
        processed ``chunk_texts`` at a time, so memory stays flat however long the stream."""
        if isinstance(texts, (str, bytes)) or not isinstance(texts, Iterable):
            raise ValueError(f"expected an iterable of str, got {type(texts).__name__}")
        if published is None or isinstance(published, str):
            pubs: Iterator[str | None] = itertools.repeat(check_published(published))
            check_pubs = False
        else:
            pubs, check_pubs = iter(published), True
        bs = batch_size or self.batch_size
        bar = None
        if show_progress_bar:
            bar = progress(len(texts) if isinstance(texts, Sized) else None, "extracting", "article")
        it = iter(texts)
        done = 0
        try:
            while True:
                chunk = list(itertools.islice(it, chunk_texts))
                if not chunk:
                    break
                for i, t in enumerate(chunk):
                    if not isinstance(t, str):
                        raise ValueError(f"text #{done + i} is a {type(t).__name__}, not a str")
                pub_chunk = list(itertools.islice(pubs, len(chunk)))
                if check_pubs and len(pub_chunk) != len(chunk):
                    raise ValueError(f"more texts than published dates (dates ran out at text #{done + len(pub_chunk)})")
                for i, pub in enumerate(pub_chunk):
                    check_published(pub, f"text #{done + i}")
                docs = self._analyze_chunk(chunk, pub_chunk, bs)
                done += len(chunk)
                if bar is not None:  # before yielding: the consumer may stop after the last one
                    bar.update(len(chunk))
                for d in docs:
                    yield d if return_documents else d.events
            if check_pubs and next(pubs, None) is not None:
                raise ValueError(f"{done} texts but more published dates")
        finally:
            if bar is not None:
                bar.close()

    # ---- deprecated aliases (kept for one release) ----
    def analyze(self, text: str, published: str | None = None) -> Document:
        """Deprecated: ``extract(text, published, return_documents=True)``."""
        _deprecated("analyze", "extract(text, return_documents=True)")
        return self.extract(text, published, return_documents=True)  # type: ignore[return-value]

    def analyze_many(self, texts: Sequence[str], published: str | Sequence[str | None] | None = None,
                     batch_size: int | None = None, show_progress_bar: bool = False) -> list[Document]:
        """Deprecated: ``extract(texts, published, return_documents=True)``."""
        _deprecated("analyze_many", "extract(texts, return_documents=True)")
        return self.extract(texts, published, batch_size=batch_size, show_progress_bar=show_progress_bar,
                            return_documents=True)  # type: ignore[return-value]

    def iter_analyze(self, texts: Iterable[str], published: str | Iterable[str | None] | None = None,
                     batch_size: int | None = None, show_progress_bar: bool = False) -> Iterator[Document]:
        """Deprecated: ``iter_extract(texts, published, return_documents=True)``."""
        _deprecated("iter_analyze", "iter_extract(texts, return_documents=True)")
        return self.iter_extract(texts, published, batch_size=batch_size, show_progress_bar=show_progress_bar,
                                 return_documents=True)  # type: ignore[return-value]

    # ---- internals ----
    def _analyze_chunk(self, texts: list[str], pubs: list[str | None], bs: int) -> list[Document]:
        keep = [ti for ti, t in enumerate(texts) if t.strip() and _ARABIC.search(t)]
        norms = {ti: normalize(texts[ti], self.model.config.normalization) for ti in keep}
        wins = dict(zip(keep, make_windows_batch([norms[ti].text for ti in keep], self.tokenizer,
                                                 self.model.config.max_tokens)))
        jobs = sorted(((ti, wi) for ti in keep for wi in range(len(wins[ti]))),
                      key=lambda j: len(wins[j[0]][j[1]].input_ids))
        results: dict[tuple[int, int], WindowResult] = {}
        step = bs * self.group_batches
        encode = self.onnx_encoder.encode if self.onnx_encoder is not None else None
        words: dict[int, Any] = {}  # each text's words, featurised once (models with word inputs)
        for g in range(0, len(jobs), step):
            group = jobs[g:g + step]
            outs = run_windows(self.model, self.tokenizer, [wins[ti][wi] for ti, wi in group],
                               [norms[ti] for ti, _ in group], bs, encode=encode, words_cache=words)
            results.update(zip(group, outs))
        cfg = self.model.config
        platt = (cfg.event_platt["a"], cfg.event_platt["b"])
        docs = []
        for ti, text in enumerate(texts):
            wres = [results[(ti, wi)] for wi in range(len(wins.get(ti, [])))]
            doc = Document(text)
            for w in wres:
                for m in w.mentions:
                    if m.label == "DATE":
                        m.value = resolve_date(m.text, pubs[ti])
                doc.mentions += w.mentions
                doc.relations += [(w.mentions[h], role, w.mentions[t], p) for h, t, role, p in w.relations]
            if cfg.name_repeats:
                repeats = add_name_repeats(text, doc.mentions)
                if repeats:
                    doc.mentions = sorted(doc.mentions + repeats, key=lambda m: (m.start, m.end))
            self.aliases.link(doc.mentions, text)
            doc.events = [e for e in assemble_events(wres, cfg.coref_threshold, require_actor=self.require_actor,
                                                     platt=platt) if e.confidence >= cfg.event_threshold]
            if doc.events and max(e.confidence for e in doc.events) < cfg.article_event_threshold:
                doc.events = []  # only weak events: most often an article without an event
            if self.relevance is not None:
                doc.p_off_topic = self.relevance.p_off_topic(text)
                if doc.p_off_topic > self.relevance.threshold:
                    doc.events = []
            docs.append(doc)
        return docs
