"""Helpers for the real-browser tests: Debian's Chromium through Playwright, a JupyterLab server, a static server.

Playwright's own browser download does not work on our machines, so the tests
drive Debian's ``/usr/bin/chromium`` (``./run.sh test`` installs it when
missing). Screenshots go to ``test-artifacts/browser/`` (git-ignored), or to
``$WORKBOOK_ARTIFACTS`` when set.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("WORKBOOK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def artifacts_dir(name: str) -> Path:
    """Where screenshots of test ``name`` go (created, emptied first)."""
    base = Path(os.environ.get("WORKBOOK_ARTIFACTS", ROOT / "test-artifacts")) / "browser" / name
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    return base


def chromium_problem() -> str | None:
    """Why Chromium cannot be used here, or None when it can."""
    if not Path(CHROMIUM).exists():
        return (f"no Chromium at {CHROMIUM}: install Debian's `chromium` package "
                "(./run.sh test does so when it runs as root or with sudo)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (it is in the [test] extra)"
    return None


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium browser (Playwright); raises RuntimeError with the reason if it cannot start."""
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                                                 timeout=30_000)
        except Error as error:
            raise RuntimeError(f"Chromium at {CHROMIUM} did not start: {str(error).splitlines()[0]}") from error
        try:
            yield browser
        finally:
            browser.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_url(url: str, timeout: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError as error:
            last = error
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s ({last})")


@contextlib.contextmanager
def jupyter_lab(root_dir: Path, state_dir: Path, python: str | Path = sys.executable, app: str = "jupyterlab"
                ) -> Iterator[tuple[str, str]]:
    """JupyterLab (or, with ``app="notebook"``, Notebook 7) on 127.0.0.1 serving ``root_dir``; yields (URL, token).

    It listens on a free port and requires a random token.

    Settings, workspaces and runtime files live in ``state_dir`` so that
    neither the learner's own JupyterLab state nor an earlier run leaks in.
    """
    port, token = free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(state_dir / "config"),
        "JUPYTER_RUNTIME_DIR": str(state_dir / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(state_dir / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(state_dir / "workspaces"),
        "PYTHONWARNINGS": "ignore",
    }
    command = [str(python), "-m", app, "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root_dir}"]
    if app == "jupyterlab":
        command.append("--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate")
    if os.geteuid() == 0:
        command.append("--allow-root")
    news = state_dir / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True, exist_ok=True)
    news.write_text('{"fetchNews": "false"}')  # no "would you like news?" pop-up over the screenshots
    # Every cell stays laid out (by default the page skips cells out of view): the tests measure every output.
    tracker = state_dir / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True, exist_ok=True)
    tracker.write_text('{"windowingMode": "none"}')
    log = (state_dir / "jupyterlab.log").open("w", encoding="utf-8")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root_dir)
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_for_url(f"{base}/api/status?token={token}", timeout=180, process=process)  # slow when CI is busy
        except (RuntimeError, TimeoutError) as error:
            log.flush()
            raise RuntimeError(f"{error}\n--- JupyterLab's log ---\n{(state_dir / 'jupyterlab.log').read_text()}")\
                from None
        yield base, token
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".js": "text/javascript", ".mjs": "text/javascript",
                      ".json": "application/json", ".whl": "application/zip"}

    def log_message(self, *args: object) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


@contextlib.contextmanager
def static_server(directory: Path) -> Iterator[str]:
    """A static HTTP server on 127.0.0.1 serving ``directory``, in a thread; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
