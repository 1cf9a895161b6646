"""The ingredients of a fine-tuning run: its records, its model and tokenizer, its features.

Paths in a config resolve with :func:`arabic_events.training.config.resolve_path` (working
directory first, then beside the config), so the shipped configs work from any directory.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from datasets import Dataset
from transformers import AutoConfig, AutoTokenizer

from arabic_events.model.configuration import CRF_CHOICES, EventConfig
from arabic_events.model.feature_crf import FeatureCrf, word_clusters
from arabic_events.model.linking import AliasTable
from arabic_events.model.loading import CheckpointError, quiet_transformers, resolve_source
from arabic_events.model.modeling import EventModel
from arabic_events.model.relevance import RelevanceFilter
from arabic_events.model.schema import ENTITY_LABELS
from arabic_events.model.text import SCHEMES, scheme_for
from arabic_events.model.word_features import (
    FLAG_NAMES,
    WordFeaturizer,
    gazetteer_counts,
    gazetteer_of,
    leave_one_out_gazetteers,
    vocabulary,
)
from arabic_events.training.config import SCRATCH, ConfigError, resolve_path
from arabic_events.training.data.dataset import load_splits, split_records, window_features
from arabic_events.training.data.locations import resolve_corpus_path
from arabic_events.training.data.records import load_records, read_corpus
from arabic_events.training.learning.arguments import DataArguments, ModelArguments, event_config_kwargs
from arabic_events.training.learning.scratch import scratch_bert_config, train_wordpiece

logger = logging.getLogger(__name__)

#: the columns of a window feature that the model takes
FEATURE_COLUMNS = ["input_ids", "attention_mask", "entity_labels", "event_labels", "spans", "pairs", "pair_labels",
                   "trigger_pairs", "coref_labels", "mode_labels", "modality_labels"]
#: the word-input columns of a model with word features
WORD_COLUMNS = ["word_ids", "word_flags"]


def validate_model_args(model_args: ModelArguments, config_path: str | Path) -> None:
    """Check the model side of a config before any work: the encoder and tokenizer exist (a local
    path, or a Hub id while the Hub is reachable), ``max_tokens`` fits the encoder's positions,
    and the gazetteer and vectors files exist. :class:`ConfigError` naming the file and key."""
    for key in ("gazetteer", "embedding_vectors", "word_vectors"):
        value = getattr(model_args, key)
        if value:
            resolved = resolve_path(value, config_path)
            if not Path(resolved).exists():
                raise ConfigError(f"{config_path}: {key}: file {value} not found")
            setattr(model_args, key, resolved)  # the shipped configs work from any directory
    if model_args.normalization not in (None, *SCHEMES):
        raise ConfigError(f"{config_path}: normalization: {model_args.normalization!r} is not one of {SCHEMES}")
    if model_args.class_weighting_layers not in ("entity", "event", "both"):
        raise ConfigError(f"{config_path}: class_weighting_layers: {model_args.class_weighting_layers!r} is not one "
                          "of entity, event, both")
    if model_args.crf_output not in CRF_CHOICES:
        raise ConfigError(f"{config_path}: crf_output: {model_args.crf_output!r} is not one of {CRF_CHOICES}")
    if not 0.0 <= model_args.article_event_threshold < 1.0:
        raise ConfigError(f"{config_path}: article_event_threshold: {model_args.article_event_threshold} is not in [0, 1)")
    if model_args.feature_crf_clusters and not (model_args.word_vectors and model_args.feature_crf_weight > 0):
        raise ConfigError(f"{config_path}: feature_crf_clusters needs word_vectors and feature_crf_weight > 0")
    if any(k < 2 for k in model_args.feature_crf_clusters):
        raise ConfigError(f"{config_path}: feature_crf_clusters: {model_args.feature_crf_clusters} (each at least 2)")
    if not 0.0 <= model_args.feature_crf_weight <= 10.0:
        raise ConfigError(f"{config_path}: feature_crf_weight: {model_args.feature_crf_weight} is not in [0, 10]")
    if model_args.average_from_epoch < 0:
        raise ConfigError(f"{config_path}: average_from_epoch: {model_args.average_from_epoch} is negative (0 = off)")
    if model_args.max_tokens < 8:
        raise ConfigError(f"{config_path}: max_tokens: {model_args.max_tokens} is too small (at least 8)")
    if model_args.model_name_or_path == SCRATCH:
        return
    for key in ("model_name_or_path", "tokenizer_name"):
        value = getattr(model_args, key)
        if value:
            try:
                resolve_source(value, key)
            except CheckpointError as e:
                raise ConfigError(f"{config_path}: {e}") from None
    try:
        with quiet_transformers():
            enc = AutoConfig.from_pretrained(model_args.model_name_or_path)
    except (OSError, ValueError) as e:
        raise ConfigError(f"{config_path}: model_name_or_path {model_args.model_name_or_path}: "
                          f"no usable encoder config ({e})") from None
    limit = getattr(enc, "max_position_embeddings", None)
    if limit is not None and model_args.max_tokens + 2 > limit:
        raise ConfigError(f"{config_path}: max_tokens: {model_args.max_tokens} + 2 special tokens exceed the "
                          f"{limit} positions of {model_args.model_name_or_path}; use at most {limit - 2}")


def load_annotations(data_args: DataArguments, config_path: str | Path) -> list[dict[str, Any]]:
    """All records of the configured annotation files (standoff ones restored)."""
    records = []
    for f in data_args.annotation_files:
        path = Path(resolve_path(f, config_path))
        if not path.exists():
            raise FileNotFoundError(f"{config_path}: annotation file {f} not found")
        records += load_records(path, corpus=data_args.corpus_file)
    return records


def load_splits_of(data_args: DataArguments, config_path: str | Path) -> dict[str, list[str]]:
    """The split file named by the config."""
    path = Path(resolve_path(data_args.splits_file, config_path))
    if not path.exists():
        raise FileNotFoundError(f"{config_path}: split file {data_args.splits_file} not found")
    return load_splits(path)


def train_dev_records(data_args: DataArguments, config_path: str | Path
                      ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(training records, dev records) of a config."""
    parts = split_records(load_annotations(data_args, config_path), load_splits_of(data_args, config_path))
    train_recs = [r for s in data_args.train_splits for r in parts.get(s, [])]
    if not train_recs:
        raise ConfigError(f"{config_path}: no training articles in splits {data_args.train_splits}")
    dev_recs = parts.get(data_args.eval_split, [])
    logger.info("%d train articles, %d dev articles", len(train_recs), len(dev_recs))
    return train_recs, dev_recs


