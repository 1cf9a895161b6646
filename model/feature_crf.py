"""A word-level feature CRF, the classical tagger, as a second expert on the entity layer.

The features are those of the project's CRF baseline (``arabic-events-baseline crf``): the word,
its normalised form, 1-3 character affixes, its clitic-stripped form, its shape, the forms and
gazetteer labels of the words within two, and a gazetteer of the training articles' names built
leave one article out. It is trained by python-crfsuite (:meth:`FeatureCrf.fit`); its weights
are then read out and kept as plain arrays, so inference needs no crfsuite: each distinct word's
share of the state scores is computed once and kept, and the word marginals of a whole batch of
texts come from one scaled forward-backward pass (:meth:`FeatureCrf.marginals`).

With word clusters (:func:`word_clusters`, k-means over the static word vectors) it also reads
each word's cluster and its neighbours': a name or an office never seen in training gets the
weights of words like it.

The extractor multiplies the neural entity layer's token distribution by these marginals (mapped
to tokens: a word's B-X goes to its first token, I-X to the others) before Viterbi decoding, with
the weight ``feature_crf_weight``: a product of two experts that make different mistakes.

    >>> recs = [{"text": "قال بوتين", "spans": [{"start": 4, "end": 9, "label": "PER"}]}] * 4
    >>> crf = FeatureCrf.fit(recs, ("PER",), max_iterations=20)                 # doctest: +SKIP
    >>> crf.labels, crf.marginals(["قال بوتين"])[0].argmax(1).tolist()          # doctest: +SKIP
    (['O', 'B-PER'], [0, 1])
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .decoding import bio_to_spans
from .loading import save_json_atomic
from .word_features import WORD_RE, KeptRows, Word, gazetteer_counts, gazetteer_of, shape, stem, word_form, words_of

logger = logging.getLogger(__name__)

FILE_NAME = "feature_crf.json"
FORMAT_VERSION = 1
#: neighbour offsets whose words feed a word's features
NEIGHBOURS = (-2, -1, 1, 2)
#: python-crfsuite training settings: the CRF baseline's (L1 0.1, L2 0.01, 200 iterations)
CRF_PARAMS = {"c1": 0.1, "c2": 0.01, "max_iterations": 200}


Clusters = dict[str, Sequence[int]]  #: normalised word form -> its cluster at each granularity


def _cluster_features(form: str, st: str, clusters: Clusters | None, prefix: str) -> dict[str, str]:
    if not clusters:
        return {}
    ids = clusters.get(form)
    if ids is None:
        ids = clusters.get(st)
    n = len(next(iter(clusters.values())))
    return {f"{prefix}c{g}": "none" if ids is None else str(ids[g]) for g in range(n)}


def own_features(word: str, gaz: dict[str, Sequence[str]], clusters: Clusters | None = None) -> dict[str, Any]:
    """The features of a word that depend on the word alone (python-crfsuite's dict format)."""
    f = word_form(word)
    st = stem(f)
    d: dict[str, Any] = {"bias": 1.0, "w": word, "n": f, "stem": st, "shape": shape(f),
                         "p1": f[:1], "p2": f[:2], "p3": f[:3], "s1": f[-1:], "s2": f[-2:], "s3": f[-3:]}
    for lab in gaz.get(st, ()):
        d[f"gaz={lab}"] = 1.0
    d.update(_cluster_features(f, st, clusters, ""))
    return d


def neighbour_features(word: str, k: int, gaz: dict[str, Sequence[str]], clusters: Clusters | None = None
                       ) -> dict[str, Any]:
    """The features a word gives the word ``k`` positions before it (its form, stem, names,
    clusters)."""
    f = word_form(word)
    st = stem(f)
    d: dict[str, Any] = {f"{k}:n": f, f"{k}:stem": st}
    for lab in gaz.get(st, ()):
        d[f"{k}:gaz={lab}"] = 1.0
    d.update(_cluster_features(f, st, clusters, f"{k}:"))
    return d


def word_clusters(vocab: Sequence[str], vectors: np.ndarray, sizes: Sequence[int] = (64, 256, 1024),
                  iterations: int = 15, seed: int = 0) -> Clusters:
    """Each word's cluster at each of ``sizes`` granularities: spherical k-means over its vector
    (rows of ``vectors`` are the words of ``vocab``; a zero row, a word without a vector, gets
    none), seeded, so the same vectors give the same clusters. Words that mean alike share a cluster, so a name or an office never seen in
    training gets the weights of its cluster.

        >>> vecs = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=np.float32)
        >>> c = word_clusters(["a", "b", "c", "d"], vecs, sizes=(2,))
        >>> c["a"] == c["b"], c["a"] == c["c"]
        (True, False)
    """
    import torch

    x = torch.from_numpy(np.asarray(vectors, dtype=np.float32))
    norms = x.norm(dim=1)
    known = (norms > 1e-6).numpy()  # a word without a vector gets no cluster
    x = x[norms > 1e-6] / norms[norms > 1e-6, None]
    vocab = [w for w, ok in zip(vocab, known) if ok]
    g = torch.Generator().manual_seed(seed)
    columns = []
    for k in sizes:
        k = min(k, len(x))
        centres = x[torch.randperm(len(x), generator=g)[:k]].clone()
        for _ in range(iterations):
            assign = (x @ centres.T).argmax(1)
            sums = torch.zeros_like(centres).index_add_(0, assign, x)
            counts = torch.bincount(assign, minlength=k)
            centres = torch.where(counts[:, None] > 0, sums, centres)
            centres = centres / (centres.norm(dim=1, keepdim=True) + 1e-6)
        columns.append((x @ centres.T).argmax(1).numpy())
    table = np.stack(columns, 1).tolist()
    return dict(zip(vocab, map(tuple, table)))


def word_features(words: Sequence[Word], gaz: dict[str, Sequence[str]], clusters: Clusters | None = None
                  ) -> list[dict[str, Any]]:
    """One feature dict per word (python-crfsuite's format).

        >>> f = word_features(words_of("وبوتين"), {})[0]
        >>> f["stem"], f["shape"], f["p1"], f["-1:edge"]
        ('بوتين', 'arabic', 'و', 1.0)
    """
    feats = []
    for i, w in enumerate(words):
        d = own_features(w.text, gaz, clusters)
        for k in NEIGHBOURS:
            j = i + k
            if 0 <= j < len(words):
                d.update(neighbour_features(words[j].text, k, gaz, clusters))
            else:
                d[f"{k}:edge"] = 1.0
        feats.append(d)
    return feats


def attributes(features: dict[str, Any]) -> list[tuple[str, float]]:
    """(attribute, value) pairs as python-crfsuite makes them of a feature dict: a string value
    ``v`` of key ``k`` is the attribute ``k:v`` with value 1.

        >>> attributes({"bias": 1.0, "w": "قال"})
        [('bias', 1.0), ('w:قال', 1.0)]
    """
    return [(f"{k}:{v}", 1.0) if isinstance(v, str) else (k, float(v)) for k, v in features.items()]


def word_tags(record: dict[str, Any], words: Sequence[Word], labels: Sequence[str]) -> list[str]:
    """BIO tags of ``words`` for the spans of ``record`` with a label in ``labels``: every word a
    span overlaps is inside it (a span that starts inside a word, after a clitic, takes the word);
    of overlapping spans of one layer the first (longest) stays.

        >>> rec = {"text": "بحث وبوتين", "spans": [{"start": 5, "end": 10, "label": "PER"}]}
        >>> word_tags(rec, words_of(rec["text"]), ("PER",))
        ['O', 'B-PER']
    """
    tags = ["O"] * len(words)
    for s in sorted((s for s in record["spans"] if s["label"] in labels), key=lambda s: (s["start"], -s["end"])):
        inside = [i for i, w in enumerate(words) if w.start < s["end"] and w.end > s["start"]]
        if not inside or any(tags[i] != "O" for i in inside):
            continue
        tags[inside[0]] = f"B-{s['label']}"
        for i in inside[1:]:
            tags[i] = f"I-{s['label']}"
    return tags


def spans_of_tags(tags: Sequence[str], words: Sequence[Word]) -> list[tuple[str, int, int]]:
    """(label, start, end) character spans of word BIO tags."""
    return [(label, words[a].start, words[b].end) for label, a, b in bio_to_spans(list(tags))]


def train_crfsuite(records: Sequence[dict[str, Any]], labels: Sequence[str], path: str | Path,
                   clusters: Clusters | None = None, c1: float = CRF_PARAMS["c1"], c2: float = CRF_PARAMS["c2"],
                   max_iterations: int = CRF_PARAMS["max_iterations"]) -> dict[str, list[str]]:
    """Train a python-crfsuite model of the spans of ``records`` with a label in ``labels`` into
    ``path``, each article's features read with the gazetteer of the other articles; returns the
    gazetteer of all of them (the one to tag new text with)."""
    import pycrfsuite

    per_article = [gazetteer_counts(r) for r in records]
    total: Counter = sum(per_article, Counter())
    trainer = pycrfsuite.Trainer(verbose=False)
    for rec, own in zip(records, per_article):
        words = words_of(rec["text"])
        trainer.append(word_features(words, gazetteer_of(total - own), clusters), word_tags(rec, words, labels))
    trainer.set_params({"c1": c1, "c2": c2, "max_iterations": max_iterations, "feature.possible_transitions": True})
    trainer.train(str(path))
    return gazetteer_of(total)


class FeatureCrf:
    """A trained feature CRF over words: its ``labels``, ``transitions`` (label x label), state
    ``weights`` (attribute -> (label indices, values)) and the ``gazetteer`` of names its
    features read, and the ``clusters`` of words (:func:`word_clusters`; none = no cluster
    features)."""

    #: distinct words whose score rows are kept between texts (past it, they are dropped)
    max_kept_words = 500_000

    def __init__(self, labels: Sequence[str], transitions: np.ndarray,
                 weights: dict[str, tuple[np.ndarray, np.ndarray]], gazetteer: dict[str, Sequence[str]],
                 clusters: Clusters | None = None):
        self.labels = list(labels)
        self.transitions = np.asarray(transitions, dtype=np.float64).reshape(len(self.labels), len(self.labels))
        self.weights = weights
        self.gazetteer = {k: list(v) for k, v in gazetteer.items()}
        self.clusters = {k: tuple(v) for k, v in (clusters or {}).items()}
        self._rows = KeptRows(self._word_rows)  # per raw word: its own scores and its neighbours'
        self._edge = np.stack([self._score([(f"{k}:edge", 1.0)]) for k in NEIGHBOURS])

    # ---- training ----
    @classmethod
    def fit(cls, records: Sequence[dict[str, Any]], labels: Sequence[str], clusters: Clusters | None = None,
            c1: float = CRF_PARAMS["c1"], c2: float = CRF_PARAMS["c2"], max_iterations: int = CRF_PARAMS["max_iterations"]
            ) -> FeatureCrf:
        """Train on SCHEMA.md records (their spans with a label in ``labels``), each article's
        features read with the gazetteer of the other articles (and the word ``clusters``, when
        given). Needs python-crfsuite."""
        import pycrfsuite

        with tempfile.TemporaryDirectory(prefix="feature-crf-") as tmp:
            path = Path(tmp) / "model.crfsuite"
            gazetteer = train_crfsuite(records, labels, path, clusters, c1=c1, c2=c2, max_iterations=max_iterations)
            tagger = pycrfsuite.Tagger()
            tagger.open(str(path))
            crf = cls.from_crfsuite(tagger, gazetteer, clusters)
            tagger.close()
        return crf

    @classmethod
    def from_crfsuite(cls, tagger: Any, gazetteer: dict[str, Sequence[str]], clusters: Clusters | None = None
                      ) -> FeatureCrf:
        """The weights of an open ``pycrfsuite.Tagger`` (its model dump keeps 6 decimals)."""
        info = tagger.info()
        labels = sorted(tagger.labels(), key=lambda x: (x != "O", x))
        index = {lab: k for k, lab in enumerate(labels)}
        trans = np.zeros((len(labels), len(labels)))
        for (a, b), w in info.transitions.items():
            trans[index[a], index[b]] = w
        by_attr: dict[str, dict[int, float]] = {}
        for (attr, lab), w in info.state_features.items():
            by_attr.setdefault(attr, {})[index[lab]] = w
        return cls(labels, trans, {a: _pairs(d) for a, d in by_attr.items()}, gazetteer, clusters)

    # ---- inference ----
    def _score(self, attrs: list[tuple[str, float]]) -> np.ndarray:
        row = np.zeros(len(self.labels))
        for a, v in attrs:
            hit = self.weights.get(a)
            if hit is not None:
                row[hit[0]] += v * hit[1]
        return row

    def _word_rows(self, words: list[str]) -> tuple[np.ndarray]:
        """Per word, its own state scores (row 0) and what it adds to the words k before it."""
        gaz, clusters = self.gazetteer, self.clusters
        table = np.zeros((len(words), 1 + len(NEIGHBOURS), len(self.labels)))
        for k, w in enumerate(words):
            table[k, 0] = self._score(attributes(own_features(w, gaz, clusters)))
            for j, off in enumerate(NEIGHBOURS, 1):
                table[k, j] = self._score(attributes(neighbour_features(w, off, gaz, clusters)))
        return (table,)

    def state_scores(self, words: Sequence[str]) -> np.ndarray:
        """(words, labels) state scores of one text's words, as crfsuite computes them."""
        n = len(words)
        if not n:
            return np.zeros((0, len(self.labels)))
        idx = self._rows.indices(words, self.max_kept_words)  # first: it may grow the table
        rows = self._rows.tables[0][idx]  # (n, 1 + neighbours, labels)
        scores = rows[:, 0].copy()
        for j, k in enumerate(NEIGHBOURS):
            # word i reads the features of word i + k (given by that word's row j + 1)
            if k < 0:
                scores[-k:] += rows[:k, j + 1]
                scores[:-k] += self._edge[j]
            else:
                scores[:-k] += rows[k:, j + 1]
                scores[-k:] += self._edge[j]
        return scores

    def marginals(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Per text, the (words, labels) marginal probabilities of its words (:func:`words_of`
        of the text), by one scaled forward-backward over all the texts at once."""
        return self.word_marginals([WORD_RE.findall(t) for t in texts])

    def word_marginals(self, texts_words: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """:meth:`marginals` of texts given as their words."""
        n_lab = len(self.labels)
        lengths = [len(w) for w in texts_words]
        b, n = len(lengths), max(lengths, default=0)
        if n == 0:
            return [np.zeros((0, n_lab)) for _ in lengths]
        order = sorted(range(b), key=lambda i: -lengths[i])  # longest first: live rows are a prefix
        live = np.searchsorted(-np.asarray([lengths[i] for i in order]), -np.arange(n), side="left")
        psi = np.ones((n, b, n_lab))  # time-major: each step reads one contiguous slab
        for r, i in enumerate(order):
            if lengths[i]:
                s = self.state_scores(texts_words[i])
                psi[:lengths[i], r] = np.exp(s - s.max(1, keepdims=True))
        trans = np.exp(self.transitions)
        alpha = np.zeros((n, b, n_lab))
        scale = np.ones((n, b))
        m = live[0]
        alpha[0, :m] = psi[0, :m]
        for t in range(n):
            m = live[t]  # rows with a word at t
            if t:
                alpha[t, :m] = (alpha[t - 1, :m] @ trans) * psi[t, :m]
            scale[t, :m] = alpha[t, :m].sum(1)
            alpha[t, :m] /= scale[t, :m, None]
        beta = np.ones((n, b, n_lab))
        for t in range(n - 2, -1, -1):
            m = live[t + 1]  # rows whose word t has a next word
            beta[t, :m] = ((psi[t + 1, :m] * beta[t + 1, :m]) @ trans.T) / scale[t + 1, :m, None]
        post = alpha * beta
        post /= np.maximum(post.sum(2, keepdims=True), 1e-300)
        out: list[np.ndarray] = [np.zeros((0, n_lab))] * b
        for r, i in enumerate(order):
            out[i] = post[:lengths[i], r]
        return out

    def token_probabilities(self, marginals: np.ndarray, tags: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(first, rest): the word marginals as distributions over the token tags ``tags`` for a
        word's first token (B-X stays B-X) and for its other tokens (B-X and I-X become I-X)."""
        col = {lab: k for k, lab in enumerate(self.labels)}
        n = len(marginals)
        first, rest = np.zeros((n, len(tags))), np.zeros((n, len(tags)))
        for j, tag in enumerate(tags):
            if tag in col:
                first[:, j] = marginals[:, col[tag]]
            if tag == "O":
                rest[:, j] = marginals[:, col["O"]] if "O" in col else 0.0
            elif tag.startswith("I-"):
                for src in (tag, "B-" + tag[2:]):
                    if src in col:
                        rest[:, j] += marginals[:, col[src]]
        return first, rest

    # ---- persistence ----
    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT_VERSION, "labels": self.labels, "transitions": self.transitions.round(6).tolist(),
                "weights": {a: [idx.tolist(), val.round(6).tolist()] for a, (idx, val) in self.weights.items()},
                "gazetteer": self.gazetteer, "clusters": {w: list(c) for w, c in self.clusters.items()}}

    @classmethod
    def from_json(cls, data: dict[str, Any], where: str = "feature CRF") -> FeatureCrf:
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"{where}: format {data.get('format')} is not the format {FORMAT_VERSION} this version reads")
        weights = {a: (np.asarray(i, dtype=np.int64), np.asarray(v, dtype=np.float64))
                   for a, (i, v) in data["weights"].items()}
        return cls(data["labels"], np.asarray(data["transitions"]), weights, data["gazetteer"], data.get("clusters"))

    def save(self, directory: str | Path) -> Path:
        """Write ``feature_crf.json`` into ``directory`` (atomically)."""
        return save_json_atomic(Path(directory) / FILE_NAME, self.to_json())

    @classmethod
    def load(cls, directory: str | Path) -> FeatureCrf:
        path = Path(directory) / FILE_NAME
        if not path.is_file():
            raise FileNotFoundError(f"{directory}: the model has feature_crf_weight > 0 but no {FILE_NAME}")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}: not valid JSON ({e})") from e
        return cls.from_json(data, str(path))


def _pairs(d: dict[int, float]) -> tuple[np.ndarray, np.ndarray]:
    keys = sorted(d)
    return np.asarray(keys, dtype=np.int64), np.asarray([d[k] for k in keys], dtype=np.float64)
