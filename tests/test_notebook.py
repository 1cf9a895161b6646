"""The quick-start notebook runs top to bottom and shows real events: the seed article's phone
call between Putin and Erdoğan, in the table and highlighted in the text, and the report's figures."""

import nbformat
from conftest import ROOT
from nbclient import NotebookClient


def test_quickstart_notebook_shows_the_phone_call():
    nb = nbformat.read(ROOT / "notebooks" / "quickstart.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    calls = [line for line in text.splitlines() if line.startswith("CONSULT phone")]
    assert any("Vladimir Putin" in line and "Recep Tayyip Erdoğan" in line for line in calls), text
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert len(html) == 3
    table, highlighted, dyads = html
    assert "<td>CONSULT</td><td>phone</td>" in table and "Vladimir Putin" in table
    assert "dir='rtl'" in highlighted and "<sub>CONSULT</sub>" in highlighted and "<sub>PER</sub>" in highlighted
    pngs = [o["data"]["image/png"] for o in outputs if "image/png" in o.get("data", {})]
    assert len(pngs) == 2  # events per week, the CONSULT network
    assert "<th>party</th>" in dyads and "Vladimir Putin" in dyads
