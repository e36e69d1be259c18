"""Browser smoke test in real headless Chromium (Debian's, driven by Playwright).

It runs the platform the way ``make run`` does (migrate, load councils and demo data,
``flask dev`` with its Celery worker) on a fresh instance folder, then a person signs in,
switches council and signs out.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

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
]

pytestmark = pytest.mark.e2e

if not Path(CHROMIUM).exists():
    if os.environ.get("TEIA_REQUIRE_BROWSER") == "1":
        raise RuntimeError("TEIA_REQUIRE_BROWSER=1 but Debian's chromium is not installed")
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True
    )


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


@pytest.fixture(scope="module")
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


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def test_sign_in_switch_council_and_sign_out(server: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page = browser.new_page(locale="pt-PT")
    page.goto(f"{server}/t/portel/")
    expect(page).to_have_url(re.compile(r"/login\?next="))

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Saltar para o conteúdo")).to_be_focused()

    page.get_by_label("E-mail").fill("tecnica@mourao.demo")
    page.get_by_label("Palavra-passe").fill("errada-mesmo")
    page.get_by_role("button", name="Entrar").click()
    expect(page.get_by_role("alert")).to_contain_text("E-mail ou palavra-passe errados.")

    page.get_by_label("Palavra-passe").fill("teia-demo")
    page.get_by_role("button", name="Entrar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Município de Portel")

    page.get_by_label("Espaço de trabalho").select_option("t/mourao")
    page.get_by_role("button", name="Mudar").click()
    expect(page).to_have_url(f"{server}/t/mourao/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Município de Mourão")
    page.screenshot(path=str(tmp_path / "home.png"), full_page=True)

    page.get_by_role("button", name="Sair").click()
    expect(page).to_have_url(f"{server}/login")
    expect(page.get_by_role("status")).to_have_text("Terminou a sessão.")
    page.goto(f"{server}/t/mourao/")
    expect(page).to_have_url(re.compile(r"/login"))
    page.close()


def test_a_coordinator_invites_a_colleague(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page = browser.new_page(locale="pt-PT")
    page.goto(f"{server}/login")
    page.get_by_label("E-mail").fill("coordenacao@mourao.demo")
    page.get_by_label("Palavra-passe").fill("teia-demo")
    page.get_by_role("button", name="Entrar").click()
    page.get_by_role("link", name="Utilizadores", exact=True).click()
    page.get_by_label("Nome", exact=True).fill("Teresa Nova")
    page.get_by_label("E-mail").fill("sem-arroba")
    page.get_by_role("button", name="Enviar convite").click()
    expect(page.locator("#email-error")).to_have_text("Escreva um endereço de e-mail válido.")
    page.get_by_label("E-mail").fill("teresa.nova@exemplo.pt")
    page.get_by_label("Papel", exact=True).select_option("case_manager")
    page.get_by_role("button", name="Enviar convite").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Convite enviado para teresa.nova@exemplo.pt"
    )
    expect(page.get_by_text("Teresa Nova (teresa.nova@exemplo.pt)")).to_be_visible()
    page.close()
