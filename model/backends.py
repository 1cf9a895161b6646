"""How an :class:`~model.extractor.EventExtractor` runs its model: the runtime of the encoder (torch
or ONNX Runtime), int8 quantisation, the dtype (float32 or bfloat16) and the device.

:func:`check_backend` validates a combination (pure; each refusal says why), :func:`prepare_model`
applies it to a freshly loaded float32 model.

    >>> check_backend("torch", None, "bf16", "cpu")
    torch.bfloat16
    >>> check_backend("onnx", "int8", None, None)
    torch.float32
    >>> check_backend("torch", "int8", "bfloat16", None)
    Traceback (most recent call last):
    ...
    ValueError: quantize='int8' and dtype=torch.bfloat16 are mutually exclusive: int8 quantises a float32 model
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import torch

from .quantization import QUANTIZATIONS, quantize_int8

logger = logging.getLogger(__name__)

RUNTIMES = ("torch", "onnx")
#: dtype names accepted (besides torch.float32 and torch.bfloat16 themselves)
DTYPES = {"float32": torch.float32, "fp32": torch.float32, "bfloat16": torch.bfloat16, "bf16": torch.bfloat16}


def resolve_dtype(dtype: str | torch.dtype | None) -> torch.dtype:
    """``torch.float32`` or ``torch.bfloat16`` from a name or a torch dtype (None: float32).

    >>> resolve_dtype(None), resolve_dtype("bfloat16")
    (torch.float32, torch.bfloat16)
    >>> resolve_dtype("float16")
    Traceback (most recent call last):
    ...
    ValueError: dtype='float16': the choices are float32, bfloat16 (or fp32, bf16, torch.float32, torch.bfloat16)
    """
    if dtype is None:
        return torch.float32
    if isinstance(dtype, torch.dtype) and dtype in DTYPES.values():
        return dtype
    if isinstance(dtype, str) and dtype in DTYPES:
        return DTYPES[dtype]
    raise ValueError(f"dtype={dtype!r}: the choices are float32, bfloat16 (or fp32, bf16, torch.float32, "
                     "torch.bfloat16)")


def check_backend(runtime: str = "torch", quantize: str | None = None, dtype: str | torch.dtype | None = None,
                  device: str | torch.device | None = None) -> torch.dtype:
    """The model dtype of a valid combination; ValueError naming the conflict otherwise.

    >>> check_backend("tensorrt")
    Traceback (most recent call last):
    ...
    ValueError: runtime='tensorrt': the choices are ('torch', 'onnx')
    >>> check_backend("onnx", None, "bfloat16")
    Traceback (most recent call last):
    ...
    ValueError: runtime='onnx' exports a float32 encoder; dtype=torch.bfloat16 needs runtime='torch'
    >>> check_backend("torch", "int8", None, "cuda")
    Traceback (most recent call last):
    ...
    ValueError: quantize='int8' runs on the CPU, not on device 'cuda'
    """
    if runtime not in RUNTIMES:
        raise ValueError(f"runtime={runtime!r}: the choices are {RUNTIMES}")
    if quantize is not None and quantize not in QUANTIZATIONS:
        raise ValueError(f"quantize={quantize!r}: the choices are {QUANTIZATIONS}")
    dt = resolve_dtype(dtype)
    if quantize is not None and device is not None and torch.device(device).type != "cpu":
        raise ValueError(f"quantize={quantize!r} runs on the CPU, not on device {str(device)!r}")
    if quantize is not None and dt != torch.float32:
        raise ValueError(f"quantize={quantize!r} and dtype={dt} are mutually exclusive: int8 quantises a float32 model")
    if runtime == "onnx" and dt != torch.float32:
        raise ValueError(f"runtime='onnx' exports a float32 encoder; dtype={dt} needs runtime='torch'")
    return dt


def prepare_model(model: Any, model_dir: str | Path | None, runtime: str = "torch", quantize: str | None = None,
                  dtype: str | torch.dtype | None = None, device: str | torch.device | None = None
                  ) -> tuple[Any, Any, str | torch.device | None]:
    """(model, ONNX encoder or None, device) for a float32 ``model`` loaded from ``model_dir``:

    - ``runtime="onnx"``: the encoder exported (cached in ``model_dir/onnx``, see
      :mod:`~model.onnx_runtime`) and run by ONNX Runtime; with ``quantize="int8"`` its weights
      are quantised by ONNX Runtime. The torch model keeps the heads.
    - ``quantize="int8"`` (torch): :func:`~model.quantization.quantize_int8`.
    - ``dtype="bfloat16"``: every weight cast to bfloat16 (the frozen word-vector table and the
      LSTM included); logits are read in float32 (:func:`~model.window_inference.run_windows`).

    int8 forces the CPU; otherwise ``device`` is returned unchanged."""
    dt = check_backend(runtime, quantize, dtype, device)
    model = model.eval()
    encoder = None
    if runtime == "onnx":
        from .onnx_runtime import OnnxEncoder, ensure_exported, require_onnxruntime

        require_onnxruntime()
        path = ensure_exported(model, model_dir, int8=quantize == "int8")
        run_on = "cpu" if quantize else (device or ("cuda" if torch.cuda.is_available() else "cpu"))
        encoder = OnnxEncoder(path, device=run_on)
        logger.info("encoder: %s with %s", path, ", ".join(encoder.providers))
    elif quantize == "int8":
        model = quantize_int8(model)
    if quantize is not None:
        device = "cpu"
    if dt != torch.float32:
        model = model.to(dt)
    return model, encoder, device
