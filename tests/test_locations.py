"""The one resolver of the shared data folder: argument -> environment -> beside the checkout."""

import pytest

from arabic_events.training.data import locations
from arabic_events.training.data.locations import (
    CORPUS_ENV,
    SHARED_ENV,
    SharedDataError,
    resolve_corpus_path,
    resolve_shared,
    seed_dir,
)


def make_shared(root):
    (root / "corpus").mkdir(parents=True)
    (root / "corpus" / "ant-multisource.jsonl.gz").write_bytes(b"")
    (root / "articles" / "seed").mkdir(parents=True)
    return root


@pytest.fixture()
def nowhere(tmp_path, monkeypatch):
    """A working directory and source tree with no shared folder anywhere near, no variables."""
    work = tmp_path / "a" / "b" / "c" / "d" / "e"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    monkeypatch.delenv(SHARED_ENV, raising=False)
    monkeypatch.delenv(CORPUS_ENV, raising=False)
    monkeypatch.setattr(locations, "_SOURCE_ROOT", tmp_path / "src" / "checkout")
    return work


def test_argument_first(tmp_path, nowhere, monkeypatch):
    given = make_shared(tmp_path / "given")
    monkeypatch.setenv(SHARED_ENV, str(make_shared(tmp_path / "env")))
    assert resolve_shared(given) == given


def test_environment_second(tmp_path, nowhere, monkeypatch):
    env = make_shared(tmp_path / "env")
    monkeypatch.setenv(SHARED_ENV, str(env))
    assert resolve_shared() == env
    assert resolve_corpus_path() == env / "corpus" / "ant-multisource.jsonl.gz"
    assert seed_dir() == env / "articles" / "seed"


def test_corpus_variable_names_the_file(tmp_path, nowhere, monkeypatch):
    f = tmp_path / "elsewhere.jsonl.gz"
    f.write_bytes(b"")
    monkeypatch.setenv(CORPUS_ENV, str(f))
    assert resolve_corpus_path() == f


def test_beside_the_checkout_third(tmp_path, nowhere, monkeypatch):
    checkout = tmp_path / "x" / "checkout"
    checkout.mkdir(parents=True)
    shared = make_shared(tmp_path / "x" / "shared")
    monkeypatch.chdir(checkout)
    assert resolve_shared() == shared


def test_beside_the_source_tree(tmp_path, nowhere, monkeypatch):
    shared = make_shared(tmp_path / "src" / "shared")
    assert resolve_shared() == shared


def test_none_found_names_all_three(nowhere):
    with pytest.raises(SharedDataError) as e:
        resolve_shared()
    msg = str(e.value)
    assert "--shared PATH" in msg and SHARED_ENV in msg and CORPUS_ENV in msg and "../shared" in msg


def test_bad_argument_and_bad_variable_are_named(tmp_path, nowhere, monkeypatch):
    with pytest.raises(SharedDataError, match="given as an argument"):
        resolve_shared(tmp_path / "missing")
    monkeypatch.setenv(SHARED_ENV, str(tmp_path / "missing"))
    with pytest.raises(SharedDataError, match=SHARED_ENV):
        resolve_shared()
    with pytest.raises(SharedDataError, match="nope.jsonl.gz .given as an argument. not found"):
        resolve_corpus_path(tmp_path / "nope.jsonl.gz")
