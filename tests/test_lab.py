"""`make lab`: JupyterLab on the chapters, each `book/chapters/*.py` opened as a notebook (jupytext).
The test starts the server headless on localhost, opens a copy of one chapter in a real browser
(Chromium, driven by selenium), runs all its cells and reads the page for errors."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from . import fixtures

CHAPTER = "fig3"  # quick, and it needs only the repository's own files
SETTINGS = fixtures.REPO / "book" / "lab"  # what `make lab` starts JupyterLab with


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server on a copy of the chapter (so that nothing it saves touches the repository)
    beside the repository's data, its claims in a temporary folder; yields its URL."""
    jupyter = Path(sys.executable).parent / "jupyter"
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.skip("Chromium is not installed: `make browser` installs Debian's chromium and chromium-driver")
    if subprocess.run([jupyter, "lab", "--version"], capture_output=True).returncode != 0:
        pytest.skip("JupyterLab is not installed: `make lab` installs it")
    chapters = tmp_path / "book" / "chapters"
    chapters.mkdir(parents=True)
    shutil.copy(fixtures.REPO / "book" / "chapters" / f"{CHAPTER}.py", chapters)
    (tmp_path / "data").symlink_to(fixtures.REPO / "data")
    port, token = free_port(), "zfcompanion-test"
    env = {**os.environ, "ZFCOMPANION_MEMO": str(tmp_path / "memo")}  # claims go to build/claims
    server = subprocess.Popen([jupyter, "lab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
                               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={chapters}",
                               f"--LabApp.app_settings_dir={SETTINGS}", "--LabApp.expose_app_in_browser=True"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/lab/tree/{CHAPTER}.py?token={token}"
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


def test_a_chapter_runs_in_jupyterlab_without_errors(lab):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        driver.get(lab)
        wait = WebDriverWait(driver, 120)
        # The .py file opens as a notebook (jupytext), its kernel ready.
        wait.until(lambda d: len(d.find_elements("css selector", ".jp-Notebook .jp-CodeCell")) > 3)
        wait.until(lambda d: "Idle" in d.find_element("css selector", ".jp-StatusBar-Widget, #jp-main-statusbar").text)
        driver.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        prompts = "return [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent)"
        WebDriverWait(driver, 300).until(lambda d: all(p.strip() not in ("[ ]:", "[*]:") for p in d.execute_script(prompts)))
        errors = driver.execute_script(
            "return [...document.querySelectorAll('.jp-OutputArea-output[data-mime-type=\"application/vnd.jupyter.stderr\"]')]"
            ".map(o => o.textContent).filter(t => /Traceback|Error/.test(t))")
        assert not errors, errors[0][-2000:]
        outputs = driver.find_element("css selector", ".jp-Notebook").text
        assert "implementation check holds" in outputs or "checks of the implementation" in outputs.lower()
    finally:
        driver.quit()
