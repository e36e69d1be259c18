"""Issue 6's case discussion in the browser, on the demo's CIMAC group "Crianças e famílias em
risco": Mourão's case manager brings Joaquina's case to the group as a vignette, sees the
preview without the family's names and numbers, and publishes it; Portel's case manager finds
it through her notification and proposes something; Mourão's coordinator, who has no seat in
the group, gets "page not found"; the author records in the case what was adopted."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.e2e

MANAGER = "gestora@mourao.demo"
PORTEL = "gestora@portel.demo"
OUTSIDER = "coordenacao@mourao.demo"
GROUP = "Crianças e famílias em risco"
NOT_FOUND = "Página não encontrada"
FAMILY = ("Joaquina", "Calado", "Pires", "Tiago", "Leonor", "215836456", "Misericórdia")


def _open_case(page: Page) -> None:
    """The case manager finds Joaquina by her NIF and opens her case."""
    page.get_by_role("link", name="Pessoas", exact=True).click()
    page.get_by_role("searchbox", name=re.compile("^Nome, NIF")).fill("215836456")
    page.get_by_role("button", name="Pesquisar").click()
    row = page.get_by_role("row").filter(has_text="Joaquina Calado Pires")
    row.get_by_role("link", name=re.compile(r"^\d{4}\/\d{4}$")).click()
    expect(page.locator(".case-head")).to_contain_text("Joaquina Calado Pires")


def _discussion(page: Page) -> Locator:
    return page.locator("section", has=page.get_by_role("heading", name="Discussão"))


def test_a_case_is_discussed_in_the_group_without_exposing_the_family(sign_in) -> None:  # type: ignore[no-untyped-def]
    author = sign_in(MANAGER)
    _open_case(author)
    author.get_by_role("link", name="Levar a um grupo de trabalho").click()
    expect(author.get_by_role("heading", level=1)).to_have_text(
        "Levar o caso a um grupo de trabalho"
    )
    expect(author.get_by_role("button", name="Publicar")).to_have_count(0)
    author.get_by_label("Grupo de trabalho").select_option(label=GROUP)
    title = "Família monoparental, desemprego e renda em atraso (e2e)"
    author.get_by_label("Título").fill(title)
    author.get_by_label("O que pergunta ao grupo").fill(
        "A Joaquina já tentou a cantina social: que respostas de emprego resultaram?"
    )
    author.get_by_role("button", name="Pré-visualizar").click()

    preview = author.locator(
        "section", has=author.get_by_role("heading", name=re.compile("^Pré-visualização"))
    )
    expect(preview).to_contain_text(title)
    expect(preview).to_contain_text("A [nome] já tentou a cantina social")
    expect(preview).to_contain_text("Integrar o agregado na cantina social")
    expect(preview).to_contain_text("Ação do plano em atraso")
    seen = preview.inner_text()
    for identifier in FAMILY:
        assert identifier not in seen, identifier
    author.get_by_role("button", name="Publicar").click()
    expect(author.get_by_role("status")).to_have_text(f"Vinheta publicada no grupo {GROUP}.")
    expect(author.get_by_role("heading", name=title)).to_be_visible()
    vignette_url = author.url
    assert re.search(r"/groups/\d+/vignettes/\d+$", vignette_url)
    assert "/cases/" not in vignette_url

    member = sign_in(PORTEL)
    member.get_by_role("link", name=re.compile("^Notificações")).click()
    member.get_by_role("link", name=f"Nova vinheta no grupo {GROUP}").first.click()
    expect(member.get_by_role("heading", name=title)).to_be_visible()
    expect(member.locator("article")).to_contain_text("Mourão")
    for identifier in FAMILY:
        expect(member.locator("main")).not_to_contain_text(identifier)
    member.get_by_label("Proposta (algo concreto que a autora ou o autor pode adotar)").check()
    proposal = "Em Portel resultou a bolsa de emprego com a restauração local (e2e)"
    member.get_by_label("Texto").fill(proposal)
    member.get_by_role("button", name="Publicar na discussão").click()
    expect(member.get_by_role("status")).to_have_text("Publicado na discussão.")
    expect(_discussion(member)).to_contain_text(proposal)

    outsider = sign_in(OUTSIDER)
    outsider.goto(vignette_url)
    expect(outsider.get_by_role("heading", level=1)).to_have_text(NOT_FOUND)
    expect(outsider.locator("main")).not_to_contain_text(title)

    author.reload()
    expect(_discussion(author)).to_contain_text(proposal)
    author.goto("/t/mourao/")
    _open_case(author)
    author.get_by_role("link", name="Vinhetas deste processo").click()
    section = author.locator("section", has=author.get_by_role("heading", name=title))
    section.get_by_label(re.compile(re.escape(proposal))).check()
    section.get_by_label("O que foi adotado e como (fica só no processo)").fill(
        "Contacto com a bolsa de emprego marcado."
    )
    section.get_by_role("button", name="Registar no processo").click()
    expect(author.get_by_role("status")).to_have_text(
        "Registado no processo, como nota confidencial."
    )
    expect(
        author.locator("section", has=author.get_by_role("heading", name=title))
    ).to_contain_text("Contacto com a bolsa de emprego marcado.")
