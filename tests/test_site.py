"""The rendered book: every chapter runs under the paper profile on fixtures, `jupyter-book build -W`
passes, and headless Chromium finds every page whole."""

import functools
import http.server
import shutil
import threading

import pytest

from zfcompanion import book

from . import fixtures


def test_every_chapter_runs_under_the_paper_profile(tmp_path):
    data_dir = fixtures.imagenet(tmp_path / "imagenet", per_class=18)  # 9 validation images a class: a top 9
    checkpoint_dir = fixtures.paper_checkpoints(tmp_path / "checkpoints", num_classes=3)
    fixtures.paper_study(checkpoint_dir, data_dir, num_classes=3)
    annotations = fixtures.correspondence_annotations(tmp_path / "dogs", sorted((data_dir / "val").rglob("*.JPEG"))[:5])
    transfer_dir = tmp_path / "transfer"  # enough images a class for Tables 4, 5 and 7's training sizes
    fixtures.caltech101(transfer_dir, per_class=35)
    fixtures.caltech256(transfer_dir, per_class=65)
    fixtures.voc2012(transfer_dir, count=24)
    parameters = {"profile": "paper", "checkpoint_dir": str(checkpoint_dir), "data_dir": str(data_dir),
                  "device": "cpu", "seed": 0, "annotations": str(annotations), "transfer_dir": str(transfer_dir),
                  "repeats": 1, "scratch_epochs": 1, "scratch_per_class": [15],  # ZFNet trains on CPU here
                  "atlas_maps": 2, "check_maps": 2,  # a few of ZFNet's 1,376 maps: its projections are slow on CPU
                  "maps_per_layer": 2, "measured_maps": 4, "random_groups": 10, "context_images": 6}
    for name in book.toc_chapters():
        book.execute(name, parameters, output_dir=tmp_path)
        assert (tmp_path / f"{name}.ipynb").exists()


def test_single_network_chapters_run_on_torchvisions_imported_alexnet(tmp_path, monkeypatch):
    """A reader with torchvision's weights and no GPU-days: `zfcompanion data --import-weights alexnet`,
    then `--network alexnet-torchvision` (random weights stand in for the download)."""
    from zfcompanion import checkpoints

    weights = fixtures.torchvision_alexnet(tmp_path / "hub")
    monkeypatch.setattr(checkpoints, "torchvision_weights_path", lambda name: weights)
    checkpoints.import_torchvision("alexnet", tmp_path / "checkpoints" / "alexnet-torchvision")
    data_dir = fixtures.imagenet(tmp_path / "imagenet", per_class=18)
    parameters = {"profile": "paper", "checkpoint_dir": str(tmp_path / "checkpoints"), "data_dir": str(data_dir),
                  "device": "cpu", "seed": 0, "network": "alexnet-torchvision",
                  "maps_per_layer": 2, "measured_maps": 4, "random_groups": 10}  # quick on CPU
    for name in ("fig2",):  # its deconvnet, mining and grouping on a network without normalization
        book.execute(name, parameters, output_dir=tmp_path)
        assert "alexnet-torchvision" in (tmp_path / f"{name}.ipynb").read_text()


@pytest.fixture(scope="module")
def site():
    book.build_html()  # raises on any Sphinx warning
    return book.ROOT / "_build" / "html"


@pytest.fixture(scope="module")
def browser(site):
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.skip("Chromium is not installed: `make browser` installs Debian's chromium and chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--window-size={WINDOW_WIDTH},1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    yield driver
    driver.quit()
    server.shutdown()


WINDOW_WIDTH = 1280  # a laptop's browser window
SCREENSHOTS = book.ROOT / "build" / "screenshots"  # the test's artifacts, out of git


PAGES = ["book/intro", *[f"book/chapters/{name}" for name in book.toc_chapters()],
         "book/scorecard", "book/reproduce", "book/performance"]


@pytest.mark.parametrize("page", PAGES)
def test_page_is_whole(browser, page):
    browser.get(f"{browser.base_url}/{page}.html")
    body = browser.find_element("tag name", "body").text
    assert "Traceback" not in body and "Error" not in body.split("\n")[0]
    broken = browser.execute_script(
        "return [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")
    assert not broken, f"broken images on {page}: {broken}"
    tiny = browser.execute_script(
        "return [...document.querySelectorAll('.cell_output img')].filter(i => i.naturalWidth < 50).map(i => i.src)")
    assert not tiny, f"empty figures on {page}: {tiny}"
    narrow = browser.execute_script(
        "return [...document.querySelectorAll('main img')].map(i => Math.round(i.getBoundingClientRect().width))"
        ".filter(w => w < 400)")
    assert not narrow, f"figures under 400 px wide on a {WINDOW_WIDTH} px window on {page}: {narrow}"
    overflowing = browser.execute_script(
        "return [...document.querySelectorAll('main pre, main table, main .cell_output')]"
        ".filter(e => e.scrollWidth > e.clientWidth + 1 && !['auto', 'scroll'].includes(getComputedStyle(e).overflowX))"
        ".map(e => e.tagName + ': ' + e.textContent.slice(0, 60))")
    assert not overflowing, f"code or tables run past the page's edge on {page}: {overflowing}"
    assert browser.execute_script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(WINDOW_WIDTH, min(height, 16000))
    browser.save_screenshot(str(SCREENSHOTS / f"{page.replace('/', '_')}.png"))
    browser.set_window_size(WINDOW_WIDTH, 1000)
    navigation = browser.find_element("css selector", "nav.bd-links").get_attribute("innerHTML")
    for other in [p for p in PAGES[1:] if p != page]:  # the current page links to itself as "#"
        assert other.split("/")[-1] + ".html" in navigation, f"{other} is missing from the navigation"
