"""Training a WordPiece tokenizer on Arabic text (offline encoders and tests).

    >>> tok = train_wordpiece(["بحث الرئيس الروسي فلاديمير بوتين"] * 3, vocab_size=200)
    >>> tok("بوتين")["input_ids"][0] == tok.cls_token_id
    True
"""

from __future__ import annotations

from collections.abc import Iterable

from model.text import normalize

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def train_wordpiece(texts: Iterable[str], vocab_size: int = 8000, min_frequency: int = 2):
    """A ``BertTokenizerFast`` trained on ``texts`` (normalised as the pipeline does)."""
    from tokenizers import BertWordPieceTokenizer
    from transformers import BertTokenizerFast

    wp = BertWordPieceTokenizer(clean_text=True, handle_chinese_chars=False, strip_accents=False, lowercase=False)
    wp.train_from_iterator((normalize(t).text for t in texts), vocab_size=vocab_size, min_frequency=min_frequency,
                           special_tokens=SPECIAL_TOKENS, wordpieces_prefix="##", show_progress=False)
    return BertTokenizerFast(tokenizer_object=wp._tokenizer, do_lower_case=False, strip_accents=False,
                             tokenize_chinese_chars=False, unk_token="[UNK]", sep_token="[SEP]",
                             pad_token="[PAD]", cls_token="[CLS]", mask_token="[MASK]")
