"""The quick-start notebook runs top to bottom."""

import nbformat
from conftest import ROOT
from nbclient import NotebookClient


def test_quickstart_notebook_executes():
    nb = nbformat.read(ROOT / "notebooks" / "quickstart.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = [o for o in outputs if "text/html" in o.get("data", {})]
    assert len(html) == 2 and "dir='rtl'" in html[1]["data"]["text/html"]
