"""Export a checkpoint's encoder to ONNX ahead of time (else the first ``runtime="onnx"`` load does).

    python -m arabic_events.model.onnx_export runs/offline/final          # -> runs/offline/final/onnx/encoder.onnx
    python -m arabic_events.model.onnx_export runs/offline/final --int8   # also encoder.int8.onnx

An entry point (thin): the work is :func:`~model.onnx_runtime.ensure_exported`.
"""

from __future__ import annotations

import argparse
import logging
import sys


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m arabic_events.model.onnx_export",
                                 description="Export a checkpoint's encoder to ONNX (cached in MODEL_DIR/onnx, "
                                             "re-exported when the checkpoint changes).")
    ap.add_argument("model_dir", help="checkpoint directory (from training or save_pretrained)")
    ap.add_argument("--int8", action="store_true", help="also write ONNX Runtime's int8 quantisation of it")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args(argv)
    logging.basicConfig(level="INFO" if a.verbose else "WARNING", format="%(levelname)s %(name)s: %(message)s")
    from .backends import prepare_model
    from .loading import check_checkpoint_files, quiet_transformers, resolve_source
    from .modeling import EventModel

    try:
        source = resolve_source(a.model_dir, "model")
        check_checkpoint_files(source)
        with quiet_transformers(a.verbose):
            model = EventModel.from_pretrained(source)
        _, encoder, _ = prepare_model(model, source, runtime="onnx", quantize="int8" if a.int8 else None, device="cpu")
    except (ValueError, OSError, ImportError, RuntimeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(encoder.path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