def load_vectors(path: str) -> Any:
    """Word vectors: an exported folder (``vectors.safetensors`` + ``vocab.txt``), or a gensim
    FastText model file (``pip install ".[vectors]"``)."""
    from arabic_events.training.learning.vectors import load_word_vectors

    try:
        return load_word_vectors(path)
    except ImportError:
        raise ConfigError(f"word vectors {path}: a gensim model file needs gensim: pip install '.[vectors]'") from None


def word_feature_config(model_args: ModelArguments, vectors: Any) -> dict[str, Any]:
    """The ``EventConfig`` keys of the word inputs a config asks for."""
    out: dict[str, Any] = {"context_lstm": model_args.context_lstm, "crf_output": model_args.crf_output,
                           "feature_crf_weight": model_args.feature_crf_weight,
                           "word_vectors_trainable": model_args.word_vectors_trainable}
    if model_args.word_flags:
        out["word_flags"] = len(FLAG_NAMES)
    return out  # word_vocab_size and word_vector_dim are set by attach_word_features


def attach_word_features(model: EventModel, model_args: ModelArguments, vectors: Any,
                         train_records: list[dict[str, Any]]) -> None:
    """Give a new model its :class:`WordFeaturizer` (vocabulary: the vector model's most frequent
    words plus every training word; gazetteer: the training names) and its frozen vector table."""
    if vectors is None and not model_args.word_flags:
        return
    gaz, _ = leave_one_out_gazetteers(train_records) if model_args.word_flags else ({}, None)
    vocab = vocabulary([r["text"] for r in train_records], vectors.index_to_key, model_args.word_vocab_top) \
        if vectors is not None else []
    model.word_featurizer = WordFeaturizer(vocab, gaz)
    if vectors is not None:
        import numpy as np
        import torch
        from torch import nn

        table = np.zeros((len(vocab) + 1, vectors.vector_size), dtype=np.float32)
        table[1:] = np.stack([vectors[w] for w in vocab])
        table[1:] /= np.linalg.norm(table[1:], axis=1, keepdims=True) + 1e-6  # unit vectors
        h = model.config.hidden_size
        model.config.word_vocab_size, model.config.word_vector_dim = len(vocab), vectors.vector_size
        model.word_vectors = nn.Embedding.from_pretrained(torch.from_numpy(table), padding_idx=0,
                                                         freeze=not model.config.word_vectors_trainable)
        model.word_vector_proj = nn.Linear(vectors.vector_size, h)
        logger.info("word vectors: %d words x %d dims from %s", len(vocab), vectors.vector_size,
                    model_args.word_vectors)


