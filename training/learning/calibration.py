"""Confidence calibration on the dev split: a temperature per head, Platt scaling for events.

:func:`calibrate` does both and writes them into the model's config (``temperatures`` and
``event_platt``), so that a saved model carries its calibration.

    >>> import torch
    >>> logits = torch.tensor([[4.0, 0.0], [4.0, 0.0], [0.0, 4.0], [4.0, 0.0]])
    >>> labels = torch.tensor([0, 1, 1, 0])
    >>> best_temperature(logits, labels) > 1.0   # over-confident logits get softened
    True
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from arabic_events.training.evaluation.predict import predict_records
from arabic_events.training.evaluation.scoring import events_of, match_events

logger = logging.getLogger(__name__)

_GRID = np.exp(np.linspace(math.log(0.25), math.log(8.0), 41))


def best_temperature(logits: torch.Tensor, labels: torch.Tensor, binary: bool = False) -> float:
    """The temperature (grid over 0.25..8) that minimises the NLL of ``labels``."""
    if labels.numel() == 0:
        return 1.0
    best, best_nll = 1.0, float("inf")
    for t in _GRID:
        if binary:
            nll = F.binary_cross_entropy_with_logits(logits / t, labels.float()).item()
        else:
            nll = F.cross_entropy(logits / t, labels).item()
        if nll < best_nll:
            best, best_nll = float(t), nll
    return best


@torch.no_grad()
def fit_temperatures(model: Any, features: list[dict[str, Any]], collator: Any, batch_size: int = 8) -> dict[str, float]:
    """Temperatures of every head from the model's logits on gold-span dev features."""
    model.eval()
    device = next(model.parameters()).device
    buckets: dict[str, list[tuple[torch.Tensor, torch.Tensor]]] = {k: [] for k in
                                                                    ("entity", "event", "relation", "coref", "mode", "modality")}
    for i in range(0, len(features), batch_size):
        batch = {k: v.to(device) for k, v in collator(features[i:i + batch_size]).items()}
        out = model(**{k: v for k, v in batch.items() if not k.endswith("labels")})
        pairs = [("entity", out.entity_logits, batch["entity_labels"]), ("event", out.event_logits, batch["event_labels"]),
                 ("relation", out.relation_logits, batch["pair_labels"]), ("coref", out.coref_logits, batch["coref_labels"]),
                 ("mode", out.mode_logits, batch["mode_labels"]), ("modality", out.modality_logits, batch["modality_labels"])]
        for name, logit, label in pairs:
            if logit is None:
                continue
            mask = label >= 0
            buckets[name].append((logit[mask].cpu(), label[mask].cpu()))
    temps = {}
    for name, parts in buckets.items():
        if not parts:
            temps[name] = 1.0
            continue
        logits = torch.cat([p[0] for p in parts]).float()
        labels = torch.cat([p[1] for p in parts])
        temps[name] = best_temperature(logits, labels, binary=(name == "coref"))
    logger.info("calibration temperatures: %s", {k: round(v, 3) for k, v in temps.items()})
    return temps


def fit_platt(confidences: list[float], correct: list[bool]) -> tuple[float, float]:
    """(a, b) of ``sigmoid(a * logit(c) + b)`` fitted by maximum likelihood (LBFGS).

    >>> a, b = fit_platt([0.9] * 10, [True] * 5 + [False] * 5)
    >>> round(1 / (1 + math.exp(-(a * math.log(9) + b))), 2)
    0.5
    """
    if len(confidences) < 5 or len(set(correct)) < 2:
        return 1.0, 0.0
    c = torch.tensor(confidences, dtype=torch.float64).clamp(1e-6, 1 - 1e-6)
    x = torch.log(c / (1 - c))
    y = torch.tensor([float(v) for v in correct], dtype=torch.float64)
    params = torch.tensor([1.0, 0.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([params], max_iter=200)

    def closure():
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(params[0] * x + params[1], y) + 1e-3 * (params ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    a, b = params.detach().tolist()
    return float(a), float(b)


def best_event_threshold(confidences: list[float], correct: list[bool], n_gold: int,
                         candidates: tuple[float, ...] = tuple(k / 20 for k in range(13))) -> float:
    """The confidence below which events are dropped that maximises event F1 on dev: ``correct[i]``
    says whether predicted event i matched a gold one; ties go to the lower threshold.

    >>> best_event_threshold([0.9, 0.8, 0.2, 0.1], [True, True, False, False], n_gold=3)
    0.25
    >>> best_event_threshold([], [], n_gold=3)
    0.0
    """
    best, best_f1 = 0.0, -1.0
    for t in candidates:
        kept = [c for c, ok in zip(confidences, correct) if c >= t]
        tp = sum(ok for c, ok in zip(confidences, correct) if c >= t)
        f1 = 2 * tp / (len(kept) + n_gold) if kept or n_gold else 0.0
        if f1 > best_f1 + 1e-12:
            best, best_f1 = t, f1
    return best


def calibrate(extractor: Any, features: list[dict[str, Any]], records: list[dict[str, Any]], collator: Any) -> None:
    """Fit the head temperatures on the gold-span ``features`` of the dev split, then the event
    Platt scaling on the dev ``records``' events (matched one to one as the scorer matches them);
    both are written into ``extractor.model.config``."""
    cfg = extractor.model.config
    cfg.temperatures.update(fit_temperatures(extractor.model, features, collator))
    cfg.event_platt = {"a": 1.0, "b": 0.0}
    cfg.event_threshold = 0.0
    confs: list[float] = []
    hits: list[bool] = []
    n_gold = 0
    for gold, pred in zip(records, predict_records(extractor, records)):
        ge, pe = events_of(gold), events_of(pred)
        n_gold += len(ge)
        hit = {u for u in match_events(gold["text"], ge, pe) if u >= 0}
        confs += [e["confidence"] for e in pe]
        hits += [k in hit for k in range(len(pe))]
    a, b = fit_platt(confs, hits)
    cfg.event_platt = {"a": a, "b": b}
    scaled = [1 / (1 + math.exp(-(a * math.log(max(min(c, 1 - 1e-6), 1e-6) / (1 - max(min(c, 1 - 1e-6), 1e-6))) + b)))
              for c in confs]
    cfg.event_threshold = best_event_threshold(scaled, hits, n_gold)
    logger.info("event confidence Platt scaling: a=%.3f b=%.3f on %d dev events; events below %.2f dropped",
                a, b, len(confs), cfg.event_threshold)
