"""Int8 dynamic quantisation of a model's encoder for CPU inference (torch's dynamic
quantisation: weights stored in int8, activations quantised on the fly).

Only the encoder's ``nn.Linear`` layers and the context LSTM are quantised: they hold nearly all
of the compute. The small heads stay in float32, because the extractor reads their weights
directly (:meth:`~model.modeling.EventModel.token_logits`).

    >>> import torch
    >>> from arabic_events.model.configuration import EventConfig
    >>> from arabic_events.model.modeling import EventModel
    >>> cfg = EventConfig(encoder_config={"model_type": "bert", "hidden_size": 32, "num_hidden_layers": 1,
    ...     "num_attention_heads": 2, "intermediate_size": 64, "vocab_size": 100}, span_hidden=16, pair_hidden=16)
    >>> q = quantize_int8(EventModel(cfg).eval())
    >>> sum(type(m).__name__ == "Linear" and "quantized" in type(m).__module__ for m in q.encoder.modules()) > 0
    True
"""

from __future__ import annotations

import warnings
from typing import Any

import torch
from torch import nn

QUANTIZATIONS = ("int8",)


def quantize_int8(model: Any) -> Any:
    """``model`` with its encoder's linear layers and its context LSTM dynamically quantised to
    int8 (in place; returned for convenience). CPU only."""
    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():  # torch marks torch.ao.quantization as deprecated in favour of torchao
        warnings.simplefilter("ignore")
        model.encoder = quantize_dynamic(model.encoder, {nn.Linear}, dtype=torch.qint8)
        if getattr(model, "context", None) is not None:
            model.context = quantize_dynamic(model.context, {nn.LSTM}, dtype=torch.qint8)
    return model
