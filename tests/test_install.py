"""The package as a user gets it: a wheel built from the checkout, installed (not editable) into a
fresh virtual environment, used from a directory that is not the checkout."""

import json
import os
import site
import subprocess
import sys
import venv

import pytest
from conftest import ROOT, SEED_FILE
from helpers import tiny_config

pytestmark = pytest.mark.slow


def run(cmd, cwd, env, check=True):
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    if check and p.returncode != 0:
        raise AssertionError(f"{cmd} exited {p.returncode}\nstdout:\n{p.stdout[-3000:]}\nstderr:\n{p.stderr[-3000:]}")
    return p


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(bin folder of a venv holding the installed wheel, a scratch working directory, env)."""
    base = tmp_path_factory.mktemp("install")
    wheels = base / "wheels"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARABIC_EVENTS_", "PYTHONPATH"))}
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(ROOT)],
        cwd=base, env=env)
    (wheel,) = wheels.glob("arabic_events-*.whl")
    # the dependencies (torch, transformers, ...) come from this interpreter's site-packages
    venv.create(base / "venv", system_site_packages=True, with_pip=False)
    # ... also when this interpreter is itself a virtual environment (its own site-packages are not
    # the system's): appended after the fresh environment's, so arabic_events still comes from the wheel
    (own,) = (base / "venv" / "lib").glob("python3*/site-packages")
    (own / "_test_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    bin_dir = base / "venv" / "bin"
    run([str(bin_dir / "python"), "-m", "pip", "install", "--no-deps", "-q", str(wheel)], cwd=base, env=env)
    work = base / "elsewhere"
    work.mkdir()
    return bin_dir, work, env


def test_imports_come_from_the_installed_wheel(installed):
    bin_dir, work, env = installed
    out = run([str(bin_dir / "python"), "-c", "import arabic_events, arabic_events.model, arabic_events.training.data.records as r;"
               "from arabic_events import EventExtractor, train;"
               "print(arabic_events.__file__); print(arabic_events.model.__file__); print(r.__file__)"], work, env).stdout
    paths = out.split()
    assert len(paths) == 3 and all("site-packages" in p and str(ROOT) not in p for p in paths), out


def test_console_scripts_are_installed(installed):
    bin_dir, work, env = installed
    for script in ("arabic-events", "arabic-events-train", "arabic-events-evaluate", "arabic-events-pretrain"):
        assert "usage:" in run([str(bin_dir / script), "--help"], work, env).stdout


def test_shared_folder_found_from_the_environment_or_named_in_the_error(installed):
    bin_dir, work, env = installed
    corpus = ROOT / "annotations" / "corpus.jsonl"
    cmd = [str(bin_dir / "arabic-events-evaluate"), "--data", str(corpus), "--predicted", str(corpus)]
    # no argument, no variable, nothing beside the working directory: one message naming all three ways
    p = run(cmd, work, env, check=False)
    assert p.returncode == 2 and "--shared PATH" in p.stderr and "ARABIC_EVENTS_SHARED" in p.stderr
    assert "../shared" in p.stderr and "Traceback" not in p.stderr
    from conftest import find_shared_corpus

    shared = find_shared_corpus()
    if shared is None:
        if os.environ.get("CI"):
            pytest.fail("CI=true but the shared corpus was not found")
        pytest.skip("the shared corpus is not here")
    report = work / "agreement.json"
    run(cmd + ["--output", str(report)], work, {**env, "ARABIC_EVENTS_SHARED": str(shared.parent.parent)})
    assert json.loads(report.read_text())["events"]["f1"] == 1.0


def test_train_then_extract_from_another_directory(installed, tmp_path):
    bin_dir, work, env = installed
    cfg = tiny_config(tmp_path, SEED_FILE, "runs/tiny", max_steps=2, eval_strategy='"no"', save_strategy='"no"')
    run([str(bin_dir / "arabic-events-train"), "--config", str(cfg), "--log-level", "WARNING"], work, env)
    assert (work / "runs" / "tiny" / "final" / "model.safetensors").exists()
    article = work / "article.txt"
    article.write_text(json.loads(SEED_FILE.read_text(encoding="utf-8").splitlines()[0])["text"], encoding="utf-8")
    out = run([str(bin_dir / "arabic-events"), "extract", str(article), "--model", "runs/tiny/final", "--no-progress"],
              work, env).stdout
    assert json.loads(out.splitlines()[0])["id"] == "article"


def test_notebook_runs_on_the_installed_wheel(installed, tmp_path, monkeypatch):
    """The quick start, executed by a kernel of the fresh environment (so it imports the wheel)."""
    import nbformat
    from nbclient import NotebookClient

    bin_dir, _, env = installed
    spec = tmp_path / "kernels" / "wheel"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(bin_dir / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "installed wheel", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    nb = nbformat.read(ROOT / "notebooks" / "quickstart.ipynb", as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell("import arabic_events; print(arabic_events.__file__)"))
    NotebookClient(nb, timeout=600, kernel_name="wheel", resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    first = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    assert "site-packages" in first and str(ROOT / "arabic_events") not in first
