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
SHARED_CORPUS = ROOT.parent / "shared" / "corpus" / "ant-multisource.jsonl.gz"

TINY_ENCODER = {"model_type": "bert", "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
                "intermediate_size": 64, "max_position_embeddings": 512}


@pytest.fixture(scope="session")
def seed_records():
    from training.records import load_records

    return load_records(SEED_FILE)


@pytest.fixture(scope="session")
def all_records(seed_records):
    """Seed records plus the corpus records when the shared corpus is there."""
    from training.records import load_records

    if CORPUS_FILE.exists() and SHARED_CORPUS.exists():
        return seed_records + load_records(CORPUS_FILE, corpus=SHARED_CORPUS)
    return seed_records


@pytest.fixture(scope="session")
def tokenizer(seed_records):
    from training.tokenizer import train_wordpiece

    return train_wordpiece([r["text"] for r in seed_records], vocab_size=1500)


def make_tiny_model(tokenizer, **kwargs):
    import torch

    from model.configuration import EventConfig
    from model.modeling import EventModel

    torch.manual_seed(0)
    cfg = EventConfig(encoder_name="scratch", encoder_config={**TINY_ENCODER, "vocab_size": len(tokenizer)},
                      span_hidden=16, pair_hidden=16, label_embedding=8, max_tokens=kwargs.pop("max_tokens", 62), **kwargs)
    return EventModel(cfg).eval()


@pytest.fixture()
def tiny_model(tokenizer):
    return make_tiny_model(tokenizer)
