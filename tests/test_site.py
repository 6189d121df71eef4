"""The rendered book: every chapter runs under the paper profile on fixtures, `jupyter-book build -W`
passes, and headless Chromium finds every page whole."""

import functools
import http.server
import shutil
import threading

import pytest

from zfcompanion import book

from . import fixtures


QUICK = {"repeats": 1, "scratch_epochs": 1, "scratch_per_class": [15],  # ZFNet trains on CPU here
         "atlas_maps": 2, "check_maps": 2,  # a few of ZFNet's 1,376 maps: its projections are slow on CPU
         "maps_per_layer": 2, "measured_maps": 4, "random_groups": 10, "context_images": 6, "measured_images": 6}


def test_the_paper_book_is_built_by_the_command_line_in_its_own_folder(tmp_path):
    """reproduce.md's last step, `zfcompanion book --profile paper ...`, on fixtures: every chapter runs,
    the HTML is rendered in the folder given, its scorecard counts the paper profile's claims only, and
    the repository's own files are left as they were."""
    import subprocess

    from zfcompanion import cli

    data_dir = fixtures.imagenet(tmp_path / "imagenet", per_class=18)  # 9 validation images a class: a top 9
    checkpoint_dir = fixtures.paper_checkpoints(tmp_path / "checkpoints", num_classes=3)
    fixtures.paper_study(checkpoint_dir, data_dir, num_classes=3)
    annotations = fixtures.correspondence_annotations(tmp_path / "dogs", sorted((data_dir / "val").rglob("*.JPEG"))[:5])
    transfer_dir = tmp_path / "transfer"  # enough images a class for Tables 4, 5 and 7's training sizes
    fixtures.caltech101(transfer_dir, per_class=35)
    fixtures.caltech256(transfer_dir, per_class=65)
    fixtures.voc2012(transfer_dir, count=24)
    before = subprocess.run(["git", "status", "--porcelain"], cwd=book.ROOT, capture_output=True, text=True).stdout
    site = tmp_path / "site"
    command = ["book", "--profile", "paper", "--data-dir", str(data_dir), "--checkpoint-dir", str(checkpoint_dir),
               "--annotations", str(annotations), "--transfer-dir", str(transfer_dir), "--output", str(site)]
    assert cli.main(command + [arg for name, value in QUICK.items() for arg in ("-p", name, repr(value))]) == 0
    for name in book.toc_chapters():
        assert (site / "book" / "chapters" / f"{name}.ipynb").exists(), name
    assert (site / "_build" / "html" / "book" / "chapters" / "table7.html").exists()
    scorecard = (site / "book" / "scorecard.md").read_text()
    assert "paper profile" in scorecard and "mini profile" not in scorecard
    after = subprocess.run(["git", "status", "--porcelain"], cwd=book.ROOT, capture_output=True, text=True).stdout
    assert after == before


def test_single_network_chapters_run_on_torchvisions_imported_alexnet(tmp_path, monkeypatch):
    """A reader with torchvision's weights and no GPU-days, as the README says, through the command
    line: `zfcompanion data --import-weights alexnet`, then `book --network alexnet-torchvision` (random
    weights stand in for the download)."""
    from zfcompanion import checkpoints, cli

    weights = fixtures.torchvision_alexnet(tmp_path / "hub")
    monkeypatch.setattr(checkpoints, "torchvision_weights_path", lambda name: weights)
    imported = tmp_path / "checkpoints" / "alexnet-torchvision"
    assert cli.main(["data", "--import-weights", "alexnet", "--out", str(imported)]) == 0
    data_dir = fixtures.imagenet(tmp_path / "imagenet", per_class=18)
    site = tmp_path / "site"
    quick = ["-p", "maps_per_layer", "2", "-p", "measured_maps", "4", "-p", "random_groups", "10"]
    assert cli.main(["book", "--profile", "paper", "--data-dir", str(data_dir), "--checkpoint-dir", str(imported.parent),
                     "--network", "alexnet-torchvision", "--only", "fig2", "--no-html", "--output", str(site),
                     *quick]) == 0  # its deconvnet, mining and grouping on a network without normalization
    assert "alexnet-torchvision" in (site / "book" / "chapters" / "fig2.ipynb").read_text()


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
