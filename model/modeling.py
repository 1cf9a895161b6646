"""The joint model: an encoder from ``AutoModel`` with two BIO heads, span-pair heads
(roles, same-event) and trigger attribute heads (mode, modality).

    >>> from arabic_events.model.configuration import EventConfig
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
from .context import BiLSTMContext
from .crf import BioCrf

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
        self.word_vectors = self.word_vector_proj = self.word_flag_proj = self.context = None
        if config.word_vocab_size:
            self.word_vectors = nn.Embedding(config.word_vocab_size + 1, config.word_vector_dim, padding_idx=0)
            self.word_vectors.weight.requires_grad_(config.word_vectors_trainable)
            self.word_vector_proj = nn.Linear(config.word_vector_dim, h)
        if config.word_flags:
            self.word_flag_proj = nn.Linear(config.word_flags, h)
        if config.context_lstm:
            self.context = BiLSTMContext(h, int(config.context_lstm), config.dropout)
        self.entity_crf = BioCrf(config.entity_tags) if config.has_crf("entity") else None
        self.event_crf = BioCrf(config.event_tags) if config.has_crf("event") else None
        #: the :class:`~model.word_features.WordFeaturizer` of a model with word inputs (saved beside it)
        self.word_featurizer = None
        #: the :class:`~model.feature_crf.FeatureCrf` expert of the entity layer (``feature_crf_weight``)
        self.feature_crf = None
        self.post_init()

    def save_pretrained(self, save_directory, *args, **kwargs):
        """``PreTrainedModel.save_pretrained``, plus ``word_features.json`` for a model with word inputs
        and ``feature_crf.json`` for one with a feature-CRF expert."""
        super().save_pretrained(save_directory, *args, **kwargs)
        if self.word_featurizer is not None and kwargs.get("is_main_process", True):
            self.word_featurizer.save(save_directory)
        if self.feature_crf is not None and kwargs.get("is_main_process", True):
            self.feature_crf.save(save_directory)

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *args, **kwargs):
        """``PreTrainedModel.from_pretrained``, plus the word features saved beside the weights."""
        model = super().from_pretrained(pretrained_model_name_or_path, *args, **kwargs)
        if model.word_vectors is not None:  # loading makes new parameters: a frozen table stays frozen
            model.word_vectors.weight.requires_grad_(model.config.word_vectors_trainable)
        if model.config.uses_word_features:
            from .word_features import WordFeaturizer

            model.word_featurizer = WordFeaturizer.load(pretrained_model_name_or_path)
        if model.config.feature_crf_weight > 0:
            from .feature_crf import FeatureCrf

            model.feature_crf = FeatureCrf.load(pretrained_model_name_or_path)
        return model

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
               token_type_ids: torch.Tensor | None = None, word_ids: torch.Tensor | None = None,
               word_flags: torch.Tensor | None = None) -> torch.Tensor:
        """The encoder's last hidden states, with the word inputs added to the token embeddings
        and the context LSTM on top where the config has them."""
        kwargs: dict = {"attention_mask": attention_mask}
        if token_type_ids is not None:
            kwargs["token_type_ids"] = token_type_ids
        extra = None
        if self.config.uses_word_features:
            if (self.word_vectors is not None and word_ids is None) or (self.word_flag_proj is not None
                                                                        and word_flags is None):
                raise ValueError("this model takes word inputs: pass word_ids and word_flags "
                                 "(model.word_featurizer.token_inputs computes them)")
            if self.word_vectors is not None:
                extra = self.word_vector_proj(self.word_vectors(word_ids))
            if self.word_flag_proj is not None:
                flags = self.word_flag_proj(word_flags.to(self.word_flag_proj.weight.dtype))
                extra = flags if extra is None else extra + flags
        if extra is None:
            kwargs["input_ids"] = input_ids
        else:
            kwargs["inputs_embeds"] = self.encoder.get_input_embeddings()(input_ids) + extra
        hidden = self.encoder(**kwargs).last_hidden_state
        if self.context is not None:
            hidden = hidden + self.context(hidden, attention_mask)
        return hidden

    def token_logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """Both BIO layers' logits in one matrix product: (..., entity tags + event tags); the
        first ``len(config.entity_tags)`` columns are the entity layer's (inference path)."""
        weight = torch.cat([self.entity_head.weight, self.event_head.weight])
        bias = torch.cat([self.entity_head.bias, self.event_head.bias])
        return F.linear(hidden, weight, bias)

    def flat_span_representations(self, hidden: torch.Tensor, rows: torch.Tensor, first: torch.Tensor,
                                  last: torch.Tensor) -> torch.Tensor:
        """(spans, span_hidden) of spans given as their row in ``hidden`` and first/last token."""
        first, last = first.clamp(min=0), last.clamp(min=0)
        lengths = (last - first + 1).clamp(min=1)
        span_id = torch.repeat_interleave(torch.arange(len(first), device=hidden.device), lengths)
        starts = torch.cumsum(lengths, 0) - lengths
        pos = first[span_id] + torch.arange(len(span_id), device=hidden.device) - starts[span_id]
        total = hidden.new_zeros(len(first), hidden.shape[-1]).index_add_(0, span_id, hidden[rows[span_id], pos])
        mean = total / lengths.unsqueeze(-1).to(hidden.dtype)
        return self.span_proj(torch.cat([hidden[rows, first], hidden[rows, last], mean], dim=-1))

    def _pair_inputs(self, reps: torch.Tensor, centre: torch.Tensor, labels: torch.Tensor, a: torch.Tensor,
                     b: torch.Tensor):
        """Inputs of a pair scorer for flat span indices ``a`` and ``b`` into ``reps`` (spans, d)."""
        dist = (centre[b] - centre[a]).round().long()
        feats = torch.cat([self.dist_emb(distance_bucket(dist, self.config.distance_buckets)),
                           self.label_emb(labels[a]), self.label_emb(labels[b])], dim=-1)
        return reps[a], reps[b], feats

    def span_heads(self, hidden: torch.Tensor, spans: torch.Tensor, pairs: torch.Tensor | None,
                   trigger_pairs: torch.Tensor | None):
        """(relation, coref, mode, modality) logits for padded spans (batch, spans, 3: first, last,
        label) and padded pairs of span indices (batch, pairs, 2)."""
        bsz, n_span = spans.shape[:2]
        rows = torch.arange(bsz, device=hidden.device).repeat_interleave(n_span)
        flat = torch.cat([rows[:, None], spans.reshape(-1, spans.shape[-1])], dim=1)

        def flatten(p: torch.Tensor | None) -> torch.Tensor | None:
            if p is None:
                return None
            base = (torch.arange(bsz, device=p.device) * n_span)[:, None, None]
            return (p.clamp(min=0) + base).reshape(-1, 2)

        rel, coref, mode, modality = self.flat_span_heads(hidden, flat, flatten(pairs), flatten(trigger_pairs))
        if rel is not None:
            rel = rel.view(bsz, -1, rel.shape[-1])
        if coref is not None:
            coref = coref.view(bsz, -1)
        return rel, coref, mode.view(bsz, n_span, -1), modality.view(bsz, n_span, -1)

    def flat_span_heads(self, hidden: torch.Tensor, spans: torch.Tensor, pairs: torch.Tensor | None,
                        trigger_pairs: torch.Tensor | None):
        """Logits for spans given flat (spans, 4: row of ``hidden``, first, last, label) and pairs
        of indices into them (pairs, 2): relation (pairs, roles + 1), coref (trigger pairs,),
        mode (spans, modes + 1), modality (spans, modalities). No padding anywhere."""
        reps = self.dropout(self.flat_span_representations(hidden, spans[:, 0], spans[:, 1], spans[:, 2]))
        labels = spans[:, 3].clamp(min=0)
        centre = (spans[:, 1] + spans[:, 2]).float() / 2
        attr_in = torch.cat([reps, self.label_emb(labels)], dim=-1)
        rel = coref = None
        if pairs is not None and pairs.numel() > 0:
            rel = self.relation_head(*self._pair_inputs(reps, centre, labels, pairs[:, 0], pairs[:, 1]))
        if trigger_pairs is not None and trigger_pairs.numel() > 0:
            coref = self.coref_head(*self._pair_inputs(reps, centre, labels, trigger_pairs[:, 0],
                                                       trigger_pairs[:, 1])).squeeze(-1)
        return rel, coref, self.mode_head(attr_in), self.modality_head(attr_in)

    def _tag_weight(self, layer: str, logits: torch.Tensor) -> torch.Tensor | None:
        weights = (self.config.tag_weights or {}).get(layer)
        return None if not weights else torch.tensor(weights, dtype=logits.dtype, device=logits.device)

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
        word_ids: torch.Tensor | None = None,
        word_flags: torch.Tensor | None = None,
        **kwargs,
    ) -> EventModelOutput:
        """Token logits always; span-pair logits when ``spans`` are given; the weighted loss
        only when labels are given (``entity_labels``/``event_labels`` and, with spans, the
        span-level labels)."""
        hidden = self.encode(input_ids, attention_mask, token_type_ids, word_ids, word_flags)
        seq = self.dropout(hidden)
        ent, evt = self.entity_head(seq), self.event_head(seq)
        rel = coref = mode = modality = None
        if spans is not None and spans.shape[1] > 0:
            rel, coref, mode, modality = self.span_heads(hidden, spans, pairs, trigger_pairs)
        loss = None
        if entity_labels is not None or event_labels is not None:
            w = self.config.loss_weights
            loss = hidden.new_zeros((), dtype=torch.float32)  # float32 whatever the dtype of the weights
            if entity_labels is not None:
                loss = loss + w["entity"] * F.cross_entropy(ent.flatten(0, 1), entity_labels.flatten(),
                                                            weight=self._tag_weight("entity", ent), ignore_index=-100)
            if event_labels is not None:
                loss = loss + w["event"] * F.cross_entropy(evt.flatten(0, 1), event_labels.flatten(),
                                                           weight=self._tag_weight("event", evt), ignore_index=-100)
            if self.entity_crf is not None and entity_labels is not None:
                loss = loss + w["entity"] * self.entity_crf.neg_log_likelihood(ent, entity_labels)
            if self.event_crf is not None and event_labels is not None:
                loss = loss + w["event"] * self.event_crf.neg_log_likelihood(evt, event_labels)
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
