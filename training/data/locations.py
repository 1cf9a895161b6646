"""Where the shared, third-party data lives, found by one rule.

The ANT corpus (restores standoff records), the seed articles and NewsFANE are read from a
``shared/`` folder that is never part of the project. It is found, in this order, from

1. an explicit argument (``--shared`` / ``--corpus`` / a config key),
2. the environment: ``$ARABIC_EVENTS_SHARED`` (the folder) or, for the corpus file alone,
   ``$ARABIC_EVENTS_CORPUS``,
3. beside the checkout: ``../shared`` next to the current directory (or one of its parents),
   or next to the source tree when the package runs from a checkout.

When none exists, :class:`SharedDataError` names all three.

    >>> import os, tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()); (d / "corpus").mkdir()
    >>> resolve_shared(d) == d
    True
"""

from __future__ import annotations

import os
from pathlib import Path

SHARED_ENV = "ARABIC_EVENTS_SHARED"
CORPUS_ENV = "ARABIC_EVENTS_CORPUS"
CORPUS_FILE = Path("corpus") / "ant-multisource.jsonl.gz"
SEED_DIR = Path("articles") / "seed"
#: the folder above ``arabic_events/``, ``model/`` and ``training/`` when run from a checkout
_SOURCE_ROOT = Path(__file__).resolve().parents[2]


class SharedDataError(FileNotFoundError):
    """The shared data folder (or a file in it) cannot be found."""


def _beside_checkout() -> list[Path]:
    """Candidate ``shared/`` folders next to the working directory, its parents and the source tree."""
    here = Path.cwd().resolve()
    out = [d / "shared" for d in (here, *here.parents)][:4]
    out += [here.parent / "shared"]
    out += [_SOURCE_ROOT.parent / "shared", _SOURCE_ROOT / "shared"]
    seen: list[Path] = []
    for p in out:
        if p not in seen:
            seen.append(p)
    return seen


def resolve_shared(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The shared data folder: the argument, else ``$ARABIC_EVENTS_SHARED``, else beside the checkout."""
    if explicit:
        path = Path(explicit)
        if not path.is_dir():
            raise SharedDataError(f"shared data folder {path} (given as an argument) not found")
        return path
    env = os.environ.get(SHARED_ENV)
    if env:
        if not Path(env).is_dir():
            raise SharedDataError(f"shared data folder {env} (from ${SHARED_ENV}) not found")
        return Path(env)
    for cand in _beside_checkout():
        if (cand / "corpus").is_dir() or (cand / "articles").is_dir():
            return cand
    raise SharedDataError(
        "the shared data folder (with corpus/ant-multisource.jsonl.gz and articles/seed/) was not found: "
        f"1. pass it as an argument (--shared PATH, or --corpus FILE for the corpus alone), "
        f"2. or set ${SHARED_ENV}=PATH (or ${CORPUS_ENV}=FILE), "
        f"3. or put it beside the checkout as ../shared (looked in: {', '.join(map(str, _beside_checkout()))})")


def resolve_corpus_path(corpus: str | os.PathLike[str] | None = None) -> Path:
    """The ANT corpus file: the argument, else ``$ARABIC_EVENTS_CORPUS``, else in the shared folder."""
    if corpus:
        path = Path(corpus)
        source = "given as an argument"
    elif os.environ.get(CORPUS_ENV):
        path = Path(os.environ[CORPUS_ENV])
        source = f"from ${CORPUS_ENV}"
    else:
        path = resolve_shared() / CORPUS_FILE
        source = "in the shared data folder"
    if not path.is_file():
        raise SharedDataError(
            f"corpus file {path} ({source}) not found: standoff records need the ANT multi-source corpus "
            f"(ant-multisource.jsonl.gz, see shared/corpus/README.md); pass --corpus FILE, set "
            f"${CORPUS_ENV}=FILE or ${SHARED_ENV}=FOLDER, or put the shared folder beside the checkout")
    return path


def seed_dir(shared: str | os.PathLike[str] | None = None) -> Path:
    """The folder of the five seed articles."""
    return resolve_shared(shared) / SEED_DIR
