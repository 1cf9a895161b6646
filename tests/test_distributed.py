"""The pure parts of the Ray extraction (no Ray needed): line numbering, packs sized by tokens,
and reading the shards back in input order."""

import io
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from arabic_events.analysis.distributed import POSITION, SHARD_SCHEMA, iter_lines, read_shards, token_packs
from arabic_events.analysis.extract_corpus import SCHEMA


@given(st.lists(st.sampled_from([b"a", b"\n", b"{}", "نص".encode(), b"\r\n", b" "]), max_size=40),
       st.integers(min_value=1, max_value=7))
def test_lines_are_numbered_as_a_binary_file_iterates_them(pieces, chunk):
    data = b"".join(pieces)
    chunks = [data[i:i + chunk] for i in range(0, len(data), chunk)]
    assert list(iter_lines(chunks)) == list(enumerate(io.BytesIO(data), 1))


@given(st.lists(st.integers(min_value=0, max_value=50), max_size=30), st.integers(min_value=1, max_value=60),
       st.integers(min_value=1, max_value=5))
def test_packs_cover_the_articles_in_order_and_respect_both_limits(tokens, max_tokens, max_articles):
    packs = token_packs(tokens, max_tokens, max_articles)
    assert [i for s, e in packs for i in range(s, e)] == list(range(len(tokens)))
    for s, e in packs:
        assert 0 < e - s <= max_articles
        assert sum(tokens[s:e]) <= max_tokens or e - s == 1  # only a lone article may be longer
    for s, e in packs[:-1]:  # greedy: the next article did not fit
        assert sum(tokens[s:e + 1]) > max_tokens or e - s == max_articles


def test_packs_reject_a_non_positive_limit():
    with pytest.raises(ValueError, match="must be positive"):
        token_packs([1], 0, 8)


def row(event_id, position):
    return {**{c: None for c in SCHEMA.names}, "event_id": event_id, "article_id": event_id.split("-")[0],
            "actor": [], "recipient": [], "place": [], "source": [], "topic": [], "actor_country": [],
            "actor_sector": [], "recipient_country": [], "recipient_sector": [], POSITION: position}


def test_shards_are_read_back_in_input_order(tmp_path):
    # the shards of a run finish in any order; the rows of one article keep theirs (e2 before e10)
    pq.write_table(pa.Table.from_pylist([row("c-e1", 9), row("c-e2", 9), row("c-e10", 9)], schema=SHARD_SCHEMA),
                   tmp_path / "a.parquet")
    pq.write_table(pa.Table.from_pylist([row("a-e1", 2), row("b-e1", 5)], schema=SHARD_SCHEMA), tmp_path / "b.parquet")
    table = read_shards(tmp_path)
    assert table.schema == SCHEMA
    assert table.column("event_id").to_pylist() == ["a-e1", "b-e1", "c-e1", "c-e2", "c-e10"]
    assert read_shards(tmp_path / "none").equals(SCHEMA.empty_table())


@pytest.mark.parametrize(("extra", "message"), [
    ([], "error: Ray is not installed: pip install 'arabic-events[distributed]'"),
    (["--records", "--device", "cuda"], "error: --records, --device cannot be used with --ray (for a GPU: --gpus-per-worker 1)"),
])
def test_the_command_line_refuses_in_one_line(monkeypatch, tmp_path, capsys, extra, message):
    from arabic_events.analysis.__main__ import main as corpus_main

    monkeypatch.setitem(sys.modules, "ray", None)  # as where the 'distributed' extra is not installed
    argv = ["extract", str(tmp_path / "c.jsonl"), "--model", str(tmp_path), "--output", str(tmp_path / "o"), "--ray"]
    assert corpus_main(argv + extra) == 2
    assert capsys.readouterr().err == message + "\n"
