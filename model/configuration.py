"""The model's ``PretrainedConfig``: label maps of both layers, roles, modes, head sizes.

    >>> cfg = EventConfig(encoder_config={"model_type": "bert", "hidden_size": 32, "num_hidden_layers": 1,
    ...                                   "num_attention_heads": 2, "intermediate_size": 64, "vocab_size": 100})
    >>> cfg.entity_tags[:3]
    ['O', 'B-PER', 'I-PER']
"""

from __future__ import annotations

from typing import Any

from transformers import PretrainedConfig

from . import __version__
from .schema import ALL_MODES, ALL_SPAN_LABELS, ENTITY_LABELS, EVENT_LAYER_LABELS, MODALITIES, ROLES, bio_labels

DEFAULT_ENCODER = "aubmindlab/bert-base-arabertv02"
DEFAULT_LOSS_WEIGHTS = {"entity": 1.0, "event": 1.0, "relation": 1.0, "coref": 0.5, "mode": 0.5, "modality": 0.25}
#: defaults of the head sizes and thresholds that training configs may set (the one place they live)
HEAD_DEFAULTS = {"max_tokens": 254, "span_hidden": 256, "pair_hidden": 256, "dropout": 0.1, "coref_threshold": 0.5}


#: values of ``crf_output``: the BIO layers with a CRF output layer
CRF_CHOICES = ("none", "entity", "event", "both")


