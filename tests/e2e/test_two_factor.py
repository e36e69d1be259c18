"""Two-factor sign-in in a real browser: an admin types the demo key's code; a partner enrols
from the account page, saves the recovery codes and signs in with one of them (the parish
council's, whom no other browser test signs in: after this test the demo key is not theirs)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


def password_step(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Palavra-passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Entrar").click()


def test_an_admin_needs_the_code_after_the_password(
    sign_in: Callable[[str], Page], server: str
) -> None:
    page = sign_in("coordenacao@portel.demo")  # the helper types the demo key's code
    expect(page.get_by_role("heading", level=1)).to_have_text("Município de Portel")


def test_enrol_then_sign_in_with_a_recovery_code(server: str, browser: Browser) -> None:
    context = browser.new_context(locale="pt-PT", base_url=server)
    context.set_default_timeout(10_000)
    page = context.new_page()
    password_step(page, "junta@mourao.demo")
    expect(page.get_by_role("button", name="Sair")).to_be_visible()

    page.goto("/account")
    page.get_by_role("link", name="Ativar").click()
    expect(page.locator("figure.qr svg")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text()
    page.get_by_label("Código de verificação").fill("000000")
    page.get_by_role("button", name="Ativar").click()
    expect(page.locator("#code-error")).to_contain_text("O código não está certo")
    page.get_by_label("Código de verificação").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Ativar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Códigos de recuperação")
    codes = page.get_by_test_id("recovery-codes").get_by_role("listitem").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[0-9a-f-]{19}", c) for c in codes)

    page.get_by_role("link", name="Continuar").click()
    page.get_by_role("button", name="Sair").click()
    password_step(page, "junta@mourao.demo")
    expect(page).to_have_url(f"{server}/login/two-factor")
    page.get_by_label("Código da aplicação ou código de recuperação").fill(codes[0])
    page.get_by_role("button", name="Confirmar").click()
    expect(page.get_by_role("status")).to_contain_text("restam 9")
    context.close()
