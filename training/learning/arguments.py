"""The dataclasses of a fine-tuning config (besides ``transformers.TrainingArguments``).

Head sizes, thresholds and loss weights take their defaults from the model's own config
(:data:`~arabic_events.model.configuration.HEAD_DEFAULTS`, ``DEFAULT_LOSS_WEIGHTS``), and
:func:`event_config_kwargs` passes every shared field on by name, so nothing is copied by hand.

    >>> kw = event_config_kwargs(ModelArguments(max_tokens=126, loss_coref=0.0))
    >>> kw["max_tokens"], kw["loss_weights"]["coref"], kw["loss_weights"]["entity"]
    (126, 0.0, 1.0)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from transformers import TrainingArguments

from arabic_events.model.configuration import DEFAULT_ENCODER, DEFAULT_LOSS_WEIGHTS, HEAD_DEFAULTS
from arabic_events.training.config import load_config

_H, _L = HEAD_DEFAULTS, DEFAULT_LOSS_WEIGHTS


@dataclass
class ModelArguments:
    """The encoder and the heads."""

    model_name_or_path: str = field(default=DEFAULT_ENCODER, metadata={
        "help": "hub id or directory of a pretrained encoder, or 'scratch' for a small BERT built here"})
    tokenizer_name: str | None = field(default=None, metadata={"help": "tokenizer, if not the encoder's"})
    scratch_vocab_size: int = 8000
    scratch_hidden_size: int = 256
    scratch_layers: int = 4
    scratch_heads: int = 4
    scratch_intermediate_size: int = 1024
    max_tokens: int = field(default=_H["max_tokens"], metadata={"help": "sub-word tokens per window, special tokens excluded"})
    span_hidden: int = _H["span_hidden"]
    pair_hidden: int = _H["pair_hidden"]
    dropout: float = _H["dropout"]
    loss_entity: float = _L["entity"]
    loss_event: float = _L["event"]
    loss_relation: float = _L["relation"]
    loss_coref: float = _L["coref"]
    loss_mode: float = _L["mode"]
    loss_modality: float = _L["modality"]
    coref_threshold: float = _H["coref_threshold"]
    gazetteer: str | None = field(default=None, metadata={"help": "extra alias file for actor refs"})
    normalization: str | None = field(default=None, metadata={
        "help": "text normalisation: 'project' or 'arabert' (default: 'arabert' for AraBERT v2 encoders, else 'project')"})
    word_vectors: str | None = field(default=None, metadata={
        "help": "word inputs: a gensim FastText model (training.learning.vectors) whose vectors of each token's whole "
                "word are added to the token embeddings (a frozen table of word_vocab_top corpus words + training words)"})
    word_vectors_trainable: bool = field(default=False, metadata={
        "help": "word inputs: fine-tune the word-vector table (the rows of training words move; the others keep "
                "their corpus vectors)"})
    class_weighting: float = field(default=0.0, metadata={
        "help": "weights of the BIO tags in the token losses: (count + 1) ** -class_weighting over the training "
                "windows, scaled to a mean of 1 per token (0 = unweighted; 0.5 = rare layer-2 tags count more)"})
    class_weighting_layers: str = field(default="both", metadata={
        "help": "the BIO layers whose token loss class_weighting weighs: entity, event or both"})
    word_vocab_top: int = field(default=50000, metadata={"help": "word inputs: most frequent vector-model words kept"})
    word_flags: bool = field(default=False, metadata={
        "help": "word inputs: gazetteer labels of the training names (leave one article out), shape, word start"})
    context_lstm: int = field(default=0, metadata={
        "help": "layers of a bidirectional LSTM over the encoder output (0 = none)"})
    article_event_threshold: float = field(default=0.0, metadata={
        "help": "an article whose most confident event is below this gets no events (0 = off)"})
    crf_output: str = field(default="none", metadata={
        "help": "BIO layers with a CRF output layer (none, entity, event, both): learned transitions, sequence "
                "likelihood added to the token loss, Viterbi decoding under the learned scores (model.crf)"})
    feature_crf_weight: float = field(default=0.0, metadata={
        "help": "weight of a word-level feature CRF (the CRF baseline's features, trained with the model on the same "
                "articles) as a second expert on the entity layer: its marginals multiply the token distribution "
                "before decoding (0 = none; model.feature_crf)"})
    feature_crf_clusters: list[int] = field(default_factory=list, metadata={
        "help": "the feature CRF also reads each word's cluster (and its neighbours') at these granularities: "
                "k-means over the word vectors, e.g. [64, 256, 1024] (needs word_vectors; empty = none)"})
    average_from_epoch: int = field(default=0, metadata={
        "help": "the final model is the mean of the weights at the end of every epoch from this one on "
                "(training.learning.averaging; 0 = off: the checkpoint load_best_model_at_end picks, or the last)"})
    embedding_vectors: str | None = field(default=None, metadata={
        "help": "scratch encoder: initialise token embeddings from this gensim FastText model (training.learning.vectors)"})


@dataclass
class DataArguments:
    """Annotated data, splits, corpus, and what to do with an output directory in use."""

    annotation_files: list[str] = field(default_factory=lambda: ["annotations/seed.jsonl", "annotations/corpus.jsonl"])
    splits_file: str = "annotations/splits.json"
    corpus_file: str | None = field(default=None, metadata={
        "help": "ant-multisource.jsonl.gz for standoff records (else $ARABIC_EVENTS_CORPUS or the shared folder)"})
    tokenizer_corpus_articles: int = field(default=0, metadata={
        "help": "scratch tokenizer: also train on this many corpus articles"})
    extra_entity_data: str | None = field(default=None, metadata={
        "help": "NewsFANE CoNLL file (../shared/corpus/newsfane/NewsFANE_Gold_2014_170K.txt): extra entity-only training "
                "windows, classes mapped to SCHEMA.md's labels, the rest ignored (training.data.newsfane)"})
    extra_entity_records: int = field(default=0, metadata={
        "help": "extra entity data: use its first N records of 8 sentences (0 = all 595 of NewsFANE)"})
    relevance_filter: bool = field(default=False, metadata={
        "help": "train an article-level gate on the section labels of the corpus (corpus_file; annotated articles "
                "left out): articles it finds off topic (sport, culture, technology) get no events"})
    relevance_threshold: float = field(default=0.5, metadata={
        "help": "relevance filter: an article whose probability of being off topic exceeds this gets no events"})
    calibrate: bool = field(default=True, metadata={"help": "fit confidence temperatures on the dev split"})
    train_splits: list[str] = field(default_factory=lambda: ["train"])
    eval_split: str = "dev"
    overwrite_output_dir: bool = field(default=False, metadata={
        "help": "when output_dir holds checkpoints of a different config, delete them and start afresh "
                "(without it, such a rerun stops and names the keys that differ)"})


def event_config_kwargs(model_args: ModelArguments) -> dict[str, Any]:
    """``EventConfig`` keyword arguments from the fields a config shares with it."""
    values = dataclasses.asdict(model_args)
    kwargs: dict[str, Any] = {k: values[k] for k in HEAD_DEFAULTS}
    kwargs["loss_weights"] = {k: values[f"loss_{k}"] for k in DEFAULT_LOSS_WEIGHTS}
    kwargs["article_event_threshold"] = model_args.article_event_threshold
    return kwargs


def load_training_config(path: str | Path) -> tuple[ModelArguments, DataArguments, TrainingArguments]:
    """(ModelArguments, DataArguments, TrainingArguments) of a fine-tuning config file."""
    return load_config(path, ModelArguments, DataArguments, TrainingArguments, required=("output_dir",))
