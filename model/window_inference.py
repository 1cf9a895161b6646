"""From token windows to per-window predictions: encoder, token heads, decoding, span heads.

Windows are run through the encoder ``batch_size`` at a time; the decoding and the span-level
heads then run once for a whole group of batches, so that their fixed cost (numpy and torch
calls) is paid once per group instead of once per batch. Offsets of the returned mentions index
the raw text (through :class:`~model.text.Normalized`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from .decoding import decode_layers, decode_roles, snap_to_words, trim_span
from .events import WindowResult
from .feature_crf import FeatureCrf
from .modeling import EventModel
from .schema import CLITICS, EDGE_CHARS, EVENT_TYPES, MODES, NAME_SPACES, ROLE_TAILS, Mention
from .text import Normalized, Window
from .word_features import WORD_RE

_TRIGGER_LABELS = frozenset(EVENT_TYPES)
Found = list[tuple[Mention, int, int]]  # mention, first and last token index in the window


def select_pair_spans(found: Found, max_triggers: int, max_candidates: int) -> tuple[list[int], list[int]]:
    """Indices of the triggers and argument candidates of a window that are scored in pairs:
    the most confident ones, at most ``max_triggers`` and ``max_candidates``, in text order.

    >>> m = [(Mention("a", "CONSULT", 0, 1, c), 0, 0) for c in (.2, .9, .5)] + [(Mention("b", "PER", 2, 3, .7), 1, 1)]
    >>> select_pair_spans(m, 2, 5)
    ([1, 2], [3])
    """
    trig = [i for i, (m, _, _) in enumerate(found) if m.label in _TRIGGER_LABELS]
    if not trig:
        return [], []
    cand = [i for i, (m, _, _) in enumerate(found) if m.label not in _TRIGGER_LABELS]
    trig = sorted(sorted(trig, key=lambda i: -found[i][0].confidence)[:max_triggers])
    cand = sorted(sorted(cand, key=lambda i: -found[i][0].confidence)[:max_candidates])
    return trig, cand


def window_tensors(windows: Sequence[Window], tokenizer: Any, device: torch.device | str = "cpu"
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """``input_ids`` ([CLS] tokens [SEP], padded) and ``attention_mask`` of a batch of windows."""
    tok = tokenizer
    n_max = max(len(w.input_ids) for w in windows) + 2
    ids = np.full((len(windows), n_max), tok.pad_token_id, dtype=np.int64)
    mask = np.zeros((len(windows), n_max), dtype=np.int64)
    for r, w in enumerate(windows):
        n = len(w.input_ids)
        ids[r, 0], ids[r, n + 1] = tok.cls_token_id, tok.sep_token_id
        ids[r, 1:n + 1] = w.input_ids
        mask[r, :n + 2] = 1
    return torch.from_numpy(ids).to(device), torch.from_numpy(mask).to(device)


def word_tensors(featurizer: Any, windows: Sequence[Window], norms: Sequence[Normalized], width: int,
                 device: torch.device | str = "cpu", cache: dict[int, Any] | None = None
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """``word_ids`` and ``word_flags`` of a batch of windows, aligned with :func:`window_tensors`
    (zeros at [CLS], [SEP] and padding). ``cache`` (keyed by ``id(norm)``; keep the norms alive
    while it lives) keeps each text's words for the next batches, so that a text's words are
    featurised once however many windows it has."""
    if featurizer is None:
        raise ValueError("this model takes word inputs but has no word featurizer (word_features.json)")
    cache = {} if cache is None else cache
    ids = np.zeros((len(windows), width), dtype=np.int64)
    flags = np.zeros((len(windows), width, featurizer.n_flags), dtype=np.float32)
    for r, (w, norm) in enumerate(zip(windows, norms)):
        words = cache.get(id(norm))
        if words is None:
            words = cache[id(norm)] = featurizer.text_words(norm.text)
        wid, fl = words.token_arrays(w.offsets)
        n = len(wid)
        ids[r, 1:n + 1] = wid
        flags[r, 1:n + 1] = fl
    return torch.from_numpy(ids).to(device), torch.from_numpy(flags).to(device)


def mentions_of(spans: list[tuple[str, int, int, float]], window: Window, norm: Normalized) -> Found:
    """Mentions of decoded token spans, with raw-text offsets snapped to whole words and
    trimmed of edge punctuation; of two spans that end up overlapping, the surer one stays;
    two PER spans with only spaces between them are one name (:data:`JOINED_LABELS`), unless
    the second starts with «و» ("and": «بوتين وأردوغان» are two people)."""
    layer: Found = []
    for label, first, last, conf in spans:
        raw_s, raw_e = norm.to_original(window.offsets[first][0], window.offsets[last][1])
        trimmed = trim_span(norm.raw, *snap_to_words(norm.raw, raw_s, raw_e, CLITICS), EDGE_CHARS)
        if trimmed is None:
            continue
        s, e = trimmed
        if layer and s < layer[-1][0].end:  # two pieces of one word: keep the surer one
            if conf <= layer[-1][0].confidence:
                continue
            layer.pop()
        if (layer and label in JOINED_LABELS and layer[-1][0].label == label
                and _only_spaces(norm.raw, layer[-1][0].end, s) and norm.raw[s] != "و"):
            prev, p_first, _ = layer.pop()  # "فلاديمير" + "بوتين": a first name is never an actor alone
            s, first, conf = prev.start, p_first, min(conf, prev.confidence)
        layer.append((Mention(norm.raw[s:e], label, s, e, conf), first, last))
    return layer


#: labels whose adjacent spans (only spaces between) are one mention: a person's names
JOINED_LABELS = frozenset({"PER"})


def _only_spaces(text: str, a: int, b: int) -> bool:
    """True when ``text[a:b]`` is one or more spaces (no newline, no punctuation)."""
    return b > a and all(c in NAME_SPACES for c in text[a:b])


@torch.inference_mode()
def run_windows(model: EventModel, tokenizer: Any, windows: Sequence[Window], norms: Sequence[Normalized],
                batch_size: int = 8, encode: Callable[..., torch.Tensor] | None = None,
                words_cache: dict[int, Any] | None = None) -> list[WindowResult]:
    """Predictions for each window (``norms[i]`` is the normalised text ``windows[i]`` comes from).

    Windows should be sorted by length, so that batches need little padding. ``encode`` replaces
    ``model.encode`` (an :class:`~model.onnx_runtime.OnnxEncoder`'s); its hidden states are cast
    to the heads' dtype. Logits are read in float32 whatever the model's dtype. ``words_cache``
    (see :func:`word_tensors`) lets several calls over windows of the same texts share their words.
    """
    if not windows:
        return []
    cfg = model.config
    weight = model.entity_head.weight
    device, head_dtype = weight.device, weight.dtype
    temps = dict(cfg.temperatures)
    n_max = max(len(w.input_ids) for w in windows) + 2
    hidden: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    n_ent = len(cfg.entity_tags)
    n_tags = n_ent + len(cfg.event_tags)
    words_of_text = {} if words_cache is None else words_cache  # id(norm) -> its words
    for b in range(0, len(windows), batch_size):
        ids, mask = window_tensors(windows[b:b + batch_size], tokenizer, device)
        word_ids = word_flags = None
        if cfg.uses_word_features:
            word_ids, word_flags = word_tensors(model.word_featurizer, windows[b:b + batch_size],
                                                norms[b:b + batch_size], ids.shape[1], device, words_of_text)
        part = (encode or model.encode)(ids, mask, word_ids=word_ids, word_flags=word_flags)
        part = part.to(head_dtype)
        if hidden is None or logits is None:
            hidden = part.new_zeros(len(windows), n_max, part.shape[-1])
            logits = torch.zeros(len(windows), n_max, n_tags, device=device)
        rows, length = part.shape[:2]
        hidden[b:b + rows, :length] = part
        logits[b:b + rows, :length] = model.token_logits(part).float()
    assert hidden is not None and logits is not None
    ent_lp = torch.log_softmax(logits[:, 1:, :n_ent] / temps["entity"], -1).cpu().numpy()
    evt_lp = torch.log_softmax(logits[:, 1:, n_ent:] / temps["event"], -1).cpu().numpy()
    lengths = [len(w.input_ids) for w in windows]
    if model.feature_crf is not None and cfg.feature_crf_weight > 0:
        with_feature_crf(model.feature_crf, cfg.feature_crf_weight, ent_lp, list(cfg.entity_tags), windows, norms,
                         words_of_text)
    # CRF scores on the scale of the temperature-scaled log-probabilities
    crf = [None if head is None else tuple(x / temps[layer] for x in head.scores())
           for layer, head in (("entity", model.entity_crf), ("event", model.event_crf))]
    layers = decode_layers([(ent_lp, list(cfg.entity_tags)), (evt_lp, list(cfg.event_tags))], lengths, crf)
    per_window: list[Found] = []
    for r, (w, norm) in enumerate(zip(windows, norms)):
        found = mentions_of(layers[0][r], w, norm) + mentions_of(layers[1][r], w, norm)
        found.sort(key=lambda x: (x[0].start, x[0].end))
        per_window.append(found)
    return _span_level(model, hidden, per_window, temps)


#: floor of the feature CRF's token probabilities (its log never reaches -inf)
_EXPERT_FLOOR = 1e-4


def with_feature_crf(crf: FeatureCrf, weight: float, lp: np.ndarray, tags: list[str], windows: Sequence[Window],
                     norms: Sequence[Normalized], cache: dict[Any, Any]) -> None:
    """Multiply the entity layer's token distributions ``lp`` (log, windows x tokens x ``tags``,
    in place) by the feature CRF's word marginals raised to ``weight``, and renormalise. Each
    text's marginals are computed once (kept in ``cache``), all the new texts in one pass."""
    todo = {id(n): n for n in norms if ("feature_crf", id(n)) not in cache}
    if todo:
        matches = {k: list(WORD_RE.finditer(n.raw)) for k, n in todo.items()}
        margs = crf.word_marginals([[m[0] for m in matches[k]] for k in todo])
        for (k, n), marg in zip(todo.items(), margs):
            first, rest = crf.token_probabilities(marg, tags)
            spans = np.array([m.span() for m in matches[k]], dtype=np.int64).reshape(-1, 2)
            cache[("feature_crf", k)] = (spans[:, 0], spans[:, 1], np.log(first + _EXPERT_FLOOR),
                                         np.log(rest + _EXPERT_FLOOR), np.asarray(n.source, dtype=np.int64))
    o = tags.index("O")
    outside = np.full(len(tags), np.log(_EXPERT_FLOOR))
    outside[o] = np.log(1.0 + _EXPERT_FLOOR)
    for r, (w, norm) in enumerate(zip(windows, norms)):
        n = len(w.input_ids)
        if not n:
            continue
        starts, ends, first, rest, source = cache[("feature_crf", id(norm))]
        raw = source[np.asarray(w.offsets, dtype=np.int64).reshape(-1, 2)[:, 0]]
        k = np.searchsorted(starts, raw, side="right") - 1
        kk = np.clip(k, 0, None)
        inside = (k >= 0) & (raw < ends[kk]) if len(starts) else np.zeros(n, bool)
        starts_word = inside & np.concatenate(([True], k[1:] != k[:-1]))
        expert = np.where(starts_word[:, None], first[kk] if len(starts) else outside,
                          rest[kk] if len(starts) else outside)
        expert[~inside] = outside
        z = lp[r, :n] + weight * expert
        z -= z.max(1, keepdims=True)
        lp[r, :n] = z - np.log(np.exp(z).sum(1, keepdims=True))


