"""A meeting of the demo group "Crianças e famílias em risco" held end to end in the browser.

CIMAC's coordinator (who signs in with a second factor) schedules it, puts a subject on the
agenda, records who came, writes the minutes, a decision and an action item for Portel's case
manager, marks it held and approves the minutes: the page then shows the record with who
approved it and no editing forms, and a write sent anyway is refused. Portel's case manager
finds the action among hers and closes it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

COORDINATOR = "coordenacao@cimac.demo"
PORTEL = "gestora@portel.demo"
GROUP = "Crianças e famílias em risco"


def _open_meetings(page: Page) -> str:
    """From the coordinator's groups to the demo group's meetings; the group's address."""
    page.goto("/groups/")
    page.get_by_role("link", name=GROUP, exact=True).click()
    expect(page).to_have_url(re.compile(r"/groups/\d+$"))
    group_url = page.url
    page.goto(f"{group_url}/meetings")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reuniões")
    return group_url


def test_a_meeting_is_held_end_to_end_and_its_minutes_become_read_only(
    sign_in: Callable[[str], Page],
) -> None:
    title = f"Reunião de acompanhamento {int(time.time())}"
    today = datetime.now(ZoneInfo("Europe/Lisbon")).date()
    day, due = today + timedelta(days=10), today + timedelta(days=30)
    page = sign_in(COORDINATOR)
    _open_meetings(page)

    page.get_by_role("link", name="Agendar reunião").click()
    page.get_by_label("Título", exact=True).fill(title)
    page.get_by_label("Data").fill(day.isoformat())
    page.get_by_label("Hora (Lisboa)").fill("15:00")
    page.get_by_label("Local").fill("Sede da CIMAC, Évora")
    page.get_by_role("button", name="Agendar e convocar").click()
    expect(page.get_by_text("os membros do grupo foram convocados")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    expect(page.locator(".case-head")).to_contain_text(f"{day.strftime('%d/%m/%Y')} às 15:00")
    meeting_url = page.url

    # the agenda: another subject, with a title
    page.get_by_label("Assunto", exact=True).select_option(label="Outro assunto (escreva o título)")
    page.get_by_label("Título (obrigatório para outro assunto)").fill("Calendário do semestre")
    page.get_by_role("button", name="Acrescentar à ordem de trabalhos").click()
    agenda = page.locator("section", has=page.get_by_role("heading", name="Ordem de trabalhos"))
    expect(agenda.get_by_role("listitem").first).to_contain_text("Calendário do semestre")

    # attendance: Portel's case manager excused, everyone else present
    presences = page.locator("section", has=page.get_by_role("heading", name="Presenças"))
    for select in presences.get_by_role("combobox").all():
        select.select_option(label="Presente")
    page.get_by_label("Helena Gestora de Caso").select_option(label="Falta justificada")
    page.get_by_role("button", name="Registar presenças").click()
    expect(page.get_by_text("Presenças registadas.")).to_be_visible()

    page.get_by_role("textbox", name="Ata", exact=True).fill(
        "Revisto o calendário do semestre. Portel apresenta os números do RSI na próxima reunião."
    )
    page.get_by_role("button", name="Guardar a ata").click()
    expect(page.get_by_text("Ata guardada.")).to_be_visible()

    page.get_by_label("Deliberação").fill("Reunir mensalmente, na primeira terça-feira.")
    page.get_by_role("button", name="Registar deliberação").click()
    decisions = page.locator("section", has=page.get_by_role("heading", name="Deliberações"))
    expect(decisions).to_contain_text("Reunir mensalmente, na primeira terça-feira.")

    page.get_by_label("Tarefa", exact=True).fill("Trazer os números do RSI de Portel")
    page.get_by_label("Responsável").select_option(label="Helena Gestora de Caso")
    page.get_by_label("Prazo").fill(due.isoformat())
    page.get_by_role("button", name="Atribuir tarefa").click()
    actions = page.locator("section", has=page.get_by_role("heading", name="Tarefas"))
    expect(actions).to_contain_text("Trazer os números do RSI de Portel")
    expect(actions).to_contain_text("Helena Gestora de Caso")

    page.get_by_role("button", name="Dar a reunião como realizada").click()
    expect(page.locator(".case-head .status")).to_have_text("Realizada")
    page.get_by_role("button", name="Aprovar a ata").click()

    # approved: the record, who approved it, and no editing forms
    expect(
        page.get_by_text(re.compile(r"^Ata aprovada por Inês Coordenadora \(CIMAC\) em"))
    ).to_be_visible()
    expect(page.get_by_text("Revisto o calendário do semestre.")).to_be_visible()
    expect(presences).to_contain_text("Falta justificada")
    for button in (
        "Guardar a ata",
        "Registar presenças",
        "Acrescentar à ordem de trabalhos",
        "Registar deliberação",
        "Atribuir tarefa",
        "Aprovar a ata",
        "Guardar alterações",
    ):
        expect(page.get_by_role("button", name=button)).to_have_count(0)
    expect(page.get_by_role("textbox", name="Ata", exact=True)).to_have_count(0)

    # a write sent anyway (with a valid CSRF token) is refused
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    refused = page.request.post(
        f"{meeting_url}/minutes",
        form={"csrf_token": token or "", "minutes-minutes": "Ata reescrita"},
        max_redirects=0,
    )
    assert refused.status == 409
    assert "já não podem ser alteradas" in refused.text()
    page.reload()
    expect(page.get_by_text("Revisto o calendário do semestre.")).to_be_visible()
    expect(page.get_by_text("Ata reescrita")).to_have_count(0)

    # the action item lives on: its owner finds it among hers and closes it
    owner = sign_in(PORTEL)
    owner.goto("/groups/actions")
    row = owner.get_by_role("row").filter(has_text="Trazer os números do RSI de Portel")
    expect(row).to_contain_text(GROUP)
    row.get_by_label("Estado").select_option(label="Concluída")
    row.get_by_label("Nota").fill("Números enviados ao grupo.")
    row.get_by_role("button", name="Atualizar tarefa").click()
    expect(owner.get_by_text("Tarefa atualizada.")).to_be_visible()
    expect(owner.get_by_role("row").filter(has_text="Trazer os números do RSI")).to_have_count(0)
    page.reload()
    expect(actions).to_contain_text("Concluída: Números enviados ao grupo.")