class EventConfig(PretrainedConfig):
    """Configuration of :class:`model.modeling.EventModel`.

    Args:
        encoder_name: hub id or path the encoder was first loaded from (informative).
        encoder_config: the encoder's own config as a dict (``AutoConfig.for_model``).
        max_tokens: sub-word tokens per window, special tokens excluded.
        span_hidden, pair_hidden: sizes of the span projection and of the pair MLPs.
        distance_buckets, label_embedding: sizes of the pair features.
        loss_weights: weight of each head's loss in the sum.
        temperatures: calibration temperatures per head (1.0 = uncalibrated).
        event_platt: Platt scaling of event confidences, ``{"a": .., "b": ..}``
            (``sigmoid(a * logit(c) + b)``; a=1, b=0 = unchanged), fitted on dev events.
        event_threshold: events whose scaled confidence is below it are not returned; fitted on
            dev to maximise event F1 (0 = keep every event).
        article_event_threshold: an article whose most confident event is below it gets no
            events at all (its entity mentions stay): fewer false events on articles without
            one, at some cost in event recall (0 = off).
        word_vocab_size, word_vector_dim: size of the frozen table of static word vectors whose row
            per token (the token's whole word, :mod:`model.word_features`) is projected and added
            to the token embeddings; 0 = no word vectors.
        word_flags: number of per-word flags (gazetteer labels, shape, word start) added the same
            way; 0 = none.
        word_vectors_trainable: whether training moves the word-vector table (else it is frozen).
        tag_weights: per BIO layer (``entity``, ``event``), a weight per tag in the token loss
            (:func:`~training.learning.build.tag_weights`); none = unweighted.
        crf_output: the BIO layers with a linear-chain CRF output layer (:mod:`model.crf`):
            ``"none"``, ``"entity"``, ``"event"`` or ``"both"``. Learned start, transition and end
            scores, trained by the sequence likelihood (added to the token loss) and decoded by
            Viterbi; a layer without one is decoded by the constrained Viterbi over its token scores.
        feature_crf_weight: weight of a word-level feature CRF (:mod:`model.feature_crf`, saved as
            ``feature_crf.json``) as a second expert on the entity layer: its word marginals,
            mapped to tokens, multiply the layer's token distribution (raised to this power)
            before decoding; 0 = none.
        name_repeats: mark the bare repeats of a confidently tagged person's surname elsewhere in
            the article as that person (:mod:`model.name_repeats`).
        context_lstm: layers of a bidirectional LSTM over the encoder's output (residual; 0 =
            none): the sequence bias that a small encoder trained on little data lacks.
        normalization: the :func:`~model.text.normalize` scheme the encoder's vocabulary
            expects: ``"project"`` (a vocabulary trained here) or ``"arabert"`` (AraBERT v2).
        max_triggers_per_window, max_candidates_per_window, max_pair_distance: at inference,
            the most confident triggers and argument candidates of a window that are scored in
            pairs, and the largest token distance of a scored pair (keeps the pair heads'
            cost bounded on dense or noisy windows; every predicted mention is still returned).
    """

    model_type = "arabic-events"

    def __init__(
        self,
        encoder_name: str = DEFAULT_ENCODER,
        encoder_config: dict[str, Any] | None = None,
        max_tokens: int = HEAD_DEFAULTS["max_tokens"],
        span_hidden: int = HEAD_DEFAULTS["span_hidden"],
        pair_hidden: int = HEAD_DEFAULTS["pair_hidden"],
        distance_buckets: int = 12,
        label_embedding: int = 32,
        dropout: float = HEAD_DEFAULTS["dropout"],
        loss_weights: dict[str, float] | None = None,
        temperatures: dict[str, float] | None = None,
        event_platt: dict[str, float] | None = None,
        relation_threshold: float = 0.0,
        event_threshold: float = 0.0,
        article_event_threshold: float = 0.0,
        coref_threshold: float = HEAD_DEFAULTS["coref_threshold"],
        max_triggers_per_window: int = 16,
        max_candidates_per_window: int = 48,
        max_pair_distance: int = 128,
        normalization: str = "project",
        word_vocab_size: int = 0,
        word_vector_dim: int = 0,
        word_flags: int = 0,
        word_vectors_trainable: bool = False,
        tag_weights: dict[str, list[float]] | None = None,
        context_lstm: int = 0,
        crf_output: str = "none",
        feature_crf_weight: float = 0.0,
        name_repeats: bool = True,
        package_version: str = __version__,
        **kwargs: Any,
    ):
        self.encoder_name = encoder_name
        self.encoder_config = encoder_config or {}
        self.max_tokens = max_tokens
        self.span_hidden = span_hidden
        self.pair_hidden = pair_hidden
        self.distance_buckets = distance_buckets
        self.label_embedding = label_embedding
        self.dropout = dropout
        self.loss_weights = {**DEFAULT_LOSS_WEIGHTS, **(loss_weights or {})}
        temperatures = dict(temperatures or {})
        # checkpoints of version 0.1.0 kept the Platt parameters among the temperatures
        legacy = {k[len("event_"):]: temperatures.pop(k) for k in ("event_a", "event_b") if k in temperatures}
        self.temperatures = {"entity": 1.0, "event": 1.0, "relation": 1.0, "coref": 1.0, "mode": 1.0,
                             "modality": 1.0, **temperatures}
        self.event_platt = {"a": 1.0, "b": 0.0, **legacy, **(event_platt or {})}
        self.relation_threshold = relation_threshold
        self.event_threshold = event_threshold
        self.article_event_threshold = article_event_threshold
        self.coref_threshold = coref_threshold
        self.max_triggers_per_window = max_triggers_per_window
        self.max_candidates_per_window = max_candidates_per_window
        self.max_pair_distance = max_pair_distance
        self.normalization = normalization
        self.word_vocab_size = word_vocab_size
        self.word_vector_dim = word_vector_dim
        self.word_flags = word_flags
        self.word_vectors_trainable = bool(word_vectors_trainable)
        self.tag_weights = {k: list(v) for k, v in (tag_weights or {}).items()}
        self.context_lstm = int(context_lstm)
        if crf_output not in CRF_CHOICES:
            raise ValueError(f"crf_output {crf_output!r} is not one of {CRF_CHOICES}")
        self.crf_output = crf_output
        if not feature_crf_weight >= 0.0:
            raise ValueError(f"feature_crf_weight {feature_crf_weight!r} must be 0 or more")
        self.feature_crf_weight = float(feature_crf_weight)
        self.name_repeats = bool(name_repeats)
        self.package_version = package_version
        self.entity_tags = bio_labels(ENTITY_LABELS)
        self.event_tags = bio_labels(EVENT_LAYER_LABELS)
        self.span_labels = list(ALL_SPAN_LABELS)
        self.roles = list(ROLES)
        self.modes = list(ALL_MODES)
        self.modalities = list(MODALITIES)
        super().__init__(**kwargs)

    def has_crf(self, layer: str) -> bool:
        """Whether BIO layer ``layer`` (``entity`` or ``event``) has a CRF output layer."""
        return self.crf_output in (layer, "both")

    @property
    def uses_word_features(self) -> bool:
        """True when the model takes word inputs (``word_ids``/``word_flags``)."""
        return bool(self.word_vocab_size or self.word_flags)

    @property
    def hidden_size(self) -> int:
        return int(self.encoder_config.get("hidden_size", 768))


def _register() -> None:
    """Make ``AutoConfig`` know the model type (tokenizer loading reads config.json)."""
    from transformers import AutoConfig

    try:
        AutoConfig.register(EventConfig.model_type, EventConfig)
    except ValueError:  # already registered
        pass


_register()
