"""End to end: label a synthetic recording in real headless Chromium, then come back to it."""
from __future__ import annotations

import io
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest
from PIL import Image

from pirounet.systems.pirounet.data.synthetic import write_synthetic_dataset
from pirounet.systems.pirounet.label_app import LabelApp, make_server, recording_task

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed")


@pytest.fixture
def address(tmp_path) -> str:
    """A live server on a free port over a 10-block synthetic recording; yields its URL."""
    write_synthetic_dataset(tmp_path / "rec", seed=2, frames=10 * 40 + 13, n_files=1)
    app = LabelApp(recording_task(str(tmp_path / "rec" / "mariel_*.npy"), 40),
                   tmp_path / "labels.csv")
    server = make_server(app, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@contextmanager
def app_page(address: str, errors: list[str]) -> Iterator:
    """A headless Chromium page on the app, loaded and ready; page errors go to errors."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("pageerror", lambda err: errors.append(str(err)))
        page.goto(address)
        page.wait_for_selector("body[data-ready=true]")
        yield page
        browser.close()


def figure_pixels(png: bytes) -> tuple[int, int]:
    """(strongly coloured pixels, distinct colours) of a screenshot: the grey floor counts not."""
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3).astype(int)
    coloured = (rgb.max(axis=1) - rgb.min(axis=1)) > 80  # the blue and red limbs
    return int(coloured.sum()), len(np.unique(rgb, axis=0))


def test_label_relabel_reload_and_csv(address, tmp_path):
    from playwright.sync_api import expect

    def option(field: str, value: int) -> str:
        return f".option[data-field={field}][data-value='{value}']"

    errors: list[str] = []
    with app_page(address, errors) as page:
        title, count = page.locator("#block-title"), page.locator("#progress-count")
        expect(title).to_have_text("Block 1 of 10")

        # Block 1 by mouse: neutral time, direct space, the Save button.
        page.click(option("time", 2))
        page.click(option("space", 3))
        page.click("#save")
        expect(title).to_have_text("Block 2 of 10")
        # Block 2 by keyboard: 3 = sudden, Shift+1 = indirect, Enter.
        page.keyboard.press("3")
        page.keyboard.press("Shift+Digit1")
        page.keyboard.press("Enter")
        expect(title).to_have_text("Block 3 of 10")
        # Block 3: 4 = time N/A, w = neutral space, right arrow.
        page.keyboard.press("4")
        page.keyboard.press("w")
        page.keyboard.press("ArrowRight")
        expect(title).to_have_text("Block 4 of 10")
        expect(count).to_have_text("3")

        # Back to block 2: its labels are shown; relabel it (2 = neutral, r = space N/A).
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowLeft")
        expect(title).to_have_text("Block 2 of 10")
        expect(page.locator(f"{option('time', 3)} input")).to_be_checked()
        expect(page.locator(f"{option('space', 1)} input")).to_be_checked()
        page.keyboard.press("2")
        page.keyboard.press("r")
        page.keyboard.press("Enter")
        expect(title).to_have_text("Block 3 of 10")
        expect(count).to_have_text("3")

        # Reload: starts at the first unlabelled block with progress and labels kept.
        page.reload()
        page.wait_for_selector("body[data-ready=true]")
        expect(title).to_have_text("Block 4 of 10")
        expect(count).to_have_text("3")
        time_counts = page.locator("tr[data-field=time] td.count").all_inner_texts()
        assert time_counts == ["0", "2", "0", "1"]  # sustained, neutral, sudden, N/A
        page.fill("#jump-value", "2")
        page.press("#jump-value", "Enter")
        expect(title).to_have_text("Block 2 of 10")
        expect(page.locator("#saved")).to_have_text(
            "Saved: Time Effort neutral (2), Space Effort N/A (4)")
        expect(page.locator(f"{option('space', 4)} input")).to_be_checked()

        # The figure is drawn: many coloured pixels and colours in the canvas.
        stage = page.locator("#stage")
        page.wait_for_timeout(300)
        coloured, colours = figure_pixels(stage.screenshot())
        # Speed 0 pauses the loop; a drag then turns the figure.
        page.locator("#speed").fill("0")
        page.wait_for_timeout(100)
        paused = stage.screenshot()
        box = stage.bounding_box()
        page.mouse.move(box["x"] + 200, box["y"] + 200)
        page.mouse.down()
        page.mouse.move(box["x"] + 320, box["y"] + 230, steps=5)
        page.mouse.up()
        page.wait_for_timeout(100)
        turned = stage.screenshot()
        still_paused = stage.screenshot()

    assert (tmp_path / "labels.csv").read_bytes() == b"0,3,2\n40,4,2\n80,2,4\n"
    assert coloured > 300 and colours > 100, (coloured, colours)
    assert turned != paused and turned == still_paused
    assert errors == []


def test_one_key_accepts_the_suggestion_and_only_then_it_is_saved(address, tmp_path):
    from playwright.sync_api import expect

    from pirounet.systems.pirounet.data.label_files import read_label_sources

    csv = tmp_path / "labels.csv"
    errors: list[str] = []
    with app_page(address, errors) as page:
        title, hint = page.locator("#block-title"), page.locator("#suggestion")
        state = page.evaluate("fetch('/api/state').then((r) => r.json())")
        values = [h["value"] for h in state["suggestions"]]
        expect(hint).to_contain_text("Suggested Time:")
        expect(hint).to_contain_text("confidence")
        expect(page.locator(".option.suggested")).to_have_count(1)

        # Shown on every block visited, saved on none.
        for _ in range(3):
            page.click("#next")
        expect(title).to_have_text("Block 4 of 10")
        assert not csv.exists()
        for _ in range(3):
            page.click("#prev")
        expect(title).to_have_text("Block 1 of 10")

        # Block 1: Space by hand (q), then A alone accepts the Time suggestion and saves.
        page.keyboard.press("q")
        page.keyboard.press("a")
        expect(title).to_have_text("Block 2 of 10")
        # Block 2: A first (Space still open: nothing saved), then w and Enter.
        page.keyboard.press("a")
        expect(page.locator("#message")).to_contain_text("choose Space Effort")
        expect(title).to_have_text("Block 2 of 10")
        page.keyboard.press("w")
        page.keyboard.press("Enter")
        expect(title).to_have_text("Block 3 of 10")
        # Block 3: A, then the person picks Time themselves: their own label.
        page.keyboard.press("a")
        own = values[2] % 3 + 1
        page.keyboard.press(str(own))
        page.keyboard.press("e")
        page.keyboard.press("Enter")
        expect(title).to_have_text("Block 4 of 10")
        page.click("#prev")
        expect(page.locator("#saved")).not_to_contain_text("accepted suggestion")
        page.click("#prev")
        expect(page.locator("#saved")).to_contain_text("Time: accepted suggestion")

    assert csv.read_text() == f"0,1,{values[0]}\n40,2,{values[1]}\n80,3,{own}\n"
    assert read_label_sources(csv) == {0: (values[0], "suggested"), 40: (values[1], "suggested")}
    assert errors == []