def train_gazetteers(model: EventModel, records: list[dict[str, Any]]) -> list[dict[str, list[str]]] | None:
    """Leave-one-out gazetteers of the training records, for a model with gazetteer flags."""
    if model.word_featurizer is None or not model.config.word_flags:
        return None
    return leave_one_out_gazetteers(records)[1]


def build_model(model_args: ModelArguments, data_args: DataArguments, train_records: list[dict[str, Any]]
                ) -> tuple[EventModel, Any]:
    """(model, tokenizer) for a new run: a pretrained encoder, or a small BERT and a WordPiece
    tokenizer trained here (``model_name_or_path: scratch``)."""
    kwargs = event_config_kwargs(model_args)
    kwargs["normalization"] = model_args.normalization or scheme_for(model_args.model_name_or_path)
    train_texts = [r["text"] for r in train_records]
    vectors = load_vectors(model_args.word_vectors) if model_args.word_vectors else None
    if model_args.model_name_or_path != SCRATCH:
        tokenizer = AutoTokenizer.from_pretrained(model_args.tokenizer_name or model_args.model_name_or_path)
        model = EventModel.from_encoder(model_args.model_name_or_path, **kwargs,
                                        **word_feature_config(model_args, vectors))
        attach_word_features(model, model_args, vectors, train_records)
        return model, tokenizer
    texts = list(train_texts)
    if data_args.tokenizer_corpus_articles:
        arts = read_corpus(resolve_corpus_path(data_args.corpus_file))
        texts += [a["text"] for a in list(arts.values())[: data_args.tokenizer_corpus_articles]]
    tokenizer = train_wordpiece(texts, vocab_size=model_args.scratch_vocab_size)
    enc = scratch_bert_config(tokenizer, model_args.scratch_hidden_size, model_args.scratch_layers,
                              model_args.scratch_heads, model_args.scratch_intermediate_size,
                              max_positions=max(512, model_args.max_tokens + 2))
    model = EventModel(EventConfig(encoder_name=SCRATCH, encoder_config=enc.to_dict(), **kwargs,
                                   **word_feature_config(model_args, vectors)))
    attach_word_features(model, model_args, vectors, train_records)
    if model_args.embedding_vectors:
        from gensim.models import FastText

        from arabic_events.training.learning.vectors import init_token_embeddings

        n = init_token_embeddings(model.encoder, tokenizer, FastText.load(model_args.embedding_vectors).wv)
        logger.info("token embeddings of %d tokens initialised from %s", n, model_args.embedding_vectors)
    return model, tokenizer


def load_or_build(model_args: ModelArguments, data_args: DataArguments, train_records: list[dict[str, Any]],
                  checkpoint: str | None) -> tuple[EventModel, Any]:
    """The checkpoint to resume from when there is one, else a new model."""
    with quiet_transformers():
        if checkpoint:
            logger.info("resuming from %s", checkpoint)
            model, tokenizer = EventModel.from_pretrained(checkpoint), AutoTokenizer.from_pretrained(checkpoint)
        else:
            model, tokenizer = build_model(model_args, data_args, train_records)
            attach_feature_crf(model, train_records, model_args.feature_crf_clusters)
    # the model config carries the tokenizer's special tokens (else the Trainer warns and rewrites them)
    model.config.pad_token_id = tokenizer.pad_token_id
    model.config.bos_token_id = model.config.eos_token_id = None
    return model, tokenizer


def attach_feature_crf(model: EventModel, train_records: list[dict[str, Any]], cluster_sizes: Sequence[int] = ()
                       ) -> None:
    """Train the feature-CRF expert of the entity layer on the training articles (a model with
    ``feature_crf_weight > 0``; about 40 s on 283 articles), with word clusters at
    ``cluster_sizes`` from the model's word vectors (k-means, about 6 s)."""
    if model.config.feature_crf_weight <= 0:
        return
    t0 = time.perf_counter()
    clusters = None
    if cluster_sizes:
        if model.word_vectors is None or model.word_featurizer is None:
            raise ConfigError("feature_crf_clusters needs a model with word vectors")
        clusters = word_clusters(model.word_featurizer.vocab, model.word_vectors.weight[1:].detach().numpy(),
                                 cluster_sizes)
    model.feature_crf = FeatureCrf.fit(train_records, ENTITY_LABELS, clusters)
    logger.info("feature CRF of the entity layer: %d attributes from %d articles in %.0f s",
                len(model.feature_crf.weights), len(train_records), time.perf_counter() - t0)


