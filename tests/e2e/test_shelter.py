"""Issue 5's two examples from the seed, in the browser, on the demo's CIMAC pool.

Beatriz (15), threatened by a criminal group, needs a place away from her territory: the
desk's candidates put the farthest council (Portel) first and Mourão's own home out; Portel's
unit accepts seeing only her profile; after the admission only Portel's staff read her
admission sheet. Tiago (8), in serious neglect, keeps his school: Mourão's home comes first,
its staff accept, and the request page explains why that place.

Each example uses its own demo case and publics (adolescents, children), so they pass in
either order on the shared server. Each person signs in once for both: seven sign-ins in a
minute would crowd the per-address login limit that the next test files meet too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.conftest import DEMO_PASSWORD
from tests.e2e.totp import type_second_factor

pytestmark = pytest.mark.e2e

MANAGER = "gestora@mourao.demo"
DESK = "coordenacao@cimac.demo"
MOURAO_HOME = "Casa de Acolhimento Nossa Senhora das Candeias"
REGUENGOS_HOME = "Lar de Infância e Juventude de Reguengos"
PORTEL_HOME = "Casa de Acolhimento de Portel"
NOT_FOUND = "Página não encontrada"


@pytest.fixture(scope="module")
def person(server: str, browser: Browser) -> Iterator[Callable[[str], Page]]:
    """A signed-in page per person (each in its own context), signed in once per module."""
    pages: dict[str, Page] = {}

    def _person(email: str) -> Page:
        if email not in pages:
            context = browser.new_context(locale="pt-PT", base_url=server)
            context.set_default_timeout(10_000)
            page = context.new_page()
            page.goto("/login")
            page.get_by_label("E-mail").fill(email)
            page.get_by_label("Palavra-passe").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Entrar").click()
            code = page.get_by_label("Código da aplicação ou código de recuperação")
            expect(page.get_by_role("button", name="Sair").or_(code)).to_be_visible()
            if code.is_visible():
                type_second_factor(page, email)
            expect(page.get_by_role("button", name="Sair")).to_be_visible()
            pages[email] = page
        return pages[email]

    yield _person
    for page in pages.values():
        page.context.close()


def _open_case(page: Page, search: str, full_name: str) -> None:
    """The case manager finds the person and opens their case."""
    page.get_by_role("link", name="Pessoas", exact=True).click()
    page.get_by_role("searchbox", name=re.compile("^Nome, NIF")).fill(search)
    page.get_by_role("button", name="Pesquisar").click()
    row = page.get_by_role("row").filter(has_text=full_name)
    row.get_by_role("link", name=re.compile(r"^\d{4}\/\d{4}$")).click()
    expect(page.locator(".case-head")).to_contain_text(full_name)


def _request(page: Page, *, public: str, indicator: str, risk: str, urgency: str) -> None:
    page.get_by_role("link", name="Pedir vaga de acolhimento").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pedido de vaga de acolhimento")
    anchor = page.get_by_label("Concelho de referência (escola, saúde, família)")
    expect(anchor.locator("option:checked")).to_have_text("Mourão")  # the council, by default
    page.get_by_label("Público da vaga").select_option(label=public)
    page.get_by_label(re.compile("^" + indicator)).check()
    page.get_by_label("Nível de risco").select_option(label=risk)
    page.get_by_label("Urgência", exact=True).select_option(label=urgency)
    page.get_by_label("Órgão de proteção envolvido").select_option(
        label="CPCJ (Comissão de Proteção de Crianças e Jovens)"
    )


def _send(page: Page) -> str:
    page.get_by_role("button", name="Enviar pedido à mesa de regulação").click()
    expect(page.get_by_role("status")).to_contain_text(
        re.compile(r"Pedido de vaga \S+ registado e enviado à mesa de regulação\.")
    )
    return (
        page.locator(
            "section", has=page.get_by_role("heading", name="O que a mesa de regulação vê")
        )
        .locator("dd")
        .first.inner_text()
    )


def _desk_request(page: Page, reference: str) -> None:
    """The coordinator opens the queue from the desk's home and the request from the queue."""
    page.goto("/c/cimac/")
    page.get_by_role("link", name="Acolhimento", exact=True).click()
    page.get_by_role("link", name="Abrir a fila").click()
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_be_visible()
    row.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)


