"""The platform admin connects the Santa Casa's identity provider; Carla, its partner
professional, then signs in through it (a real OpenID provider on 127.0.0.1, real Chromium)
and lands in Mourão with her role, seeing exactly the cases shared with the Santa Casa."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.oidc_provider import OidcProvider, Person

pytestmark = pytest.mark.e2e

SCM = "Santa Casa da Misericórdia de Mourão"
CLIENT_ID = "teia-e2e"
SECRET = "segredo-do-cliente-e2e"


@pytest.fixture(scope="module")
def provider(server: str) -> Iterator[OidcProvider]:
    p = OidcProvider(
        client_id=CLIENT_ID,
        client_secret=SECRET,
        redirect_uris=[f"{server}/login/sso/callback"],
        person=Person(sub="scm-carla", email="ipss@mourao.demo", name="Carla"),
    ).start()
    yield p
    p.stop()


def _connect_the_santa_casa(admin: Page, issuer: str) -> None:
    admin.goto("/admin/sso")
    admin.get_by_role("row").filter(has_text=SCM).get_by_role("link", name="Configurar").click()
    admin.get_by_label("Emissor (issuer)").fill(issuer)
    admin.get_by_label("Identificador do cliente").fill(CLIENT_ID)
    admin.get_by_label("Segredo do cliente").fill(SECRET)
    admin.get_by_label("Domínios de e-mail autorizados").fill("mourao.demo")
    admin.get_by_role("button", name="Guardar").click()
    expect(admin.get_by_role("status")).to_contain_text("Fornecedor de identidade guardado")
    expect(admin.get_by_label("Segredo do cliente")).to_have_value("")
    admin.get_by_role("button", name="Testar a ligação").click()
    expect(admin.get_by_role("status").last).to_contain_text("Ligação ao fornecedor verificada")


def _case_numbers(page: Page) -> list[str]:
    page.goto("/t/mourao/")
    page.get_by_role("link", name="Processos", exact=True).click()
    return sorted(page.locator("tbody tr td:first-child a").all_inner_texts())


def test_a_partner_signs_in_through_its_organisation(
    sign_in: Callable[[str], Page], browser: Browser, server: str, provider: OidcProvider
) -> None:
    _connect_the_santa_casa(sign_in("admin@teia.demo"), provider.issuer)

    context = browser.new_context(locale="pt-PT", base_url=server)
    context.set_default_timeout(10_000)
    carla = context.new_page()
    try:
        carla.goto("/login")
        carla.get_by_role("link", name="Entrar com a sua organização").click()
        carla.get_by_label("E-mail").fill("ipss@mourao.demo")
        carla.get_by_role("button", name="Continuar").click()
        expect(carla.get_by_role("button", name="Sair")).to_be_visible()
        expect(carla.get_by_role("heading", level=1)).to_contain_text("Carla")

        carla.get_by_role("link", name="Mourão", exact=True).click()
        expect(carla.get_by_role("navigation", name="Navegação principal")).to_contain_text(
            "Processos"
        )
        carla.goto("/account")
        expect(carla.get_by_role("main")).to_contain_text(
            f"Mourão — Profissional de entidade parceira ({SCM})"
        )

        seen = _case_numbers(carla)
        year = date.today().year  # noqa: DTZ011 - the demo numbers cases by the calendar year
        assert f"{year}/0001" in seen  # the demo case whose plan is shared with the Santa Casa
        assert f"{year}/0002" not in seen  # a demo case shared with nobody
        # Exactly what the Santa Casa's shares allow: the same list as her password session.
        assert seen == _case_numbers(sign_in("ipss@mourao.demo"))
    finally:
        context.close()
