"""report.html in real headless Chromium: tables render, every image decodes, no network."""
from io import BytesIO
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from PIL import Image
from test_eval_report import explained_run

from pirounet.systems.pirounet.evaluation.results import write_eval_report
from pirounet.viz import animate, plot_confusion_matrix, write_report

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}")


def test_report_renders_in_chromium(tmp_path):
    from playwright.sync_api import sync_playwright

    rng = np.random.default_rng(0)
    plot_confusion_matrix(np.array([[8, 2, 0], [1, 6, 3], [0, 2, 9]]),
                          tmp_path / "figures" / "confusion.png")
    walk = np.cumsum(rng.normal(0, 0.02, (6, 159)), axis=0) + rng.uniform(-1, 1, 159)
    animate(walk, tmp_path / "animations" / "walk.gif", labels=[2])
    metrics = {"accuracy": {"valid": 0.655, "test": 0.606}, "fid": {"mean": 89.3, "std": 3.2}}
    page_path = write_report(tmp_path, metrics, title="Browser check")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            requests = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto(page_path.resolve().as_uri(), wait_until="load")
            n_tables = page.locator("#metrics table").count()
            table_text = page.inner_text("#metrics")
            widths = page.evaluate(
                "Array.from(document.images, i => i.complete ? i.naturalWidth : 0)")
            screenshot = page.screenshot(full_page=True)
        finally:
            browser.close()

    assert n_tables == 2  # summary (fid) and accuracy
    assert "valid" in table_text and "0.655" in table_text and "89.3 ± 3.2" in table_text
    assert len(widths) == 2 and all(w > 0 for w in widths), widths
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    pixels = np.asarray(Image.open(BytesIO(screenshot)).convert("L"))
    assert pixels.var() > 0


def test_evaluation_report_explains_itself_in_chromium(tmp_path):
    from playwright.sync_api import sync_playwright

    page_path = write_eval_report(tmp_path, explained_run(tmp_path), "Explained run")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(page_path.resolve().as_uri(), wait_until="load")
            box = page.locator(".warnings").bounding_box()
            headline = page.locator("#headline").bounding_box()
            warnings = page.inner_text(".warnings")
            rows = page.locator("#headline tbody tr").all_inner_texts()
            curves = page.evaluate("Array.from(document.querySelectorAll('#training img'), "
                                   "i => i.complete ? i.naturalWidth : 0)")
            nav = page.inner_text("nav")
            config_hidden = not page.locator("#configs details table").first.is_visible()
            page.locator("#configs summary").first.click()
            config_shown = page.locator("#configs details table").first.is_visible()
        finally:
            browser.close()

    assert box is not None and box["height"] > 0 and box["y"] < headline["y"] < 900
    assert "2 warnings" in warnings and "Posterior collapse" in warnings
    assert len(rows) == 3 and sum("pass" in r for r in rows) == 1
    assert len(curves) == 1 and curves[0] > 0
    assert "Does it dance?" in nav and "Training curves" in nav and "Configs" in nav
    assert config_hidden and config_shown
