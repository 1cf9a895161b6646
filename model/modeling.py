"""The joint model: an encoder from ``AutoModel`` with two BIO heads, span-pair heads
(roles, same-event) and trigger attribute heads (mode, modality).

    >>> from model.configuration import EventConfig
    >>> cfg = EventConfig(encoder_config={"model_type": "bert", "hidden_size": 32, "num_hidden_layers": 1,
    ...     "num_attention_heads": 2, "intermediate_size": 64, "vocab_size": 100}, span_hidden=16, pair_hidden=16)
    >>> out = EventModel(cfg)(input_ids=torch.tensor([[2, 5, 6, 3]]))
    >>> tuple(out.entity_logits.shape), out.loss is None
    ((1, 4, 13), True)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from transformers import AutoConfig, AutoModel, PreTrainedModel
from transformers.utils import ModelOutput

from .configuration import EventConfig

logger = logging.getLogger(__name__)


@dataclass
class EventModelOutput(ModelOutput):
    """Logits of every head; ``loss`` only when labels were given."""

    loss: torch.Tensor | None = None
    entity_logits: torch.Tensor | None = None
    event_logits: torch.Tensor | None = None
    relation_logits: torch.Tensor | None = None
    coref_logits: torch.Tensor | None = None
    mode_logits: torch.Tensor | None = None
    modality_logits: torch.Tensor | None = None


def distance_bucket(distance: torch.Tensor, buckets: int) -> torch.Tensor:
    """Signed log-scale bucket of token distances: 0..buckets-1 backwards, buckets.. forwards."""
    mag = torch.clamp(torch.log2(distance.abs().float() + 1).long(), max=buckets - 1)
    return mag + (distance >= 0).long() * buckets


class PairScorer(nn.Module):
    """MLP over two span representations, their product and pair features."""

    def __init__(self, span_dim: int, feat_dim: int, hidden: int, out: int, dropout: float):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(3 * span_dim + feat_dim, hidden), nn.GELU(), nn.Dropout(dropout),
                                 nn.Linear(hidden, out))

    def forward(self, a: torch.Tensor, b: torch.Tensor, feats: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([a, b, a * b, feats], dim=-1))


class EventModel(PreTrainedModel):
    """Encoder + heads. Build from a pretrained encoder with :meth:`from_encoder`; load a saved
    checkpoint with ``EventModel.from_pretrained(dir)`` (the encoder is then built from its
    config, never fetched again)."""

    config_class = EventConfig
    base_model_prefix = "event_model"
    supports_gradient_checkpointing = True

    def __init__(self, config: EventConfig):
        super().__init__(config)
        enc_cfg = AutoConfig.for_model(**config.encoder_config)
        self.encoder = AutoModel.from_config(enc_cfg, add_pooling_layer=False) if enc_cfg.model_type == "bert" \
            else AutoModel.from_config(enc_cfg)
        h = enc_cfg.hidden_size
        d = config.span_hidden
        self.dropout = nn.Dropout(config.dropout)
        self.entity_head = nn.Linear(h, len(config.entity_tags))
        self.event_head = nn.Linear(h, len(config.event_tags))
        self.span_proj = nn.Sequential(nn.Linear(3 * h, d), nn.GELU())
        self.label_emb = nn.Embedding(len(config.span_labels), config.label_embedding)
        self.dist_emb = nn.Embedding(2 * config.distance_buckets, config.label_embedding)
        feat = 3 * config.label_embedding
        self.relation_head = PairScorer(d, feat, config.pair_hidden, len(config.roles) + 1, config.dropout)
        self.coref_head = PairScorer(d, feat, config.pair_hidden, 1, config.dropout)
        self.mode_head = nn.Linear(d + config.label_embedding, len(config.modes) + 1)
        self.modality_head = nn.Linear(d + config.label_embedding, len(config.modalities))
        self.post_init()

    @classmethod
    def from_encoder(cls, name_or_path: str, **config_kwargs) -> EventModel:
        """A new model around the pretrained encoder ``name_or_path`` (hub id or directory)."""
        encoder = AutoModel.from_pretrained(name_or_path)
        enc_dict = encoder.config.to_dict()
        config = EventConfig(encoder_name=name_or_path, encoder_config=enc_dict, **config_kwargs)
        model = cls(config)
        missing, unexpected = model.encoder.load_state_dict(encoder.state_dict(), strict=False)
        if missing:
            logger.warning("encoder weights missing from %s: %s", name_or_path, missing[:5])
        return model

    # ---- pieces, used by forward and by the extractor ----
    def encode(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
               token_type_ids: torch.Tensor | None = None) -> torch.Tensor:
        kwargs = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None:
            kwargs["token_type_ids"] = token_type_ids
        return self.encoder(**kwargs).last_hidden_state

    def span_representations(self, hidden: torch.Tensor, spans: torch.Tensor) -> torch.Tensor:
        """(batch, spans, span_hidden) from [first; last; mean] of each span's tokens."""
        bsz, _, h = hidden.shape
        first, last = spans[..., 0].clamp(min=0), spans[..., 1].clamp(min=0)
        idx = torch.arange(bsz, device=hidden.device)[:, None]
        csum = torch.cat([hidden.new_zeros(bsz, 1, h), hidden.cumsum(1)], dim=1)
        total = csum[idx, last + 1] - csum[idx, first]
        mean = total / (last - first + 1).clamp(min=1).unsqueeze(-1).to(hidden.dtype)
        return self.span_proj(torch.cat([hidden[idx, first], hidden[idx, last], mean], dim=-1))

    def _pair_inputs(self, reps: torch.Tensor, spans: torch.Tensor, pairs: torch.Tensor):
        idx = torch.arange(reps.shape[0], device=reps.device)[:, None]
        a, b = pairs[..., 0].clamp(min=0), pairs[..., 1].clamp(min=0)
        center = (spans[..., 0] + spans[..., 1]).float() / 2
        dist = (center[idx, b] - center[idx, a]).round().long()
        labels = spans[..., 2].clamp(min=0)
        feats = torch.cat([self.dist_emb(distance_bucket(dist, self.config.distance_buckets)),
                           self.label_emb(labels[idx, a]), self.label_emb(labels[idx, b])], dim=-1)
        return reps[idx, a], reps[idx, b], feats

    def span_heads(self, hidden: torch.Tensor, spans: torch.Tensor, pairs: torch.Tensor | None,
                   trigger_pairs: torch.Tensor | None):
        """(relation, coref, mode, modality) logits for given spans and pairs of them."""
        reps = self.dropout(self.span_representations(hidden, spans))
        lab = self.label_emb(spans[..., 2].clamp(min=0))
        attr_in = torch.cat([reps, lab], dim=-1)
        rel = coref = None
        if pairs is not None and pairs.shape[1] > 0:
            rel = self.relation_head(*self._pair_inputs(reps, spans, pairs))
        if trigger_pairs is not None and trigger_pairs.shape[1] > 0:
            coref = self.coref_head(*self._pair_inputs(reps, spans, trigger_pairs)).squeeze(-1)
        return rel, coref, self.mode_head(attr_in), self.modality_head(attr_in)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        spans: torch.Tensor | None = None,
        pairs: torch.Tensor | None = None,
        trigger_pairs: torch.Tensor | None = None,
        entity_labels: torch.Tensor | None = None,
        event_labels: torch.Tensor | None = None,
        pair_labels: torch.Tensor | None = None,
        coref_labels: torch.Tensor | None = None,
        mode_labels: torch.Tensor | None = None,
        modality_labels: torch.Tensor | None = None,
        **kwargs,
    ) -> EventModelOutput:
        """Token logits always; span-pair logits when ``spans`` are given; the weighted loss
        only when labels are given (``entity_labels``/``event_labels`` and, with spans, the
        span-level labels)."""
        hidden = self.encode(input_ids, attention_mask, token_type_ids)
        seq = self.dropout(hidden)
        ent, evt = self.entity_head(seq), self.event_head(seq)
        rel = coref = mode = modality = None
        if spans is not None and spans.shape[1] > 0:
            rel, coref, mode, modality = self.span_heads(hidden, spans, pairs, trigger_pairs)
        loss = None
        if entity_labels is not None or event_labels is not None:
            w = self.config.loss_weights
            loss = hidden.new_zeros(())
            if entity_labels is not None:
                loss = loss + w["entity"] * F.cross_entropy(ent.flatten(0, 1), entity_labels.flatten(), ignore_index=-100)
            if event_labels is not None:
                loss = loss + w["event"] * F.cross_entropy(evt.flatten(0, 1), event_labels.flatten(), ignore_index=-100)
            if rel is not None and pair_labels is not None and (pair_labels >= 0).any():
                loss = loss + w["relation"] * F.cross_entropy(rel.flatten(0, 1), pair_labels.flatten(), ignore_index=-100)
            if coref is not None and coref_labels is not None and (coref_labels >= 0).any():
                m = coref_labels >= 0
                loss = loss + w["coref"] * F.binary_cross_entropy_with_logits(coref[m], coref_labels[m].float())
            if mode is not None and mode_labels is not None and (mode_labels >= 0).any():
                loss = loss + w["mode"] * F.cross_entropy(mode.flatten(0, 1), mode_labels.flatten(), ignore_index=-100)
            if modality is not None and modality_labels is not None and (modality_labels >= 0).any():
                loss = loss + w["modality"] * F.cross_entropy(modality.flatten(0, 1), modality_labels.flatten(),
                                                              ignore_index=-100)
        return EventModelOutput(loss=loss, entity_logits=ent, event_logits=evt, relation_logits=rel,
                                coref_logits=coref, mode_logits=mode, modality_logits=modality)
