"""Static subword vectors from raw Arabic news (gensim FastText), to give a from-scratch
encoder word-level knowledge before it sees the few annotated articles.

:func:`train_vectors` streams the corpus (normalised as the pipeline normalises, split into
words as the baselines split them) into a FastText skip-gram model; :func:`init_token_embeddings`
sets every WordPiece token's input embedding from the FastText vector of its surface (``##``
pieces by their character n-grams), through one fixed random projection to the encoder's width.

    >>> import numpy as np
    >>> p = projection(4, 8, seed=0)
    >>> p.shape, bool(np.allclose(p @ p.T, np.eye(4) * 8 / 4, atol=1e-6))
    ((4, 8), True)
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from arabic_events.model.text import normalize, split_sentences
from arabic_events.training.baselines.words import words_of
from arabic_events.training.learning.pretraining import iter_documents

logger = logging.getLogger(__name__)


class _Sentences:
    """A re-iterable stream of word lists (gensim makes several passes)."""

    def __init__(self, paths: list[str], max_documents: int = 0):
        self.paths, self.max_documents = paths, max_documents

    def __iter__(self) -> Iterator[list[str]]:
        for k, doc in enumerate(iter_documents(self.paths)):
            if self.max_documents and k >= self.max_documents:
                return
            text = normalize(doc).text
            for a, b in split_sentences(text):
                words = [w.text for w in words_of(text[a:b])]
                if words:
                    yield words


def train_vectors(paths: list[str], out: str | Path, dim: int = 100, epochs: int = 5, min_count: int = 3,
                  workers: int = 2, max_documents: int = 0, seed: int = 13):
    """Train FastText (skip-gram) on the documents of ``paths``; saves ``out`` (gensim format,
    kept outside the repository: the n-gram matrix is hundreds of MB) and returns the model."""
    from gensim.models import FastText

    model = FastText(vector_size=dim, window=5, min_count=min_count, sg=1, workers=workers, seed=seed,
                     min_n=2, max_n=5, bucket=500_000)
    sentences = _Sentences(paths, max_documents)
    model.build_vocab(corpus_iterable=sentences)
    logger.info("fasttext: %d words in the vocabulary", len(model.wv))
    model.train(corpus_iterable=sentences, total_examples=model.corpus_count, epochs=epochs)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    model.save(str(out))
    return model


def projection(dim_in: int, dim_out: int, seed: int = 0) -> np.ndarray:
    """A fixed (dim_in, dim_out) map with orthogonal rows, scaled so that norms grow by
    sqrt(dim_out / dim_in)."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((dim_out, dim_in)))
    return (q.T * np.sqrt(dim_out / dim_in)).astype(np.float32)


@torch.no_grad()
def init_token_embeddings(encoder: Any, tokenizer: Any, vectors: Any, std: float = 0.02) -> int:
    """Set the encoder's input embeddings from FastText ``vectors`` (a gensim ``KeyedVectors``);
    special tokens keep theirs. Each projected vector is scaled to ``std`` per dimension (the
    BERT initialiser's). Returns how many rows were set."""
    emb = encoder.get_input_embeddings().weight
    proj = projection(vectors.vector_size, emb.shape[1])
    special = set(tokenizer.all_special_ids)
    rows, vecs = [], []
    for token, idx in tokenizer.get_vocab().items():
        if idx in special or idx >= emb.shape[0]:
            continue
        surface = token[2:] if token.startswith("##") else token
        if not surface:
            continue
        rows.append(idx)
        vecs.append(vectors[surface])
    m = np.asarray(vecs, dtype=np.float32) @ proj
    m = (m - m.mean(0)) / (m.std(0) + 1e-6) * std
    emb[torch.tensor(rows)] = torch.from_numpy(m).to(emb.dtype)
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    """``python -m arabic_events.training.learning.vectors --out runs/vectors/ant-ft100.model``."""
    import argparse

    from arabic_events.training.data.locations import resolve_corpus_path

    ap = argparse.ArgumentParser(prog="python -m arabic_events.training.learning.vectors", description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="gensim model file to write (keep it outside git)")
    ap.add_argument("--corpus", nargs="*", help="corpus files (default: the ANT corpus of the shared folder)")
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=5)
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    train_vectors(a.corpus or [str(resolve_corpus_path())], a.out, dim=a.dim, epochs=a.epochs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
