"""Distributed extraction on Ray Data: on a local Ray with 2 CPUs, the shards of 220 corpus
articles (and a few bad lines) hold exactly the single-process rows; a bad --address fails in one line."""

import gzip
import itertools
import json

import pyarrow.parquet as pq
import pytest
from conftest import make_tiny_model

from arabic_events.analysis.__main__ import main as corpus_main
from arabic_events.analysis.distributed import SHARD_SCHEMA, read_shards, shard_files
from arabic_events.analysis.extract_corpus import SCHEMA, extract_corpus
from arabic_events.model.extractor import EventExtractor
from arabic_events.model.linking import AliasTable

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'arabic-events[distributed]')")

N_ARTICLES = 220
BAD_LINES = [b"{corrupt", "نص".encode("cp1256"), b"", b'{"id": "x"}', b'{"id": "d", "text": "t", "published": "soon"}']


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, seed_records, tokenizer):
    path = tmp_path_factory.mktemp("ray") / "model"
    EventExtractor(make_tiny_model(tokenizer), tokenizer, AliasTable.from_records(seed_records)).save_pretrained(path)
    return path


def shortened(line, chars=400):
    """A corpus line with its text cut to its first ``chars`` characters (the test stays fast)."""
    article = json.loads(line)
    article["text"] = article["text"][:chars]
    return json.dumps(article, ensure_ascii=False).encode("utf-8")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, shared_corpus):
    """The first 220 corpus articles (texts cut short), with bad lines among them (lines 11 to 15), as .jsonl.gz."""
    with gzip.open(shared_corpus, "rb") as fh:
        lines = [shortened(line) for line in itertools.islice(fh, N_ARTICLES)]
    lines[10:10] = BAD_LINES
    path = tmp_path_factory.mktemp("ray") / "articles.jsonl.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(b"\n".join(lines) + b"\n")
    return path


@pytest.fixture()
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR")
    yield
    ray.shutdown()


def test_the_shards_hold_exactly_the_single_process_rows(tmp_path, model_dir, corpus, local_ray):
    from arabic_events.analysis.ray_extraction import extract_corpus_ray

    single = extract_corpus(EventExtractor.from_pretrained(model_dir, device="cpu"), corpus, tmp_path / "events.parquet",
                            show_progress_bar=False)
    out = tmp_path / "shards"
    summary = extract_corpus_ray(model_dir, corpus, out, num_workers=2, cpus_per_worker=1, max_batch_tokens=20000,
                                 batch_articles=32, show_progress_bar=False)
    expected = pq.read_table(tmp_path / "events.parquet")
    assert expected.num_rows > 100  # the tiny model finds events: the comparison is not of two empty tables
    got = read_shards(out)
    assert got.schema == SCHEMA == expected.schema
    assert got.equals(expected)
    files = shard_files(out)
    assert len(files) > 1 and all(pq.read_schema(f).equals(SHARD_SCHEMA) for f in files)
    assert {k: summary[k] for k in ("articles", "events", "skipped")} == {
        k: single[k] for k in ("articles", "events", "skipped")}
    assert summary["articles"] == N_ARTICLES and summary["events"] == expected.num_rows
    assert summary["skipped"] == [  # the blank line 13 is not an entry; the others are named by line
        f"{corpus}:11: not valid JSON (Expecting property name enclosed in double quotes at column 2)",
        f"{corpus}:12: not UTF-8 text", f"{corpus}:14: no 'text' string",
        f"{corpus}:15: published: published date 'soon' is not an ISO date (YYYY-MM-DD)"]
    with pytest.raises(FileExistsError, match="overwrite"):
        extract_corpus_ray(model_dir, corpus, out, show_progress_bar=False)


@pytest.mark.parametrize(("address", "message"), [
    ("127.0.0.1:1", "error: cannot reach the Ray cluster at 127.0.0.1:1: Connection refused"),
    ("ray://127.0.0.1:1", "error: cannot reach the Ray cluster at ray://127.0.0.1:1: Connection refused"),
    ("head", "error: --address 'head': expected ray://HOST:PORT, HOST:PORT, auto or local"),
])
def test_a_bad_address_is_one_line(tmp_path, model_dir, capsys, address, message):
    src = tmp_path / "c.jsonl"
    src.write_text(json.dumps({"id": "a", "text": "نص"}) + "\n", encoding="utf-8")
    assert not ray.is_initialized()
    code = corpus_main(["extract", str(src), "--model", str(model_dir), "--output", str(tmp_path / "out"), "--ray",
                        "--address", address, "--no-progress"])
    assert code == 2
    assert capsys.readouterr().err == message + "\n"
    assert not (tmp_path / "out").exists()
