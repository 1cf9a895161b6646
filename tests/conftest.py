"""Shared fixtures: the seed annotations, a tokenizer trained on them, a tiny encoder."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
SEED_FILE = ROOT / "annotations" / "seed.jsonl"
CORPUS_FILE = ROOT / "annotations" / "corpus.jsonl"
ANNOTATION_FILES = (SEED_FILE, CORPUS_FILE)


def find_shared_corpus() -> Path | None:
    """The shared corpus file by the project's one resolver, or None where it is truly absent."""
    from arabic_events.training.data.locations import SharedDataError, resolve_corpus_path

    try:
        return resolve_corpus_path()
    except SharedDataError:
        return None


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    """The ANT corpus file. Tests that need it skip only where it is absent, and never in CI
    (CI runs with ../shared beside the checkout, so there its absence is a failure)."""
    path = find_shared_corpus()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI=true but the shared corpus was not found (../shared/corpus beside the checkout, "
                        "$ARABIC_EVENTS_SHARED or $ARABIC_EVENTS_CORPUS)")
        pytest.skip("the shared corpus (../shared/corpus/ant-multisource.jsonl.gz) is not here")
    return path

TINY_ENCODER = {"model_type": "bert", "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
                "intermediate_size": 64, "max_position_embeddings": 512}


@pytest.fixture(scope="session")
def seed_records():
    from arabic_events.training.data.records import load_records

    return load_records(SEED_FILE)


@pytest.fixture(scope="session")
def all_records(seed_records, shared_corpus):
    """Every shipped annotated article: the seed records and the corpus records (text restored)."""
    from arabic_events.training.data.records import load_records

    return seed_records + load_records(CORPUS_FILE, corpus=shared_corpus)


@pytest.fixture(scope="session")
def tokenizer(seed_records):
    from arabic_events.training.learning.scratch import train_wordpiece

    return train_wordpiece([r["text"] for r in seed_records], vocab_size=1500)


def make_tiny_model(tokenizer, **kwargs):
    import torch

    from arabic_events.model.configuration import EventConfig
    from arabic_events.model.modeling import EventModel

    torch.manual_seed(0)
    cfg = EventConfig(encoder_name="scratch", encoder_config={**TINY_ENCODER, "vocab_size": len(tokenizer)},
                      span_hidden=16, pair_hidden=16, label_embedding=8, max_tokens=kwargs.pop("max_tokens", 62), **kwargs)
    return EventModel(cfg).eval()


@pytest.fixture()
def tiny_model(tokenizer):
    return make_tiny_model(tokenizer)
