"""Issue 4's "done when", in the browser: a case manager records a person, opens a case,
writes the plan and shares one section on consent; the partner sees exactly that and updates
its action; a partner without a share sees nothing; revoking the consent ends the access at
once; the case manager sees who read the case, and why.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from teia.core.clock import today

pytestmark = pytest.mark.e2e

GIVEN, FAMILY = "Maria da Conceição", "Guerreiro Lopes"
FULL_NAME = f"{GIVEN} {FAMILY}"
SCM = "Santa Casa da Misericórdia de Mourão"
PURPOSE = "Cantina social"
PARTNER_ACTION, OWN_ACTION = "Integrar na cantina social", "Inscrever no IEFP"
NOTE = "Inscrita na cantina a 3/12"
NOT_FOUND = "Página não encontrada"
MOURAO_TZ = "Europe/Lisbon"


def _tab(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Secções do processo").get_by_role(
        "link", name=name, exact=True
    ).click()


def _register_person(ana: Page) -> None:
    ana.get_by_role("link", name="Pessoas", exact=True).click()
    search = ana.get_by_role("searchbox", name=re.compile("^Nome, NIF"))
    search.fill("Conceição Guerreiro")
    ana.get_by_role("button", name="Pesquisar").click()
    expect(ana.get_by_text("Ninguém encontrado.")).to_be_visible()
    ana.get_by_role("link", name="Registar uma pessoa nova").click()
    ana.get_by_label("Nome próprio").fill(GIVEN)
    ana.get_by_label("Apelidos").fill(FAMILY)
    ana.get_by_label("Data de nascimento").fill("1984-03-07")
    ana.get_by_label("NIF").fill("123 456 789")
    ana.get_by_label("Morada").fill("Rua Direita 5")
    ana.get_by_label("Freguesia de residência").select_option("Luz")
    ana.get_by_role("button", name="Registar", exact=True).click()
    expect(ana.get_by_role("status")).to_have_text("Pessoa registada.")
    expect(ana.get_by_role("heading", level=1)).to_have_text(FULL_NAME)
    expect(ana.locator("dl.pairs")).to_contain_text("123456789")


def _open_case(ana: Page) -> str:
    ana.get_by_role("link", name="Abrir processo").click()
    expect(ana.get_by_role("heading", level=1)).to_have_text(f"Abrir processo para {FULL_NAME}")
    ana.get_by_label("Habitação").check()
    ana.get_by_label("Emprego e formação").check()
    ana.get_by_label("Carência económica grave").check()
    ana.get_by_label("Motivo de abertura").fill("Perda de emprego e renda em atraso.")
    ana.get_by_role("button", name="Abrir processo").click()
    expect(ana.get_by_role("status")).to_contain_text(re.compile(r"Processo \S+ aberto\."))
    expect(ana).to_have_url(re.compile(r"/t/mourao/cases/\d+$"))
    expect(ana.locator(".case-head")).to_contain_text(FULL_NAME)
    expect(ana.locator(".case-head")).to_contain_text("Habitação, Emprego e formação")
    return ana.url


def _write_plan(ana: Page) -> None:
    _tab(ana, "Plano de intervenção")
    expect(ana.get_by_text("Ainda não há plano de intervenção.")).to_be_visible()
    ana.get_by_role("link", name="Escrever o plano").click()
    ana.get_by_label("Data em que a família concordou").fill(today(MOURAO_TZ).isoformat())
    ana.get_by_label("Descrição do objetivo").fill("Garantir a alimentação do agregado")
    ana.get_by_label("Ação 1 do objetivo 1").fill(PARTNER_ACTION)
    ana.locator("#goal-1-action-1-responsible").select_option(label=SCM)
    due = today(MOURAO_TZ) + timedelta(days=20)
    ana.locator("#goal-1-action-1-due_on").fill(due.isoformat())
    ana.get_by_label("Ação 2 do objetivo 1").fill(OWN_ACTION)
    ana.get_by_role("button", name="Guardar plano").click()
    expect(ana.get_by_role("status")).to_have_text("Plano guardado (versão 1).")
    partner_row = ana.get_by_role("row").filter(has_text=PARTNER_ACTION)
    expect(partner_row).to_contain_text(SCM)
    expect(partner_row).to_contain_text(due.strftime("%d/%m/%Y"))
    expect(ana.get_by_role("row").filter(has_text=OWN_ACTION)).to_contain_text("—")


def _record_consent(ana: Page) -> str:
    _tab(ana, "Partilhas")
    ana.get_by_role("link", name=FULL_NAME).click()
    consents = ana.locator("section", has=ana.get_by_role("heading", name="Consentimentos"))
    expect(consents).to_contain_text("Nenhum consentimento registado.")
    consents.locator("summary", has_text="Registar consentimento").click()
    consents.get_by_label("Quem consentiu").fill(FULL_NAME)
    consents.get_by_label("Data do consentimento").fill(today(MOURAO_TZ).isoformat())
    consents.get_by_label("A que consentiu").fill("Partilha do plano com a Santa Casa (cantina).")
    valid_until = today(MOURAO_TZ) + timedelta(days=365)
    consents.get_by_label("Válido até").fill(valid_until.isoformat())
    consents.get_by_role("button", name="Registar consentimento").click()
    expect(ana.get_by_role("status")).to_have_text("Consentimento registado.")
    expect(consents).to_contain_text("Partilha do plano com a Santa Casa (cantina).")
    expect(consents).to_contain_text(f"válido até {valid_until:%d/%m/%Y}")
    return f"{FULL_NAME}, {today(MOURAO_TZ):%d/%m/%Y}"


def _share_plan(ana: Page, case_url: str, consent: str) -> None:
    ana.goto(case_url)
    _tab(ana, "Partilhas")
    expect(
        ana.get_by_text("Este processo não está partilhado com nenhuma entidade.")
    ).to_be_visible()
    ana.get_by_label("Entidade parceira", exact=True).select_option(label=SCM)
    ana.get_by_label("Ações do plano atribuídas à entidade").check()
    ana.get_by_label("Finalidade", exact=True).fill(PURPOSE)
    ana.get_by_label("Fundamento", exact=True).select_option(label="Consentimento")
    ana.get_by_label("Registo de consentimento").select_option(label=consent)
    ana.get_by_role("button", name="Partilhar").click()
    expect(ana.get_by_role("status")).to_have_text("Partilha criada.")
    share = ana.get_by_role("row").filter(has_text=SCM)
    expect(share).to_contain_text("Ações do plano atribuídas à entidade")
    expect(share).to_contain_text(f"Consentimento: {consent}")
    expect(share).to_contain_text("Ativa até")


def _partner_opens_the_case(carla: Page, number: str) -> None:
    carla.get_by_role("link", name="Mourão", exact=True).click()
    carla.get_by_role("link", name="Processos", exact=True).click()
    carla.get_by_role("link", name=number, exact=True).click()
    expect(carla.get_by_role("note")).to_contain_text(
        f"Partilhado com a sua entidade para: {PURPOSE}."
    )
    expect(carla.get_by_role("note")).to_contain_text("Ações do plano atribuídas à entidade")
    # Exactly these two tabs: no Diagnóstico, Encaminhamentos, Registos, Partilhas, Acessos.
    tabs = carla.get_by_role("navigation", name="Secções do processo").get_by_role("link")
    expect(tabs).to_have_text(["Resumo", "Plano de intervenção"])
    page = carla.locator("html")
    expect(page).to_contain_text("A identificação do agregado não foi partilhada")
    for part in ("Guerreiro", "Conceição", "123456789", "Perda de emprego"):
        expect(page).not_to_contain_text(part)


def _partner_updates_its_action(carla: Page) -> None:
    _tab(carla, "Plano de intervenção")
    expect(carla.get_by_role("main")).to_contain_text(PARTNER_ACTION)
    expect(carla.get_by_role("main")).not_to_contain_text(OWN_ACTION)
    expect(carla.get_by_role("main")).not_to_contain_text("Guerreiro")
    carla.get_by_label("Estado da ação").select_option(label="Em curso")
    carla.get_by_label("Ponto de situação").fill(NOTE)
    carla.get_by_role("button", name="Atualizar").click()
    expect(carla.get_by_role("status")).to_have_text("Ação atualizada.")
    row = carla.get_by_role("row").filter(has_text=PARTNER_ACTION)
    expect(row).to_contain_text(NOTE)
    expect(row.get_by_label("Estado da ação")).to_have_value("in_progress")


def _unshared_partner_sees_nothing(teresa: Page, case_url: str, number: str) -> None:
    teresa.get_by_role("link", name="Processos", exact=True).click()
    expect(teresa.get_by_role("heading", level=1)).to_have_text("Processos")
    expect(teresa.get_by_role("link", name=number, exact=True)).to_have_count(0)
    teresa.get_by_role("link", name="Pessoas", exact=True).click()
    teresa.get_by_role("searchbox", name=re.compile("^Nome, NIF")).fill("Guerreiro")
    teresa.get_by_role("button", name="Pesquisar").click()
    expect(teresa.get_by_text("Ninguém encontrado.")).to_be_visible()
    teresa.goto(case_url)
    expect(teresa.get_by_role("heading", level=1)).to_have_text(NOT_FOUND)
    expect(teresa.get_by_role("main")).not_to_contain_text("Guerreiro")


def test_a_case_shared_on_consent_and_revoked(
    sign_in: Callable[[str], Page], tmp_path: Path
) -> None:
    ana = sign_in("gestora@mourao.demo")
    _register_person(ana)
    case_url = _open_case(ana)
    number = re.sub(r"^Processo\s+(\S+).*$", r"\1", ana.locator("h1").inner_text(), flags=re.S)
    _write_plan(ana)
    consent = _record_consent(ana)
    _share_plan(ana, case_url, consent)
    ana.goto(case_url)
    ana.screenshot(path=str(tmp_path / "case-as-ana.png"), full_page=True)

    carla = sign_in("ipss@mourao.demo")
    _partner_opens_the_case(carla, number)
    carla.screenshot(path=str(tmp_path / "case-as-carla.png"), full_page=True)
    _partner_updates_its_action(carla)
    carla.screenshot(path=str(tmp_path / "plan-as-carla.png"), full_page=True)

    _tab(ana, "Plano de intervenção")
    row = ana.get_by_role("row").filter(has_text=PARTNER_ACTION)
    expect(row).to_contain_text(NOTE)
    expect(row.get_by_label("Estado da ação")).to_have_value("in_progress")

    _unshared_partner_sees_nothing(sign_in("saude@mourao.demo"), case_url, number)

    _tab(ana, "Partilhas")
    ana.get_by_role("button", name="Revogar consentimento").click()
    expect(ana.get_by_role("status")).to_contain_text("Consentimento revogado")
    expect(ana.get_by_role("row").filter(has_text=SCM)).to_contain_text("Consentimento revogado")
    carla.reload()
    expect(carla.get_by_role("heading", level=1)).to_have_text(NOT_FOUND)
    carla.goto(case_url)
    expect(carla.get_by_role("heading", level=1)).to_have_text(NOT_FOUND)
    carla.get_by_role("link", name="Processos", exact=True).click()
    expect(carla.get_by_role("link", name=number, exact=True)).to_have_count(0)

    _tab(ana, "Acessos")
    reads = ana.get_by_role("row").filter(has_text="Carla (Santa Casa da Misericórdia)")
    for section in ("resumo", "plano"):
        expect(reads.filter(has_text=f"Consulta ({section})").first).to_contain_text(PURPOSE)
