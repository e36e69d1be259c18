"""Browser smoke test in real headless Chromium, against the platform run as by ``make run``
(see conftest.py): a person signs in, switches council and signs out; a coordinator invites
a colleague.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.totp import type_second_factor

pytestmark = pytest.mark.e2e


def test_sign_in_switch_council_and_sign_out(server: str, browser: Browser, tmp_path: Path) -> None:
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


def test_a_coordinator_invites_a_colleague(server: str, browser: Browser) -> None:
    page = browser.new_page(locale="pt-PT")
    page.goto(f"{server}/login")
    page.get_by_label("E-mail").fill("coordenacao@mourao.demo")
    page.get_by_label("Palavra-passe").fill("teia-demo")
    page.get_by_role("button", name="Entrar").click()
    expect(page).to_have_url(f"{server}/login/two-factor")
    type_second_factor(page, "coordenacao@mourao.demo")
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
