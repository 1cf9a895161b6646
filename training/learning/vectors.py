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
from arabic_events.model.word_features import words_of
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


VECTORS_FILE = "vectors.safetensors"
VOCAB_FILE = "vocab.txt"


class StaticVectors:
    """Word vectors exported from a FastText model (:func:`export_vectors`): one safetensors
    matrix and its vocabulary, most frequent word first. The interface of gensim's
    ``KeyedVectors`` that the project uses: ``index_to_key``, ``vector_size``, ``v[word]``; an
    unknown word gets the vector of its clitic-stripped form, else zeros (FastText would build
    one from character n-grams; the export keeps only the words).

        >>> import tempfile
        >>> d = tempfile.mkdtemp()
        >>> export_vectors(["بوتين", "قال"], np.eye(2, dtype=np.float32), d)
        >>> v = StaticVectors.load(d)
        >>> v.index_to_key, v.vector_size, v["وبوتين"].tolist(), v["كلمة"].tolist()
        (['بوتين', 'قال'], 2, [1.0, 0.0], [0.0, 0.0])
    """

    def __init__(self, words: list[str], matrix: np.ndarray):
        self.index_to_key = list(words)
        self.key_to_index = {w: k for k, w in enumerate(words)}
        self.matrix = matrix
        self.vector_size = int(matrix.shape[1])

    def __len__(self) -> int:
        return len(self.index_to_key)

    def __getitem__(self, word: str) -> np.ndarray:
        from arabic_events.model.word_features import stem

        k = self.key_to_index.get(word)
        if k is None:
            k = self.key_to_index.get(stem(word))
        if k is None:
            return np.zeros(self.vector_size, dtype=np.float32)
        return self.matrix[k].astype(np.float32)

    @classmethod
    def load(cls, directory: str | Path) -> StaticVectors:
        from safetensors.numpy import load_file

        d = Path(directory)
        for name in (VECTORS_FILE, VOCAB_FILE):
            if not (d / name).exists():
                raise FileNotFoundError(f"{d}: no {name} (word vectors are exported with "
                                        "python -m arabic_events.training.learning.vectors --export DIR)")
        matrix = load_file(str(d / VECTORS_FILE))["vectors"]
        words = (d / VOCAB_FILE).read_text(encoding="utf-8").split("\n")[: matrix.shape[0]]
        if len(words) != matrix.shape[0]:
            raise ValueError(f"{d}: {len(words)} words in {VOCAB_FILE} for {matrix.shape[0]} vectors")
        return cls(words, matrix)


def export_vectors(words: list[str], matrix: np.ndarray, directory: str | Path, dtype: Any = np.float16) -> None:
    """Write ``vectors.safetensors`` (one ``vectors`` matrix, ``dtype``) and ``vocab.txt`` (one word
    per line, in row order) into ``directory``."""
    from safetensors.numpy import save_file

    if any("\n" in w for w in words):
        raise ValueError("a word with a newline cannot be exported")
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    save_file({"vectors": np.ascontiguousarray(matrix, dtype=dtype)}, str(d / VECTORS_FILE))
    (d / VECTORS_FILE).chmod(0o644)
    (d / VOCAB_FILE).write_text("\n".join(words), encoding="utf-8")


def load_word_vectors(path: str | Path) -> Any:
    """Word vectors from an exported folder (:class:`StaticVectors`) or a gensim FastText model file."""
    if Path(path).is_dir():
        return StaticVectors.load(path)
    from gensim.models import FastText

    return FastText.load(str(path)).wv


def main(argv: list[str] | None = None) -> int:
    """``python -m arabic_events.training.learning.vectors --out runs/vectors/ant-ft100.model``."""
    import argparse

    from arabic_events.training.data.locations import resolve_corpus_path

    ap = argparse.ArgumentParser(prog="python -m arabic_events.training.learning.vectors", description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="gensim model file to write (keep it outside git); "
                    "with --export and an existing file, it is only read")
    ap.add_argument("--export", metavar="DIR", help="also export the word vectors (float16 safetensors + vocab.txt) "
                    "into DIR, the form the training configs read")
    ap.add_argument("--corpus", nargs="*", help="corpus files (default: the ANT corpus of the shared folder)")
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=5)
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if a.export and Path(a.out).exists():
        from gensim.models import FastText

        wv = FastText.load(a.out).wv
    else:
        wv = train_vectors(a.corpus or [str(resolve_corpus_path())], a.out, dim=a.dim, epochs=a.epochs).wv
    if a.export:
        export_vectors(list(wv.index_to_key), wv.vectors_for_all(wv.index_to_key).vectors, a.export)
        logger.info("exported %d x %d vectors to %s", len(wv), wv.vector_size, a.export)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
