"""Real headless Chromium (Debian's, driven by Playwright) against the platform, run as by
``make run``.

One server for the whole browser session: migrate, load the councils and the demo data, then
``flask dev`` (with its Celery worker) on a fresh instance folder. Tests share it, so each one
creates its own data and never relies on another's.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import DEMO_PASSWORD
from tests.e2e.totp import type_second_factor

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=pt-PT",
]

if not Path(CHROMIUM).exists() and os.environ.get("TEIA_REQUIRE_BROWSER") == "1":
    raise RuntimeError("TEIA_REQUIRE_BROWSER=1 but Debian's chromium is not installed")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(reason="Debian's chromium is not installed (apt-get install chromium)")
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(args: list[str], env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", *args],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    instance = tmp_path_factory.mktemp("e2e-instance")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEIA_")}
    env.update(TEIA_INSTANCE_DIR=str(instance), TEIA_ENV="development")
    _run(["alembic", "upgrade", "head"], env)
    _run(["flask", "--app", "teia", "tenants", "sync", "tenants/"], env)
    _run(["flask", "--app", "teia", "demo"], env)
    port = _free_port()
    log = (instance / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "teia", "dev", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310 - our local server
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError((instance / "server.log").read_text()) from None
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def sign_in(server: str, browser: Browser) -> Iterator[Callable[[str], Page]]:
    """A signed-in page per person, each in its own browser context (its own cookies)."""
    contexts = []

    def _sign_in(email: str) -> Page:
        context = browser.new_context(locale="pt-PT", base_url=server)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Palavra-passe").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Entrar").click()
        signed_in = page.get_by_role("button", name="Sair")
        code = page.get_by_label("Código da aplicação ou código de recuperação")
        expect(signed_in.or_(code)).to_be_visible()
        if code.is_visible():
            type_second_factor(page, email)
        expect(page.get_by_role("button", name="Sair")).to_be_visible()
        return page

    yield _sign_in
    for context in contexts:
        context.close()
