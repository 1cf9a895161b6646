"""From-scratch encoders: a WordPiece tokenizer trained on Arabic text and the BERT config
around it (the offline default, pretraining, benchmarks and tests all build them here).

    >>> tok = train_wordpiece(["بحث الرئيس الروسي فلاديمير بوتين"] * 3, vocab_size=200)
    >>> tok("بوتين")["input_ids"][0] == tok.cls_token_id
    True
    >>> scratch_bert_config(tok, hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64).hidden_size
    32
"""

from __future__ import annotations

from collections.abc import Iterable

from tokenizers import BertWordPieceTokenizer
from transformers import BertConfig, BertTokenizerFast

from arabic_events.model.text import normalize

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def train_wordpiece(texts: Iterable[str], vocab_size: int = 8000, min_frequency: int = 2):
    """A ``BertTokenizerFast`` trained on ``texts`` (normalised as the pipeline does).

    The same texts always give the same vocabulary. (The ``tokenizers`` trainer numbers the
    word-internal ``##x`` pieces in hash-map order and breaks ties between merges by those
    numbers: huggingface/tokenizers#1794. Here every ``##x`` of the texts' alphabet is
    numbered up front, in sorted order, so the ties always break the same way.)
    """
    norm = [normalize(t).text for t in texts]
    alphabet = sorted({c for t in norm for c in t if not c.isspace()})
    pinned = SPECIAL_TOKENS + [f"##{c}" for c in alphabet]
    wp = BertWordPieceTokenizer(clean_text=True, handle_chinese_chars=False, strip_accents=False, lowercase=False)
    wp.train_from_iterator(norm, vocab_size=vocab_size,
                           min_frequency=min_frequency, special_tokens=pinned, wordpieces_prefix="##",
                           show_progress=False)
    # rebuild from the vocabulary alone, so that the pinned pieces are ordinary word pieces
    vocab = dict(sorted(wp.get_vocab().items(), key=lambda kv: kv[1]))
    plain = BertWordPieceTokenizer(vocab, clean_text=True, handle_chinese_chars=False, strip_accents=False,
                                   lowercase=False, wordpieces_prefix="##")
    return BertTokenizerFast(tokenizer_object=plain._tokenizer, do_lower_case=False, strip_accents=False,
                             tokenize_chinese_chars=False, unk_token="[UNK]", sep_token="[SEP]",
                             pad_token="[PAD]", cls_token="[CLS]", mask_token="[MASK]")


def scratch_bert_config(tokenizer, hidden_size: int = 256, num_layers: int = 4, num_heads: int = 4,
                        intermediate_size: int = 1024, max_positions: int = 512):
    """A ``BertConfig`` for a new encoder over ``tokenizer``'s vocabulary."""

    return BertConfig(vocab_size=len(tokenizer), hidden_size=hidden_size, num_hidden_layers=num_layers,
                      num_attention_heads=num_heads, intermediate_size=intermediate_size,
                      max_position_embeddings=max_positions, pad_token_id=tokenizer.pad_token_id)