def _candidates(page: Page) -> Locator:
    section = page.locator(
        "section", has=page.get_by_role("heading", name=re.compile("^Unidades candidatas"))
    )
    return section.locator("tbody tr")


def _offer(page: Page, unit: str) -> None:
    page.get_by_label(unit, exact=True).check()
    page.get_by_role("button", name="Oferecer a vaga na unidade escolhida").click()
    expect(page.get_by_role("status")).to_have_text(
        f"Vaga oferecida a {unit}; a unidade foi avisada."
    )


def _accept(page: Page, tenant: str, unit: str) -> str:
    """The unit's staff open their offers from the shelter home and accept the one waiting;
    gives the offer as they saw it."""
    page.goto(f"/t/{tenant}/")
    page.get_by_role("link", name="Acolhimento", exact=True).click()
    mine = page.locator("li", has=page.get_by_text(unit, exact=True))
    mine.get_by_role("link", name="1 oferta por responder").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Ofertas de vaga — {unit}")
    offer = page.locator("section.card").first
    seen = offer.inner_text()
    offer.get_by_label("Aceitar a vaga").check()
    offer.get_by_role("button", name="Responder").click()
    expect(page.get_by_role("status")).to_have_text("Vaga aceite: aguarda a admissão.")
    return seen


def _admit(page: Page, request_url: str, unit: str, guide: str) -> None:
    page.goto(request_url)
    expect(page.get_by_role("status")).to_contain_text(f"A unidade {unit} aceitou a vaga.")
    page.get_by_role("link", name="Registar a admissão").click()
    page.get_by_label("N.º da guia de encaminhamento").fill(guide)
    page.get_by_label("PIA (plano individual de acompanhamento)").check()
    page.get_by_label("Saúde (condições a vigiar, alergias)").fill("Sem alergias conhecidas.")
    page.get_by_role("button", name="Registar a admissão").click()
    expect(page.get_by_role("status")).to_have_text(
        "Admissão registada; a unidade recebeu a ficha de admissão."
    )
    expect(page).to_have_url(re.compile(r"/t/mourao/shelter/stays/\d+$"))


