"""benchmarks/quantization.py: measure_backends on a tiny checkpoint (one repeat)."""

import importlib.util

import pytest
from conftest import ROOT, make_tiny_model

from arabic_events.model.extractor import EventExtractor

pytest.importorskip("onnxruntime", reason="onnxruntime is not installed (pip install -e '.[onnx]')")


def load_benchmark():
    spec = importlib.util.spec_from_file_location("bench_quantization", ROOT / "benchmarks" / "quantization.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_measure_backends_reports_speed_and_f1_change(tokenizer, seed_records, tmp_path):
    bench = load_benchmark()
    EventExtractor(make_tiny_model(tokenizer, context_lstm=1), tokenizer, device="cpu").save_pretrained(tmp_path / "m")
    rows = bench.measure_backends(tmp_path / "m", seed_records[:2], ("fp32", "onnx", "bf16", "int8"), repeats=1)
    assert [r["backend"] for r in rows] == ["fp32", "onnx", "bf16", "int8"]
    assert [r["label"] for r in rows] == ["fp32", "onnx", "CPU-bf16", "int8"]
    fp32, onnx = rows[0], rows[1]
    assert fp32["speedup"] == fp32["speedup_best"] == 1.0 and fp32["f1_change"] == dict.fromkeys(bench.KEYS, 0.0)
    for r in rows:
        assert r["articles"] == 2 and r["seconds"] >= r["best_s"] > 0 and r["speedup"] > 0 and r["speedup_best"] > 0
        assert r["articles_per_s"] == pytest.approx(2 / r["seconds"])
        assert r["articles_per_min"] == pytest.approx(60 * r["articles_per_s"])
        assert set(r["f1"]) == set(bench.KEYS) and all(0.0 <= v <= 1.0 for v in r["f1"].values())
    assert onnx["f1"] == fp32["f1"]  # the same events as torch
    table = bench.markdown("tiny", rows, evaluate=True)
    assert "| tiny | CPU-bf16 | cpu |" in table and table.count("\n") == 5
    skipped = bench.measure_backends(tmp_path / "m", seed_records[:1], ("int8",), device="cuda", evaluate=False)
    assert skipped == [{"backend": "int8", "label": "int8", "device": "cuda", "skipped": "CPU only"}]
    with pytest.raises(ValueError, match="unknown backends"):
        bench.measure_backends(tmp_path / "m", seed_records[:1], ("fp16",))