def _span_level(model: EventModel, hidden: torch.Tensor, per_window: list[Found], temps: dict[str, float]
                ) -> list[WindowResult]:
    """Roles, same-event scores, modes and modalities of the decoded spans of each window,
    scored flat (no padding) over all windows at once."""
    cfg = model.config
    device = hidden.device
    label_id = {lab: k for k, lab in enumerate(cfg.span_labels)}
    spans, pairs, tpairs = [], [], []
    pair_of: list[tuple[int, int]] = []  # per window: first index and count of its pairs
    tpair_of: list[tuple[int, int]] = []
    base = 0
    max_t, max_c, max_d = cfg.max_triggers_per_window, cfg.max_candidates_per_window, cfg.max_pair_distance
    base_of: list[int | None] = []  # where a window's spans start among the scored ones
    for r, found in enumerate(per_window):
        trig, cand = select_pair_spans(found, max_t, max_c)
        pair_of.append((len(pairs), 0))
        tpair_of.append((len(tpairs), 0))
        base_of.append(base if trig else None)
        if trig:  # without a trigger a window needs no span-level score at all
            spans += [[r, a + 1, b + 1, label_id[m.label]] for m, a, b in found]
            centre = [(a + b) / 2 for _, a, b in found]
            p = [(i, j) for i in trig for j in cand if abs(centre[i] - centre[j]) <= max_d]
            tp = [(i, j) for k, i in enumerate(trig) for j in trig[k + 1:]]
            pair_of[-1] = (len(pairs), len(p))
            tpair_of[-1] = (len(tpairs), len(tp))
            pairs += [[base + i, base + j] for i, j in p]
            tpairs += [[base + i, base + j] for i, j in tp]
            base += len(found)
    if not spans:
        return [WindowResult([]) for _ in per_window]

    def as_tensor(rows: list[list[int]], width: int) -> torch.Tensor:
        return torch.tensor(rows, dtype=torch.long, device=device).reshape(len(rows), width)

    rel, coref, mode, modality = model.flat_span_heads(hidden, as_tensor(spans, 4), as_tensor(pairs, 2),
                                                       as_tensor(tpairs, 2))
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
        results.append(res)
        base = base_of[r]
        if base is None:
            continue
        p0, n_p = pair_of[r]
        if n_p:
            local = [(pairs[k][0] - base, pairs[k][1] - base) for k in range(p0, p0 + n_p)]
            tails = [mentions[j].label for _, j in local]
            for k, role, prob in decode_roles(rel_p[p0:p0 + n_p], tails, roles, ROLE_TAILS, thr):
                i, j = local[k]
                res.relations.append((i, j, role, prob))
        t0, n_t = tpair_of[r]
        for k in range(t0, t0 + n_t):
            res.coref[(tpairs[k][0] - base, tpairs[k][1] - base)] = float(coref_p[k])
        for i, m in enumerate(mentions):
            if m.label in _TRIGGER_LABELS:
                mp = mode_p[base + i]
                best = max(mode_index[m.label], key=lambda k: mp[k])
                res.modes[i] = (None if best == 0 else modes[best - 1], float(mp[best]))
                q = modality_p[base + i]
                res.modalities[i] = (modalities[int(q.argmax())], float(q.max()))
    return results