def extra_entity_records(data_args: DataArguments, config_path: str | Path,
                         train_records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entity-only records of ``extra_entity_data`` (none when unset); O words that the
    training names know as ROLE are ignored there."""
    if not data_args.extra_entity_data:
        return []
    from arabic_events.training.data.newsfane import read_newsfane

    roles = [st for st, labels in gazetteer_of(sum((gazetteer_counts(r, ("ROLE",)) for r in train_records),
                                                   Counter())).items() if "ROLE" in labels]
    records = read_newsfane(resolve_path(data_args.extra_entity_data, config_path), roles,
                            data_args.extra_entity_records or None)
    logger.info("extra entity data: %d records from %s", len(records), data_args.extra_entity_data)
    return records


def train_relevance_filter(data_args: DataArguments, config_path: str | Path) -> RelevanceFilter:
    """The article-level gate of a config: naive Bayes over the corpus's section labels, trained on
    every corpus article that no annotation file holds (so that no evaluated article is seen)."""
    path = resolve_corpus_path(data_args.corpus_file)
    annotated = {r["text"] for r in load_annotations(data_args, config_path)}
    pairs = [(a["text"], a["category"]) for a in read_corpus(path).values()
             if a.get("category") and a["text"] not in annotated]
    if not pairs:
        raise ConfigError(f"{config_path}: relevance_filter needs a corpus with a 'category' per article; "
                          f"{path} has none")
    f = RelevanceFilter.fit(pairs, threshold=data_args.relevance_threshold)
    logger.info("relevance filter: %d corpus articles (%s on topic), %d words", len(pairs),
                ", ".join(f.on_topic), len(f.weights))
    return f


def tag_weights(labels: list[list[int]], n_tags: int, power: float) -> list[float]:
    """Loss weight per tag: ``(count + 1) ** -power`` over the ``labels`` (-100 left out), scaled
    so that the mean weight per labelled token is 1.

        >>> [round(w, 3) for w in tag_weights([[0, 0, 0, 1, -100]], 3, 1.0)]
        [0.8, 1.6, 3.2]
    """
    counts = Counter(x for row in labels for x in row if x >= 0)
    raw = [(counts.get(t, 0) + 1) ** -power for t in range(n_tags)]
    total = sum(counts.values())
    mean = sum(raw[t] * n for t, n in counts.items()) / total if total else 1.0
    return [w / mean for w in raw]


def build_aliases(records: list[dict[str, Any]], gazetteer: str | None) -> AliasTable:
    """The actor alias table of the training records, extended by a gazetteer file."""
    aliases = AliasTable.from_records(records)
    if gazetteer:
        aliases.add_gazetteer(gazetteer)
    return aliases


def feature_dataset(records: list[dict[str, Any]], tokenizer: Any, max_tokens: int, name: str,
                    normalization: str = "project", featurizer: Any = None,
                    gazetteers: list[dict[str, list[str]]] | None = None
                    ) -> tuple[Dataset | None, list[dict[str, Any]]]:
    """(``datasets.Dataset`` of the window features, the features) of ``records``; spans that
    cannot be labelled are logged, never dropped silently. With a ``featurizer``, the features
    have word inputs (``gazetteers``: per-record replacements of its gazetteer)."""
    feats, report = window_features(records, tokenizer, max_tokens, normalization, featurizer, gazetteers)
    logger.info("%s windows: %d; alignment: %s", name, len(feats), report.summary())
    if report.lost:
        logger.info("%s: %d annotated spans cannot be labelled (they cross a window boundary or no token "
                    "edge); --log-level DEBUG lists them", name, len(report.lost))
    for line in report.lost:
        logger.debug("span not labelled: %s", line)
    if not feats:
        return None, feats
    columns = FEATURE_COLUMNS + (WORD_COLUMNS if featurizer is not None else [])
    return Dataset.from_list([{k: f[k] for k in columns} for f in feats]), feats
