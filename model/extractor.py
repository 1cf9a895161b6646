"""``EventExtractor``: raw Arabic text in, events with confidences and raw-text offsets out.

    >>> from model import EventExtractor                                      # doctest: +SKIP
    >>> ex = EventExtractor.from_pretrained("runs/offline/final", device="cpu")  # doctest: +SKIP
    >>> for ev in ex.extract("بحث الرئيس الروسي فلاديمير بوتين في اتصال هاتفي مع نظيره التركي"):  # doctest: +SKIP
    ...     print(ev.type, ev.mode, ev.refs("ACTOR"), round(ev.confidence, 2))
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .dates import resolve_date
from .decoding import bio_to_spans, decode_roles, snap_to_words, trim_span, viterbi_bio_batch
from .events import WindowResult, assemble_events
from .linking import AliasTable
from .modeling import EventModel
from .schema import CLITICS, EDGE_CHARS, EVENT_TYPES, MODES, ROLE_TAILS, Event, Mention
from .text import Normalized, Window, make_windows, normalize

logger = logging.getLogger(__name__)

ALIASES_FILE = "aliases.json"
_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")


@dataclass
class Document:
    """Everything predicted for one text: all mentions (both layers), roles, events."""

    text: str
    mentions: list[Mention] = field(default_factory=list)
    relations: list[tuple[Mention, str, Mention, float]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

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


def select_pair_spans(found: list[tuple[Mention, int, int]], max_triggers: int, max_candidates: int
                      ) -> tuple[list[int], list[int]]:
    """Indices of the triggers and argument candidates of a window that are scored in pairs:
    the most confident ones, at most ``max_triggers`` and ``max_candidates``, in text order.

    >>> m = [(Mention("a", "CONSULT", 0, 1, c), 0, 0) for c in (.2, .9, .5)] + [(Mention("b", "PER", 2, 3, .7), 1, 1)]
    >>> select_pair_spans(m, 2, 5)
    ([1, 2], [3])
    """
    trig = [i for i, (m, _, _) in enumerate(found) if m.label in EVENT_TYPES]
    cand = [i for i, (m, _, _) in enumerate(found) if m.label not in EVENT_TYPES]
    trig = sorted(sorted(trig, key=lambda i: -found[i][0].confidence)[:max_triggers])
    cand = sorted(sorted(cand, key=lambda i: -found[i][0].confidence)[:max_candidates])
    return trig, cand


class EventExtractor:
    """Inference pipeline around an :class:`EventModel` and its tokenizer.

    Args:
        model: the trained model.
        tokenizer: its fast tokenizer.
        aliases: alias table for actor refs (saved as ``aliases.json`` with the model).
        device: ``"cpu"``, ``"cuda"``, ... (default: cuda when available).
        batch_size: windows per forward pass.
    """

    def __init__(self, model: EventModel, tokenizer: Any, aliases: AliasTable | None = None,
                 device: str | torch.device | None = None, batch_size: int = 8):
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        self.aliases = aliases or AliasTable()
        self.batch_size = batch_size
        #: events with no ACTOR are not returned (SCHEMA.md: events with no explicit actor are not annotated)
        self.require_actor = True
        cfg = model.config
        self.entity_tags = list(cfg.entity_tags)
        self.event_tags = list(cfg.event_tags)

    # ---- persistence ----
    @classmethod
    def from_pretrained(cls, path: str | Path, device: str | None = None, gazetteer: str | Path | None = None,
                        batch_size: int = 8) -> EventExtractor:
        """Load a directory written by :meth:`save_pretrained` (or a hub id, where reachable)."""
        from transformers import AutoTokenizer

        p = Path(path)
        looks_local = p.is_absolute() or str(path).startswith(".") or str(path).count("/") != 1
        if not p.exists() and looks_local:
            raise FileNotFoundError(f"checkpoint directory {p} not found")
        if p.exists():
            if not p.is_dir():
                raise ValueError(f"{p} is not a checkpoint directory")
            missing = [f for f in ("config.json", "model.safetensors", "tokenizer_config.json") if not (p / f).exists()]
            if not ((p / "tokenizer.json").exists() or (p / "vocab.txt").exists()):
                missing.append("tokenizer.json (or vocab.txt)")
            if missing:
                raise FileNotFoundError(f"checkpoint directory {p} is missing: {', '.join(missing)}")
        model = EventModel.from_pretrained(str(path))
        tokenizer = AutoTokenizer.from_pretrained(str(path))
        aliases = AliasTable()
        if p.exists() and (p / ALIASES_FILE).exists():
            aliases = AliasTable(json.loads((p / ALIASES_FILE).read_text(encoding="utf-8")))
        if gazetteer:
            aliases.add_gazetteer(gazetteer)
        return cls(model, tokenizer, aliases, device=device, batch_size=batch_size)

    def save_pretrained(self, path: str | Path) -> None:
        """Write model (safetensors), config, tokenizer and alias table to ``path``."""
        p = Path(path)
        p.mkdir(parents=True, exist_ok=True)
        self.model.save_pretrained(p)
        self.tokenizer.save_pretrained(p)
        (p / ALIASES_FILE).write_text(json.dumps(self.aliases.to_json(), ensure_ascii=False, indent=0),
                                      encoding="utf-8")

    # ---- public API ----
    def extract(self, texts: str | Sequence[str], published: str | Sequence[str | None] | None = None,
                batch_size: int | None = None, show_progress_bar: bool = False) -> list[Event] | list[list[Event]]:
        """Events of one text (a list) or of each text of a list (a list of lists).

        ``published`` (ISO date, one or one per text) anchors relative dates.
        """
        if isinstance(texts, str):
            return self.analyze(texts, published if isinstance(published, (str, type(None))) else None).events
        return [d.events for d in self.analyze_many(texts, published, batch_size, show_progress_bar)]

    def analyze(self, text: str, published: str | None = None) -> Document:
        """All predictions (mentions, roles, events) for one text."""
        return next(self.iter_analyze([text], [published]))

    def analyze_many(self, texts: Sequence[str], published: str | Sequence[str | None] | None = None,
                     batch_size: int | None = None, show_progress_bar: bool = False) -> list[Document]:
        return list(self.iter_analyze(texts, published, batch_size, show_progress_bar))

    def iter_analyze(self, texts: Sequence[str], published: str | Sequence[str | None] | None = None,
                     batch_size: int | None = None, show_progress_bar: bool = False,
                     chunk_texts: int = 32) -> Iterator[Document]:
        """Documents in input order, processed ``chunk_texts`` texts at a time (memory stays flat)."""
        if isinstance(texts, (str, bytes)) or not isinstance(texts, Sequence):
            raise ValueError(f"expected a str or a list of str, got {type(texts).__name__}")
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise ValueError(f"text #{i} is a {type(t).__name__}, not a str")
        if published is None or isinstance(published, str):
            pubs: list[str | None] = [published] * len(texts)
        else:
            pubs = list(published)
            if len(pubs) != len(texts):
                raise ValueError(f"{len(texts)} texts but {len(pubs)} published dates")
        bs = batch_size or self.batch_size
        bar = None
        if show_progress_bar:
            from tqdm.auto import tqdm
            bar = tqdm(total=len(texts), desc="extracting", unit="article")
        for c in range(0, len(texts), chunk_texts):
            chunk = list(texts[c:c + chunk_texts])
            yield from self._analyze_chunk(chunk, pubs[c:c + chunk_texts], bs)
            if bar is not None:
                bar.update(len(chunk))
        if bar is not None:
            bar.close()

    # ---- internals ----
    def _analyze_chunk(self, texts: list[str], pubs: list[str | None], bs: int) -> list[Document]:
        prepared: list[tuple[Normalized, list[Window]]] = []
        jobs: list[tuple[int, int]] = []
        for ti, text in enumerate(texts):
            if not text.strip() or not _ARABIC.search(text):
                prepared.append((normalize(""), []))
                continue
            norm = normalize(text)
            wins = make_windows(norm.text, self.tokenizer, self.model.config.max_tokens)
            prepared.append((norm, wins))
            jobs += [(ti, wi) for wi in range(len(wins))]
        results: dict[tuple[int, int], WindowResult] = {}
        jobs.sort(key=lambda j: len(prepared[j[0]][1][j[1]].input_ids))
        for b in range(0, len(jobs), bs):
            batch = jobs[b:b + bs]
            outs = self._run_windows([prepared[ti][1][wi] for ti, wi in batch], [prepared[ti][0] for ti, _ in batch])
            results.update(zip(batch, outs))
        docs = []
        for ti, text in enumerate(texts):
            norm, wins = prepared[ti]
            wres = [results[(ti, wi)] for wi in range(len(wins))]
            doc = Document(text)
            for w in wres:
                self.aliases.link(w.mentions, text)
                for m in w.mentions:
                    if m.label == "DATE":
                        m.value = resolve_date(m.text, pubs[ti])
                doc.mentions += w.mentions
                doc.relations += [(w.mentions[h], role, w.mentions[t], p) for h, t, role, p in w.relations]
            cfg = self.model.config
            platt = (cfg.temperatures.get("event_a", 1.0), cfg.temperatures.get("event_b", 0.0))
            doc.events = assemble_events(wres, cfg.coref_threshold, require_actor=self.require_actor, platt=platt)
            docs.append(doc)
        return docs

    def window_tensors(self, windows: list[Window]) -> tuple[torch.Tensor, torch.Tensor]:
        """``input_ids`` ([CLS] tokens [SEP], padded) and ``attention_mask`` of a batch of windows."""
        tok = self.tokenizer
        n_max = max(len(w.input_ids) for w in windows) + 2
        ids = torch.full((len(windows), n_max), tok.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(windows), n_max), dtype=torch.long)
        for r, w in enumerate(windows):
            row = [tok.cls_token_id] + w.input_ids + [tok.sep_token_id]
            ids[r, :len(row)] = torch.tensor(row)
            mask[r, :len(row)] = 1
        return ids.to(self.device), mask.to(self.device)

    @torch.inference_mode()
    def _run_windows(self, windows: list[Window], norms: list[Normalized]) -> list[WindowResult]:
        cfg = self.model.config
        temps = dict(cfg.temperatures)
        ids, mask = self.window_tensors(windows)
        hidden = self.model.encode(ids, mask)
        ent = torch.log_softmax(self.model.entity_head(hidden).float() / temps["entity"], -1).cpu().numpy()
        evt = torch.log_softmax(self.model.event_head(hidden).float() / temps["event"], -1).cpu().numpy()
        per_window: list[list[tuple[Mention, int, int]]] = []
        lengths = [len(w.input_ids) for w in windows]
        paths = {"ent": viterbi_bio_batch(ent[:, 1:], lengths, self.entity_tags),
                 "evt": viterbi_bio_batch(evt[:, 1:], lengths, self.event_tags)}
        for r, (w, norm) in enumerate(zip(windows, norms)):
            n = len(w.input_ids)
            found: list[tuple[Mention, int, int]] = []
            for key, lp, tags in (("ent", ent[r, 1:n + 1], self.entity_tags), ("evt", evt[r, 1:n + 1], self.event_tags)):
                path = paths[key][r]
                csum = np.concatenate([[0.0], np.cumsum(np.exp(lp[np.arange(n), path]))])
                layer: list[tuple[Mention, int, int]] = []
                for label, first, last in bio_to_spans([tags[k] for k in path]):
                    raw_s, raw_e = norm.to_original(w.offsets[first][0], w.offsets[last][1])
                    trimmed = trim_span(norm.raw, *snap_to_words(norm.raw, raw_s, raw_e, CLITICS), EDGE_CHARS)
                    if trimmed is None:
                        continue
                    s, e = trimmed
                    conf = float(csum[last + 1] - csum[first]) / (last - first + 1)
                    if layer and s < layer[-1][0].end:  # two pieces of one word: keep the surer one
                        if conf <= layer[-1][0].confidence:
                            continue
                        layer.pop()
                    layer.append((Mention(norm.raw[s:e], label, s, e, conf), first, last))
                found += layer
            found.sort(key=lambda x: (x[0].start, x[0].end))
            per_window.append(found)
        # span-level heads on the predicted spans
        n_span = max(1, max(len(f) for f in per_window))
        label_id = {lab: k for k, lab in enumerate(cfg.span_labels)}
        span_rows = [[[a + 1, b + 1, label_id[m.label]] for m, a, b in found] + [[0, 0, 0]] * (n_span - len(found))
                     for found in per_window]
        spans = torch.tensor(span_rows, dtype=torch.long)
        pair_lists, tp_lists = [], []
        max_t, max_c, max_d = cfg.max_triggers_per_window, cfg.max_candidates_per_window, cfg.max_pair_distance
        for found in per_window:
            trig, cand = select_pair_spans(found, max_t, max_c)
            centre = [(a + b) / 2 for _, a, b in found]
            pair_lists.append([(i, j) for i in trig for j in cand if abs(centre[i] - centre[j]) <= max_d])
            tp_lists.append([(i, j) for k, i in enumerate(trig) for j in trig[k + 1:]])

        def pad_pairs(lists: list[list[tuple[int, int]]]) -> torch.Tensor:
            n = max((len(x) for x in lists), default=0)
            t = torch.zeros((len(lists), n, 2), dtype=torch.long)
            for r, x in enumerate(lists):
                if x:
                    t[r, :len(x)] = torch.tensor(x)
            return t

        pairs, tpairs = pad_pairs(pair_lists), pad_pairs(tp_lists)
        rel, coref, mode, modality = self.model.span_heads(hidden, spans.to(self.device), pairs.to(self.device),
                                                           tpairs.to(self.device))
        rel_p = torch.softmax(rel.float() / temps["relation"], -1).cpu().numpy() if rel is not None else None
        coref_p = torch.sigmoid(coref.float() / temps["coref"]).cpu().numpy() if coref is not None else None
        mode_p = torch.softmax(mode.float() / temps["mode"], -1).cpu().numpy()
        modality_p = torch.softmax(modality.float() / temps["modality"], -1).cpu().numpy()
        results = []
        roles, modes, modalities, thr = list(cfg.roles), list(cfg.modes), list(cfg.modalities), cfg.relation_threshold
        mode_index = {t: [0] + [modes.index(x) + 1 for x in MODES[t]] for t in EVENT_TYPES}
        for r, found in enumerate(per_window):
            mentions = [m for m, _, _ in found]
            res = WindowResult(mentions)
            if pair_lists[r]:
                rows = rel_p[r, :len(pair_lists[r])]
                tails = [mentions[j].label for _, j in pair_lists[r]]
                for k, role, p in decode_roles(rows, tails, roles, ROLE_TAILS, thr):
                    i, j = pair_lists[r][k]
                    res.relations.append((i, j, role, p))
            for k, (i, j) in enumerate(tp_lists[r]):
                res.coref[(i, j)] = float(coref_p[r, k])
            for i, m in enumerate(mentions):
                if m.label in EVENT_TYPES:
                    mp = mode_p[r, i]
                    best = max(mode_index[m.label], key=lambda k: mp[k])
                    res.modes[i] = (None if best == 0 else modes[best - 1], float(mp[best]))
                    q = modality_p[r, i]
                    res.modalities[i] = (modalities[int(q.argmax())], float(q.max()))
            results.append(res)
        return results