def test_beatriz_is_placed_away_from_the_criminal_group(
    person: Callable[[str], Page], tmp_path: Path
) -> None:
    ana = person(MANAGER)
    _open_case(ana, "Beatriz Cordeiro", "Beatriz Cordeiro Valadas")
    _request(
        ana,
        public="Jovens dos 12 aos 17 anos",
        indicator="Risco iminente",
        risk="Crítico",
        urgency="Imediata (hoje)",
    )
    ana.get_by_label("Situação", exact=True).fill(
        "Em casa de uma tia em Mourão desde ontem; a família recebeu ameaças de morte."
    )
    ana.get_by_label("N.º do processo de promoção e proteção ou judicial").fill("PPP 201/26")
    ana.get_by_label("Por segurança, a vaga tem de ser fora do território").check()
    ana.get_by_label("Motivo de segurança").fill(
        "Ameaçada por grupo criminoso: a vaga tem de ser fora do território."
    )
    reference = _send(ana)
    request_url = ana.url
    assert reference.startswith("MOU ")

    ines = person(DESK)
    ines.goto("/c/cimac/shelter/queue")
    first = ines.locator("tbody tr").first
    expect(first).to_contain_text(reference)
    expect(first).to_contain_text("Crítico")
    expect(first).to_contain_text("Imediata (hoje)")
    expect(first).to_contain_text("segurança")
    expect(first).not_to_contain_text("Beatriz")
    _desk_request(ines, reference)
    expect(ines.locator("main")).not_to_contain_text("Beatriz")
    rows = _candidates(ines)
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(PORTEL_HOME)
    expect(rows.nth(0)).to_contain_text(
        "1.º — fora do território (resto do consórcio), por segurança (+100) = 100"
    )
    expect(rows.nth(1)).to_contain_text(REGUENGOS_HOME)
    expect(rows.nth(1)).to_contain_text(
        "2.º — concelho vizinho, por segurança depois dos mais afastados (+50) = 50"
    )
    excluded = ines.locator("details", has=ines.get_by_text("fora do território, por segurança: 1"))
    excluded.locator("summary").click()
    expect(excluded).to_contain_text(MOURAO_HOME)
    ines.screenshot(path=str(tmp_path / "beatriz-candidates.png"), full_page=True)
    _offer(ines, PORTEL_HOME)

    sergio = person("acolhimento@portel.demo")
    seen = _accept(sergio, "portel", PORTEL_HOME)
    assert "15 anos" in seen and "Feminino" in seen and "Sim, por segurança" in seen
    assert "Beatriz" not in seen and "Cordeiro" not in seen and "Mourão" not in seen

    _admit(ana, request_url, PORTEL_HOME, "GE-MOU-2026-101")

    sergio.goto("/t/portel/shelter/my-units")
    sergio.locator("tr", has=sergio.get_by_text(PORTEL_HOME, exact=True)).get_by_role(
        "link", name="Fichas de admissão"
    ).click()
    residents = sergio.locator("tbody tr")
    expect(residents).to_have_count(1)
    expect(residents).to_contain_text("Beatriz Cordeiro Valadas")
    residents.get_by_role("link", name="Beatriz Cordeiro Valadas").click()
    expect(sergio.get_by_role("heading", level=1)).to_have_text(
        "Ficha de admissão: Beatriz Cordeiro Valadas"
    )
    sheet = sergio.locator("dl.pairs")
    expect(sheet).to_contain_text("GE-MOU-2026-101")
    expect(sheet).to_contain_text("Sem alergias conhecidas.")
    expect(sergio.locator("main")).not_to_contain_text("grupo criminoso")
    sheet_path = re.sub(r"^https?://[^/]+", "", sergio.url)

    marta = person("acolhimento@mourao.demo")
    marta.goto("/t/mourao/shelter/my-units")
    expect(marta.locator("main")).to_contain_text(MOURAO_HOME)
    expect(marta.locator("main")).not_to_contain_text(PORTEL_HOME)
    marta.locator("tr", has=marta.get_by_text(MOURAO_HOME, exact=True)).get_by_role(
        "link", name="Fichas de admissão"
    ).click()
    expect(marta.locator("main")).not_to_contain_text("Beatriz")
    for path in (sheet_path, sheet_path.replace("/t/portel/", "/t/mourao/")):
        marta.goto(path)
        expect(marta.get_by_role("heading", level=1)).to_have_text(NOT_FOUND)


def test_tiago_keeps_his_school_in_mourao(person: Callable[[str], Page]) -> None:
    ana = person(MANAGER)
    _open_case(ana, "Tiago Serrano", "Tiago Serrano Barradas")
    _request(
        ana,
        public="Crianças dos 6 aos 11 anos",
        indicator="Negligência grave",
        risk="Elevado",
        urgency="Em 72 horas",
    )
    ana.get_by_label("Situação", exact=True).fill(
        "Sozinho em casa há três dias; a mãe foi internada. Frequenta a EB de Mourão."
    )
    reference = _send(ana)
    request_url = ana.url

    ines = person(DESK)
    _desk_request(ines, reference)
    rows = _candidates(ines)
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text(MOURAO_HOME)
    expect(rows.nth(0)).to_contain_text("1.º — mesmo concelho (+100) = 100")
    expect(rows.nth(1)).to_contain_text(REGUENGOS_HOME)
    expect(rows.nth(1)).to_contain_text("2.º — concelho vizinho (+50) = 50")
    expect(rows.nth(2)).to_contain_text(PORTEL_HOME)
    expect(rows.nth(2)).to_contain_text("3.º — resto do consórcio (+10) = 10")
    _offer(ines, MOURAO_HOME)

    marta = person("acolhimento@mourao.demo")
    seen = _accept(marta, "mourao", MOURAO_HOME)
    assert "8 anos" in seen and "Masculino" in seen and "Tiago" not in seen

    _admit(ana, request_url, MOURAO_HOME, "GE-MOU-2026-102")
    ana.goto(request_url)
    offers = ana.locator("section", has=ana.get_by_role("heading", name="Vagas oferecidas"))
    row = offers.locator("tbody tr").first
    expect(row).to_contain_text(MOURAO_HOME)
    expect(row).to_contain_text("ocupada (acolhimento em curso)")
    expect(row).to_contain_text("1.ª de 3")
    expect(row).to_contain_text("Mesmo concelho")
    expect(row).to_contain_text("mesmo concelho (+100)")
