"""Working groups in the browser: CIMAC's coordinator (with her second factor) forms a group
and adds Portel's case manager, who then finds it among her groups; she registers a
constraint and the coordinator records that it was raised with the responsible body."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import date

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

COORDINATOR = "coordenacao@cimac.demo"
PORTEL = "gestora@portel.demo"


def test_a_group_is_formed_joined_and_keeps_a_constraints_register(
    sign_in: Callable[[str], Page],
) -> None:
    name = f"Jovens cuidadores {secrets.token_hex(3)}"
    coordinator = sign_in(COORDINATOR)
    coordinator.goto("/c/cimac/")
    coordinator.get_by_role("link", name="Grupos do consórcio").click()
    coordinator.get_by_role("link", name="Formar grupo").click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text(
        "Novo grupo de trabalho de CIMAC"
    )
    coordinator.get_by_label("Nome do grupo").fill(name)
    coordinator.get_by_label("Tema: o que o grupo discute e procura").fill(
        "Crianças e jovens que cuidam de familiares: como os encontrar e apoiar."
    )
    coordinator.get_by_role("button", name="Formar grupo").click()
    expect(coordinator.get_by_role("status")).to_contain_text("Acrescente os membros.")
    expect(coordinator.get_by_role("heading", level=1)).to_have_text(name)
    coordinator.get_by_label("Profissional (município e entidade)").select_option(
        label="Helena Gestora de Caso — Município de Portel (Gestor/a de caso)"
    )
    coordinator.get_by_role("button", name="Acrescentar").click()
    expect(coordinator.get_by_role("status")).to_have_text(
        "Helena Gestora de Caso entrou no grupo."
    )
    expect(coordinator.get_by_role("rowgroup").filter(has_text="Portel")).to_contain_text(
        "Helena Gestora de Caso"
    )

    manager = sign_in(PORTEL)
    manager.goto("/t/portel/")
    manager.get_by_role("link", name="Grupos de trabalho").click()
    manager.get_by_role("link", name=name).click()
    expect(manager.get_by_role("heading", level=1)).to_have_text(name)
    expect(manager.locator("dl.pairs")).to_contain_text("Inês Coordenadora (CIMAC)")
    manager.get_by_role("link", name="Constrangimentos").click()
    manager.get_by_role("link", name="Registar constrangimento").click()
    manager.get_by_label("Título").fill("Sem transporte para as consultas de pedopsiquiatria")
    manager.get_by_label(re.compile("^O que acontece")).fill(
        "As consultas são em Évora e não há transporte para as famílias sem carro."
    )
    manager.get_by_label("Portel").check()
    manager.get_by_role("button", name="Registar").click()
    expect(manager.get_by_role("status")).to_have_text("Constrangimento registado.")
    expect(manager.locator(".status")).to_have_text("Identificado")
    expect(manager.get_by_label("Estado", exact=True)).to_have_count(0)  # the coordination moves it
    constraint_url = manager.url

    coordinator.goto(constraint_url)
    coordinator.get_by_label("Estado", exact=True).select_option(
        label="Levado à entidade responsável"
    )
    coordinator.get_by_label("Levado a (entidade responsável)").fill(
        "Administração Regional de Saúde do Alentejo"
    )
    coordinator.get_by_label("Levado em").fill(date.today().isoformat())  # noqa: DTZ011 - the browser's day
    coordinator.get_by_role("button", name="Registar estado").click()
    expect(coordinator.get_by_role("status")).to_have_text("Estado do constrangimento registado.")
    expect(coordinator.locator("p > .status")).to_have_text("Levado à entidade responsável")

    manager.get_by_role("link", name="Registo de constrangimentos").click()
    row = manager.get_by_role("row").filter(has_text="Sem transporte")
    expect(row).to_contain_text("Levado à entidade responsável")
    expect(row).to_contain_text("Administração Regional de Saúde do Alentejo")
