"""The course in a real browser: the system's headless Chromium, driven by Playwright (sync API).

No browser is ever downloaded (never run `playwright install`): Playwright launches the Chromium the system's
packages installed (`apt-get install chromium` on Debian; `make chromium` does it where it can).
Where Playwright or Chromium is missing, every test that needs them is skipped with a one-line reason, except in
CI (a non-empty CI environment variable), where that is a failure: CI must run them.

Fixtures for any browser test:
  chromium      the launched Playwright ``Browser`` (session scope): headless, the system's Chromium, with
                ``--no-sandbox`` when running as root (Chromium's sandbox refuses root).
  offline_page  a new ``Page`` in a new context that aborts every request whose URL is not ``file:``,
                ``data:``, ``blob:``, ``about:`` or http(s)/ws(s) to localhost, 127.0.0.1 or ::1;
                ``page.blocked_requests`` lists the aborted URLs in order, so a test can assert that none were
                attempted (``== []``); the context is closed after the test.
  offline_pages a factory of such pages, for a test that needs more than one (``offline_pages(**context_options)``).

For the JupyterLab tests (test_lab.py):
  lab           a JupyterLab server (session scope) on a free port, over a temporary copy of notebooks/ and
                solutions/ (running and saving never touch the checkout), in quick mode with a temporary
                cache, with settings that keep every cell in the DOM and pop no news or kernel dialogs.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0

# JupyterLab user settings for the test server (the documented JUPYTERLAB_SETTINGS_DIR layout).
LAB_SETTINGS = {
    # "none": every cell is attached to the DOM (the default windowing mode attaches only the visible ones)
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none", "autoStartDefaultKernel": True},
    # no news or update toasts (and no request to jupyter.org for them)
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False,
                                                    "doNotDisturbMode": True},
    # the test saves nothing: what it ran stays in the browser
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
}


def unavailable(reason: str):
    """Skip with ``reason`` outside CI; fail in CI, where the browser tests must run."""
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def find_chromium() -> str | None:
    """The system's Chromium executable, or None."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="session")
def chromium():
    """The system's Chromium, headless, launched by Playwright; skipped (failed in CI) where either is missing."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed: run `make install` (it is in requirements.txt)")
    executable = find_chromium()
    if executable is None:
        unavailable("no Chromium found (chromium or chromium-browser on PATH): `sudo apt-get install chromium` "
                    "on Debian/Ubuntu, or run `make chromium` as root")
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                                 args=["--no-sandbox"] if IS_ROOT else [])
        except PlaywrightError as error:
            unavailable(f"Playwright could not launch {executable}: {str(error).splitlines()[0]}")
        yield browser
        browser.close()


def _allowed(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in ("file", "data", "blob", "about"):
        return True
    return parsed.scheme in ("http", "https", "ws", "wss") and parsed.hostname in LOCAL_HOSTS


def new_offline_page(browser, **context_options):
    """A page in a new context that aborts any request leaving this machine; the URLs in ``page.blocked_requests``."""
    context = browser.new_context(**context_options)
    blocked: list[str] = []

    def guard(route):
        if _allowed(route.request.url):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("blockedbyclient")

    context.route("**/*", guard)
    page = context.new_page()
    page.blocked_requests = blocked
    return page


@pytest.fixture
def offline_pages(chromium):
    """A factory of offline pages (keyword arguments go to ``browser.new_context``), all closed after the test."""
    pages = []

    def new_page(**context_options):
        pages.append(new_offline_page(chromium, **{"viewport": {"width": 1280, "height": 900}, **context_options}))
        return pages[-1]

    yield new_page
    for page in pages:
        page.context.close()


@pytest.fixture
def offline_page(offline_pages):
    """A fresh page that may reach only file:// and localhost; ``page.blocked_requests`` lists what it could not."""
    return offline_pages()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Lab:
    """A running JupyterLab: its base URL, token and root folder (the temporary copy)."""
    url: str
    token: str
    root: Path
    log: Path

    def tree_url(self, path: str) -> str:
        """The URL that opens ``path`` (relative to the root) in a fresh workspace."""
        return f"{self.url}/lab/tree/{path}?reset&token={self.token}"

    def api(self, path: str, method: str = "GET"):
        request = urllib.request.Request(f"{self.url}/api/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self):
        """Stop every kernel (each test starts its own; an idle torch kernel holds hundreds of MB)."""
        for session in self.api("sessions"):
            self.api(f"sessions/{session['id']}", method="DELETE")

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture(scope="session")
def lab(tmp_path_factory, chromium):
    """JupyterLab over a temporary copy of the course, in quick mode, with every cell in the DOM.
    (It asks for ``chromium`` first: without a browser there is no server to start.)"""
    base = tmp_path_factory.mktemp("lab")
    root = base / "course"
    for folder in ("notebooks", "solutions"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    settings = base / "settings"
    for plugin, values in LAB_SETTINGS.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("GAN_COURSE_", "JUPYTER", "JPY_"))}
    env.update(
        GAN_COURSE_MODE="quick",
        GAN_COURSE_CACHE=str(base / "cache"),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
        JUPYTER_CONFIG_DIR=str(base / "config"),    # no user configuration
        JUPYTER_DATA_DIR=str(base / "data"),        # a fresh trust database: stored outputs untrusted, as a student's
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        PYTHONHASHSEED="0",
    )
    port, token = _free_port(), secrets.token_hex(16)
    log = base / "lab.log"
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.port_retries=0",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}",
               "--LabApp.expose_app_in_browser=True"] + (["--allow-root"] if IS_ROOT else [])
    with open(log, "w") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=root)
    running = Lab(url=f"http://127.0.0.1:{port}", token=token, root=root, log=log)
    deadline = time.monotonic() + 120
    try:
        while True:
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited with code {server.returncode} before it served:\n{running.log_tail()}")
            try:
                running.api("status")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not answer on port {port} within 120 s:\n{running.log_tail()}")
                time.sleep(0.5)
        yield running
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
