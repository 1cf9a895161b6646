"""The dependency rules of docs/ARCHITECTURE.md, checked on the source (no import needed)."""

import ast
from pathlib import Path

from conftest import ROOT

ENTRY_POINTS = {"arabic_events.training.train", "arabic_events.training.pretrain", "arabic_events.analysis.__main__",
                "arabic_events.training.evaluation.__main__", "arabic_events.model.__main__",
                "arabic_events.model.onnx_export"}


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(["arabic_events", *parts]) if parts[0] in ("model", "training", "analysis") else ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports (relative imports resolved)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            out |= {f"{mod}.{a.name}" for a in node.names}
    return out


SOURCES = sorted(p for d in ("model", "training", "analysis") for p in (ROOT / d).rglob("*.py"))


def test_sources_found():
    assert len(SOURCES) > 30


def test_model_never_imports_training_or_analysis():
    bad = {str(p.relative_to(ROOT)): sorted(i for i in imports_of(p) if i.startswith(
        ("arabic_events.training", "training", "arabic_events.analysis", "analysis")))
           for p in SOURCES if p.relative_to(ROOT).parts[0] == "model"}
    assert not {k: v for k, v in bad.items() if v}


def test_no_module_imports_an_entry_point():
    bad = {str(p.relative_to(ROOT)): sorted(imports_of(p) & ENTRY_POINTS) for p in SOURCES}
    assert not {k: v for k, v in bad.items() if v}


def test_the_rule_checker_sees_a_violation(tmp_path):
    # the checker itself can fail: a model module importing training is caught
    fake = ROOT / "model" / "_rule_probe.py"
    fake.write_text("from ..training.data import records\n", encoding="utf-8")
    try:
        assert "arabic_events.training.data" in imports_of(fake)
    finally:
        fake.unlink()
