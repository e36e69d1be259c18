"""Issue 6's done-when for the library, in the browser: a Mourão case manager writes a good
practice and submits it, CIMAC's coordinator publishes it, and CIMBAL's coordinator (another
consortium, no councils on Teia) finds it by searching without accents."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def test_a_practice_goes_from_draft_to_published_and_another_consortium_finds_it(
    sign_in: Callable[[str], Page],
) -> None:
    mark = uuid.uuid4().hex[:8]
    title = f"Intervenção comunitária com as juntas ({mark})"

    author = sign_in("gestora@mourao.demo")
    author.goto("/practices/")
    author.get_by_role("link", name="Escrever uma prática").click()
    expect(author.get_by_role("heading", level=1)).to_have_text("Nova boa prática")
    author.get_by_label("Título").fill(title)
    expect(author.get_by_label("Consórcio").locator("option:checked")).to_have_text("CIMAC")
    author.get_by_label("Problema").fill("Pedidos de apoio chegavam tarde, já em crise.")
    author.get_by_label("O que foi feito").fill(
        "As juntas de freguesia sinalizam, numa reunião quinzenal, quem precisa de apoio."
    )
    author.get_by_label("Resultados").fill("Sinalizações duas semanas mais cedo.")
    author.get_by_label("Mourão").check()
    author.get_by_label("Etiquetas").fill("Juntas, Prevenção")
    author.get_by_role("button", name="Guardar rascunho").click()
    expect(author.get_by_role("heading", level=1)).to_contain_text(title)
    expect(author.get_by_text("Rascunho: só quem o escreve")).to_be_visible()
    author.get_by_role("button", name="Submeter à revisão").click()
    expect(author.get_by_text("Prática submetida")).to_be_visible()
    expect(author.get_by_role("button", name="Publicar")).to_have_count(0)

    coordinator = sign_in("coordenacao@cimac.demo")
    coordinator.goto("/practices/review")
    coordinator.get_by_role("link", name=title).click()
    coordinator.get_by_role("button", name="Publicar").click()
    expect(coordinator.get_by_text("Prática publicada na biblioteca.")).to_be_visible()

    other = sign_in("coordenacao@cimbal.demo")
    other.goto("/practices/")
    other.get_by_label("Procurar").fill(f"intervencao comunitaria {mark}")
    other.get_by_role("button", name="Pesquisar").click()
    expect(other.get_by_role("status")).to_have_text("1 prática encontrada")
    other.get_by_role("link", name=title).click()
    expect(other.get_by_role("heading", level=1)).to_contain_text(title)
    expect(other.get_by_text("As juntas de freguesia sinalizam")).to_be_visible()
    expect(other.get_by_role("link", name="prevenção")).to_be_visible()
    expect(other).to_have_url(re.compile(r"/practices/\d+$"))
