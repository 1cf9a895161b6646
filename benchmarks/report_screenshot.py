"""Screenshot of an HTML report for the README (docs/report.png): the CONSULT network above the
top of one highlighted article, taken in headless Debian chromium through playwright.

    python benchmarks/report_screenshot.py runs/report.html --article 4 --output docs/report.png

Not installed; needs the ``dev`` and ``report`` extras and /usr/bin/chromium (``.ci/setup``).
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("report")
    ap.add_argument("--article", type=int, default=0, help="index of the article section (art-N) to show")
    ap.add_argument("--article-height", type=int, default=560, help="pixels of the article to keep")
    ap.add_argument("--width", type=int, default=900, help="width of the PNG")
    ap.add_argument("--output", required=True)
    a = ap.parse_args(argv)
    from PIL import Image
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 1000})
        page.goto(Path(a.report).resolve().as_uri(), wait_until="load")
        shots = [page.locator('img[alt="CONSULT network"]').screenshot(),
                 page.locator(f"#art-{a.article}").screenshot()]
        browser.close()
    images = [Image.open(io.BytesIO(s)).convert("RGB") for s in shots]
    images[1] = images[1].crop((0, 0, images[1].width, min(images[1].height, a.article_height)))
    width = max(i.width for i in images)
    sheet = Image.new("RGB", (width, sum(i.height for i in images) + 10), "white")
    y = 0
    for im in images:
        sheet.paste(im, ((width - im.width) // 2, y))
        y += im.height + 10
    scale = a.width / width
    sheet = sheet.resize((a.width, round(sheet.height * scale)), Image.LANCZOS)
    sheet = sheet.quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    sheet.save(a.output, optimize=True)
    print(f"{a.output}: {sheet.width}x{sheet.height}, {Path(a.output).stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
