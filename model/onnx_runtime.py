"""The encoder of an :class:`~model.modeling.EventModel` exported to ONNX and run with ONNX Runtime.

What is exported is :meth:`EventModel.encode`: everything up to the last hidden states, with the
word inputs (``word_ids``, ``word_flags``) and the context LSTM where the config has them. The
token and span heads stay in torch. :class:`OnnxEncoder` has the same ``encode`` signature, so
:func:`~model.window_inference.run_windows` takes it in place of the model's own.

The export (torch's TorchScript exporter, dynamic batch and sequence axes) is cached beside the
checkpoint as ``onnx/encoder.onnx`` with ``onnx/encoder.json``, which records the checkpoint's
SHA-256 and the versions that exported it; a changed checkpoint (or torch, transformers) is
exported again. Where the checkpoint directory is not writable the cache is a folder of the
system's temporary directory named after the checkpoint's hash. Needs the ``onnx`` extra
(``pip install arabic-events[onnx]``).

    >>> from arabic_events.model.configuration import EventConfig
    >>> cfg = EventConfig(encoder_config={"model_type": "bert", "hidden_size": 32, "num_hidden_layers": 1,
    ...     "num_attention_heads": 2, "intermediate_size": 64, "vocab_size": 100}, word_vocab_size=5, word_flags=3)
    >>> encoder_input_names(cfg)
    ['input_ids', 'attention_mask', 'word_ids', 'word_flags']
    >>> cache_is_current({"format": EXPORT_FORMAT, "checkpoint_sha256": "ab", **export_versions()}, "ab")
    True
    >>> cache_is_current({"format": EXPORT_FORMAT, "checkpoint_sha256": "ab", **export_versions()}, "cd")
    False
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import torch
from torch import nn

logger = logging.getLogger(__name__)

ONNX_DIR = "onnx"  #: the cache folder inside a checkpoint directory
ONNX_FILE = "encoder.onnx"
INT8_FILE = "encoder.int8.onnx"  #: the same, weights quantised to int8 by ONNX Runtime
META_FILE = "encoder.json"
EXPORT_FORMAT = 1  #: bumped when the exported graph's inputs or outputs change
OPSET = 17
MAX_ERROR = 1e-3  #: largest |ONNX - torch| on the hidden states accepted by the export's own check


def require_onnxruntime() -> Any:
    """The ``onnxruntime`` module, or an ImportError that says how to install it."""
    try:
        import onnxruntime
    except ImportError:
        raise ImportError("runtime='onnx' needs onnx and onnxruntime: pip install 'arabic-events[onnx]'") from None
    return onnxruntime


def encoder_input_names(config: Any) -> list[str]:
    """The inputs of the exported encoder, in order: ids and mask, then the word inputs the
    config has."""
    names = ["input_ids", "attention_mask"]
    if getattr(config, "word_vocab_size", 0):
        names.append("word_ids")
    if getattr(config, "word_flags", 0):
        names.append("word_flags")
    return names


def export_versions() -> dict[str, str]:
    """The library versions an export depends on (a different one means exporting again)."""
    import transformers

    return {"torch": torch.__version__, "transformers": transformers.__version__}


def cache_is_current(meta: dict[str, Any] | None, checkpoint_sha256: str) -> bool:
    """Whether a cached export (its ``encoder.json``) was made from this checkpoint, by this
    format and these library versions."""
    if not isinstance(meta, dict):
        return False
    return (meta.get("format") == EXPORT_FORMAT and meta.get("checkpoint_sha256") == checkpoint_sha256
            and all(meta.get(k) == v for k, v in export_versions().items()))


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cache_folder(model_dir: str | Path | None, checkpoint_sha256: str) -> Path:
    """``<model_dir>/onnx`` where that can be written, else ``<tmp>/arabic-events-onnx/<hash>``."""
    if model_dir is not None:
        folder = Path(model_dir) / ONNX_DIR
        try:
            folder.mkdir(exist_ok=True)
            if os.access(folder, os.W_OK):
                return folder
        except OSError:
            pass
        logger.info("%s is not writable: the ONNX export goes to the temporary directory", model_dir)
    folder = Path(tempfile.gettempdir()) / "arabic-events-onnx" / checkpoint_sha256[:16]
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class _Encode(nn.Module):
    """``model.encode`` with positional inputs named as :func:`encoder_input_names` says."""

    def __init__(self, model: Any, names: list[str]):
        super().__init__()
        self.model, self.names = model, names

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        kw = dict(zip(self.names, inputs))
        return self.model.encode(kw["input_ids"], kw["attention_mask"], word_ids=kw.get("word_ids"),
                                 word_flags=kw.get("word_flags"))


def example_inputs(config: Any, batch: int, length: int, seed: int = 0) -> dict[str, torch.Tensor]:
    """Random encoder inputs of one shape (the last row padded after half its length)."""
    g = torch.Generator().manual_seed(seed)
    vocab = int(config.encoder_config.get("vocab_size", 100))
    ids = torch.randint(5, max(vocab, 6), (batch, length), generator=g)
    mask = torch.ones(batch, length, dtype=torch.long)
    mask[-1, max(2, length // 2):] = 0
    out = {"input_ids": ids, "attention_mask": mask}
    if getattr(config, "word_vocab_size", 0):
        out["word_ids"] = torch.randint(0, config.word_vocab_size + 1, (batch, length), generator=g)
    if getattr(config, "word_flags", 0):
        out["word_flags"] = (torch.rand(batch, length, config.word_flags, generator=g) > 0.7).float()
    return out


def export_encoder(model: Any, path: str | Path, check: bool = True) -> Path:
    """Write ``model.encode`` (a float32 model) to ``path`` as ONNX, with dynamic batch and
    sequence axes; with ``check``, run it once on inputs of another shape than the traced ones
    and raise RuntimeError when it differs from torch by more than :data:`MAX_ERROR`."""
    if next(model.parameters()).dtype != torch.float32:
        raise ValueError(f"the ONNX export takes a float32 model, not {next(model.parameters()).dtype}")
    path = Path(path)
    names = encoder_input_names(model.config)
    wrapper = _Encode(model, names)
    was_training = model.training
    wrapper.eval()  # the exporter traces the root module's mode: a training-mode wrapper keeps dropout
    device = next(model.parameters()).device
    example = example_inputs(model.config, 2, 8)
    axes = {n: {0: "batch", 1: "sequence"} for n in [*names, "hidden"]}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # tracer and deprecation warnings of the TorchScript exporter
            torch.onnx.export(wrapper, tuple(example[n].to(device) for n in names), str(tmp), dynamo=False,
                              input_names=names, output_names=["hidden"], dynamic_axes=axes, opset_version=OPSET,
                              do_constant_folding=True)
        if check:
            err = max_difference(model, OnnxEncoder(tmp), example_inputs(model.config, 3, 13, seed=1))
            if err > MAX_ERROR:
                raise RuntimeError(f"the ONNX export of the encoder differs from torch by {err:.2g} (> {MAX_ERROR}); "
                                   "use runtime='torch'")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
        model.train(was_training)
    return path


@torch.no_grad()
def max_difference(model: Any, encoder: OnnxEncoder, inputs: dict[str, torch.Tensor]) -> float:
    """Largest absolute difference between the (eval-mode) model's and the ONNX encoder's hidden
    states on the real (unpadded) positions of ``inputs``."""
    device = next(model.parameters()).device
    kw = {k: v.to(device) for k, v in inputs.items()}
    mask = kw["attention_mask"].bool()
    ref = model.encode(kw["input_ids"], kw["attention_mask"], word_ids=kw.get("word_ids"),
                              word_flags=kw.get("word_flags"))
    out = encoder.encode(kw["input_ids"], kw["attention_mask"], word_ids=kw.get("word_ids"),
                         word_flags=kw.get("word_flags")).to(device)
    return float((out - ref)[mask].abs().max())


def quantize_onnx_int8(src: str | Path, dst: str | Path) -> Path:
    """ONNX Runtime's dynamic int8 quantisation of an exported encoder (weights int8,
    activations quantised on the fly; CPU), after its pre-processing (shape inference and graph
    optimisation; symbolic shape inference does not resolve these graphs and is skipped)."""
    require_onnxruntime()
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.shape_inference import quant_pre_process

    dst = Path(dst)
    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
    pre = dst.with_name(f".{dst.name}.{os.getpid()}.pre")
    root = logging.getLogger()
    guard = logging.NullHandler() if not root.handlers else None
    if guard is not None:  # onnxruntime.quantization logs through logging.info(): no basicConfig() behind our back
        root.addHandler(guard)
    try:
        quant_pre_process(str(src), str(pre), skip_symbolic_shape=True)
        quantize_dynamic(str(pre), str(tmp), weight_type=QuantType.QInt8)
        tmp.replace(dst)
    finally:
        if guard is not None:
            root.removeHandler(guard)
        tmp.unlink(missing_ok=True)
        pre.unlink(missing_ok=True)
    return dst


def ensure_exported(model: Any, model_dir: str | Path | None, int8: bool = False) -> Path:
    """The cached export of a checkpoint's encoder (``model`` is that checkpoint loaded in
    float32), exported first where missing or stale. Without ``model_dir`` (a model not loaded
    from a directory) the export goes to a new temporary folder."""
    weights = Path(model_dir) / "model.safetensors" if model_dir is not None else None
    if weights is None or not weights.exists():
        folder = Path(tempfile.mkdtemp(prefix="arabic-events-onnx-"))
        digest, meta = "", None
    else:
        digest = file_sha256(weights)
        folder = cache_folder(model_dir, digest)
        try:
            meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = None
    target = folder / (INT8_FILE if int8 else ONNX_FILE)
    current = cache_is_current(meta, digest) and (folder / ONNX_FILE).exists()
    if not current:
        logger.info("exporting the encoder to %s", folder / ONNX_FILE)
        (folder / INT8_FILE).unlink(missing_ok=True)
        export_encoder(model, folder / ONNX_FILE)
        if digest:
            meta = {"format": EXPORT_FORMAT, "checkpoint_sha256": digest, "opset": OPSET,
                    "inputs": encoder_input_names(model.config), **export_versions()}
            (folder / META_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")
    if int8 and not target.exists():
        quantize_onnx_int8(folder / ONNX_FILE, target)
    return target


class OnnxEncoder:
    """An exported encoder in an ONNX Runtime session, called like :meth:`EventModel.encode`.

    Args:
        path: the ``.onnx`` file.
        device: ``"cuda"`` runs it with the CUDAExecutionProvider where onnxruntime has it
            (the ``onnxruntime-gpu`` package), else on the CPU.
        threads: intra-op threads (default: torch's thread count).
    """

    def __init__(self, path: str | Path, device: str | torch.device = "cpu", threads: int | None = None):
        ort = require_onnxruntime()
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or torch.get_num_threads()
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        providers = ["CPUExecutionProvider"]
        if torch.device(device).type == "cuda":
            if "CUDAExecutionProvider" in ort.get_available_providers():
                providers.insert(0, "CUDAExecutionProvider")
            else:
                logger.warning("onnxruntime has no CUDAExecutionProvider (install onnxruntime-gpu): "
                               "the ONNX encoder runs on the CPU")
        self.path = Path(path)
        self.session = ort.InferenceSession(str(path), sess_options=opts, providers=providers)
        self.input_names = [i.name for i in self.session.get_inputs()]

    @property
    def providers(self) -> list[str]:
        return self.session.get_providers()

    def encode(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
               token_type_ids: torch.Tensor | None = None, word_ids: torch.Tensor | None = None,
               word_flags: torch.Tensor | None = None) -> torch.Tensor:
        """Float32 hidden states (batch, sequence, hidden) on ``input_ids``'s device."""
        if token_type_ids is not None and bool(token_type_ids.ne(0).any()):
            raise ValueError("the ONNX encoder was exported without token_type_ids (all zeros)")
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        given = {"input_ids": input_ids, "attention_mask": attention_mask, "word_ids": word_ids,
                 "word_flags": word_flags}
        missing = [n for n in self.input_names if given[n] is None]
        if missing:
            raise ValueError(f"this model takes word inputs: pass {' and '.join(missing)} "
                             "(model.word_featurizer.token_inputs computes them)")
        feeds = {n: given[n].detach().cpu().numpy() for n in self.input_names}
        if "word_flags" in feeds:
            feeds["word_flags"] = feeds["word_flags"].astype("float32", copy=False)
        for n in ("input_ids", "attention_mask", "word_ids"):
            if n in feeds:
                feeds[n] = feeds[n].astype("int64", copy=False)
        (hidden,) = self.session.run(["hidden"], feeds)
        return torch.from_numpy(hidden).to(input_ids.device)
